"""Writing a snapshot folder that read_snapshot reads back (SPEC §2): JSON one object per line, so two
snapshots diff well; LDIF for AD; every file replaced atomically."""
from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import cast

from ..atomic import POSIX_MODES, atomic_write
from ..jsonenc import compact_dumps
from .ldif import write_ldif
from .snapshot_layout import AD, SNAPSHOT_FILES, USERS

# onprem/ad.ldif in write_snapshot: (dn, {attribute: [bytes | str]}) entries.
LdifEntries = Iterable[tuple[str, Mapping[str, Iterable[bytes | str]]]]


def write_snapshot(folder, raw: Mapping[str, object]) -> list[Path]:
    """Write a snapshot folder that read_snapshot reads back; returns the files written.

    `raw` maps file names of SNAPSHOT_FILES to their content: for JSON files, an iterable of Graph
    dicts (written as an array, one object per line, so that two snapshots diff well) or one dict
    (written as is, e.g. sync.json); for onprem/ad.ldif, (dn, {attribute: [bytes | str]}) entries.
    Each file is written beside its final name and then renamed, so an interrupted run never
    leaves a truncated file. The files hold the directories' names, addresses and SIDs: they are
    owner-only (mode 600, new folders 700) like the fix journal; on Windows a warning says that
    this is not enforced there. Files of the snapshot layout that `raw` leaves out are removed from a
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
    if not POSIX_MODES:
        print(f"syncready: warning: snapshot {root}: owner-only access is not enforced on Windows; the files "
              "take the permissions of their folder (keep it in your user profile, or restrict it with icacls)",
              file=sys.stderr)
    for rel, content in raw.items():
        path = root / rel
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with atomic_write(path, newline="\n", owner_only=True) as fp:
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
    dumps = compact_dumps()
    separator = "[\n"
    for obj in content:
        fp.write(separator)
        fp.write(dumps(obj))
        separator = ",\n"
    fp.write("[\n]\n" if separator == "[\n" else "\n]\n")

