"""Benchmark: reading a snapshot, and the whole check, against the reading floor (issue 14).

The floor is what any reader of the same files must pay: json.load of every cloud/*.json file and
a minimal LDIF parse of onprem/ad.ldif (records split on blank lines, folded lines joined, each
line split at its first colon, base64 values decoded; no validation, no mapping). Like the
reader, it runs with the cyclic garbage collector paused. All figures are CPU seconds
(process_time in this process, user+sys from os.wait4 for children), best of --repeat runs
except the check, measured in the same run on the same generated directory.

Run: .venv/bin/python -m bench.bench_read --users 100000 [--baseline-tree /tmp/old] [--no-check]
--baseline-tree is a checkout of an earlier commit (git worktree add /tmp/old COMMIT): its
read_snapshot is timed in a child process with that tree first on PYTHONPATH, for before → after;
(b2) is the AD side alone (read_snapshot of onprem/ad.ldif) against the floor's LDIF part.
"""
from __future__ import annotations

import argparse
import binascii
import gc
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from bench.child import run_or_exit
from bench.synthetic import generate

TARGET_RATIO = 5.0

# Times read_snapshot in a child, so that a baseline tree's modules are the ones imported.
_CHILD = """
import gc, sys, time
import syncready
from syncready.sources.snapshot import read_snapshot
best = float("inf")
for _ in range(int(sys.argv[2])):
    start = time.process_time()
    read_snapshot(sys.argv[1], parts=sys.argv[3].split(","))
    best = min(best, time.process_time() - start)
    gc.collect()
print(best, syncready.__file__)
"""


def floor(root: Path) -> int:
    """The reading floor; returns the number of LDIF records, so nothing is optimised away."""
    for path in sorted((root / "cloud").glob("*.json")):
        with open(path, "rb") as fp:
            json.load(fp)
    return ldif_floor(root)


def ldif_floor(root: Path) -> int:
    """The floor's LDIF part, the AD side's own floor."""
    a2b = binascii.a2b_base64
    records = []
    for record in (root / "onprem" / "ad.ldif").read_bytes().replace(b"\n ", b"").split(b"\n\n"):
        pairs = []
        for line in record.split(b"\n"):
            name, _, value = line.partition(b":")
            pairs.append((name, a2b(value[1:]) if value[:1] == b":" else value[1:]))
        records.append(pairs)
    return len(records)


def best_cpu(run, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        was = gc.isenabled()
        gc.disable()
        start = time.process_time()
        run()
        best = min(best, time.process_time() - start)
        if was:
            gc.enable()
        gc.collect()
    return best


def read_in_child(root: Path, repeat: int, tree: Path | None, parts: str = "cloud,onprem") -> float:
    env = dict(os.environ)
    if tree is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(tree), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    # `python -c` puts its working directory first on sys.path: the tree's, or this one's.
    best, module = run_or_exit([sys.executable, "-c", _CHILD, str(root), str(repeat), parts], "read_snapshot", env,
                               tree).stdout.split()
    if tree is not None and not Path(module).resolve().is_relative_to(tree.resolve()):
        raise SystemExit(f"the baseline's read_snapshot was not imported from {tree} but from {module}")
    return float(best)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dir", type=Path, help="use (or create) this generated directory instead of a temporary one")
    parser.add_argument("--baseline-tree", type=Path, help="a checkout of an earlier commit, for read before → after")
    parser.add_argument("--no-check", action="store_true", help="leave out (c), the whole check")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = args.dir or Path(tmp) / "snap"
        if not (root / "cloud" / "users.json").is_file():
            stories = generate(root, args.users)
            print(f"generated {args.users:,} cloud users, {args.users - stories['no-ad'] + stories['onprem-only']:,} "
                  f"AD users (not timed)")
        size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
        print(f"{root}: {size / 1e6:,.0f} MB; CPU seconds, best of {args.repeat}")
        records = floor(root)
        low = best_cpu(lambda: floor(root), args.repeat)
        print(f"  (a) reading floor (json.load + minimal LDIF parse, {records:,} records): {low:6.2f} s")
        read = read_in_child(root, args.repeat, None)
        print(f"  (b) read_snapshot:                                              {read:6.2f} s   "
              f"{read / low:4.2f}x the floor")
        if args.baseline_tree:
            before = read_in_child(root, args.repeat, args.baseline_tree)
            print(f"      read_snapshot of {args.baseline_tree}:{'':>{max(0, 36 - len(str(args.baseline_tree)))}}"
                  f"{before:6.2f} s   {before / low:4.2f}x the floor; now {before / read:4.2f}x faster")
        ad_floor = best_cpu(lambda: ldif_floor(root), args.repeat)
        ad = read_in_child(root, args.repeat, None, "onprem")
        print(f"  (b2) AD side: the floor's LDIF part {ad_floor:6.2f} s; read_snapshot(parts=onprem) {ad:6.2f} s   "
              f"{ad / ad_floor:4.2f}x the floor (target ≤ 2x: {'met' if ad / ad_floor <= 2 else 'MISSED'})")
        if args.baseline_tree:
            before = read_in_child(root, args.repeat, args.baseline_tree, "onprem")
            print(f"      AD side of {args.baseline_tree}: {before:6.2f} s   {before / ad_floor:4.2f}x the floor; "
                  f"now {before / ad:4.2f}x faster")
        if args.no_check:
            return 0
        exe = str(Path(sys.executable).with_name("syncready"))
        check = run_or_exit([exe, "check", "--snapshot", str(root), "--json", str(Path(tmp) / "results.json"),
                             "--fail-on", "never", "--quiet"], "syncready check").cpu
        verdict = "met" if check / low <= TARGET_RATIO else "MISSED"
        print(f"  (c) syncready check --json (child, once):                       {check:6.2f} s   "
              f"{check / low:4.2f}x the floor (target ≤ {TARGET_RATIO:.0f}x: {verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
