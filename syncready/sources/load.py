"""Assemble the Directory from the sources the options name: live Graph, live LDAP, snapshot.

A --snapshot folder supplies whatever the live options leave out, so a cloud export can be
checked against a live AD and the other way round.
"""
from __future__ import annotations

import gc
from collections.abc import Callable
from pathlib import Path

from ..coverage import Collection as C
from ..coverage import Coverage
from ..errors import ConfigError
from ..gcpause import collector_paused
from ..model import Directory
from ..options import SourceOptions

# The collections the cloud part of a snapshot or the Graph reader supply; the rest come from AD.
CLOUD_COLLECTIONS = (C.USERS, C.GROUPS, C.CONTACTS, C.DOMAINS, C.SYNC, C.ROLE_ASSIGNMENTS, C.ROLE_ELIGIBILITY,
                     C.GROUP_MEMBERS, C.MAILBOXES)


def load_directory(sources: SourceOptions, progress: Callable[[str, int], object] | None = None) -> Directory:
    """`progress` is handed to the snapshot reader (the live readers draw their own counters).

    What was read is kept to the end, so it is frozen out of the cyclic collector's walks. A live read
    runs with the collector and is collected once before freezing (its clients make cycles); a
    snapshot's reading pauses it and makes almost no cycles (289 objects at 100k users), so it is
    frozen as it is: a full collection would walk every object read once more for them (0.3 s at
    100k users)."""
    config = sources.config
    if not sources.snapshot and not (sources.live_cloud and sources.live_onprem):
        missing = " and ".join(p for p, live in (("cloud (--tenant-id/--auth)", sources.live_cloud),
                                                  ("on-prem (--ldap-url)", sources.live_onprem)) if not live)
        raise ConfigError(f"no source for {missing}: give --snapshot DIR or the live options")
    from .snapshot import read_snapshot

    parts = tuple(p for p, live in (("cloud", sources.live_cloud), ("onprem", sources.live_onprem)) if not live)
    with collector_paused():
        directory = (read_snapshot(sources.snapshot, extra_graph=config.extra_graph, extra_ldap=config.extra_ldap,
                                   parts=parts, progress=progress)
                     if parts else Directory(coverage=Coverage.from_reader()))
        if not (sources.live_cloud or sources.live_onprem):
            gc.freeze()
            return directory
    read_live(sources, directory)
    if sources.live_cloud:
        _mailboxes_beside_live(Path(sources.snapshot) if sources.snapshot else None, directory)
    _freeze()
    return directory


def _freeze() -> None:
    gc.collect()
    gc.freeze()


def _mailboxes_beside_live(root: Path | None, directory: Directory) -> None:
    """Graph cannot read Exchange Online mailboxes: with a live cloud part, the --snapshot folder's
    cloud/mailboxes.json (the admin's Get-EXOMailbox export) supplies them (SPEC §10); without
    one they are not read, and the reason says how to get them."""
    from .snapshot import HOW, MAILBOXES, read_mailboxes

    if C.MAILBOXES in directory.coverage.collections:
        return                    # a live reader recorded them
    path = root / MAILBOXES if root is not None else None
    if path is not None and path.is_file():
        directory.mailboxes = read_mailboxes(path)[1]
        directory.coverage.read(C.MAILBOXES, len(directory.mailboxes), f"snapshot:{path}")
        return
    directory.coverage.not_read(C.MAILBOXES, "Microsoft Graph does not expose Exchange Online mailboxes",
                                f"{HOW[C.MAILBOXES]} in a folder given as --snapshot DIR")


def read_live(sources: SourceOptions, directory: Directory, raw: dict | None = None, entries: list | None = None,
              about: dict | None = None) -> None:
    """Read the live parts into `directory`, keeping the coverage of the parts read before (a snapshot).

    A live reader records its collections in `directory.coverage`, or may put a Coverage of its
    own there; either way the result holds both parts, the live one winning for its collections.
    """
    before = directory.coverage
    if sources.graph is not None:
        from .graphread import read_cloud

        read_cloud(sources.graph, into=directory, extra=sources.config.extra_graph, raw_sink=raw)
    if sources.ldap is not None:
        from .ldapread import read_onprem

        read_onprem(sources.ldap, into=directory, extra=sources.config.extra_ldap, raw_sink=entries, about=about)
    if directory.coverage is not before:
        merged = Coverage.from_reader()
        merged.update(before)
        merged.update(directory.coverage)
        directory.coverage = merged
