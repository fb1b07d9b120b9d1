"""Benchmark: what `syncready check` spends after evaluation (fix previews, results JSON, terminal
checklist and summary, exit code; optionally the Markdown, JUnit, CSV and HTML writers).

Baseline named for the ratio: the same command from a git revision (default: 22058d3, main before issue
14's third pass; 8e6ee25 is main before the output work began), extracted with `git archive` and run in
the same benchmark run on the same generated directory. Each run is a child process; its CPU time
(user+sys, from wait4) is the whole command, and "post-evaluation" is that minus the CPU of `build_run`
(reading and evaluating), timed inside the child.
Run: .venv/bin/python -m bench.bench_output [--users 20000 100000] [--outputs json,csv]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

from bench.child import run_measured
from bench.synthetic import generate

ROOT = Path(__file__).resolve().parent.parent
BASELINE = "22058d3"
SHOWN_TIME = re.compile(r"\d\d [A-Z][a-z]{2} \d{4}, \d\d:\d\d UTC")    # the HTML header's time
MAPPED = ("checks", "fixers", "reports", "examples")     # pyproject's package-dir: syncready.<name> = <name>/

CHILD = r"""
import json, sys, time
import syncready.commands.check as command
from syncready.cli import main
inner = command.build_run
spent = []
def timed(*args, **kwargs):
    start = time.process_time()
    try:
        return inner(*args, **kwargs)
    finally:
        spent.append(time.process_time() - start)
command.build_run = timed
start = time.process_time()
code = main(sys.argv[1:])
total = time.process_time() - start
print(json.dumps({"code": code, "evaluate": sum(spent), "in_process": total}), file=sys.stderr)
"""


def package_tree(revision: str | None, into: Path) -> Path:
    """A directory to put on PYTHONPATH holding `syncready` as installed: the working tree (revision
    None) or a revision's files, with checks/, fixers/, reports/ and examples/ linked into it."""
    pkg = into / "pkg"
    (pkg).mkdir(parents=True)
    if revision is None:
        source = ROOT
    else:
        source = into / "tree"
        data = subprocess.run(["git", "-C", str(ROOT), "archive", revision], check=True, capture_output=True).stdout
        with tarfile.open(fileobj=BytesIO(data)) as tar:
            tar.extractall(source, filter="data")
    (pkg / "syncready").mkdir()
    for item in (source / "syncready").iterdir():
        (pkg / "syncready" / item.name).symlink_to(item)
    for name in MAPPED:
        (pkg / "syncready" / name).symlink_to(source / name)
    return pkg


def measure(pkg: Path, snap: Path, out: Path, outputs: list[str]) -> dict:
    args = ["check", "--snapshot", str(snap), "--fail-on", "never", "--quiet"]
    for name in outputs:
        args += [f"--{name}", str(out / f"out.{name}")]
    env = dict(os.environ, PYTHONPATH=str(pkg), NO_COLOR="1")
    child = run_measured([sys.executable, "-c", CHILD, *args], env, out)
    lines = child.stderr.strip().splitlines()
    if child.returncode != 0 or not lines:
        raise SystemExit(f"{pkg}: syncready check failed: {' '.join(lines[-3:])}")
    inner = json.loads(lines[-1])
    return {"cpu": child.cpu, "post": inner["in_process"] - inner["evaluate"], "rss": child.rss,
            "json": (out / "out.json").stat().st_size if "json" in outputs else 0}


def _comparable(out: Path, name: str) -> str:
    """An output with the run's own time and folder replaced, as tests/test_output_identity compares."""
    text = (out / f"out.{name}").read_text(encoding="utf-8")
    if (out / "out.json").exists():
        text = text.replace(json.loads((out / "out.json").read_text(encoding="utf-8"))["generated"], "GENERATED")
    return SHOWN_TIME.sub("SHOWN", text).replace(str(out), "OUT")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, nargs="+", default=[20_000, 100_000])
    parser.add_argument("--baseline", default=BASELINE, help=f"git revision measured as the baseline ({BASELINE})")
    parser.add_argument("--outputs", default="json", help="comma-separated: json,markdown,junit,csv,html")
    parser.add_argument("--repeat", type=int, default=1, help="runs per variant; the least CPU is kept")
    parser.add_argument("--snapshot", type=Path, help="an existing directory instead of generating one")
    args = parser.parse_args()
    outputs = [o for o in args.outputs.split(",") if o]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        variants = {f"baseline {args.baseline}": package_tree(args.baseline, root / "base"),
                    "working tree": package_tree(None, root / "work")}
        for users in ([0] if args.snapshot else args.users):
            snap = args.snapshot or root / f"snap{users}"
            if not args.snapshot:
                generate(snap, users, seed=14)
            found = {}
            for name, pkg in variants.items():
                out = root / f"out-{users}-{len(found)}"
                out.mkdir()
                runs = [measure(pkg, snap, out, outputs) for _ in range(args.repeat)]
                found[name] = min(runs, key=lambda r: r["cpu"])
                same = all(_comparable(out, o) == _comparable(root / f"out-{users}-0", o) for o in outputs)
                r = found[name]
                print(f"{users or snap}: {name:<20} CPU {r['cpu']:6.2f} s, post-evaluation {r['post']:6.2f} s, "
                      f"peak {r['rss'] / 1e6:,.0f} MB" + (f", JSON {r['json'] / 1e6:.1f} MB" if r["json"] else "")
                      + ("" if same else "  OUTPUT DIFFERS from the baseline's"))
            base, work = found.values()
            print(f"{users or snap}: ratio baseline/working tree: CPU {base['cpu'] / work['cpu']:.2f}×, "
                  f"post-evaluation {base['post'] / max(work['post'], 1e-9):.2f}× ({outputs})")
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
