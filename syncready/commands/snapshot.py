"""`syncready snapshot --out DIR [live options]`: save the live sources as a snapshot folder (SPEC §2).

The folder is what `check --snapshot DIR` reads, so a directory can be checked again later, on
another machine, or without network. Only the parts whose live options are given are read and
written (Graph options: cloud/; --ldap-url: onprem/), which also refreshes one part of an existing
folder. Files hold what the sources returned for the attributes syncready reads: no password,
token or secret is ever in them.
"""
from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from ..coverage import Collection as C
from ..errors import ConfigError
from ..sources.admap import ONPREM_COLLECTIONS, ad_attributes
from ..sources.graphmap import CONTACT_SELECT, DOMAIN_SELECT, GROUP_SELECT, user_select
from ..sources.snapshot_layout import EXO_COMMAND, HOW, MAILBOXES, USERS
from ..sources.snapshot_users import per_user_read
from ..options import from_args
from ..sources.load import read_live
from ..sources.snapshot import (AD, FILES, GROUP_MEMBERS, SNAPSHOT_FILES, manifest_document, previous_manifest,
                                read_mailboxes, write_manifest, write_snapshot)
from ..summary import coverage_warnings
from ..termtext import escape
from .options import add_source_options


def register(sub) -> None:
    parser = sub.add_parser("snapshot", help="save the live sources (Graph, AD) as a snapshot folder")
    parser.add_argument("--out", metavar="DIR", required=True, help="snapshot folder to write (cloud/, onprem/)")
    parser.add_argument("--mailboxes", metavar="FILE",
                        help=f"Exchange Online export to keep as {MAILBOXES} (Graph cannot read it): {EXO_COMMAND}")
    add_source_options(parser)
    parser.set_defaults(handler=run_snapshot)


def run_snapshot(args) -> int:
    if args.snapshot:
        raise ConfigError("syncready snapshot reads live sources only; --snapshot is an input of check, fix and "
                          "the pytest front end")
    sources = from_args(args).sources
    config = sources.config
    live_cloud, live_onprem = sources.live_cloud, sources.live_onprem
    if not (live_cloud or live_onprem):
        raise ConfigError("nothing to read: give --ldap-url for AD and/or the Graph options (--tenant-id, --auth)")
    if args.mailboxes and not live_cloud:
        raise ConfigError("--mailboxes is part of the cloud snapshot: give the Graph options (--tenant-id, --auth) too")
    from ..coverage import Coverage, CoverageStatus
    from ..model import Directory

    export = _read_export(args.mailboxes)       # before the live read: a bad file fails fast
    directory = Directory(coverage=Coverage.from_reader())
    raw: dict = {}
    entries: list = []
    about: dict = {}
    read_live(sources, directory, raw=raw if live_cloud else None, entries=entries if live_onprem else None,
              about=about)
    warnings = coverage_warnings(directory.coverage.to_json())
    if live_onprem:
        raw[AD] = entries
    if live_cloud:
        _mailboxes(export, directory, raw)
        if GROUP_MEMBERS not in raw and directory.coverage.get(C.GROUP_MEMBERS).status is CoverageStatus.READ:
            raw[GROUP_MEMBERS] = [{"id": gid, "members": [{"id": m} for m in members]}
                                  for gid, members in directory.group_members.items()]
        for name, rel in FILES.items():
            entry = directory.coverage.collections.get(name)
            if rel.startswith("cloud/") and rel not in raw and name != C.SYNC and entry is not None \
                    and entry.status is CoverageStatus.READ:
                raw[rel] = []          # read and found empty (a tenant without PIM): the file says so
    previous = previous_manifest(args.out)
    written = write_snapshot(args.out, raw)
    parts = [p for p, live in (("cloud", live_cloud), ("onprem", live_onprem)) if live]
    present = [rel for rel in SNAPSHOT_FILES if (Path(args.out) / rel).is_file()]
    selected: dict[str, Sequence[str]] = {
        C.USERS: [*user_select(config.extra_graph), *per_user_read(raw.get(USERS) or [], directory.cloud_users)],
        C.GROUPS: GROUP_SELECT, C.CONTACTS: CONTACT_SELECT,
        C.DOMAINS: DOMAIN_SELECT, **{name: ad_attributes(config.extra_ldap) for name in ONPREM_COLLECTIONS.values()}}
    written.append(write_manifest(args.out, manifest_document(directory, parts, selected, about, config.scope,
                                                              previous, present)))
    for line in warnings:
        print(f"syncready: warning: {escape(line)}", file=sys.stderr)   # readers print nothing (SPEC §8)
    if not args.quiet:
        counts = {"cloud": f"{len(directory.cloud_users):,} cloud users",
                  "onprem": f"{len(directory.onprem):,} AD objects"}
        print(f"snapshot written to {args.out}: {', '.join(counts[p] for p in parts)} in {len(written)} files",
              file=sys.stdout)
        if live_cloud and MAILBOXES not in raw:
            print(f"no {MAILBOXES}: Graph cannot read Exchange Online mailboxes; give --mailboxes FILE with the "
                  f"output of {EXO_COMMAND}", file=sys.stdout)
    return 0


def _read_export(export: str | None) -> tuple[list, list] | None:
    """The --mailboxes file: (records as read, Mailboxes); a malformed one is a SourceError naming it."""
    if export is None:
        return None
    path = Path(export)
    if not path.is_file():
        raise ConfigError(f"--mailboxes {export}: no such file (the output of {EXO_COMMAND})")
    return read_mailboxes(path, export)


def _mailboxes(export: tuple[list, list] | None, directory, raw: dict) -> None:
    """cloud/mailboxes.json: the admin's Get-EXOMailbox export, written as read. Without one (and no
    live reader that gave it) the manifest records mailboxes as unavailable: Graph has no way to
    read ExchangeGuid, LegacyExchangeDN or RecipientTypeDetails. Not a warning of this read: no
    live source was missed, and check reports the collection as not read."""
    from ..coverage import CoverageStatus

    if export is not None:
        raw[MAILBOXES], directory.mailboxes = export
        directory.coverage.read(C.MAILBOXES, len(directory.mailboxes), MAILBOXES)
    elif MAILBOXES not in raw and directory.coverage.get(C.MAILBOXES).status is not CoverageStatus.READ:
        directory.coverage.not_read(C.MAILBOXES, "Microsoft Graph does not expose Exchange Online mailboxes "
                                    "(ExchangeGuid, LegacyExchangeDN, RecipientTypeDetails); no --mailboxes export "
                                    "was given", f"{HOW[C.MAILBOXES]}, or give syncready snapshot --mailboxes FILE")
