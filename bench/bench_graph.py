"""Benchmark: the live Graph reader and the $batch stamping path against the local Graph server.

1. --users users (default 100,000) in a local Graph server run in a child process (as Graph is
   another machine: its work does not share this process's GIL), read side by side, alternating,
   best of --rounds, wall clock and this process's CPU (user+sys):
   a. the user pages: graphread.read_users (msgraph-sdk adapter and middleware, raw JSON, mapped to
      CloudUser) against plain httpx paging of the same pages (GET + json.loads only);
   b. the whole read_cloud (the pages, $count, the per-user mailboxSettings reads through $batch,
      domains and the other small collections) against plain httpx sending the same requests
      (the same pages, the same $batch POSTs of 20, sequential, json.loads only).
   c. the user pages again with --latency seconds of server time per page (the local server answers
      a page in milliseconds; Graph takes far longer): the request for page N+1 goes out before
      page N is parsed and mapped, so that time overlaps ours, while the floor waits for each page.
   Target: ≤ 1.3× the httpx time.
2. Stamping --stamps users through GraphWriter.apply_many ($batch; the journal writes each
   batch's intents, and then its outcomes, with one fsync), on the big server and on one of
   2 × --stamps users. Target: ≥ 200 stamps/s. The server's busy time is shown: the local server checks
   ImmutableID uniqueness by a scan of all its users on every PATCH, so on the big server it, not the
   client, sets the pace.

Run: .venv/bin/python -m bench.bench_graph [--users 100000] [--stamps 1000] [--rounds 3] [--latency 0.1]
The reader measured is the `syncready` first on sys.path: `PYTHONPATH=<old checkout> .venv/bin/python
bench/bench_graph.py` (run as a script, so the checkout comes first) measures old code with this script.
"""
from __future__ import annotations

import argparse
import base64
import contextlib
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from graphserver import GraphServer  # noqa: E402

from syncready.config import Config  # noqa: E402
from syncready.coverage import Coverage  # noqa: E402
from syncready.journal import Journal  # noqa: E402
from syncready.model import Directory  # noqa: E402
from syncready.plan import Change  # noqa: E402
from syncready.options import GraphAuth, GraphOptions  # noqa: E402
from syncready.sources.graphmap import MAILBOX_SETTINGS_PATH, user_select  # noqa: E402
from syncready.sources.graphread import PAGE_SIZE, read_cloud, read_users  # noqa: E402
from syncready.sources.graphsession import BATCH_SIZE, open_session  # noqa: E402
from syncready.writers.graph_writer import GraphWriter  # noqa: E402

READ_TARGET = 1.3
STAMP_TARGET = 200.0
SERVE = """
import json, sys
sys.path[:0] = [{root!r}, {tests!r}]
from bench.bench_graph import data
from graphserver import GraphServer
with GraphServer(data({count})) as server:
    if {latency}:
        server.faults.add("/users", "slow", count=None, seconds={latency}, method="GET")
    print(json.dumps({{"url": server.url, "token": server.token}}), flush=True)
    sys.stdin.read()
"""


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


@dataclass(frozen=True)
class Remote:
    """A GraphServer in a child process: what the readers need of it (its URL and a token)."""

    url: str
    token: str


@contextlib.contextmanager
def remote_server(count: int, latency: float = 0.0) -> Iterator[Remote]:
    """A server of `count` users in a child process; each GET of /users… held back `latency` seconds."""
    code = SERVE.format(root=str(ROOT), tests=str(ROOT / "tests"), count=count, latency=latency)
    with subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          text=True) as child:
        assert child.stdout is not None and child.stdin is not None
        line = child.stdout.readline()
        if not line:
            raise SystemExit("the Graph server process did not start")
        yield Remote(**json.loads(line))
        child.stdin.close()
        child.wait(30)


def args_for(server) -> GraphOptions:
    return GraphOptions(graph_url=server.url, auth=GraphAuth.TOKEN, quiet=True)


def measured(run) -> tuple[float, float, int]:
    """(wall seconds, this process's CPU seconds, count) of run()."""
    gc.collect()
    cpu, wall = time.process_time(), time.perf_counter()
    count = run()
    return time.perf_counter() - wall, time.process_time() - cpu, count


def sdk_pages(server, config) -> int:
    """The user pages as read_cloud reads them: msgraph-sdk session, paging, raw JSON mapped to CloudUser."""
    with open_session(args_for(server)) as session:
        return len(read_users(session, Coverage.from_reader(), config.extra_graph))


def sdk_full(server, config) -> int:
    """read_cloud as the commands call it: the pages, $count, the per-user reads, the small collections."""
    return len(read_cloud(args_for(server), into=Directory(), extra=config.extra_graph).cloud_users)


def httpx_pages(client: httpx.Client, server, config) -> list[dict]:
    """The floor: the same pages with a plain httpx client, GET and json.loads, nothing else."""
    select = ",".join(user_select(config.extra_graph))
    url = f"{server.url}/users?$select={select}&$top={PAGE_SIZE}"
    found: list[dict] = []
    while url:
        page = json.loads(client.get(url).content)
        found.extend(page["value"])
        url = page.get("@odata.nextLink")
    return found


