"""Benchmark: what the per-user Graph reads (SPEC §10) cost beside the users paging read, same run.

The local Graph server holds --users members; --synced-share of them were synchronized before
(onPremisesSyncEnabled false, an on-prem SID: they get the onPremisesSyncBehavior read) and
--mailbox-share have an Exchange Online mailbox (mail and SMTP proxy: they get the mailboxSettings
read). The paging read is read_cloud with the per-user reads switched off; the per-user reads are
graphperuser.read_per_user over the users it gave, through the same SDK session machinery ($batch,
20 a POST, 4 POSTs at a time). Printed: requests (HTTP requests and $batch items), seconds, and the
ratio of the per-user reads to the paging read. The local server answers at once and throttles
nothing: against real Graph the per-user figure is a floor (Exchange's and Graph's throttling
limits apply per app and per mailbox).

Run: .venv/bin/python -m bench.bench_peruser [--users 100000] [--synced-share 0.1] [--mailbox-share 0.9]
"""
from __future__ import annotations

import argparse
import gc
import os
import sys
import time
import uuid
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from graphserver import GraphServer  # noqa: E402

from syncready.coverage import Coverage  # noqa: E402
from syncready.model import Directory  # noqa: E402
from syncready.options import GraphAuth, GraphOptions  # noqa: E402
from syncready.sources import graphread  # noqa: E402
from syncready.sources.graphperuser import READS, read_per_user  # noqa: E402
from syncready.sources.graphsession import open_session  # noqa: E402


def users(count: int, synced_share: float, mailbox_share: float) -> list[dict]:
    synced_every = round(1 / synced_share) if synced_share else 0
    mailbox_until = round(mailbox_share * 100)
    result = []
    for n in range(count):
        local = f"user{n:06d}"
        synced = bool(synced_every) and n % synced_every == 0
        mailbox = n % 100 < mailbox_until
        user = {"id": str(uuid.UUID(int=n + 1)), "userPrincipalName": f"{local}@contoso.com",
                "mail": f"{local}@contoso.com" if mailbox else None, "mailNickname": local, "givenName": "User",
                "surname": f"Number {n}", "displayName": f"User Number {n}",
                "proxyAddresses": [f"SMTP:{local}@contoso.com"] if mailbox else [],
                "onPremisesImmutableId": None, "onPremisesSyncEnabled": False if synced else None,
                "accountEnabled": True, "userType": "Member"}
        if synced:
            user.update(onPremisesSecurityIdentifier=f"S-1-5-21-1-2-3-{1000 + n}",
                        onPremisesLastSyncDateTime="2025-11-02T08:15:00Z",
                        onPremisesSyncBehavior={"isCloudManaged": n % (synced_every * 10) == 0})
        if mailbox:
            user["mailboxSettings"] = {"userPurpose": "shared" if n % 50 == 1 else "user"}
        result.append(user)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--synced-share", type=float, default=0.1)
    parser.add_argument("--mailbox-share", type=float, default=0.9)
    args = parser.parse_args(argv)
    data = {"users": users(args.users, args.synced_share, args.mailbox_share),
            "domains": [{"id": "contoso.com", "isVerified": True, "isDefault": True}]}
    with GraphServer(data) as server:
        os.environ["SYNCREADY_GRAPH_TOKEN"] = server.token
        options = GraphOptions(graph_url=server.url, auth=GraphAuth.TOKEN, quiet=True)
        gc.collect()
        server.reset_stats()
        start = time.perf_counter()
        with mock.patch.object(graphread, "read_per_user", lambda *a, **k: None):
            directory = graphread.read_cloud(options, into=Directory())
        paging_seconds = time.perf_counter() - start
        paging_requests = server.request_count
        print(f"users paging read: {len(directory.cloud_users):,} users, {paging_requests} requests, "
              f"{paging_seconds:.1f} s")
        total = 0.0
        for read in READS:
            wanted = sum(1 for u in directory.cloud_users if read.wanted(u))
            server.reset_stats()
            del server.requests[:]
            gc.collect()
            start = time.perf_counter()
            with open_session(options) as session:
                read_per_user(session, directory.cloud_users, None, Coverage.from_reader(), quiet=True, reads=(read,))
            seconds = time.perf_counter() - start
            total += seconds
            items = sum(1 for r in server.requests if r.batch_item)
            busy = f" (server busy {server.server_time:.1f} s, its CPU {server.server_cpu:.1f} s)"
            print(f"{read.prop}: {wanted:,} users asked, {server.request_count:,} $batch POSTs carrying "
                  f"{items:,} requests, {seconds:.1f} s ({items / seconds:,.0f} requests/s), "
                  f"{seconds / paging_seconds:.1f}x the paging read{busy}")
        print(f"per-user reads together: {total:.1f} s, {total / paging_seconds:.1f}x the paging read "
              f"({(paging_seconds + total) / paging_seconds:.1f}x for the users read as a whole)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
