"""Prototype: a lossless compact layout of the results JSON's "subjects", beside the two schemas
`syncready check --json` writes (schema 2, syncready/resulttables.py, adopted from this prototype's
first two ideas; schema 1 with --json-schema 1). Printed: the bytes of all three for the same run.

Schema 1 writes each subject as one object holding every result in full ("pass" results repeated
per user and check) and its facts under repeated keys. The prototype keeps the same information as:

- `results`: each distinct result object once; `rows`: each distinct run of results (check ids and
  result indexes) once; a subject names its row by index;
- per kind, the facts as columns (one array per fact, null where schema 1's entry omits it), with
  `same_as_subject` naming a column left out because it equals the subject's name in every row;
- a string table for the strings that occur more than once (an int in a column is its index);
- subjects of other kinds (tenant, groups and contacts) kept as schema 1's entries.

The decoder rebuilds schema 1's entries and the benchmark checks they equal the file's, then prints
the bytes per user of schema 1, schema 2 and the prototype, and the ratios. "Per user" divides by
cloud + AD users (subjects of those kinds); per cloud user and per subject are printed too.
Run: .venv/bin/python -m bench.bench_results_layout [--users 20000 | --results FILE.json]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from bench.synthetic import generate

COLUMNS = {"cloud-user": ("cloud", "onprem"), "onprem-user": ("onprem", "prediction")}
HEAD = ("subject", "id", "readiness")
SYNCED = "already_synchronized"
ABSENT = {"absent": True}          # a part schema 1's entry leaves out (onprem of a ready AD user)


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def encode(subjects: list[dict]) -> dict:
    """Schema 1's entries → the compact layout."""
    results: dict[str, int] = {}
    rows: dict[tuple, int] = {}
    strings = Counter(_strings(subjects))
    table = [s for s, n in strings.items() if n > 1 and len(s) > 2]
    index = {s: n for n, s in enumerate(table)}
    kinds: dict[str, dict] = {}
    other = []
    for position, entry in enumerate(subjects):
        kind = entry.get("kind")
        if kind not in COLUMNS:
            other.append([position, entry])
            continue
        found = kinds.setdefault(kind, {"positions": [], "head": {k: [] for k in HEAD}, "row": [], SYNCED: [],
                                        "facts": {part: {} for part in COLUMNS[kind]}, "parts": {}})
        found["positions"].append(position)
        for key in HEAD:
            found["head"][key].append(_ref(entry[key], index))
        row = tuple((cid, results.setdefault(dumps(r), len(results))) for cid, r in entry["results"].items())
        found["row"].append(rows.setdefault(row, len(rows)))
        found[SYNCED].append(1 if entry.get(SYNCED) else 0)
        for part in COLUMNS[kind]:
            value = entry.get(part, ABSENT)
            shape = found["parts"].setdefault(part, [])
            shape.append(0 if value is ABSENT else 1 if value is None else 2)
            columns = found["facts"][part]
            count = len(shape) - 1
            for key in set(columns) | set(value or {}) - {"absent"}:
                column = columns.setdefault(key, [None] * count)
                column.append(_ref(value.get(key), index) if isinstance(value, dict) and value is not ABSENT else None)
    for found in kinds.values():
        found["same_as_subject"] = {}
        names = found["head"]["subject"]
        for part, columns in found["facts"].items():
            for key, column in list(columns.items()):
                if all(v is None or v == name for v, name in zip(column, names, strict=True)) and any(
                        v is not None for v in column):
                    found["same_as_subject"].setdefault(part, {})[key] = [0 if v is None else 1 for v in column]
                    del columns[key]
        for part, shape in found["parts"].items():
            if len(set(shape)) == 1:
                found["parts"][part] = shape[0]
        if not any(found[SYNCED]):
            found[SYNCED] = 0
    return {"strings": table, "results": [json.loads(r) for r in results],
            "rows": [[[cid for cid, _ in row], [n for _, n in row]] for row in rows], "kinds": kinds,
            "other": other, "count": len(subjects)}


def decode(compact: dict) -> list[dict]:
    """The compact layout → schema 1's entries, in order and key order."""
    table, results = compact["strings"], compact["results"]
    out: list[dict | None] = [None] * compact["count"]
    for position, entry in compact["other"]:
        out[position] = entry
    for kind, found in compact["kinds"].items():
        for n, position in enumerate(found["positions"]):
            entry: dict[str, Any] = {k: _value(found["head"][k][n], table) for k in HEAD[:2]}
            entry["kind"] = kind
            entry["readiness"] = _value(found["head"]["readiness"][n], table)
            cids, refs = compact["rows"][found["row"][n]]
            entry["results"] = {cid: results[r] for cid, r in zip(cids, refs, strict=True)}
            for part in COLUMNS[kind]:
                shape = found["parts"][part]
                shape = shape if isinstance(shape, int) else shape[n]
                if shape == 0:
                    continue
                if shape == 1:
                    entry[part] = None
                    continue
                value = {}
                named = found["same_as_subject"].get(part, {})
                for key in _order(part, found["facts"][part], named):
                    if key in named:
                        if named[key][n]:
                            value[key] = entry["subject"]
                        continue
                    got = found["facts"][part][key][n]
                    if got is not None:
                        value[key] = _value(got, table)
                entry[part] = value
            if found[SYNCED] and found[SYNCED][n]:
                entry[SYNCED] = True
            out[position] = entry
    return [e for e in out if e is not None]


