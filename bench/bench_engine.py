"""Benchmark: snapshot read → all checks → results JSON written, for N cloud + N AD users.

Target (issue 2/4): 100,000 + 100,000 users in ≤ 20 s wall and ≤ 1.5 GB peak memory on 2 cores.
Baseline named for the ratio: the pytest front end on the same data (one test per check and
subject), measured on a smaller directory and extrapolated per test, since at 100k users it would
take minutes. Run: .venv/bin/python -m bench.bench_engine [--users 100000]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.synthetic import generate

TARGET_SECONDS = 20.0
TARGET_BYTES = 1.5e9


def run_measured(cmd: list[str]) -> tuple[float, int, subprocess.CompletedProcess]:
    """Wall time and peak RSS of a child process (wait4 gives the child's own ru_maxrss)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        return wall, usage.ru_maxrss * 1024, subprocess.CompletedProcess(
            cmd, os.waitstatus_to_exitcode(status), out.read(), err.read())


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--pytest-users", type=int, default=2_000)
    args = parser.parse_args()
    exe = str(Path(sys.executable).with_name("syncready"))
    with tempfile.TemporaryDirectory() as tmp:
        snap = Path(tmp) / "snap"
        t0 = time.perf_counter()
        stories = generate(snap, args.users)
        print(f"generated {args.users:,} cloud + {args.users - stories['no-ad'] + stories['onprem-only']:,} AD users "
              f"in {time.perf_counter() - t0:.1f} s (not timed): {stories}")
        out = Path(tmp) / "results.json"
        wall, rss, proc = run_measured([exe, "check", "--snapshot", str(snap), "--json", str(out),
                                        "--fail-on", "never"])
        if proc.returncode != 0:
            print(proc.stderr, file=sys.stderr)
            return 1
        doc = json.loads(out.read_text())
        checks = len(doc["selected"])
        print(f"syncready check, {checks} checks: {wall:.2f} s wall, {rss / 1e6:,.0f} MB peak RSS, "
              f"results JSON {out.stat().st_size / 1e6:.1f} MB, {len(doc['subjects']):,} subjects")
        print(f"  target ≤ {TARGET_SECONDS:.0f} s and ≤ {TARGET_BYTES / 1e9:.1f} GB: "
              f"{'met' if wall <= TARGET_SECONDS and rss <= TARGET_BYTES else 'MISSED'} "
              f"({wall / TARGET_SECONDS:.2f}× of the time budget, {rss / TARGET_BYTES:.2f}× of the memory budget)")

        small = Path(tmp) / "small"
        generate(small, args.pytest_users, seed=2)
        pwall, _, pproc = run_measured([sys.executable, "-m", "pytest", "checks/", "--snapshot", str(small), "-q",
                                        "-p", "no:cacheprovider", "--fail-on", "never"])
        tests = _count_tests(pproc.stdout)
        rate = tests / pwall if pwall else 0
        projected = (len(doc["subjects"]) * checks) / rate if rate else float("inf")
        print(f"baseline, pytest front end: {tests:,} tests for {args.pytest_users:,} users in {pwall:.1f} s "
              f"({rate:,.0f} tests/s); {args.users:,} users would take ≈ {projected:,.0f} s → engine is "
              f"{projected / wall:.0f}× faster")
    return 0


def _count_tests(output: str) -> int:
    import re

    total = 0
    for number, _word in re.findall(r"(\d+) (passed|failed|skipped|xfailed|xpassed|error)", output):
        total += int(number)
    return total


if __name__ == "__main__":
    sys.exit(main())
