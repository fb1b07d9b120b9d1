"""Benchmark: applying fixes to a real Samba AD DC, and stamping ImmutableIDs on the Graph test server.

Targets (issue 5): ≥ 100 users/s applying attribute fixes to Samba (1,000 users whose displayName
drifted: 1,000 LDAP modifies, each deleting the exact old value and adding the new one, journaled
with fsync before and after), and ≥ 200 users/s stamping 1,000 users through msgraph-sdk's $batch.
Baseline named for the ratio of the Graph figure: one PATCH (with its re-read) at a time through
GraphWriter.apply, measured by undoing 200 of the stamps that way.
Run as root with Samba installed: .venv/bin/python -m bench.bench_fix [--users 1000]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import sambadc  # noqa: E402
from fixtures_samba import install_test_pki, live_args  # noqa: E402
from graphserver import GraphServer  # noqa: E402

from bench.synthetic import generate  # noqa: E402
from syncready.apply import apply_changes  # noqa: E402
from syncready.commands.fix import evaluate_all  # noqa: E402
from syncready.options import GraphAuth, GraphOptions, SourceOptions  # noqa: E402
from syncready.fixing import build_plan  # noqa: E402
from syncready.journal import Journal  # noqa: E402
from syncready.sources import ldapconn  # noqa: E402
from syncready.sources.graphsession import open_session  # noqa: E402
from syncready.writers.graph_writer import GraphWriter  # noqa: E402
from syncready.writers.ldap_writer import LdapWriter  # noqa: E402


def bench_ldap(tmp: Path, users: int) -> None:
    snap = tmp / "ldapfix"
    generate(snap, users, onprem_only=0, stories={"drift": 1}, seed=3)
    dc = sambadc.SambaDC.provision(tmp / "dc")
    install_test_pki(dc)
    t0 = time.perf_counter()
    sambadc.load_ldif(dc, snap / "onprem" / "ad.ldif")
    print(f"loaded {users:,} users into Samba in {time.perf_counter() - t0:.1f} s (not timed)")
    dc.start()
    try:
        os.environ[ldapconn.PASSWORD_ENV] = dc.admin_password
        ldap = live_args(dc)
        plan = build_plan(evaluate_all(SourceOptions(snapshot=str(snap), ldap=ldap)),
                          ["attribute-drift", "proxy-superset"])
        subjects = len({c.subject for c in plan.changes})
        journal = Journal(tmp / "ldap.jsonl", "fix", {})
        writer = LdapWriter(ldapconn.connect(ldap))
        start = time.perf_counter()
        report = apply_changes(plan.changes, {"onprem": writer}, journal)
        elapsed = time.perf_counter() - start
        journal.close(report.summary())
        rate = subjects / elapsed
        print(f"Samba: {len(report.applied):,} modifies for {subjects:,} users applied in {elapsed:.1f} s → "
              f"{rate:,.0f} users/s, {len(report.applied) / elapsed:,.0f} modifies/s "
              f"(target ≥ 100 users/s: {'met' if rate >= 100 else 'MISSED'}; conflicts {len(report.conflicts)}, "
              f"failed {len(report.failed)})")
    finally:
        dc.stop()


def bench_stamping(tmp: Path, users: int) -> None:
    snap = tmp / "stamp"
    generate(snap, users, onprem_only=0, stories={"clean": 1}, seed=4)
    with GraphServer.from_snapshot(snap) as server:
        os.environ["SYNCREADY_GRAPH_TOKEN"] = server.token
        graph = GraphOptions(graph_url=server.url, auth=GraphAuth.TOKEN, quiet=True)
        plan = build_plan(evaluate_all(SourceOptions(snapshot=str(snap), graph=graph)), ["anchor-ready"])
        writer = GraphWriter(open_session(graph))
        journal = Journal(tmp / "stamp.jsonl", "fix", {})
        start = time.perf_counter()
        report = apply_changes(plan.changes, {"cloud": writer}, journal)
        batched = time.perf_counter() - start
        journal.close(report.summary())
        rate = len(report.applied) / batched
        undo = [c.inverse() for c in plan.changes[:200]]
        journal = Journal(tmp / "single.jsonl", "undo", {})
        start = time.perf_counter()
        single = apply_changes(undo, {"cloud": writer}, journal, rate=1e9)
        one_by_one = len(single.applied) / (time.perf_counter() - start)
        journal.close(single.summary())
        print(f"Graph stamping: {len(report.applied):,} users in {batched:.2f} s → {rate:,.0f} users/s via $batch "
              f"(target ≥ 200/s: {'met' if rate >= 200 else 'MISSED'}); one PATCH at a time: {one_by_one:,.0f} users/s "
              f"→ $batch is {rate / one_by_one:.1f}× faster")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bench_stamping(Path(tmp), args.users)
        bench_ldap(Path(tmp), args.users)
    return 0


if __name__ == "__main__":
    sys.exit(main())
