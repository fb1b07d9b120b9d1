"""Read and write snapshot folders (SPEC §2): Graph JSON exports and an LDIF export of AD.

A snapshot is often made by hand with Microsoft's tools, so the reader accepts every shape those
produce (JSON arrays, Graph pages, lists of pages, JSON Lines, a UTF-8 or UTF-16 byte order mark,
the PascalCase names of Graph PowerShell objects) and turns every problem into a one-line
SourceError naming the file and the record.
"""
from __future__ import annotations

import codecs
import gc
import json
import os
import re
from functools import partial
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterable, Iterator, Mapping

from ..errors import SourceError
from ..jsonio import refuse_lone_surrogates
from ..model import Directory, SyncFeatures
from .admap import onprem_from_attributes
from .graphmap import (cloud_contact_from_graph, cloud_group_from_graph, cloud_user_from_graph,
                       domain_from_graph, features_from_graph, map_records, role_assignment_from_graph,
                       tenant_id_from_sync)
from .ldif import iter_ldif_records, printable, write_ldif

USERS = "cloud/users.json"
GROUPS = "cloud/groups.json"
CONTACTS = "cloud/contacts.json"
DOMAINS = "cloud/domains.json"
SYNC = "cloud/sync.json"
ROLE_ASSIGNMENTS = "cloud/roleAssignments.json"
ROLE_ELIGIBILITY = "cloud/roleEligibilitySchedules.json"
AD = "onprem/ad.ldif"
SNAPSHOT_FILES = (USERS, GROUPS, CONTACTS, DOMAINS, SYNC, ROLE_ASSIGNMENTS, ROLE_ELIGIBILITY, AD)
PARTS = ("cloud", "onprem")

# A list of records from one file, and how to name the i-th of them in a message.
Segment = tuple[list, Callable[[int], str]]

_WHITESPACE = re.compile(r"[ \t\r\n]*")


def read_snapshot(folder, extra_graph: Iterable[str] = (), extra_ldap: Iterable[str] = (),
                  parts: Iterable[str] = PARTS) -> Directory:
    """The Directory held in a snapshot folder; only the requested parts are read.

    extra_graph and extra_ldap name further user properties and AD attributes (drift attributes)
    to keep in each object's `extra`. Records are named in messages by their 0-based index
    ("record 17", as jq's `.[17]`; "page 2 record 5" in a list of pages) or, in JSON Lines, by
    their line number.
    """
    parts = tuple(parts)
    unknown = set(parts) - set(PARTS)
    if unknown:
        raise ValueError(f"unknown snapshot part(s) {sorted(unknown)}; expected some of {PARTS}")
    root = Path(folder).absolute()
    if not root.is_dir():
        raise SourceError(f"snapshot folder {root} does not exist" if not root.exists()
                          else f"snapshot {root} is not a folder")
    directory = Directory()
    with _gc_paused():
        if "cloud" in parts:
            _read_cloud(root, directory, tuple(extra_graph))
            directory.sources["cloud"] = f"snapshot:{root}"
        if "onprem" in parts:
            directory.onprem = _read_onprem(root, tuple(extra_ldap))
            directory.sources["onprem"] = f"snapshot:{root}"
    return directory


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


def _read_cloud(root: Path, directory: Directory, extra: tuple[str, ...]) -> None:
    if not (root / USERS).is_file():
        raise SourceError(f"snapshot folder {root} has no {USERS}")
    directory.cloud_users = _map(root, USERS, partial(cloud_user_from_graph, extra_props=extra))
    if (root / GROUPS).is_file():
        directory.cloud_groups = _map(root, GROUPS, cloud_group_from_graph)
    if (root / CONTACTS).is_file():
        directory.cloud_contacts = _map(root, CONTACTS, cloud_contact_from_graph)
    if (root / DOMAINS).is_file():
        directory.domains = _map(root, DOMAINS, domain_from_graph)
    if (root / ROLE_ASSIGNMENTS).is_file():
        directory.role_assignments = _map(root, ROLE_ASSIGNMENTS, partial(role_assignment_from_graph, eligible=False))
        directory.roles_known = True
    if (root / ROLE_ELIGIBILITY).is_file():
        directory.role_assignments += _map(root, ROLE_ELIGIBILITY, partial(role_assignment_from_graph, eligible=True))
    tenant_id = None
    if (root / SYNC).is_file():
        records = [r for segment, _ in _load(root / SYNC, SYNC) for r in segment]
        try:
            directory.features = features_from_graph(records)
            tenant_id = tenant_id_from_sync(records)
        except ValueError as exc:
            raise SourceError(f"{SYNC}: {exc}") from None
    else:
        directory.features = SyncFeatures(known=False)
    if not tenant_id:
        tenant_id = next((d.id for d in directory.domains if d.is_initial), None)
    if tenant_id:
        directory.tenant_id = tenant_id


def _read_onprem(root: Path, extra: tuple[str, ...]) -> list:
    path = root / AD
    if not path.is_file():
        raise SourceError(f"snapshot folder {root} has no {AD}")
    objects = []
    append = objects.append
    for line, dn, attrs in iter_ldif_records(path, AD):
        try:
            obj = onprem_from_attributes(dn, attrs, extra)
        except ValueError as exc:
            raise SourceError(f"{AD} line {line} ({printable(dn)}): {exc}") from None
        if obj is not None:
            append(obj)
    return objects


def _map(root: Path, rel: str, convert: Callable) -> list:
    """Every record of a JSON file through `convert`; a ValueError names the record."""
    result = []
    for records, label in _load(root / rel, rel):
        result.extend(map_records(records, convert, lambda i, label=label: f"{rel}: {label(i)}"))
    return result


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


def _is_page(value) -> bool:
    return type(value) is dict and type(value.get("value")) is list and "id" not in value


def _shape(value, rel: str) -> list[Segment]:
    """Segments of one JSON document: an array of objects or of pages, a page, or one object."""
    if type(value) is list:
        if value and _is_page(value[0]):
            segments = []
            for number, page in enumerate(value):
                if not _is_page(page):
                    raise SourceError(f"{rel}: page {number}: expected a Graph page {{\"value\": [...]}} like page 0")
                segments.append((page["value"], lambda i, p=number: f"page {p} record {i}"))
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
    skip = _WHITESPACE.match
    end = len(text)
    objects: list = []
    starts: list[int] = []
    segments: list[Segment] = []

    def line(pos: int) -> int:
        return text.count("\n", 0, pos) + 1

    pos = skip(text, 0).end()
    last = None
    while pos < end:
        try:
            value, pos_after = decode(text, pos)
        except json.JSONDecodeError as exc:
            raise SourceError(_json_error(rel, exc)) from None
        if _is_page(value):
            segments.append((value["value"], lambda i, at=pos: f"line {line(at)} record {i}"))
        elif type(value) is list:
            segments.append((value, lambda i, at=pos: f"line {line(at)} record {i}"))
        else:
            objects.append(value)
            starts.append(pos)
        last = value
        pos = skip(text, pos_after).end()
    _refuse_truncated(last, rel)
    if objects:
        segments.append((objects, lambda i: f"line {line(starts[i])}"))
    return segments


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
        partial = path.with_name(path.name + ".partial")
        with open(partial, "w", encoding="utf-8", newline="\n") as fp:
            if rel == AD:
                write_ldif(fp, content)
            else:
                _write_json(fp, content)
        os.replace(partial, path)
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