FACT_ORDER = {"cloud": ("upn", "displayName", "givenName", "surname", "mail", "primarySmtp", "proxyAddresses",
                        "immutableId", "accountEnabled", "department"),
              "onprem": ("dn", "upn", "sam", "displayName", "givenName", "sn", "mail", "primarySmtp",
                         "proxyAddresses", "anchor", "enabled", "department"),
              "prediction": ("anchor", "how", "cloud_id", "cloud_upn", "contested_id", "contested_upn")}


def _order(part: str, columns: dict, named: dict) -> list[str]:
    known = FACT_ORDER[part]
    keys = set(columns) | set(named)
    return [k for k in known if k in keys] + sorted(keys - set(known))


def _strings(subjects: list[dict]):
    for entry in subjects:
        if entry.get("kind") not in COLUMNS:
            continue
        for key in HEAD:
            yield entry[key]
        for part in COLUMNS[entry["kind"]]:
            value = entry.get(part)
            if isinstance(value, dict):
                yield from (v for v in value.values() if isinstance(v, str))
                for v in value.values():
                    if isinstance(v, list):
                        yield from (x for x in v if isinstance(x, str))


def _ref(value: Any, index: dict[str, int]) -> Any:
    if isinstance(value, str):
        return index.get(value, value)
    if isinstance(value, list):
        return [_ref(v, index) for v in value]
    if isinstance(value, int) and not isinstance(value, bool):
        return {"int": value}          # an int in a column is a string index; a real int is boxed
    return value


def _value(value: Any, table: list[str]) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return table[value]
    if isinstance(value, list):
        return [_value(v, table) for v in value]
    if isinstance(value, dict) and set(value) == {"int"}:
        return value["int"]
    return value


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--results", type=Path, help="an existing results JSON instead of a generated run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        syncready = str(Path(sys.executable).with_name("syncready"))
        path, two = args.results, Path(tmp) / "results-2.json"
        if path is None:
            snap, path = Path(tmp) / "snap", Path(tmp) / "results.json"
            generate(snap, args.users, seed=14)
            subprocess.run([syncready, "check", "--snapshot", str(snap), "--json", str(path), "--json-schema", "1",
                            "--fail-on", "never", "--quiet"], check=True, stdout=subprocess.DEVNULL)
        one = Path(tmp) / "results-1.json"
        for out, schema in ((one, "1"), (two, "2")):     # whichever schema the file has, both from it
            subprocess.run([syncready, "report", str(path), "--json", str(out), "--json-schema", schema],
                           check=True, stdout=subprocess.DEVNULL)
        today, adopted = one.stat().st_size, two.stat().st_size
        doc = json.loads(one.read_text(encoding="utf-8"))
    subjects = doc["subjects"]
    compact = encode(subjects)
    if decode(compact) != subjects:
        print("MISMATCH: the prototype's decoder does not give back schema 1's entries", file=sys.stderr)
        return 1
    rest = len(dumps({k: v for k, v in doc.items() if k != "subjects"}).encode())
    proto = rest + len(dumps(compact).encode())
    kinds = Counter(e.get("kind") for e in subjects)
    users = kinds["cloud-user"] + kinds["onprem-user"]
    print(f"{len(subjects):,} subjects: {kinds['cloud-user']:,} cloud users, {kinds['onprem-user']:,} AD users; "
          f"{len(compact['results']):,} distinct results of {sum(len(e['results']) for e in subjects):,}, "
          f"{len(compact['rows']):,} distinct runs of results, {len(compact['strings']):,} shared strings")
    for label, size in (("syncready/results/1", today), ("syncready/results/2", adopted),
                        ("prototype compact layout", proto)):
        print(f"{label:<28} {size / 1e6:8.1f} MB  {size / users:7.0f} B per user  "
              f"{size / kinds['cloud-user']:7.0f} B per cloud user  {size / len(subjects):7.0f} B per subject")
    print(f"ratio schema 1/schema 2: {today / adopted:.2f}×; schema 1/prototype: {today / proto:.2f}× "
          "(the prototype decoded back to schema 1's entries: identical)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
