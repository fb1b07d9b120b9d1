"""Reads the ``cloud/`` files of a snapshot folder (SPEC section 2) into GraphServer data.

Each file may be a JSON array, a Graph page ``{"value": [...]}``, a list of such pages, or JSON
Lines (one object or page per line); a UTF-8 byte-order mark (PowerShell writes one) is ignored.
``sync.json`` may be the bare object or ``{"value": [obj]}``.
"""

from __future__ import annotations

import json
from pathlib import Path

FILES = {
    "users": "users.json",
    "groups": "groups.json",
    "contacts": "contacts.json",
    "domains": "domains.json",
    "roleAssignments": "roleAssignments.json",
    "roleEligibilitySchedules": "roleEligibilitySchedules.json",
    "groupMembers": "groupMembers.json",
}


def _flatten(value) -> list[dict]:
    if isinstance(value, dict):
        inner = value.get("value")
        return _flatten(inner) if isinstance(inner, list) else [value]
    if isinstance(value, list):
        objects: list[dict] = []
        for item in value:
            if isinstance(item, dict) and isinstance(item.get("value"), list):
                objects.extend(_flatten(item["value"]))
            elif isinstance(item, list):
                objects.extend(_flatten(item))
            elif isinstance(item, dict):
                objects.append(item)
        return objects
    return []


def read_objects(path: Path) -> list[dict]:
    text = path.read_text(encoding="utf-8-sig")
    if not text.strip():
        return []
    try:
        return _flatten(json.loads(text))
    except json.JSONDecodeError:
        objects: list[dict] = []
        for line in text.splitlines():
            if line.strip():
                objects.extend(_flatten(json.loads(line)))
        return objects


def load_snapshot(folder: str | Path) -> dict:
    """GraphServer data from ``folder`` (the snapshot root or its ``cloud`` folder)."""
    root = Path(folder)
    cloud = root / "cloud" if (root / "cloud").is_dir() else root
    data: dict = {}
    for key, name in FILES.items():
        path = cloud / name
        if path.is_file():
            data[key] = read_objects(path)
    sync_path = cloud / "sync.json"
    if sync_path.is_file():
        objects = read_objects(sync_path)
        if objects:
            data["sync"] = objects[0]
    return data
