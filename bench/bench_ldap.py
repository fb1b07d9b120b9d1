"""Benchmark: reading AD with read_onprem (paged search) against one search per user.

The original PowerShell script asked the DC once per cloud user (Get-ADUser -Filter
"UserPrincipalName -eq '...'"); syncready reads every user, group and contact in pages of 1,000
and matches in memory. Both run here against the same real Samba AD DC holding N synthetic users
(loaded through the DC's local database, the fastest path tests/sambadc.py has), over LDAPS with
the certificate validated. The per-user pattern is timed on a sample and extrapolated to N.

Run as root with Samba installed: /work/venv/bin/python -m bench.bench_ldap [--users 20000]
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import sambadc  # noqa: E402
from fixtures_samba import install_test_pki, live_args  # noqa: E402

from syncready.model import Directory  # noqa: E402
from syncready.sources import ldapconn, ldapread  # noqa: E402

SUFFIX = "contoso.test"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=20_000, help="users in the directory (default 20,000)")
    parser.add_argument("--per-user", type=int, default=2_000, help="users looked up one by one (default 2,000)")
    parser.add_argument("--runs", type=int, default=3, help="full reads to time (the median is reported)")
    parser.add_argument("--dc-dir", metavar="DIR", help="keep the loaded DC here and reuse it on the next run "
                        "(loading is most of the time); default a temporary folder")
    args = parser.parse_args()
    missing = sambadc.samba_missing()
    if missing:
        print(f"cannot run: {missing}", file=sys.stderr)
        return 2

    workdir = Path(args.dc_dir) if args.dc_dir else Path(tempfile.mkdtemp(prefix="bench-ldap-"))
    dc = None
    try:
        dc = prepare_dc(workdir / f"dc-{args.users}", args.users)
        dc.start()

        os.environ[ldapconn.PASSWORD_ENV] = dc.admin_password
        options = live_args(dc)
        timings = []
        objects = 0
        for _ in range(args.runs):
            started = time.perf_counter()
            directory = ldapread.read_onprem(options, into=Directory())
            timings.append(time.perf_counter() - started)
            objects = len(directory.onprem)
        paged = statistics.median(timings)
        print(f"read_onprem, paged (1,000 a page): {objects:,} objects in {paged:.2f} s = {objects / paged:,.0f} "
              f"objects/s (median of {args.runs}: {', '.join(f'{t:.2f}' for t in timings)} s)")

        sample = random.Random(7).sample(range(args.users), min(args.per_user, args.users))
        conn = ldapconn.connect(options)
        try:
            started = time.perf_counter()
            for i in sample:
                found = ldapread.find_user_by_upn(conn, dc.base_dn, f"user{i:06d}@{SUFFIX}")
                if len(found) != 1:
                    raise SystemExit(f"user{i:06d}@{SUFFIX}: found {len(found)}")
            per_user = (time.perf_counter() - started) / len(sample)
        finally:
            ldapconn.close(conn)
        projected = per_user * args.users
        print(f"one search per user (the PowerShell pattern): {len(sample):,} users in {per_user * len(sample):.2f} s"
              f" = {1 / per_user:,.0f} users/s, {per_user * 1000:.2f} ms each; {args.users:,} users: {projected:.1f} s")
        print(f"ratio: the paged read of all {objects:,} objects is {projected / paged:.1f}x faster than "
              f"{args.users:,} per-user searches on the same DC (loopback, no network latency; each real "
              "round trip widens the gap)")
    finally:
        if dc is not None:
            dc.stop()
        if not args.dc_dir:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


def prepare_dc(folder: Path, users: int) -> sambadc.SambaDC:
    """A stopped DC holding `users` synthetic users: the one in `folder` if loaded before, else a new one."""
    done = folder / "loaded"
    if done.exists():
        print(f"Samba AD DC: reusing {folder} ({users:,} users)")
        return sambadc.SambaDC(folder)
    shutil.rmtree(folder, ignore_errors=True)
    started = time.perf_counter()
    dc = sambadc.SambaDC.provision(folder)
    install_test_pki(dc)
    provisioned = time.perf_counter() - started
    loaded = sambadc.load_ldif(dc, sambadc.generate_users(users, f"OU=Bench,{dc.base_dn}", SUFFIX))
    done.write_text(f"{len(loaded.added)}\n")
    print(f"Samba AD DC: provisioned in {provisioned:.1f} s; {len(loaded.added):,} users loaded locally in "
          f"{loaded.seconds:.1f} s ({loaded.rate:,.0f}/s)")
    return dc


if __name__ == "__main__":
    sys.exit(main())
