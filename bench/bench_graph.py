"""Benchmark: the live Graph reader and the $batch stamping path against the local Graph server.

1. 100,000 users: read_cloud (msgraph-sdk adapter, raw JSON, mapped to CloudUser; the server holds
   nothing else of note) against plain httpx paging of the same user pages (GET + json.loads
   only), side by side in one run, alternating, best of --rounds. Target: ≤ 2× the httpx time.
2. Stamping --stamps users through GraphWriter.apply_many ($batch; the journal writes each
   batch's intents, and then its outcomes, with one fsync), on the big server and on one of
   2 × --stamps users. Target: ≥ 200 stamps/s. The server's busy time is shown: the local server checks
   ImmutableID uniqueness by a scan of all its users on every PATCH, so on the big server it, not the
   client, sets the pace.

Run: /work/venv/bin/python -m bench.bench_graph [--users 100000] [--stamps 1000]
"""
from __future__ import annotations

import argparse
import base64
import gc
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from graphserver import GraphServer  # noqa: E402

from syncready.config import Config  # noqa: E402
from syncready.journal import Journal  # noqa: E402
from syncready.model import Directory  # noqa: E402
from syncready.plan import Change  # noqa: E402
from syncready.options import GraphAuth, GraphOptions  # noqa: E402
from syncready.sources.graphread import PAGE_SIZE, read_cloud  # noqa: E402
from syncready.sources.graphsession import open_session  # noqa: E402
from syncready.sources.graphmap import user_select  # noqa: E402
from syncready.writers.graph_writer import GraphWriter  # noqa: E402

READ_TARGET = 2.0
STAMP_TARGET = 200.0


def users(count: int) -> list[dict]:
    result = []
    for n in range(count):
        local = f"user{n:06d}"
        result.append({"id": str(uuid.UUID(int=n + 1)), "userPrincipalName": f"{local}@contoso.com",
                       "mail": f"{local}@contoso.com", "mailNickname": local, "givenName": "User",
                       "surname": f"Number {n}", "displayName": f"User Number {n}",
                       "proxyAddresses": [f"SMTP:{local}@contoso.com", f"smtp:{local}@contoso.onmicrosoft.com"],
                       "onPremisesImmutableId": None, "onPremisesSyncEnabled": None, "accountEnabled": True,
                       "userType": "Member", "department": "Sales", "jobTitle": "Clerk"})
    return result


def data(count: int) -> dict:
    return {"users": users(count),
            "domains": [{"id": name, "isVerified": True, "authenticationType": "Managed", "isInitial": initial}
                        for name, initial in (("contoso.com", False), ("contoso.onmicrosoft.com", True))]}


def args_for(server) -> GraphOptions:
    return GraphOptions(graph_url=server.url, auth=GraphAuth.TOKEN, quiet=True)


def sdk_users(server, config) -> tuple[float, int]:
    """read_cloud as the commands call it: session, user paging through the msgraph-sdk adapter,
    raw JSON mapped to CloudUser objects, and the tenant's other (here tiny) collections."""
    start = time.perf_counter()
    directory = read_cloud(args_for(server), into=Directory(), extra=config.extra_graph)
    return time.perf_counter() - start, len(directory.cloud_users)


def httpx_users(server, config) -> tuple[float, int]:
    """The floor: the same pages with a plain httpx client, GET and json.loads, nothing else."""
    select = ",".join(user_select(config.extra_graph))
    with httpx.Client(headers={"Authorization": f"Bearer {server.token}"}, timeout=100) as client:
        start = time.perf_counter()
        url = f"{server.url}/users?$select={select}&$top={PAGE_SIZE}"
        count = 0
        while url:
            page = json.loads(client.get(url).content)
            count += len(page["value"])
            url = page.get("@odata.nextLink")
        return time.perf_counter() - start, count


def stamp(server, count: int, journal_class, folder: Path, offset: int) -> tuple[float, float, dict]:
    ids = list(server.state.users)[offset:offset + count]
    changes = [Change("anchor-ready", f"user{n}", "cloud", "patch", uid, "onPremisesImmutableId",
                      add=[base64.b64encode(uuid.UUID(int=(1 << 64) + offset + n).bytes_le).decode()])
               for n, uid in enumerate(ids)]
    journal = journal_class(folder / f"{journal_class.__name__}.jsonl", "fix", {})
    with open_session(args_for(server)) as session:
        writer = GraphWriter(session)
        server.reset_stats()
        start = time.perf_counter()
        outcomes: dict[str, int] = {}
        for _, outcome, _, _ in writer.apply_many(changes, journal):
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
        wall = time.perf_counter() - start
    journal.close(outcomes)
    return wall, server.server_time, outcomes


def stamp_rows(server, count: int, folder: Path) -> None:
    """Stamping `count` users not stamped yet, the journal fsync'ed once per $batch group."""
    size = len(server.state.users)
    for n, journal_class in enumerate((Journal,)):
        wall, server_time, outcomes = stamp(server, count, journal_class, folder, n * count)
        rate = count / wall
        label = "journal group-committed per batch"
        print(f"  {size:>7,}-user server, {label:31} {wall:6.2f} s {rate:6,.0f} stamps/s "
              f"(server busy {server_time:5.2f} s) {outcomes} — target ≥ {STAMP_TARGET:.0f}/s: "
              f"{'met' if rate >= STAMP_TARGET else 'MISSED'}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--stamps", type=int, default=1_000)
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    config = Config()
    t0 = time.perf_counter()
    with GraphServer(data(options.users)) as server:
        os.environ["SYNCREADY_GRAPH_TOKEN"] = server.token
        print(f"server with {options.users:,} users ready in {time.perf_counter() - t0:.1f} s (not timed)")
        httpx_users(server, config)
        sdk_times, plain_times = [], []
        for _ in range(options.rounds):
            gc.collect()
            seconds, count = sdk_users(server, config)
            sdk_times.append(seconds)
            assert count == options.users, count
            gc.collect()
            seconds, count = httpx_users(server, config)
            plain_times.append(seconds)
            assert count == options.users, count
        sdk, plain = min(sdk_times), min(plain_times)
        pages = -(-options.users // PAGE_SIZE)
        print(f"read {options.users:,} users in {pages} pages, best of {options.rounds}:")
        for label, seconds in (("read_cloud (msgraph-sdk, mapped to the model)", sdk),
                               ("plain httpx paging (GET + json.loads only)", plain)):
            print(f"  {label:46} {seconds:6.2f} s  {options.users / seconds:9,.0f} users/s")
        ratio = sdk / plain
        verdict = "met" if ratio <= READ_TARGET else "MISSED"
        print(f"  ratio {ratio:.2f}× — target ≤ {READ_TARGET:.0f}×: {verdict}")
        print(f"  all rounds: read_cloud {', '.join(f'{t:.2f}' for t in sdk_times)} s; "
              f"httpx {', '.join(f'{t:.2f}' for t in plain_times)} s")

        with tempfile.TemporaryDirectory() as tmp:
            print(f"stamp {options.stamps:,} users through $batch:")
            stamp_rows(server, options.stamps, Path(tmp))
    with GraphServer(data(2 * options.stamps)) as small, tempfile.TemporaryDirectory() as tmp:
        os.environ["SYNCREADY_GRAPH_TOKEN"] = small.token
        stamp_rows(small, options.stamps, Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
