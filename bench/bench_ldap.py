"""Benchmark: reading AD with read_onprem (paged search) against a bare ldap3 paged search and per-user searches.

Against the same real Samba AD DC holding N synthetic users (loaded through the DC's local
database, the fastest path tests/sambadc.py has), over LDAPS with the certificate validated, in
one run, alternating, median of --runs, wall clock and this process's CPU (user+sys; the DC is
another process):
- read_onprem: the paged search of users, groups and contacts (1,000 a page), the next page asked
  for before this one is decoded (sources/ldappaging.py), mapped to OnPremObject;
- the same read the way it was before that (ldap3's Connection.search page after page: the DC idle
  while the client decodes), kept here as the reference: target read_onprem ≥ 1.4× faster;
- a bare ldap3 paged search of the same base, filter and attributes (Connection.search page after
  page, dn and raw attributes kept, nothing mapped): target read_onprem ≤ 1.1× its time;
- ldapsearch (OpenLDAP's C client) with the same search, when it is installed;
- one search per user (the original PowerShell script asked the DC once per cloud user), timed
  on a sample and extrapolated to N.

Run as root with Samba installed: .venv/bin/python -m bench.bench_ldap [--users 20000] [--dc-dir DIR]
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import ldap3

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import sambadc  # noqa: E402
from fixtures_samba import install_test_pki, live_args  # noqa: E402

from syncready.model import Directory  # noqa: E402
from syncready.sources import ldapconn, ldapread  # noqa: E402
from syncready.sources.admap import ad_attributes  # noqa: E402

SUFFIX = "contoso.test"
BARE_TARGET = 1.1
TODAY_TARGET = 1.4
PAGED_OID = "1.2.840.113556.1.4.319"


def sequential_pages(conn: ldap3.Connection, base: str, search_filter: str,
                     attributes: list[str], page_size: int = ldapread.PAGE_SIZE) -> Iterator[list[tuple[str, dict]]]:
    """A paged search page after page with ldap3's Connection.search (dn and raw attributes)."""
    cookie = None
    while True:
        conn.search(base, search_filter, ldap3.SUBTREE, attributes=attributes, paged_size=page_size,
                    paged_cookie=cookie)
        if (conn.result or {}).get("result") not in (0, None):
            raise SystemExit(f"search failed: {conn.result}")
        yield [(e["dn"], e["raw_attributes"]) for e in conn.response or () if e.get("type") == "searchResEntry"]
        cookie = (conn.result.get("controls") or {}).get(PAGED_OID, {}).get("value", {}).get("cookie")
        if not cookie:
            return


def read_today(options) -> int:
    """read_onprem with the paging it had before ldappaging: Connection.search page after page."""
    def paged(conn, endpoint, base, search_filter, attributes, page_size=ldapread.PAGE_SIZE):
        return sequential_pages(conn, base, search_filter, list(attributes), page_size)
    saved = ldapread.paged_entries
    ldapread.paged_entries = paged
    try:
        return len(ldapread.read_onprem(options, into=Directory()).onprem)
    finally:
        ldapread.paged_entries = saved


def read_now(options) -> int:
    return len(ldapread.read_onprem(options, into=Directory()).onprem)


def bare_ldap3(options, base: str) -> int:
    """The floor in Python: the same search with ldap3 alone, over the same validated LDAPS connection."""
    conn = ldapconn.connect(options)
    try:
        return sum(len(page) for page in sequential_pages(conn, base, ldapread.OBJECT_FILTER, ad_attributes()))
    finally:
        ldapconn.close(conn)


def ldapsearch(dc, base: str) -> Callable[[], int] | None:
    """OpenLDAP's ldapsearch with the same search (LDIF to a pipe, counted), or None when not installed."""
    tool = shutil.which("ldapsearch")
    if tool is None:
        return None
    command = [tool, "-LLL", "-o", "ldif-wrap=no", "-H", dc.ldaps_url, "-x", "-D", dc.admin_dn, "-w",
               dc.admin_password, "-b", base, "-E", f"pr={ldapread.PAGE_SIZE}/noprompt", ldapread.OBJECT_FILTER,
               *ad_attributes()]
    env = {**os.environ, "LDAPTLS_CACERT": dc.ca_file, "LDAPTLS_REQCERT": "demand"}

    def run() -> int:
        out = subprocess.run(command, env=env, capture_output=True, check=True).stdout
        return out.count(b"\ndn: ") + out.startswith(b"dn: ")
    return run


def timed_runs(runs: int, contenders: dict[str, Callable[[], int]]) -> dict[str, tuple[float, float, int]]:
    """Each contender `runs` times, alternating; (median wall, median CPU of this process, count)."""
    walls: dict[str, list[float]] = {name: [] for name in contenders}
    cpus: dict[str, list[float]] = {name: [] for name in contenders}
    counts: dict[str, int] = {}
    for _ in range(runs):
        for name, run in contenders.items():
            cpu, wall = time.process_time(), time.perf_counter()
            counts[name] = run()
            walls[name].append(time.perf_counter() - wall)
            cpus[name].append(time.process_time() - cpu)
    return {name: (statistics.median(walls[name]), statistics.median(cpus[name]), counts[name]) for name in contenders}


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
        contenders = {"read_onprem (next page asked for before decoding)": lambda: read_now(options),
                      "read_onprem as before (Connection.search page by page)": lambda: read_today(options),
                      "bare ldap3 paged search, same attributes": lambda: bare_ldap3(options, dc.base_dn)}
        tool = ldapsearch(dc, dc.base_dn)
        if tool is not None:
            contenders["ldapsearch (OpenLDAP, C)"] = tool
        read_now(options)                                   # warm the DC's caches
        figures = timed_runs(args.runs, contenders)
        print(f"read {args.users:,} users (+ the DC's own objects), median of {args.runs}, alternating:")
        for name, (wall, cpu, count) in figures.items():
            print(f"  {name:56} {wall:6.2f} s wall {cpu:6.2f} s CPU here  {count:,} entries kept")
        if tool is None:
            print("  ldapsearch: not installed (apt-get install ldap-utils), not measured")
        now, before, bare = (figures[name][0] for name in list(contenders)[:3])
        objects = figures[next(iter(contenders))][2]
        print(f"  read_onprem / bare ldap3: {now / bare:.2f}× — target ≤ {BARE_TARGET}×: "
              f"{'met' if now / bare <= BARE_TARGET else 'MISSED'}")
        print(f"  before / now: {before / now:.2f}× faster — target ≥ {TODAY_TARGET}×: "
              f"{'met' if before / now >= TODAY_TARGET else 'MISSED'}")
        paged = now

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
