"""Read snapshot folders (SPEC §2, §10): Graph JSON exports, an Exchange Online export and an LDIF export of AD.

A snapshot is often made by hand with Microsoft's tools, so the reader accepts every shape those
produce (snapshot_json) and turns every problem into a one-line SourceError naming the file and
the record. The layout, the manifest and the writer live in snapshot_layout, snapshot_manifest
and snapshot_write; their public names are re-exported here for the modules that import them.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path

from ..coverage import Collection as C
from ..coverage import Coverage
from ..errors import SourceError
from ..gcpause import collector_paused
from ..index import groups_needing_members
from ..model import Directory, Mailbox, OnPremObject, SyncFeatures
from .admap import (ONPREM_COLLECTIONS, manifest_selection, onprem_counts, onprem_from_attributes, onprem_from_entry,
                    record_properties)
from .graphmap import (cloud_contact_from_graph, cloud_group_from_graph, cloud_user_from_graph, domain_from_graph,
                       features_from_graph, group_members_from_graph, role_assignment_from_graph, tenant_id_from_sync)
from .exomap import mailbox_from_exo
from .ldif import iter_ldif_entries, iter_ldif_records, printable
from .snapshot_json import Segment, load_json, map_segments
from .snapshot_layout import (AD, CONTACTS, DOMAINS, FILES, GROUP_MEMBERS, GROUPS, HOW, MAILBOXES, MANIFEST, PARTS,
                              ROLE_ASSIGNMENTS, ROLE_ELIGIBILITY, SNAPSHOT_FILES, SYNC, USERS)
from .snapshot_manifest import (MANIFEST_SCHEMA, MANIFEST_STATUSES, check_count, manifest_document, previous_manifest,
                                read_manifest, unavailable, write_manifest)
from .snapshot_users import (ADDRESSED, absent_keys, absent_user_properties, empty_export, per_user_gaps,
                             refuse_duplicate_ids, required_absent_from_some)
from .snapshot_write import write_snapshot

__all__ = ["AD", "CONTACTS", "DOMAINS", "FILES", "GROUP_MEMBERS", "GROUPS", "HOW", "MAILBOXES", "MANIFEST",
           "MANIFEST_SCHEMA", "MANIFEST_STATUSES", "PARTS", "ROLE_ASSIGNMENTS", "ROLE_ELIGIBILITY", "SNAPSHOT_FILES",
           "SYNC", "USERS", "Segment", "manifest_document", "previous_manifest", "read_mailboxes", "read_manifest",
           "read_snapshot",
           "write_manifest", "write_snapshot"]


# Told (file, records so far) while a file is read; the command layer draws it (readers print nothing).
Tick = Callable[[str, int], object]
_TICK_EVERY = 1000


def read_snapshot(folder, extra_graph: Iterable[str] = (), extra_ldap: Iterable[str] = (),
                  parts: Iterable[str] = PARTS, progress: Tick | None = None) -> Directory:
    """The Directory held in a snapshot folder; only the requested parts are read.

    extra_graph and extra_ldap name further user properties and AD attributes (drift attributes)
    to keep in each object's `extra`. Records are named in messages by their 0-based index
    ("record 17", as jq's `.[17]`; "page 2 record 5" in a list of pages) or, in JSON Lines, by
    their line number. The Directory's coverage says what was read (SPEC §8): an absent optional
    file is not read; `manifest.json`, when present, says which collections the snapshot's
    maker could not read; `[sources] known_empty` is applied by the engine, as for live reads.
    Nothing is printed: warnings go to `coverage.notes`, which every output shows once;
    `progress`, when given, is told each file and every thousandth record read.
    """
    parts = tuple(parts)
    unknown = set(parts) - set(PARTS)
    if unknown:
        raise ValueError(f"unknown snapshot part(s) {sorted(unknown)}; expected some of {PARTS}")
    root = Path(folder).absolute()
    if not root.is_dir():
        raise SourceError(f"snapshot folder {root} does not exist" if not root.exists()
                          else f"snapshot {root} is not a folder")
    directory = Directory(coverage=Coverage.from_reader())
    manifest = read_manifest(root)
    tick = progress or _untold
    with collector_paused():   # loading makes millions of acyclic objects
        if "cloud" in parts:
            _read_cloud(root, directory, tuple(extra_graph), manifest, tick)
            directory.sources["cloud"] = f"snapshot:{root}"
        if "onprem" in parts:
            directory.onprem = _read_onprem(root, tuple(extra_ldap), directory.coverage, manifest, tick)
            directory.sources["onprem"] = f"snapshot:{root}"
    return directory



def _untold(what: str, count: int) -> None:
    return None


def _told(tick: Tick) -> Tick | None:
    """The tick for map_segments: None when nobody listens, so records are mapped in one go."""
    return None if tick is _untold else tick




def _read_cloud(root: Path, directory: Directory, extra: tuple[str, ...], manifest: dict, tick: Tick) -> None:
    coverage = directory.coverage
    if not (root / USERS).is_file():
        raise SourceError(f"snapshot folder {root} has no {USERS}")
    tick(USERS, 0)
    segments = load_json(root / USERS, USERS)
    directory.cloud_users = map_segments(segments, USERS, partial(cloud_user_from_graph, extra_props=extra),
                                         _told(tick), _TICK_EVERY)
    lacking = required_absent_from_some(segments)
    optional_missing = absent_user_properties(segments, extra, manifest.get(C.USERS))
    if lacking:
        coverage.notes.append(f"{USERS}: some user records lack {', '.join(lacking)} (pages exported with another "
                              "$select?), so they are not read for any user; export every page with the same $select")
    check_count(manifest, C.USERS, len(directory.cloud_users))
    notes, empty = empty_export(directory.cloud_users)
    coverage.read(C.USERS, len(directory.cloud_users), USERS, missing=[*optional_missing, *lacking, *empty])
    coverage.notes.extend(notes)
    for name in manifest:
        if name.startswith(f"{C.USERS}."):
            unavailable(manifest, name, coverage)     # a per-user read refused for some users (SPEC §10)
    for prop, count in per_user_gaps(segments, directory.cloud_users, manifest.get(C.USERS)).items():
        name = f"{C.USERS}.{prop}"
        if name not in coverage.collections:
            coverage.not_read(name, f"absent from the records of {count:,} user(s) that need it, which others carry",
                              f"export {prop} for every user that needs it (syncready snapshot does)")

    def optional(name: C, convert: Callable) -> list | None:
        rel = FILES[name]
        if unavailable(manifest, name, coverage):
            return None
        if not (root / rel).is_file():
            if name in manifest:
                raise SourceError(f"{MANIFEST} lists {name} as read, but {rel} is missing")
            coverage.not_read(name, f"{rel} absent", HOW.get(name))
            return None
        tick(rel, 0)
        segments = load_json(root / rel, rel)
        found = map_segments(segments, rel, convert, _told(tick), _TICK_EVERY)
        check_count(manifest, name, len(found))
        coverage.read(name, len(found), rel, missing=absent_keys(segments, ADDRESSED.get(name, ())))
        return found

    directory.cloud_groups = optional(C.GROUPS, cloud_group_from_graph) or []
    directory.cloud_contacts = optional(C.CONTACTS, cloud_contact_from_graph) or []
    refuse_duplicate_ids(directory)
    directory.domains = optional(C.DOMAINS, domain_from_graph) or []
    active = optional(C.ROLE_ASSIGNMENTS, partial(role_assignment_from_graph, eligible=False))
    eligible = optional(C.ROLE_ELIGIBILITY, partial(role_assignment_from_graph, eligible=True))
    directory.role_assignments = (active or []) + (eligible or [])
    directory.roles_known = active is not None
    _read_group_members(root, directory, manifest)
    directory.mailboxes = optional(C.MAILBOXES, mailbox_from_exo) or []
    tenant_id = None
    sync_unavailable = unavailable(manifest, C.SYNC, coverage)
    if not sync_unavailable and (root / SYNC).is_file():
        records = [r for segment, _ in load_json(root / SYNC, SYNC) for r in segment]
        try:
            directory.features = features_from_graph(records)
            tenant_id = tenant_id_from_sync(records)
        except ValueError as exc:
            raise SourceError(f"{SYNC}: {exc}") from None
        if directory.features.known:
            coverage.read(C.SYNC, 1, SYNC)
        else:
            coverage.not_read(C.SYNC, f"{SYNC} holds no onPremisesDirectorySynchronization object", HOW[C.SYNC])
    else:
        directory.features = SyncFeatures(known=False)
        if not sync_unavailable:
            if C.SYNC in manifest:
                raise SourceError(f"{MANIFEST} lists sync as read, but {SYNC} is missing")
            coverage.not_read(C.SYNC, f"{SYNC} absent", HOW[C.SYNC])
    if not tenant_id:
        tenant_id = next((d.id for d in directory.domains if d.is_initial), None)
    if tenant_id:
        directory.tenant_id = tenant_id


def read_mailboxes(path: Path, rel: str = MAILBOXES) -> tuple[list, list[Mailbox]]:
    """The records of a Get-EXOMailbox export, PascalCase as exported, and their Mailboxes."""
    segments = load_json(path, rel, camel=False)
    return [r for records, _ in segments for r in records], map_segments(segments, rel, mailbox_from_exo)


def _read_group_members(root: Path, directory: Directory, manifest: dict) -> None:
    """cloud/groupMembers.json; when absent, membership is needed only if a group holds a role."""
    coverage = directory.coverage
    if unavailable(manifest, C.GROUP_MEMBERS, coverage):
        return
    if (root / GROUP_MEMBERS).is_file():
        members: dict[str, tuple[str, ...]] = {}
        for records, label in load_json(root / GROUP_MEMBERS, GROUP_MEMBERS):
            mapped = map_segments([(records, label)], GROUP_MEMBERS, group_members_from_graph)
            for number, (gid, ids) in enumerate(mapped):
                if gid in members:
                    raise SourceError(f"{GROUP_MEMBERS}: {label(number)}: group {gid} is listed twice")
                members[gid] = ids
        directory.group_members = members
        check_count(manifest, C.GROUP_MEMBERS, len(members))
        coverage.read(C.GROUP_MEMBERS, len(members), GROUP_MEMBERS)
        return
    if C.GROUP_MEMBERS in manifest:
        raise SourceError(f"{MANIFEST} lists groupMembers as read, but {GROUP_MEMBERS} is missing")
    if not (coverage.usable(C.ROLE_ASSIGNMENTS) or coverage.usable(C.ROLE_ELIGIBILITY)):
        coverage.not_read(C.GROUP_MEMBERS, f"{GROUP_MEMBERS} absent", HOW[C.GROUP_MEMBERS])
        return
    groups, unknown = groups_needing_members(directory)
    if not groups and not unknown:
        coverage.read(C.GROUP_MEMBERS, 0, "no role is held by a group")
        return
    names = {g.id: g.display_name for g in directory.cloud_groups if g.display_name}
    names.update({r.principal_id: r.principal_name for r in directory.role_assignments if r.principal_name})
    named = [f"{names[i]} ({i})" if i in names else i for i in groups or unknown]
    shown = ", ".join(named[:3]) + (f" and {len(named) - 3} more" if len(named) > 3 else "")
    what = (f"{len(groups)} group(s) hold a directory role: {shown}" if groups else
            f"role holder(s) {shown} are neither cloud users nor known groups ({GROUPS} absent)")
    coverage.not_read(C.GROUP_MEMBERS, f"{GROUP_MEMBERS} absent and {what}", HOW[C.GROUP_MEMBERS])



def _read_onprem(root: Path, extra: tuple[str, ...], coverage: Coverage, manifest: dict, tick: Tick) -> list:
    path = root / AD
    if not path.is_file():
        raise SourceError(f"snapshot folder {root} has no {AD}")
    objects: list[OnPremObject] = []
    append = objects.append
    tick(AD, 0)
    for number, (line, dn, first, more) in enumerate(iter_ldif_entries(path, AD), 1):
        if number % _TICK_EVERY == 0:
            tick(AD, number)
        try:
            obj = onprem_from_entry(dn, first, more, extra)
        except ValueError as exc:
            raise SourceError(f"{AD} line {line} ({printable(dn)}): {_as_written(path, line, extra) or exc}") from None
        if obj is not None:
            append(obj)
    counts = onprem_counts(objects)
    for name in ONPREM_COLLECTIONS.values():
        if not unavailable(manifest, name, coverage):
            check_count(manifest, name, counts[name])
            coverage.read(name, counts[name], AD)
    record_properties(coverage, objects, manifest_selection(manifest))
    return objects


def _as_written(path: Path, line: int, extra: tuple[str, ...]) -> str | None:
    """The mapping error of the record at `line` with its attribute names as written (a message
    names `givenName`, not `givenname`): the record is read again, once, on the way out."""
    for at, dn, attrs in iter_ldif_records(path, AD):
        if at == line:
            try:
                onprem_from_attributes(dn, attrs, extra)
            except ValueError as exc:
                return str(exc)
            return None
    return None

