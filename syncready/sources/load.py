"""Assemble the Directory from the sources the options name: live Graph, live LDAP, snapshot.

A --snapshot folder supplies whatever the live options leave out, so a cloud export can be
checked against a live AD and the other way round.
"""
from __future__ import annotations

import gc

from ..config import Config
from ..coverage import Collection as C
from ..coverage import Coverage
from ..errors import ConfigError
from ..model import Directory

# The collections the cloud part of a snapshot or the Graph reader supply; the rest come from AD.
CLOUD_COLLECTIONS = (C.USERS, C.GROUPS, C.CONTACTS, C.DOMAINS, C.SYNC, C.ROLE_ASSIGNMENTS, C.ROLE_ELIGIBILITY,
                     C.GROUP_MEMBERS, C.MAILBOXES)


CLOUD_SOURCE_KEYS = ("graph_url", "tenant_id", "auth")


def wants_live_cloud(args, config: Config | None = None) -> bool:
    """Graph is read live when the options, or [sources] of syncready.toml, name it."""
    sources = config.sources if config else {}
    return any(getattr(args, key, None) or sources.get(key) for key in CLOUD_SOURCE_KEYS)


def wants_live_onprem(args) -> bool:
    return bool(getattr(args, "ldap_url", None))


def load_directory(args, config: Config) -> Directory:
    live_cloud, live_onprem = wants_live_cloud(args, config), wants_live_onprem(args)
    snapshot = getattr(args, "snapshot", None) or config.sources.get("snapshot")
    if not snapshot and not (live_cloud and live_onprem):
        missing = " and ".join(p for p, live in (("cloud (--tenant-id/--auth)", live_cloud),
                                                  ("on-prem (--ldap-url)", live_onprem)) if not live)
        raise ConfigError(f"no source for {missing}: give --snapshot DIR or the live options")
    from .snapshot import read_snapshot

    parts = tuple(p for p, live in (("cloud", live_cloud), ("onprem", live_onprem)) if not live)
    directory = (read_snapshot(snapshot, extra_graph=config.extra_graph, extra_ldap=config.extra_ldap, parts=parts)
                 if parts else Directory(coverage=Coverage.from_reader()))
    read_live(args, config, directory, live_cloud, live_onprem)
    directory.coverage.declare_empty(config.sources.get("known_empty") or ())
    gc.collect()
    gc.freeze()
    return directory


def read_live(args, config: Config, directory: Directory, live_cloud: bool, live_onprem: bool,
              raw: dict | None = None, entries: list | None = None, about: dict | None = None) -> None:
    """Read the live parts into `directory`, keeping the coverage of the parts read before (a snapshot).

    A live reader records its collections in `directory.coverage`, or may put a Coverage of its
    own there; either way the result holds both parts, the live one winning for its collections.
    """
    before = directory.coverage
    if live_cloud:
        from .graph import read_cloud

        read_cloud(args, config, into=directory, raw_sink=raw)
    if live_onprem:
        from .ldap import read_onprem

        read_onprem(args, config, into=directory, raw_sink=entries, about=about)
    if directory.coverage is not before:
        merged = Coverage.from_reader()
        merged.update(before)
        merged.update(directory.coverage)
        directory.coverage = merged