def httpx_full(server, config) -> int:
    """The floor of read_cloud: the same requests (pages, $count, one mailboxSettings GET per user
    in $batch POSTs of 20, the small collections), sent one after the other, json.loads only."""
    with httpx.Client(headers={"Authorization": f"Bearer {server.token}"}, timeout=100) as client:
        found = httpx_pages(client, server, config)
        client.get(f"{server.url}/users/$count", headers={"ConsistencyLevel": "eventual"})
        for start in range(0, len(found), BATCH_SIZE):
            items = [{"id": str(n), "method": "GET", "url": MAILBOX_SETTINGS_PATH.replace("{id}", user["id"])}
                     for n, user in enumerate(found[start:start + BATCH_SIZE])]
            json.loads(client.post(f"{server.url}/$batch", json={"requests": items}).content)
        for path in SMALL_PATHS:
            json.loads(client.get(f"{server.url}{path}").content)
        return len(found)


def httpx_only_pages(server, config) -> int:
    with httpx.Client(headers={"Authorization": f"Bearer {server.token}"}, timeout=100) as client:
        return len(httpx_pages(client, server, config))


# What read_cloud reads besides users on a tenant that holds no groups, contacts or roles.
SMALL_PATHS = ("/groups?$top=999", "/contacts?$top=999", "/domains", "/directory/onPremisesSynchronization",
               "/roleManagement/directory/roleAssignments?$expand=roleDefinition",
               "/roleManagement/directory/roleEligibilitySchedules?$expand=roleDefinition")


def compare(label: str, server, config, ours, floor, rounds: int, count: int) -> None:
    """ours and floor alternately, best of `rounds` each, and their ratio against READ_TARGET."""
    floor()                                   # warm the server's caches and the connection code
    mine, base = [], []
    for _ in range(rounds):
        mine.append(measured(ours))
        base.append(measured(floor))
        assert mine[-1][2] == base[-1][2] == count, (mine[-1][2], base[-1][2])
    wall, cpu = min(m[0] for m in mine), min(m[1] for m in mine)
    wall0, cpu0 = min(b[0] for b in base), min(b[1] for b in base)
    print(f"{label}, best of {rounds}:")
    for name, w, c in (("syncready (msgraph-sdk, mapped to the model)", wall, cpu),
                       ("plain httpx, the same requests", wall0, cpu0)):
        print(f"  {name:46} {w:6.2f} s wall {count / w:9,.0f} users/s; {c:6.2f} s CPU")
    ratio = wall / wall0
    print(f"  ratio {ratio:.2f}× wall ({cpu / cpu0:.2f}× CPU) — target ≤ {READ_TARGET}× wall: "
          f"{'met' if ratio <= READ_TARGET else 'MISSED'}")
    print(f"  all rounds (wall): syncready {', '.join(f'{m[0]:.2f}' for m in mine)} s; "
          f"httpx {', '.join(f'{b[0]:.2f}' for b in base)} s")


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
    parser.add_argument("--latency", type=float, default=0.1, help="server seconds per page for row c (0: skip)")
    options = parser.parse_args()
    config = Config()
    t0 = time.perf_counter()
    with remote_server(options.users) as remote:
        os.environ["SYNCREADY_GRAPH_TOKEN"] = remote.token
        pages = -(-options.users // PAGE_SIZE)
        print(f"server process with {options.users:,} users ready in {time.perf_counter() - t0:.1f} s (not timed)")
        compare(f"user pages: {options.users:,} users in {pages} pages", remote, config,
                lambda: sdk_pages(remote, config), lambda: httpx_only_pages(remote, config),
                options.rounds, options.users)
        compare(f"whole read_cloud: the pages, $count, {-(-options.users // BATCH_SIZE):,} $batch POSTs of "
                "mailboxSettings, the small collections", remote, config,
                lambda: sdk_full(remote, config), lambda: httpx_full(remote, config), options.rounds, options.users)
    if options.latency:
        with remote_server(options.users, options.latency) as slow:
            os.environ["SYNCREADY_GRAPH_TOKEN"] = slow.token
            compare(f"user pages, the server taking {options.latency * 1000:.0f} ms per page", slow, config,
                    lambda: sdk_pages(slow, config), lambda: httpx_only_pages(slow, config),
                    options.rounds, options.users)
    with GraphServer(data(options.users)) as server:
        os.environ["SYNCREADY_GRAPH_TOKEN"] = server.token
        with tempfile.TemporaryDirectory() as tmp:
            print(f"stamp {options.stamps:,} users through $batch:")
            stamp_rows(server, options.stamps, Path(tmp))
    with GraphServer(data(2 * options.stamps)) as small, tempfile.TemporaryDirectory() as tmp:
        os.environ["SYNCREADY_GRAPH_TOKEN"] = small.token
        stamp_rows(small, options.stamps, Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
