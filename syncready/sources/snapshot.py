"""Read and write snapshot folders (SPEC §2): Graph JSON exports and an LDIF export of AD.

A snapshot is often made by hand with Microsoft's tools, so the reader accepts every shape those
produce (JSON arrays, Graph pages, lists of pages, JSON Lines, a UTF-8 or UTF-16 byte order mark,
the PascalCase names of Graph PowerShell objects) and turns every problem into a one-line
SourceError naming the file and the record.
"""
from __future__ import annotations

import codecs
import datetime as dt
import gc
import json
import re
from contextlib import contextmanager
from typing import cast
from functools import partial
from pathlib import Path
from collections.abc import Callable, Iterable, Iterator, Mapping

from ..atomic import atomic_write
from ..coverage import Collection as C
from ..coverage import Coverage, CoverageStatus
from ..errors import SourceError
from ..index import groups_needing_members
from ..jsonio import refuse_lone_surrogates
from ..model import Directory, OnPremObject, SyncFeatures
from .admap import ONPREM_COLLECTIONS, onprem_counts, onprem_from_attributes
from .graphmap import (CONTACT_SELECT, GROUP_SELECT, USER_REQUIRED, cloud_contact_from_graph, cloud_group_from_graph,
                       cloud_user_from_graph, domain_from_graph, features_from_graph, group_members_from_graph,
                       map_records, role_assignment_from_graph, tenant_id_from_sync, user_select)
from .ldif import iter_ldif_records, printable, write_ldif

USERS = "cloud/users.json"
GROUPS = "cloud/groups.json"
CONTACTS = "cloud/contacts.json"
DOMAINS = "cloud/domains.json"
SYNC = "cloud/sync.json"
ROLE_ASSIGNMENTS = "cloud/roleAssignments.json"
ROLE_ELIGIBILITY = "cloud/roleEligibilitySchedules.json"
GROUP_MEMBERS = "cloud/groupMembers.json"
AD = "onprem/ad.ldif"
MANIFEST = "manifest.json"
SNAPSHOT_FILES = (USERS, GROUPS, CONTACTS, DOMAINS, SYNC, ROLE_ASSIGNMENTS, ROLE_ELIGIBILITY, GROUP_MEMBERS, AD)
PARTS = ("cloud", "onprem")

# The file of each collection (SPEC §8), and how an administrator gets it when it is absent.
FILES = {C.USERS: USERS, C.GROUPS: GROUPS, C.CONTACTS: CONTACTS, C.DOMAINS: DOMAINS, C.SYNC: SYNC,
         C.ROLE_ASSIGNMENTS: ROLE_ASSIGNMENTS, C.ROLE_ELIGIBILITY: ROLE_ELIGIBILITY, C.GROUP_MEMBERS: GROUP_MEMBERS,
         C.AD_USERS: AD, C.AD_GROUPS: AD, C.AD_CONTACTS: AD}
_GRAPH = "https://graph.microsoft.com/v1.0"
HOW = {
    C.GROUPS: f"export {_GRAPH}/groups?$select={','.join(GROUP_SELECT)}&$top=999 into {GROUPS} (Group.Read.All)",
    C.CONTACTS: f"export {_GRAPH}/contacts?$select={','.join(CONTACT_SELECT)}&$top=999 into {CONTACTS} "
                "(OrgContact.Read.All)",
    C.DOMAINS: f"export {_GRAPH}/domains into {DOMAINS} (Domain.Read.All)",
    C.SYNC: f"export {_GRAPH}/directory/onPremisesSynchronization into {SYNC} "
            "(OnPremDirectorySynchronization.Read.All)",
    C.ROLE_ASSIGNMENTS: f"export {_GRAPH}/roleManagement/directory/roleAssignments?$expand=roleDefinition into "
                        f"{ROLE_ASSIGNMENTS} (RoleManagement.Read.Directory)",
    C.ROLE_ELIGIBILITY: f"export {_GRAPH}/roleManagement/directory/roleEligibilitySchedules?$expand=roleDefinition "
                        f"into {ROLE_ELIGIBILITY} (RoleEligibilitySchedule.Read.Directory), or state "
                        "[sources] known_empty = [\"roleEligibilitySchedules\"] for a tenant without PIM",
    C.GROUP_MEMBERS: f"for each group that holds a role export {_GRAPH}/groups/{{id}}/transitiveMembers?$select=id "
                     f"into {GROUP_MEMBERS} as [{{\"id\": GROUP_ID, \"members\": [{{\"id\": ...}}]}}] (Group.Read.All)",
}

