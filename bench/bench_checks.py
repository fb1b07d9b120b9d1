"""Benchmark: where the evaluation's CPU and memory go — Engine() (the index), subjects() (with the
matching's pairing), each check over every subject, and Engine.run's wrapper around the calls.

Measured for the working tree and for a baseline revision (default 22058d3, main before the third
pass of issue 14, extracted with `git archive`) in the same benchmark run, each in its own child
process on the same snapshot (read once per child, not timed; then gc.collect + gc.freeze, as
load_directory does). In each child, on a fresh Engine each time (lazy lookups are paid where a
real run pays them):
  - the engine: Engine() and its RSS growth, subjects(), then a fresh Engine() and run() with its
    RSS growth, the way `syncready check` does (run builds its subjects itself);
  - the check pass: each check in the engine's order over every subject of its kind that the engine
    would call it for (not synchronized, counterpart present when it needs one), by the plain call,
    its result kept per subject, with the cyclic collector paused (Engine.run pauses it since this
    pass): CPU per check.
The named baseline of the wrapper is the sum of the checks: run minus subjects minus that sum is
what the engine adds around the calls (rows, Engine._outcome's rules, readiness, storing results,
and in the baseline revision the collector's passes). --rss adds `syncready check --json` of both
trees in a child each: its CPU (user+sys) and peak RSS. CPU is process time; on a loaded machine a
figure still varies by ±20 % between runs, so --repeat keeps the least of several passes.

Run: .venv/bin/python -m bench.bench_checks [--users 20000 | --snapshot DIR] [--repeat 1] [--rss]
     [--baseline REV | none] [--tree PKG]
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from bench.bench_engine import run_check
from bench.bench_output import ROOT, package_tree
from bench.child import run_or_exit
from bench.synthetic import generate

BASELINE = "22058d3"


def engine_pass(directory, config) -> dict[str, float]:
    """CPU of Engine(), subjects() and run() (fresh engines, as `syncready check` makes them)."""
    from syncready.engine import Engine

    t0 = time.process_time()
    engine = Engine(directory, config)
    t1 = time.process_time()
    engine.subjects()
    subjects = time.process_time() - t1
    engine = Engine(directory, config)
    t2 = time.process_time()
    engine.run()
    t3 = time.process_time()
    return {"init": t1 - t0, "subjects": subjects, "run": t3 - t2}


def memory_pass(directory, config) -> dict[str, float]:
    """MB the Engine holds (its index) and the run holds besides (subjects, results, lazy lookups and
    predictions), live at the end of each, and the run's peak above the Engine, traced by tracemalloc
    (a pass of its own: tracing slows the CPU)."""
    from syncready.engine import Engine

    gc.collect()
    tracemalloc.start()
    engine = Engine(directory, config)
    gc.collect()
    index = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    run = engine.run()
    gc.collect()
    held, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del run, engine
    return {"init_mb": index / 1e6, "run_mb": (held - index) / 1e6, "peak_mb": (peak - index) / 1e6}


def check_pass(directory, config) -> dict[str, float]:
    """{check id: CPU} with each check over all its subjects, the collector paused."""
    from syncready.engine import Engine

    engine = Engine(directory, config)
    subjects, _ = engine.subjects()
    rows = [(s, engine.fixtures(s), {}) for s in subjects if not s.synced]
    per_check: dict[str, float] = {}
    for check in engine.checks:
        check_id, func, arguments, needs, unread = engine.bind(check)
        kind = check.meta.subject
        todo = [(arguments(fx), kept) for s, fx, kept in rows if s.kind == kind and unread is None and (
            not needs or (s.paired if needs == "paired" else s.counterpart) is not None)]
        gc.disable()
        start = time.process_time()
        for args, kept in todo:
            kept[check_id] = func(*args)     # kept by subject, as a run keeps its results
        per_check[check.id] = time.process_time() - start
        gc.enable()
    return per_check


def child(snapshot: str, repeat: int) -> dict:
    """The measurement in this process (the tree on PYTHONPATH): least CPU of `repeat` passes."""
    from syncready.config import Config, load_config
    from syncready.sources.snapshot import read_snapshot

    snap = Path(snapshot)
    config_file = snap / "syncready.toml"
    config = load_config(str(config_file)) if config_file.exists() else Config()
    directory = read_snapshot(str(snap), extra_graph=config.extra_graph, extra_ldap=config.extra_ldap)
    gc.collect()
    gc.freeze()
    engine: dict[str, float] = {}
    checks: dict[str, float] = {}
    for _ in range(repeat):
        for key, value in engine_pass(directory, config).items():
            engine[key] = min(engine.get(key, value), value)
        for key, value in check_pass(directory, config).items():
            checks[key] = min(checks.get(key, value), value)
    engine.update(memory_pass(directory, config))
    return {"engine": engine, "checks": checks, "cloud": len(directory.cloud_users), "onprem": len(directory.onprem)}


def measure(pkg: Path, snap: Path, repeat: int) -> dict:
    env = dict(os.environ, PYTHONPATH=f"{pkg}{os.pathsep}{ROOT}")
    code = ("import json, sys; from bench.bench_checks import child; "
            "print(json.dumps(child(sys.argv[1], int(sys.argv[2]))))")
    with tempfile.TemporaryDirectory() as cwd:      # not the repository: its syncready/ would come first
        found = run_or_exit([sys.executable, "-c", code, str(snap), str(repeat)], f"{pkg}: bench child", env,
                            Path(cwd))
    return json.loads(found.stdout.strip().splitlines()[-1])


def report(trees: dict[str, dict], baseline: str | None) -> None:
    now = trees["now"]
    old = trees.get("baseline")
    total = sum(now["checks"].values())
    print(f"{now['cloud']:,} cloud users, {now['onprem']:,} AD objects, {len(now['checks'])} checks; CPU seconds")
    print(f"{'check':<28} {'now':>7} {'share':>6}" + (f" {baseline:>9}" if old else ""))
    for check_id, seconds in sorted(now["checks"].items(), key=lambda kv: -kv[1]):
        before = f" {old['checks'].get(check_id, float('nan')):9.3f}" if old else ""
        print(f"{check_id:<28} {seconds:7.3f} {seconds / total:6.1%}{before}")
    print(f"{'sum of the checks':<28} {total:7.3f} {1:6.1%}" + (f" {sum(old['checks'].values()):9.3f}" if old else ""))
    rows = [("Engine() (index)", "init", "s"), ("subjects()", "subjects", "s"), ("Engine.run()", "run", "s"),
            ("Engine() holds", "init_mb", "MB"), ("run holds besides", "run_mb", "MB"),
            ("run's peak above Engine()", "peak_mb", "MB")]
    print(f"{'':<28} {'now':>9} " + (f"{baseline:>9} {'baseline/now':>12}" if old else ""))
    for label, key, unit in rows:
        value = now["engine"][key]
        line = f"{label:<28} {value:7.2f} {unit:<2}"
        if old:
            before = old["engine"][key]
            line += f"{before:7.2f} {unit:<2} {before / value if value else float('inf'):11.2f}×"
        print(line)
    for name, tree in trees.items():
        engine, checks = tree["engine"], sum(tree["checks"].values())
        wrapper = engine["run"] - engine["subjects"] - checks
        print(f"{name:>8}: run − subjects = {engine['run'] - engine['subjects']:.3f} s = "
              f"{(engine['run'] - engine['subjects']) / checks:.2f}× the sum of the checks (baseline): "
              f"wrapper {wrapper:+.3f} s")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1, help="passes; the least CPU of each is kept")
    parser.add_argument("--snapshot", help="an existing snapshot folder instead of a generated one")
    parser.add_argument("--baseline", default=BASELINE,
                        help=f"git revision measured beside the working tree ({BASELINE}); 'none' to skip")
    parser.add_argument("--tree", type=Path,
                        help="a package folder (as bench_output.package_tree makes) instead of the working tree")
    parser.add_argument("--rss", action="store_true",
                        help="also `syncready check --json` of each tree: its CPU and peak RSS")
    args = parser.parse_args()
    baseline = None if args.baseline == "none" else args.baseline
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        snap = Path(args.snapshot) if args.snapshot else work / "snap"
        if not args.snapshot:
            generate(snap, args.users, seed=args.seed)
        pkgs = {"now": args.tree or package_tree(None, work / "now")}
        if baseline:
            pkgs["baseline"] = package_tree(baseline, work / "baseline")
        trees = {name: measure(pkg, snap, args.repeat) for name, pkg in pkgs.items()}
        print(f"least CPU of {args.repeat} pass(es); baseline {baseline or 'none'}")
        report(trees, baseline)
        if args.rss:
            for name, pkg in pkgs.items():
                out = work / f"check-{name}"
                out.mkdir()
                found = run_check(pkg, snap, out)
                print(f"{name:>8}: syncready check --json: {found['cpu']:.2f} s CPU, "
                      f"{found['rss'] / 1e6:,.0f} MB peak RSS")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
