"""Benchmark: where the evaluation's CPU goes — each check over every subject, and the engine around them.

A directory of --users cloud users (bench.synthetic) is read once (not timed). Then, on a fresh
Engine each time (so lazy lookups are paid where a real run pays them):
  - the check pass: Engine() and subjects(), then each check in the engine's order over every
    subject of its kind that the engine would call it for (not synchronized, counterpart present
    when it needs one), by the plain call `check(**fixtures)`, its result kept in a dict per
    subject as a run keeps it; CPU per check;
  - the engine: Engine() and `Engine.run()` on the same directory, the way `syncready check` does.
The named baseline is the sum of the checks: the engine's evaluation (run minus its subjects)
divided by it says what the wrapper around the calls costs (the rows of subjects, the rules of
Engine._outcome, readiness). CPU is process time, not wall time: on a loaded machine a figure
still varies by ±20 % between runs, so compare runs made side by side (--repeat keeps the least).

Run: .venv/bin/python -m bench.bench_checks [--users 20000] [--repeat 1] [--snapshot DIR]
"""
from __future__ import annotations

import argparse
import gc
import tempfile
import time
from pathlib import Path

from bench.synthetic import generate
from syncready.config import Config, load_config
from syncready.engine import Engine
from syncready.sources.snapshot import read_snapshot


def check_pass(directory, config) -> tuple[float, float, dict[str, float]]:
    """(Engine() CPU, subjects() CPU, {check id: CPU}) with each check over all its subjects."""
    t0 = time.process_time()
    engine = Engine(directory, config)
    t1 = time.process_time()
    subjects, _ = engine.subjects()
    t2 = time.process_time()
    rows = [(s, engine.fixtures(s), {}) for s in subjects if not s.synced]
    per_check: dict[str, float] = {}
    for check in engine.checks:
        check_id, func, arguments, needs, unread = engine.bind(check)
        kind = check.meta.subject
        todo = [(arguments(fx), kept) for s, fx, kept in rows if s.kind == kind and unread is None and (
            not needs or (s.paired if needs == "paired" else s.counterpart) is not None)]
        start = time.process_time()
        for args, kept in todo:
            kept[check_id] = func(*args)     # kept by subject, as a run keeps its results
        per_check[check.id] = time.process_time() - start
    return t1 - t0, t2 - t1, per_check


def engine_pass(directory, config) -> tuple[float, float, float]:
    """(Engine() CPU, subjects() CPU, run() CPU) — run() builds the subjects itself, as in a real run."""
    t0 = time.process_time()
    engine = Engine(directory, config)
    t1 = time.process_time()
    engine.subjects()
    t2 = time.process_time()
    engine = Engine(directory, config)
    t3 = time.process_time()
    engine.run()
    t4 = time.process_time()
    return t1 - t0, t2 - t1, t4 - t3


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1, help="passes; the least CPU of each is kept")
    parser.add_argument("--snapshot", help="an existing snapshot folder instead of a generated one")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        snap = Path(args.snapshot) if args.snapshot else Path(tmp) / "snap"
        if not args.snapshot:
            generate(snap, args.users, seed=args.seed)
        config_file = snap / "syncready.toml"
        config = load_config(str(config_file)) if config_file.exists() else Config()
        directory = read_snapshot(str(snap), extra_graph=config.extra_graph, extra_ldap=config.extra_ldap)
        gc.collect()
        gc.freeze()
        best: dict[str, float] = {}
        init = subjects = run = float("inf")
        for _ in range(args.repeat):
            _, _, per_check = check_pass(directory, config)
            for key, value in per_check.items():
                best[key] = min(best.get(key, value), value)
            i, s, r = engine_pass(directory, config)
            init, subjects, run = min(init, i), min(subjects, s), min(run, r)
    total = sum(best.values())
    evaluation = run - subjects
    print(f"{len(directory.cloud_users):,} cloud users, {len(directory.onprem):,} AD objects, "
          f"{len(best)} checks; CPU seconds (least of {args.repeat})")
    print(f"{'check':<28} {'CPU s':>7} {'share':>6}")
    for check_id, seconds in sorted(best.items(), key=lambda kv: -kv[1]):
        print(f"{check_id:<28} {seconds:7.3f} {seconds / total:6.1%}")
    print(f"{'sum of the checks':<28} {total:7.3f} {1:6.1%}")
    print(f"Engine() (index) {init:.3f} s, subjects() {subjects:.3f} s, Engine.run() {run:.3f} s")
    print(f"engine evaluation (run − subjects) {evaluation:.3f} s = {evaluation / total:.2f}× the sum of the "
          f"checks (baseline): wrapper {evaluation - total:+.3f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
