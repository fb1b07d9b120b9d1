"""`syncready snapshot --out DIR [live options]`: save the live sources as a snapshot folder (SPEC §2).

The folder is what `check --snapshot DIR` reads, so a directory can be checked again later, on
another machine, or without network. Only the parts whose live options are given are read and
written (Graph options: cloud/; --ldap-url: onprem/), which also refreshes one part of an existing
folder. Files hold what the sources returned for the attributes syncready reads: no password,
token or secret is ever in them.
"""
from __future__ import annotations

import sys

from ..config import load_config
from ..errors import ConfigError
from ..sources.load import wants_live_cloud, wants_live_onprem
from ..sources.snapshot import AD, write_snapshot
from .options import add_source_options


def register(sub) -> None:
    parser = sub.add_parser("snapshot", help="save the live sources (Graph, AD) as a snapshot folder")
    parser.add_argument("--out", metavar="DIR", required=True, help="snapshot folder to write (cloud/, onprem/)")
    add_source_options(parser)
    parser.set_defaults(handler=run_snapshot)


def run_snapshot(args) -> int:
    if getattr(args, "snapshot", None):
        raise ConfigError("syncready snapshot reads live sources only; --snapshot is an input of check, fix and "
                          "the pytest front end")
    config = load_config(getattr(args, "config", None))
    live_cloud, live_onprem = wants_live_cloud(args, config), wants_live_onprem(args)
    if not (live_cloud or live_onprem):
        raise ConfigError("nothing to read: give --ldap-url for AD and/or the Graph options (--tenant-id, --auth)")
    from ..model import Directory

    directory = Directory()
    raw: dict = {}
    if live_cloud:
        from ..sources.graph import read_cloud

        read_cloud(args, config, into=directory, raw_sink=raw)
    if live_onprem:
        from ..sources.ldap import read_onprem

        entries: list = []
        read_onprem(args, config, into=directory, raw_sink=entries)
        raw[AD] = entries
    written = write_snapshot(args.out, raw)
    if not getattr(args, "quiet", False):
        counts = {"cloud": f"{len(directory.cloud_users):,} cloud users", "onprem": f"{len(directory.onprem):,} AD objects"}
        parts = [p for p, live in (("cloud", live_cloud), ("onprem", live_onprem)) if live]
        print(f"snapshot written to {args.out}: {', '.join(counts[p] for p in parts)} in {len(written)} files",
              file=sys.stdout)
    return 0