# A list of records from one file, and how to name the i-th of them in a message.
Segment = tuple[list, Callable[[int], str]]
# onprem/ad.ldif in write_snapshot: (dn, {attribute: [bytes | str]}) entries.
LdifEntries = Iterable[tuple[str, Mapping[str, Iterable[bytes | str]]]]

_WHITESPACE = re.compile(r"[ \t\r\n]*")


def read_snapshot(folder, extra_graph: Iterable[str] = (), extra_ldap: Iterable[str] = (),
                  parts: Iterable[str] = PARTS) -> Directory:
    """The Directory held in a snapshot folder; only the requested parts are read.

    extra_graph and extra_ldap name further user properties and AD attributes (drift attributes)
    to keep in each object's `extra`. Records are named in messages by their 0-based index
    ("record 17", as jq's `.[17]`; "page 2 record 5" in a list of pages) or, in JSON Lines, by
    their line number. The Directory's coverage says what was read (SPEC §8): an absent optional
    file is not read; `manifest.json`, when present, says which collections the snapshot's
    maker could not read; `[sources] known_empty` is applied by the engine, as for live reads.
    Nothing is printed: warnings go to `coverage.notes`, which every output shows once.
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
    with _gc_paused():
        if "cloud" in parts:
            _read_cloud(root, directory, tuple(extra_graph), manifest)
            directory.sources["cloud"] = f"snapshot:{root}"
        if "onprem" in parts:
            directory.onprem = _read_onprem(root, tuple(extra_ldap), directory.coverage, manifest)
            directory.sources["onprem"] = f"snapshot:{root}"
    return directory


def read_manifest(root: Path) -> dict[str, dict]:
    """The collections of SNAPSHOT/manifest.json ({} without one): name → {"status", "count", "reason", ...}."""
    path = root / MANIFEST
    if not path.is_file():
        return {}
    segments = _load(path, MANIFEST)
    document = segments[0][0][0] if len(segments) == 1 and len(segments[0][0]) == 1 else None
    collections = document.get("collections") if type(document) is dict else None
    if type(collections) is not dict:
        raise SourceError(f"{MANIFEST}: expected an object with \"collections\" (as syncready snapshot writes it)")
    for name, entry in collections.items():
        status = entry.get("status") if type(entry) is dict else None
        if status not in MANIFEST_STATUSES:
            raise SourceError(f"{MANIFEST}: collections.{name}.status is {json.dumps(status)[:40]}, expected one of "
                              f"{', '.join(MANIFEST_STATUSES)}")
        count = entry.get("count")
        if count is not None and (type(count) is not int or count < 0):
            raise SourceError(f"{MANIFEST}: collections.{name}.count is {json.dumps(count)[:40]}, expected a count")
    return collections


MANIFEST_STATUSES = ("read", "unavailable", "not requested")


def _unavailable(manifest: dict, name: str, coverage: Coverage) -> bool:
    """Whether the manifest says the collection was not read; records it as such in coverage."""
    entry = manifest.get(name)
    if entry is None or entry["status"] == "read":
        return False
    reason = entry.get("reason") if type(entry.get("reason")) is str else None
    reason = f"{MANIFEST}: {entry['status']}" + (f" ({reason})" if reason else "")
    how = entry.get("how") if type(entry.get("how")) is str else HOW.get(C(name))
    coverage.not_read(name, reason, how, source=MANIFEST)
    return True


def _check_count(manifest: dict, name: str, count: int) -> None:
    """A file that holds another number of records than the manifest says is not the snapshot it describes."""
    entry = manifest.get(name)
    expected = entry.get("count") if entry else None
    if expected is not None and expected != count:
        raise SourceError(f"{FILES[C(name)]}: holds {count} {name} records, but {MANIFEST} says {expected} were "
                          "read; the file was changed or truncated after the snapshot was made")


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while loading.

    Loading creates millions of acyclic objects (JSON values, model objects), and the collections
    they trigger would traverse them all again and again: about half the load time for 100k users.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _read_cloud(root: Path, directory: Directory, extra: tuple[str, ...], manifest: dict) -> None:
    coverage = directory.coverage
    if not (root / USERS).is_file():
        raise SourceError(f"snapshot folder {root} has no {USERS}")
    segments = _load(root / USERS, USERS)
    directory.cloud_users = _map_segments(segments, USERS, partial(cloud_user_from_graph, extra_props=extra))
    optional_missing = _absent_user_properties(segments, extra)
    _check_count(manifest, C.USERS, len(directory.cloud_users))
    notes, empty = _empty_export(directory.cloud_users)
    coverage.read(C.USERS, len(directory.cloud_users), USERS, missing=[*optional_missing, *empty])
    coverage.notes.extend(notes)

    def optional(name: C, convert: Callable) -> list | None:
        rel = FILES[name]
        if _unavailable(manifest, name, coverage):
            return None
        if not (root / rel).is_file():
            if name in manifest:
                raise SourceError(f"{MANIFEST} lists {name} as read, but {rel} is missing")
            coverage.not_read(name, f"{rel} absent", HOW.get(name))
            return None
        found = _map(root, rel, convert)
        _check_count(manifest, name, len(found))
        coverage.read(name, len(found), rel)
        return found

    directory.cloud_groups = optional(C.GROUPS, cloud_group_from_graph) or []
    directory.cloud_contacts = optional(C.CONTACTS, cloud_contact_from_graph) or []
    _refuse_duplicate_ids(directory)
    directory.domains = optional(C.DOMAINS, domain_from_graph) or []
    active = optional(C.ROLE_ASSIGNMENTS, partial(role_assignment_from_graph, eligible=False))
    eligible = optional(C.ROLE_ELIGIBILITY, partial(role_assignment_from_graph, eligible=True))
    directory.role_assignments = (active or []) + (eligible or [])
    directory.roles_known = active is not None
    _read_group_members(root, directory, manifest)
    tenant_id = None
    unavailable = _unavailable(manifest, C.SYNC, coverage)
    if not unavailable and (root / SYNC).is_file():
        records = [r for segment, _ in _load(root / SYNC, SYNC) for r in segment]
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
        if not unavailable:
            if C.SYNC in manifest:
                raise SourceError(f"{MANIFEST} lists sync as read, but {SYNC} is missing")
            coverage.not_read(C.SYNC, f"{SYNC} absent", HOW[C.SYNC])
    if not tenant_id:
        tenant_id = next((d.id for d in directory.domains if d.is_initial), None)
    if tenant_id:
        directory.tenant_id = tenant_id


def _read_group_members(root: Path, directory: Directory, manifest: dict) -> None:
    """cloud/groupMembers.json; when absent, membership is needed only if a group holds a role."""
    coverage = directory.coverage
    if _unavailable(manifest, C.GROUP_MEMBERS, coverage):
        return
    if (root / GROUP_MEMBERS).is_file():
        members: dict[str, tuple[str, ...]] = {}
        for records, label in _load(root / GROUP_MEMBERS, GROUP_MEMBERS):
            mapped = _map_segments([(records, label)], GROUP_MEMBERS, group_members_from_graph)
            for number, (gid, ids) in enumerate(mapped):
                if gid in members:
                    raise SourceError(f"{GROUP_MEMBERS}: {label(number)}: group {gid} is listed twice")
                members[gid] = ids
        directory.group_members = members
        _check_count(manifest, C.GROUP_MEMBERS, len(members))
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


def _absent_user_properties(segments: list[Segment], extra: tuple[str, ...]) -> list[str]:
    """The selectable user properties no record has (not selected in the export).

    A required one is a SourceError naming every absent property and the export that selects
    them; the optional ones are returned, for coverage. Graph returns a selected property as null
    when it has no value, so a key absent from every record was not selected.
    """
    wanted = user_select(extra)
    absent = set(wanted)
    seen = False
    for records, _ in segments:
        for record in records:
            if type(record) is dict:
                seen = True
                absent.difference_update(record)
                if not absent:
                    return []
    if not seen:
        return []
    required = [p for p in USER_REQUIRED if p in absent]
    if required:
        names = [p for p in wanted if p in absent]
        selected = ",".join(wanted)
        raise SourceError(f"{USERS}: no user record has {', '.join(names)} (exported without $select?); export "
                          f"{_GRAPH}/users?$select={selected}&$top=999, or Get-MgUser -All -Property {selected}")
    return sorted(absent)


_FEW = 5   # below this many users, values that are all empty may be real (a test tenant), not a bad export


def _empty_export(users: list) -> tuple[list[str], list[str]]:
    """A warning and the properties to treat as not read, for an export that has every property but
    no values (Get-MgUser without -Property). Graph always has a value for these when they are
    selected: accountEnabled and userType are set on every user, and setting mail adds it to
    proxyAddresses (Graph's user resource) — so empty in every record means not selected."""
    if len(users) < _FEW:
        return [], []
    found, empty = [], []
    with_mail = [u for u in users if u.mail]
    if len(with_mail) >= _FEW and not any(u.proxy_addresses for u in with_mail):
        found.append(f"all {len(with_mail)} users with a mail address have empty proxyAddresses")
        empty.append("proxyAddresses")
    for prop, attr in (("accountEnabled", "account_enabled"), ("userType", "user_type")):
        if all(getattr(u, attr) is None for u in users):
            found.append(f"{prop} is null for every user")
            empty.append(prop)
    if not found:
        return [], []
    note = (f"{USERS}: {'; '.join(found)}: the export did not select these properties (Get-MgUser without "
            f"-Property returns them empty), so the checks that need them report an error (not read); export "
            f"again with Get-MgUser -All -Property {','.join(user_select())}")
    return [note], empty


def _refuse_duplicate_ids(directory: Directory) -> None:
    """Object ids are unique in a tenant: a repeated one is an export that went wrong (a page read twice)."""
    files: tuple[tuple[str, list], ...] = ((USERS, directory.cloud_users), (GROUPS, directory.cloud_groups),
                                           (CONTACTS, directory.cloud_contacts))
    total = sum(len(objs) for _, objs in files)
    if len({o.id for _, objs in files for o in objs}) == total:
        return
    seen: dict[str, tuple[str, int]] = {}
    for rel, objs in files:
        for number, obj in enumerate(objs):
            if obj.id in seen:
                first_rel, first = seen[obj.id]
                earlier = f"record {first}" + ("" if first_rel == rel else f" of {first_rel}")
                raise SourceError(f"{rel}: record {number} (counted from 0 over all pages): id {obj.id} is also "
                                  f"the id of {earlier}; object ids are unique, so the export repeated an object")
            seen[obj.id] = (rel, number)


def _read_onprem(root: Path, extra: tuple[str, ...], coverage: Coverage, manifest: dict) -> list:
    path = root / AD
    if not path.is_file():
        raise SourceError(f"snapshot folder {root} has no {AD}")
    objects: list[OnPremObject] = []
    append = objects.append
    for line, dn, attrs in iter_ldif_records(path, AD):
        try:
            obj = onprem_from_attributes(dn, attrs, extra)
        except ValueError as exc:
            raise SourceError(f"{AD} line {line} ({printable(dn)}): {exc}") from None
        if obj is not None:
            append(obj)
    counts = onprem_counts(objects)
    for name in ONPREM_COLLECTIONS.values():
        if not _unavailable(manifest, name, coverage):
            _check_count(manifest, name, counts[name])
            coverage.read(name, counts[name], AD)
    return objects


def _map_segments(segments: list[Segment], rel: str, convert: Callable) -> list:
    result = []
    for records, label in segments:
        result.extend(map_records(records, convert, _prefixed(rel, label)))
    return result


def _map(root: Path, rel: str, convert: Callable) -> list:
    """Every record of a JSON file through `convert`; a ValueError names the record."""
    return _map_segments(_load(root / rel, rel), rel, convert)


def _load(path: Path, rel: str) -> list[Segment]:
    """The records of a Graph JSON file, whatever its shape, as segments.

    An empty file is empty JSON Lines, except users.json: no tenant is without users, so an empty
    users.json is a failed export.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"{rel}: cannot be read ({exc.strerror or exc})") from None
    text = _decode(data, rel)
    refuse_lone_surrogates(text, rel)
    if not text.strip():
        if rel == USERS:
            raise SourceError(f"{rel}: the file is empty")
        return []
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.msg != "Extra data":
            raise SourceError(_json_error(rel, exc)) from None
        segments = _load_stream(text, rel)
    except (RecursionError, ValueError) as exc:
        raise SourceError(_json_limit(rel, exc)) from None
    else:
        segments = _shape(value, rel)
        _refuse_truncated(value[-1] if type(value) is list and value else value, rel)
    first = next((records[0] for records, _ in segments if records), None)
    if type(first) is dict and "id" not in first and ("Id" in first or "PrincipalId" in first):
        segments = [([_camel(r) for r in records], label) for records, label in segments]
    return segments


def _decode(data: bytes, rel: str) -> str:
    encoding = "utf-16" if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else "utf-8-sig"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise SourceError(f"{rel}: not {'UTF-16' if encoding == 'utf-16' else 'UTF-8'} text "
                          f"(byte {data[exc.start]:#04x} at offset {exc.start})") from None


def _json_error(rel: str, exc: json.JSONDecodeError) -> str:
    return f"{rel}: not valid JSON at line {exc.lineno} column {exc.colno} ({exc.msg})"


def _json_limit(rel: str, exc: Exception) -> str:
    """JSON that parses in principle but not here: nested too deep, or a number of thousands of digits."""
    if isinstance(exc, RecursionError):
        return f"{rel}: JSON nested too deeply to read (no Graph export nests more than a few levels)"
    return f"{rel}: not readable JSON ({' '.join(str(exc).split())[:120]})"


def _prefixed(rel: str, label: Callable[[int], str]) -> Callable[[int], str]:
    return lambda i: f"{rel}: {label(i)}"


def _is_page(value) -> bool:
    return type(value) is dict and type(value.get("value")) is list and "id" not in value


def _shape(value, rel: str) -> list[Segment]:
    """Segments of one JSON document: an array of objects or of pages, a page, or one object."""
    if type(value) is list:
        if value and _is_page(value[0]):
            segments: list[Segment] = []
            for number, page in enumerate(value):
                if not _is_page(page):
                    raise SourceError(f"{rel}: page {number}: expected a Graph page {{\"value\": [...]}} like page 0")
                segments.append((page["value"], partial("page {} record {}".format, number)))
            return segments
        return [(value, lambda i: f"record {i}")]
    if _is_page(value):
        return [(value["value"], lambda i: f"record {i}")]
    if type(value) is dict:
        return [([value], lambda i: "the object")]
    raise SourceError(f"{rel}: expected a JSON array or object, found {json.dumps(value)[:40]}")


def _refuse_truncated(last, rel: str) -> None:
    """A last page that still links to a next one is an export that stopped early: users would be missing."""
    if _is_page(last) and last.get("@odata.nextLink"):
        raise SourceError(f"{rel}: the last page still has @odata.nextLink, so the export stopped before the end; "
                          "export every page (follow @odata.nextLink until there is none)")


def _load_stream(text: str, rel: str) -> list[Segment]:
    """JSON Lines (or any concatenation of JSON values): objects, or pages, one after another."""
    decode = json.JSONDecoder().raw_decode
    end = len(text)
    objects: list = []
    starts: list[int] = []
    segments: list[Segment] = []

    def line(pos: int) -> int:
        return text.count("\n", 0, pos) + 1

    def at_line(at: int) -> Callable[[int], str]:
        return lambda i: f"line {line(at)} record {i}"

    pos = _skip_space(text, 0)
    last = None
    while pos < end:
        try:
            value, pos_after = decode(text, pos)
        except json.JSONDecodeError as exc:
            raise SourceError(_json_error(rel, exc)) from None
        except (RecursionError, ValueError) as exc:
            raise SourceError(_json_limit(rel, exc)) from None
        if _is_page(value):
            segments.append((value["value"], at_line(pos)))
        elif type(value) is list:
            segments.append((value, at_line(pos)))
        else:
            objects.append(value)
            starts.append(pos)
        last = value
        pos = _skip_space(text, pos_after)
    _refuse_truncated(last, rel)
    if objects:
        segments.append((objects, lambda i: f"line {line(starts[i])}"))
    return segments


def _skip_space(text: str, pos: int) -> int:
    """The first position at or after pos that is not JSON whitespace."""
    match = _WHITESPACE.match(text, pos)
    return match.end() if match else pos


def _camel(value):
    """Graph names for the PascalCase properties of Graph PowerShell objects (Id -> id)."""
    if type(value) is dict:
        return {k[:1].lower() + k[1:]: _camel(v) for k, v in value.items()}
    if type(value) is list:
        return [_camel(v) for v in value]
    return value


def write_snapshot(folder, raw: Mapping[str, object]) -> list[Path]:
    """Write a snapshot folder that read_snapshot reads back; returns the files written.

    `raw` maps file names of SNAPSHOT_FILES to their content: for JSON files, an iterable of Graph
    dicts (written as an array, one object per line, so that two snapshots diff well) or one dict
    (written as is, e.g. sync.json); for onprem/ad.ldif, (dn, {attribute: [bytes | str]}) entries.
    Each file is written beside its final name and then renamed, so an interrupted run never
    leaves a truncated file. Files of the snapshot layout that `raw` leaves out are removed from a
    part that is written, so an older snapshot's file cannot pass for part of this one.
    """
    unknown = sorted(set(raw) - set(SNAPSHOT_FILES))
    if unknown:
        raise ValueError(f"not snapshot files: {unknown}; expected some of {list(SNAPSHOT_FILES)}")
    written_parts = {rel.split("/", 1)[0] for rel in raw}
    if "cloud" in written_parts and USERS not in raw:
        raise ValueError(f"a snapshot's cloud part needs {USERS}")
    root = Path(folder)
    written = []
    for rel, content in raw.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(path, newline="\n") as fp:
            if rel == AD:
                write_ldif(fp, cast(LdifEntries, content))
            else:
                _write_json(fp, content)
        written.append(path)
    for rel in SNAPSHOT_FILES:
        if rel not in raw and rel.split("/", 1)[0] in written_parts:
            (root / rel).unlink(missing_ok=True)
    return written


def _write_json(fp, content) -> None:
    if isinstance(content, Mapping):
        json.dump(content, fp, ensure_ascii=False, indent=2)
        fp.write("\n")
        return
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    separator = "[\n"
    for obj in content:
        fp.write(separator)
        fp.write(dumps(obj))
        separator = ",\n"
    fp.write("[\n]\n" if separator == "[\n" else "\n]\n")


# ---- manifest.json (SPEC §8) -------------------------------------------------------------------

MANIFEST_SCHEMA = "syncready/manifest/1"


def manifest_document(directory: Directory, parts: Iterable[str], selected: Mapping[str, Iterable[str]],
                      about: Mapping | None = None, scope=None, previous: Mapping | None = None,
                      present: Iterable[str] = ()) -> dict:
    """What `syncready snapshot` read, per collection: read (count, properties selected), unavailable
    (reason, how) or not requested. `parts` are the parts read now; for the others, the entries
    of the `previous` manifest are kept, or "not requested" when their files are not `present`."""
    from .. import __version__
    from .load import CLOUD_COLLECTIONS

    parts = set(parts)
    previous_collections = dict((previous or {}).get("collections") or {})
    present = set(present)
    collections: dict[str, dict] = {}
    for part, names in (("cloud", CLOUD_COLLECTIONS), ("onprem", tuple(ONPREM_COLLECTIONS.values()))):
        for name in names:
            if part in parts:
                entry = directory.coverage.collections.get(name)
                if entry is None:
                    continue
                if entry.status is CoverageStatus.NOT_READ:
                    collections[name] = {"status": "unavailable", "reason": entry.reason, "how": entry.how}
                else:
                    collections[name] = {"status": "read", "count": entry.count, "file": FILES.get(name)}
                    if name in selected:
                        collections[name]["properties"] = [p for p in selected[name] if p not in entry.missing]
            elif name in previous_collections:
                collections[name] = previous_collections[name]
            elif FILES.get(name) not in present:
                collections[name] = {"status": "not requested"}
    document = {"schema": MANIFEST_SCHEMA, "tool": {"name": "syncready", "version": __version__},
                "generated": dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
                "tenant_id": directory.tenant_id if "cloud" in parts else (previous or {}).get("tenant_id"),
                "sources": {k: v for k, v in directory.sources.items() if k in parts}}
    if "onprem" in parts and about:
        document["ldap"] = {"server": about.get("server"), "bases": list(about.get("bases") or [])}
    elif previous and previous.get("ldap"):
        document["ldap"] = previous["ldap"]
    if scope is not None:
        document["scope"] = {"include": list(scope.include), "exclude": list(scope.exclude)}
    document["collections"] = {name: {k: v for k, v in entry.items() if v is not None}
                               for name, entry in collections.items()}
    return document


def write_manifest(folder, document: Mapping) -> Path:
    path = Path(folder) / MANIFEST
    with atomic_write(path, newline="\n") as fp:
        json.dump(document, fp, ensure_ascii=False, indent=2)
        fp.write("\n")
    return path


def previous_manifest(folder) -> dict | None:
    """The manifest an earlier `syncready snapshot` left in the folder, or None (none, or unreadable)."""
    try:
        value = json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    return value if type(value) is dict else None
