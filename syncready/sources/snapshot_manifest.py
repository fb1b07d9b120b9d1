"""SNAPSHOT/manifest.json (SPEC §8): what `syncready snapshot` read, per collection, and how a reader
honours it (unavailable beats an absent or empty file; a count that differs is a changed file)."""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from pathlib import Path

from ..atomic import atomic_write
from ..coverage import Collection as C
from ..coverage import Coverage, CoverageStatus
from ..errors import SourceError
from ..model import Directory
from .admap import ONPREM_COLLECTIONS
from .snapshot_json import load_json
from .snapshot_layout import FILES, HOW, MANIFEST

MANIFEST_SCHEMA = "syncready/manifest/1"
MANIFEST_STATUSES = ("read", "unavailable", "not requested")


def read_manifest(root: Path) -> dict[str, dict]:
    """The collections of SNAPSHOT/manifest.json ({} without one): name → {"status", "count", "reason", ...}."""
    path = root / MANIFEST
    if not path.is_file():
        return {}
    segments = load_json(path, MANIFEST)
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



def unavailable(manifest: dict, name: str, coverage: Coverage) -> bool:
    """Whether the manifest says the collection was not read; records it as such in coverage."""
    entry = manifest.get(name)
    if entry is None or entry["status"] == "read":
        return False
    reason = entry.get("reason") if type(entry.get("reason")) is str else None
    reason = f"{MANIFEST}: {entry['status']}" + (f" ({reason})" if reason else "")
    how = entry.get("how") if type(entry.get("how")) is str else HOW.get(name)
    coverage.not_read(name, reason, how, source=MANIFEST)
    return True


def check_count(manifest: dict, name: str, count: int) -> None:
    """A file that holds another number of records than the manifest says is not the snapshot it describes."""
    entry = manifest.get(name)
    expected = entry.get("count") if entry else None
    if expected is not None and expected != count:
        raise SourceError(f"{FILES[C(name)]}: holds {count} {name} records, but {MANIFEST} says {expected} were "
                          "read; the file was changed or truncated after the snapshot was made")



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
        # "users.onPremisesSyncBehavior" and the like: a per-user read refused for some users (SPEC §10)
        if part not in parts:
            collections.update({n: e for n, e in previous_collections.items() if _property_of(n, names)})
            continue
        for key, found in directory.coverage.collections.items():
            if _property_of(key, names) and found.status is CoverageStatus.NOT_READ:
                collections[key] = {"status": "unavailable", "reason": found.reason, "how": found.how}
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


def _property_of(name: str, collections: Iterable[str]) -> bool:
    """Whether `name` is a "collection.property" entry of one of these collections."""
    collection, dot, _ = name.partition(".")
    return bool(dot) and collection in collections


def write_manifest(folder, document: Mapping) -> Path:
    path = Path(folder) / MANIFEST
    with atomic_write(path, newline="\n", owner_only=True) as fp:
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

