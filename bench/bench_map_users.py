"""cloud_user_from_graph over cloud/users.json's records: a baseline tree's graphmap against this
one's, in the same process, alternating (CPU seconds, least of the repeats; the records are decoded
once, the garbage collector paused as read_snapshot pauses it).

    python bench/bench_map_users.py --snapshot /tmp/bk/snap100000 --baseline /tmp/base [--repeat 5]
"""
from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from functools import partial
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent


def _graphmap(tree: Path, name: str):
    """The graphmap module of a source tree, loaded under its own package name."""
    for key in [k for k in sys.modules if k == "syncready" or k.startswith("syncready.")]:
        del sys.modules[key]
    sys.path.insert(0, str(tree))
    try:
        import syncready.sources.graphmap as module
    finally:
        sys.path.pop(0)
    sys.modules[name] = module
    return module


def arguments(argv: list[str] | None, description: str) -> argparse.Namespace:
    """--snapshot, --baseline (a source tree) and --repeat, as both mapper benchmarks take them."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--snapshot", type=Path, required=True)
    parser.add_argument("--baseline", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=5)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv, __doc__.splitlines()[0])
    records = json.loads((args.snapshot / "cloud" / "users.json").read_text(encoding="utf-8-sig"))
    trees = {"baseline": _graphmap(args.baseline, "_base_graphmap"), "now": _graphmap(HERE, "_now_graphmap")}
    return compare("cloud_user_from_graph", "CloudUsers", records, args.repeat,
                   {name: (partial(module.cloud_user_from_graph, extra_props=()), module.map_records)
                    for name, module in trees.items()})


def compare(function: str, made: str, records: list, repeat: int, trees: dict[str, tuple]) -> int:
    """Each tree's (convert, map_records) over the records, alternating, the collector paused; prints
    the least CPU of each and its ratio to "baseline", and whether both trees made the same objects."""
    gc.disable()
    times: dict[str, list[float]] = {name: [] for name in trees}
    for _ in range(repeat):
        for name, (convert, map_records) in trees.items():
            start = time.process_time()
            objects = map_records(records, convert, str)
            times[name].append(time.process_time() - start)
            del objects
    same = [repr(o) for o in map(trees["baseline"][0], records)] == [repr(o) for o in map(trees["now"][0], records)]
    base = min(times["baseline"])
    print(f"{function} over {len(records)} records (CPU seconds, least of {repeat})")
    for name, runs in times.items():
        print(f"  {name:9} {min(runs):6.3f} s  {base / min(runs):4.2f}x the baseline")
    print(f"  the same {made}" if same else f"  DIFFERENT {made}")
    return 0 if same else 1

if __name__ == "__main__":
    raise SystemExit(main())
