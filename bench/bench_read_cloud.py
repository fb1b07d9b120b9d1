"""The cloud side of read_snapshot (cloud/*.json to CloudUser, groups, mailboxes ...): a baseline
source tree against this one, with and without orjson (the `fast` extra), in the same run; and
cloud/users.json decoded by json.loads of its text against jsonio.decode of its bytes by orjson
(why the snapshot reader does not use orjson: no less CPU, a higher peak).

Each variant runs in its own child process, alternating, `--repeat` times; the figure is the CPU
(process_time) of read_snapshot(parts=("cloud",)) alone, the least and the median of the repeats
(the least is the one least disturbed by other load on the machine), and the child's peak RSS.
Every variant prints a digest of what it read, so the run also shows that the directories are the same.

    python bench/bench_read_cloud.py --snapshot /tmp/bk/snap100000 --baseline /tmp/base [--repeat 3]
    python bench/bench_read_cloud.py --users 20000 --baseline /tmp/base
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.child import run_or_exit  # noqa: E402

HERE = Path(__file__).resolve().parent.parent

# Run in the child: hide orjson when asked, read the cloud side, print CPU seconds, users and a digest.
_CHILD = """
import hashlib, sys, time
if sys.argv[2] == "hide":
    sys.modules["orjson"] = None
from syncready.sources.snapshot import read_snapshot
start = time.process_time()
directory = read_snapshot(sys.argv[1], parts=("cloud",))
cpu = time.process_time() - start
digest = hashlib.sha256()
for objects in (directory.cloud_users, directory.cloud_groups, directory.cloud_contacts, directory.domains,
                directory.role_assignments, directory.mailboxes):
    for obj in objects:
        digest.update(repr(obj).encode("utf-8", "surrogatepass"))
digest.update(repr((sorted(directory.group_members.items()), directory.features, directory.tenant_id,
                    directory.coverage)).encode())
print(cpu, len(directory.cloud_users), digest.hexdigest()[:16])
"""


# Run in the child: decode cloud/users.json one way, print CPU seconds.
_DECODE = """
import gc, json, sys, time
gc.disable()
from syncready import jsonio
data = open(sys.argv[1], "rb").read()
start = time.process_time()
value = json.loads(data.decode("utf-8-sig")) if sys.argv[2] == "json" else jsonio.decode(data)
print(time.process_time() - start)
"""


def _variants(baseline: Path) -> list[tuple[str, Path, str]]:
    return [("baseline (no orjson)", baseline, "hide"), ("now, without orjson", HERE, "hide"),
            ("now, with orjson", HERE, "use")]


def _decode_rows(users: Path, repeat: int) -> list[str]:
    decoded: dict[str, list[tuple[float, int]]] = {}
    for _ in range(repeat):
        for way in ("json", "orjson"):
            child = run_or_exit([sys.executable, "-c", _DECODE, str(users), way], way,
                                env={"PYTHONPATH": str(HERE), "PATH": "/usr/bin:/bin"})
            decoded.setdefault(way, []).append((float(child.stdout), child.rss))
    floor = min(c for c, _ in decoded["json"])
    rows = []
    for way, label in (("json", "json.loads(text)"), ("orjson", "jsonio.decode(bytes), orjson")):
        least = min(c for c, _ in decoded[way])
        rows.append(f"  {label:30} {least:6.2f} s ({floor / least:4.2f}x json)  peak "
                    f"{max(r for _, r in decoded[way]) / 2**20:5.0f} MB")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--snapshot", type=Path, help="a snapshot folder (read only)")
    parser.add_argument("--users", type=int, help="generate a snapshot of this many users instead")
    parser.add_argument("--baseline", type=Path, required=True, help="a source tree to compare with "
                        "(git archive of the commit before, unpacked)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        snapshot = args.snapshot
        if snapshot is None:
            if not args.users:
                parser.error("give --snapshot or --users")
            from bench.synthetic import generate
            snapshot = Path(scratch) / "snap"
            generate(snapshot, args.users, seed=14)
        try:
            import orjson
            have = f"orjson {orjson.__version__}"
        except ImportError:
            raise SystemExit("install orjson (pip install 'syncready[fast]') to measure both paths") from None
        runs: dict[str, list[tuple[float, int, str, int]]] = {}
        for _ in range(args.repeat):
            for name, tree, mode in _variants(args.baseline):
                child = run_or_exit([sys.executable, "-c", _CHILD, str(snapshot.resolve()), mode], name,
                                    env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"}, cwd=tree)
                cpu, users, digest = child.stdout.split()
                runs.setdefault(name, []).append((float(cpu), int(users), digest, child.rss))
        decode_rows = _decode_rows(snapshot / "cloud" / "users.json", args.repeat)
    print(f"cloud side of read_snapshot, {snapshot} ({have}; CPU seconds, least and median of {args.repeat})")
    first = runs[_variants(args.baseline)[0][0]]
    base_min, base_median = min(r[0] for r in first), statistics.median(r[0] for r in first)
    digests = set()
    for name, results in runs.items():
        least, median = min(r[0] for r in results), statistics.median(r[0] for r in results)
        rss = max(r[3] for r in results)
        digests.update(r[2] for r in results)
        print(f"  {name:22} {least:6.2f} s ({base_min / least:4.2f}x the baseline)  median {median:6.2f} s "
              f"({base_median / median:4.2f}x)  {results[0][1]} users  peak {rss / 2**20:5.0f} MB  "
              f"read {results[0][2]}")
    print("  same directory read by every variant" if len(digests) == 1 else "  DIFFERENT directories read")
    print("cloud/users.json alone (CPU seconds, least of the repeats; peak RSS of the child)")
    for line in decode_rows:
        print(line)
    return 0 if len(digests) == 1 else 1


if __name__ == "__main__":
    raise SystemExit(main())
