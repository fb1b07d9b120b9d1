"""The Graph writer against the local Graph server through the real msgraph-sdk client: stamping,
re-stamping, clearing with JSON null, undo through apply.py, Graph's refusals, connection loss, and
the $batch path with per-item throttling and the journal's intent-before-write order."""
from __future__ import annotations

import base64
import uuid

import pytest

from fixtures_graph import CONTOSO, graph_args
from graphserver import GraphServer, load_snapshot
from syncready.apply import apply_changes, undo_plan
from syncready.journal import Journal, read_journal
from syncready.plan import Change
from syncready.sources.graphsession import open_session
from syncready.writers.base import Conflict, ConnectionLost, WriteFailed
from syncready.writers.graph_writer import GraphWriter

pytestmark = pytest.mark.live  # writes to the local Graph server, started here per test

ALICE = "e2674f85-c98d-5f14-a70a-695e32f2643d"
BOB = "078ff7e8-3197-5ca6-a236-7e821434d3f4"
NINA = "f4846db9-b516-589a-8fb1-8ea69da04ba5"          # cloud user with a stale ImmutableID
VICTOR = "f8047e5b-f94e-5129-b2e4-c94f917d40ce"        # already synchronized
NINA_ID = "BcM6f+cbGlaUW4P6p2zodw=="
ATTR = "onPremisesImmutableId"


def anchor(n: int) -> str:
    return base64.b64encode(uuid.UUID(int=0xABC0000 + n).bytes_le).decode()


def stamp(user_id: str, new: str | None, old: str | None = None, subject: str = "user@contoso.com") -> Change:
    return Change("anchor-ready", subject, "cloud", "patch", user_id, ATTR,
                  remove=[old] if old else [], add=[new] if new else [])


@pytest.fixture(autouse=True)
def quick_settling(monkeypatch):
    """The re-read delays shrunk: the lag tests count reads, not seconds."""
    monkeypatch.setattr("syncready.writers.graph_writer.CONSISTENCY_DELAYS", (0.01, 0.01, 0.01, 0.01))
    monkeypatch.setattr("syncready.apply.SETTLE_DELAYS", (0.01, 0.01, 0.01, 0.01, 0.01))


@pytest.fixture
def writer(fresh_graph_server):
    session = open_session(graph_args(fresh_graph_server))
    yield GraphWriter(session)
    session.close()


def value(server, user_id: str):
    return server.state.users[user_id].get(ATTR)


def patches(server) -> list:
    return [r for r in server.requests if r.method == "PATCH"]


# --- one change at a time ------------------------------------------------------------------------

def test_stamp_then_restamp_is_a_no_op(fresh_graph_server, writer):
    change = stamp(ALICE, anchor(1))
    assert writer.state(change) == "before"
    assert writer.apply(change) == {}
    assert value(fresh_graph_server, ALICE) == anchor(1)
    assert writer.state(change) == "after"
    assert writer.apply(change) == {"unchanged": True}
    assert len(patches(fresh_graph_server)) == 1
    reads = [r.target for r in fresh_graph_server.requests if r.method == "GET"]
    assert all("$select=onPremisesImmutableId,onPremisesSyncEnabled,userPrincipalName" in t for t in reads)


def test_changed_since_the_plan_is_a_conflict_and_not_overwritten(fresh_graph_server, writer):
    fresh_graph_server.state.users[ALICE][ATTR] = anchor(9)
    fresh_graph_server.invalidate()
    with pytest.raises(Conflict) as caught:
        writer.apply(stamp(ALICE, anchor(1)))
    assert anchor(9) in str(caught.value) and "(empty)" in str(caught.value)
    assert value(fresh_graph_server, ALICE) == anchor(9) and not patches(fresh_graph_server)
    assert writer.state(stamp(ALICE, anchor(1))) == "other"


def test_immutable_ids_compare_case_sensitively(fresh_graph_server, writer):
    fresh_graph_server.state.users[ALICE][ATTR] = anchor(1).lower()
    fresh_graph_server.invalidate()
    with pytest.raises(Conflict):
        writer.apply(stamp(ALICE, anchor(1)))


def test_clear_sends_json_null(fresh_graph_server, writer):
    assert writer.apply(stamp(NINA, None, old=NINA_ID)) == {}
    user = fresh_graph_server.state.users[NINA]
    assert ATTR in user and user[ATTR] is None


def test_clear_of_a_value_that_changed_is_a_conflict(fresh_graph_server, writer):
    with pytest.raises(Conflict):
        writer.apply(stamp(NINA, None, old=anchor(3)))
    assert value(fresh_graph_server, NINA) == NINA_ID


def test_synchronized_user_is_refused_with_graphs_message(fresh_graph_server, writer):
    with pytest.raises(WriteFailed) as caught:
        writer.apply(stamp(VICTOR, anchor(1), old="XVheNWf/GFK/G+S5gc6LzA=="))
    text = str(caught.value)
    assert "originated within an external service" in text and "synchronized" in text and "\n" not in text


def test_duplicate_immutable_id_is_refused(fresh_graph_server, writer):
    writer.apply(stamp(ALICE, anchor(1)))
    with pytest.raises(WriteFailed) as caught:
        writer.apply(stamp(BOB, anchor(1)))
    assert "Another object with the same value" in str(caught.value)
    assert value(fresh_graph_server, BOB) is None


def test_federated_domain_is_explained(fresh_graph_server, writer):
    state = fresh_graph_server.state
    state.domains["fabrikam.com"] = {"id": "fabrikam.com", "isVerified": True, "authenticationType": "Federated",
                                     "isInitial": False}
    state.users[BOB]["userPrincipalName"] = "bob.smith@fabrikam.com"
    fresh_graph_server.invalidate()
    with pytest.raises(WriteFailed) as caught:
        writer.apply(stamp(BOB, anchor(2)))
    assert "federated domain" in str(caught.value) and "onmicrosoft.com" in str(caught.value)


def test_missing_user_is_a_conflict(writer):
    with pytest.raises(Conflict) as caught:
        writer.apply(stamp(str(uuid.uuid4()), anchor(1)))
    assert "no longer exists" in str(caught.value)


def test_missing_write_permission_fails_every_change_without_more_requests(fresh_graph_server, monkeypatch):
    monkeypatch.setenv("SYNCREADY_GRAPH_TOKEN", fresh_graph_server.issue_token(permissions={"User.Read.All"}))
    with open_session(graph_args(fresh_graph_server)) as session:
        writer = GraphWriter(session)
        with pytest.raises(WriteFailed) as caught:
            writer.apply(stamp(ALICE, anchor(1)))
        assert "User.ReadWrite.All" in str(caught.value)
        sent = len(fresh_graph_server.requests)
        with pytest.raises(WriteFailed):
            writer.apply(stamp(BOB, anchor(2)))
        assert len(fresh_graph_server.requests) == sent


def test_throttled_write_is_retried(fresh_graph_server, writer):
    fresh_graph_server.faults.add("/users", 429, method="PATCH", seconds=1)
    assert writer.apply(stamp(ALICE, anchor(1))) == {}
    assert len(patches(fresh_graph_server)) == 2 and value(fresh_graph_server, ALICE) == anchor(1)


def test_connection_lost_mid_write_is_unknown_then_read_back(fresh_graph_server):
    with open_session(graph_args(fresh_graph_server, timeout=0.5)) as session:
        writer = GraphWriter(session)
        fresh_graph_server.faults.add("/users", "slow", method="PATCH", seconds=1.5)
        change = stamp(ALICE, anchor(1))
        with pytest.raises(ConnectionLost) as caught:
            writer.apply(change)
        assert "unknown" in str(caught.value)
        assert len(patches(fresh_graph_server)) == 1
        assert writer.state(change) == "after"


def test_gateway_timeout_on_write_is_unknown(fresh_graph_server, monkeypatch):
    fresh_graph_server.faults.add("/users", 504, count=None, method="PATCH")
    monkeypatch.setattr("syncready.sources.graphsession.MAX_RETRIES", 0)
    with open_session(graph_args(fresh_graph_server)) as session:
        with pytest.raises(ConnectionLost):
            GraphWriter(session).apply(stamp(ALICE, anchor(1)))


# --- through apply.py and undo -------------------------------------------------------------------

def test_apply_and_undo_through_the_journal(fresh_graph_server, writer, tmp_path):
    changes = [stamp(ALICE, anchor(1), subject="alice"), stamp(BOB, anchor(2), subject="bob"),
               stamp(NINA, None, old=NINA_ID, subject="nina")]
    journal = Journal(tmp_path / "j.jsonl", "fix", {"cloud": "graph:test"})
    report = apply_changes(changes, {"cloud": writer}, journal)
    journal.close(report.summary())
    assert len(report.applied) == 3
    assert (value(fresh_graph_server, ALICE), value(fresh_graph_server, BOB), value(fresh_graph_server, NINA)) == (
        anchor(1), anchor(2), None)
    entries = read_journal(tmp_path / "j.jsonl")
    needed, skipped = undo_plan(entries, {"cloud": writer})
    assert len(needed) == 3 and not skipped
    undo = Journal(tmp_path / "undo.jsonl", "undo", {})
    report = apply_changes(needed, {"cloud": writer}, undo)
    assert len(report.applied) == 3
    assert (value(fresh_graph_server, ALICE), value(fresh_graph_server, BOB), value(fresh_graph_server, NINA)) == (
        None, None, NINA_ID)


def test_undo_leaves_a_value_changed_since_alone(fresh_graph_server, writer, tmp_path):
    journal = Journal(tmp_path / "j.jsonl", "fix", {})
    apply_changes([stamp(ALICE, anchor(1))], {"cloud": writer}, journal)
    fresh_graph_server.state.users[ALICE][ATTR] = anchor(7)
    fresh_graph_server.invalidate()
    needed, skipped = undo_plan(read_journal(tmp_path / "j.jsonl"), {"cloud": writer})
    assert not needed and len(skipped) == 1
    assert writer.states([stamp(ALICE, anchor(1)), stamp(BOB, anchor(2))]) == ["other", "before"]


# --- the $batch path -----------------------------------------------------------------------------

class OrderingJournal:
    """A journal that checks, at each intent and outcome, whether the server has seen the write yet."""

    def __init__(self, server, inner):
        self.server, self.inner = server, inner
        self.by_seq: dict[int, Change] = {}
        self.seen: dict[int, str] = {}

    def written(self, change) -> bool:
        path = f"/v1.0/users/{change.object}"
        return any(r.method == "PATCH" and r.target == path for r in list(self.server.requests))

    def intent(self, change) -> int:
        assert not self.written(change), "write sent before its intent was journaled"
        seq = self.inner.intent(change)
        self.by_seq[seq] = change
        return seq

    def outcome(self, seq: int, outcome: str, detail: str = "", **extra) -> None:
        if outcome == "applied":
            assert self.written(self.by_seq[seq]), "outcome journaled before the write was answered"
        self.seen[seq] = outcome
        self.inner.outcome(seq, outcome, detail, **extra)


def many_users(count: int) -> dict:
    data = load_snapshot(CONTOSO)
    data["users"] = [{"id": str(uuid.UUID(int=n + 1)), "userPrincipalName": f"user{n:05d}@contoso.com",
                      "displayName": f"User {n}", "accountEnabled": True, "userType": "Member",
                      "onPremisesImmutableId": None} for n in range(count)]
    return data


@pytest.fixture
def big_server(monkeypatch):
    with GraphServer(many_users(1000)) as server:
        monkeypatch.setenv("SYNCREADY_GRAPH_TOKEN", server.token)
        yield server


def test_batch_of_1000_with_per_item_throttling(big_server, tmp_path):
    changes = [stamp(str(uuid.UUID(int=n + 1)), anchor(n)) for n in range(1000)]
    throttled = big_server.faults.add("/users/", 429, count=40, after=300, method="PATCH", seconds=1)
    inner = Journal(tmp_path / "j.jsonl", "fix", {})
    journal = OrderingJournal(big_server, inner)
    with open_session(graph_args(big_server)) as session:
        results = list(GraphWriter(session).apply_many(changes, journal))
    assert throttled.fired == 40
    assert [r[0] for r in results] == changes
    assert all(r[1] == "applied" for r in results), {r[1] for r in results}
    assert all(value(big_server, c.object) == c.add[0] for c in changes)
    batches = [r for r in big_server.requests if r.method == "POST" and r.target == "/v1.0/$batch"]
    assert len(batches) <= 2 * 50 + 4
    entries = read_journal(tmp_path / "j.jsonl")
    assert len(entries) == 1000 and all(e.outcome == "applied" for e in entries)


def test_batch_reports_each_item(fresh_graph_server, writer, tmp_path):
    fresh_graph_server.state.users[BOB][ATTR] = anchor(8)
    fresh_graph_server.invalidate()
    changes = [stamp(ALICE, anchor(1)), stamp(BOB, anchor(2)), stamp(NINA, NINA_ID, old=NINA_ID),
               stamp(VICTOR, anchor(4), old="XVheNWf/GFK/G+S5gc6LzA=="), stamp(str(uuid.uuid4()), anchor(5)),
               stamp("c6058ae4-f706-5122-be7f-270eca38a49d", anchor(1))]
    journal = Journal(tmp_path / "j.jsonl", "fix", {})
    results = {c.object: (outcome, detail, extra)
               for c, outcome, detail, extra in writer.apply_many(changes, journal)}
    assert results[ALICE][0] == "applied"
    assert results[BOB][0] == "conflict" and anchor(8) in results[BOB][1]
    assert results[NINA][0] == "nothing_to_do" and results[NINA][2] == {}
    assert results[VICTOR][0] == "failed" and "external service" in results[VICTOR][1]
    assert results[changes[4].object][0] == "conflict"
    assert results[changes[5].object][0] == "failed" and "Another object" in results[changes[5].object][1]
    outcomes = {e.change.object: e.outcome for e in read_journal(tmp_path / "j.jsonl")}
    assert outcomes == {k: v[0] for k, v in results.items()}
    assert value(fresh_graph_server, BOB) == anchor(8)
    needed, _ = undo_plan(read_journal(tmp_path / "j.jsonl"), {"cloud": writer})
    assert [c.object for c in needed] == [ALICE]


def test_batch_connection_lost_stops_with_unknown_outcomes(fresh_graph_server, writer, tmp_path):
    ids = [u for u, obj in fresh_graph_server.state.users.items()
           if not obj.get(ATTR) and not obj.get("onPremisesSyncEnabled")][:25]
    changes = [stamp(u, anchor(n)) for n, u in enumerate(ids)]
    writer.concurrency = 1
    fresh_graph_server.faults.add("/$batch", "drop", after=1)
    journal = Journal(tmp_path / "j.jsonl", "fix", {})
    results = list(writer.apply_many(changes, journal))
    assert [r[1] for r in results] == ["unknown"] * 20
    entries = read_journal(tmp_path / "j.jsonl")
    assert len(entries) == 20 and all(e.outcome == "unknown" for e in entries)
    needed, _ = undo_plan(entries, {"cloud": writer})
    assert len(needed) == 20


def test_batch_uses_group_commit_when_the_journal_offers_it(fresh_graph_server, writer):
    calls = []

    class GroupJournal:
        seq = 0

        def intents(self, changes):
            calls.append(("intents", len(changes)))
            first = self.seq + 1
            self.seq += len(changes)
            return range(first, self.seq + 1)

        def outcomes(self, records):
            calls.append(("outcomes", [r[1] for r in records]))

    changes = [stamp(ALICE, anchor(1)), stamp(BOB, anchor(2), old=anchor(5))]
    results = list(writer.apply_many(changes, GroupJournal()))
    assert [r[1] for r in results] == ["applied", "conflict"]
    assert calls == [("intents", 2), ("outcomes", ["conflict"]), ("outcomes", ["applied"])]


def test_batch_requests_are_json(fresh_graph_server, writer):
    journal = type("J", (), {"intent": lambda s, c: 1, "outcome": lambda s, *a, **k: None})()
    assert [r[1] for r in writer.apply_many([stamp(NINA, None, old=NINA_ID)], journal)] == ["applied"]
    assert value(fresh_graph_server, NINA) is None and ATTR in fresh_graph_server.state.users[NINA]
    inner = [r for r in fresh_graph_server.requests if r.batch_item is not None]
    assert [r.method for r in inner] == ["GET", "PATCH"]


def test_changes_it_cannot_make_fail_without_a_request(fresh_graph_server, writer):
    modify = Change("mail-primary-smtp", "x", "cloud", "modify", ALICE, "mail", remove=["a"], add=["b"])
    with pytest.raises(WriteFailed):
        writer.apply(modify)
    two = stamp(ALICE, anchor(1))
    two.add.append(anchor(2))
    journal = type("J", (), {"intent": lambda s, c: 1, "outcome": lambda s, *a, **k: None})()
    assert [r[1] for r in writer.apply_many([two], journal)] == ["failed"]
    assert not patches(fresh_graph_server)


def test_fix_apply_stamps_through_graph_and_undo_restores(fresh_graph_server, tmp_path, capsys):
    from syncready.cli import main

    before = {k: v.get(ATTR) for k, v in fresh_graph_server.state.users.items()}
    live = ["--graph-url", fresh_graph_server.url, "--auth", "token", "--snapshot", str(CONTOSO)]
    journal = tmp_path / "j.jsonl"
    main(["fix", "--select", "anchor-ready", *live, "--config", str(CONTOSO / "syncready.toml"), "--apply",
          "--journal", str(journal), "-q"])
    out = capsys.readouterr().out
    after = {k: v.get(ATTR) for k, v in fresh_graph_server.state.users.items()}
    stamped = [k for k in before if before[k] != after[k]]
    assert stamped and all(before[k] is None for k in stamped)
    assert f"applied {len(stamped)}, conflicts 0, failed 0" in out
    entries = read_journal(journal)
    assert {e.change.object for e in entries if e.outcome == "applied"} == set(stamped)
    assert main(["undo", str(journal), *live, "--apply", "-q"]) == 0
    assert {k: v.get(ATTR) for k, v in fresh_graph_server.state.users.items()} == before


# --- a server no kinder than Graph: replication delay, $batch order and 424 ------------------------

def lagging_value(server, user_id: str, value: str, reads: int) -> None:
    """`value` is written through Graph, and the next `reads` reads of the user still show the old one."""
    server.state.replication.lag(reads=reads)
    server.state.replication.written(user_id, server.state.users[user_id])
    server.state.users[user_id][ATTR] = value
    server.invalidate()


def test_lagging_reread_before_a_write_is_not_a_conflict(fresh_graph_server, writer):
    """The plan saw the fresh value; the writer's re-read hits a replica that has not: read again."""
    lagging_value(fresh_graph_server, ALICE, anchor(1), reads=2)
    change = stamp(ALICE, anchor(2), old=anchor(1))
    assert writer.apply(change) == {}
    assert value(fresh_graph_server, ALICE) == anchor(2)


def test_lagging_rereads_in_a_batch_are_not_conflicts(fresh_graph_server, writer, tmp_path):
    lagging_value(fresh_graph_server, ALICE, anchor(1), reads=2)
    fresh_graph_server.state.users[BOB][ATTR] = anchor(8)
    fresh_graph_server.invalidate()
    changes = [stamp(ALICE, anchor(2), old=anchor(1)), stamp(BOB, anchor(3))]
    results = {c.object: outcome
               for c, outcome, _d, _e in writer.apply_many(changes, Journal(tmp_path / "j", "fix", {}))}
    assert results == {ALICE: "applied", BOB: "conflict"}, "a real conflict stays a conflict"
    assert value(fresh_graph_server, ALICE) == anchor(2) and value(fresh_graph_server, BOB) == anchor(8)


def test_apply_reads_writes_back_until_they_show(fresh_graph_server, writer, tmp_path):
    fresh_graph_server.state.replication.lag(reads=3)
    report = apply_changes([stamp(ALICE, anchor(1)), stamp(BOB, anchor(2))], {"cloud": writer},
                           Journal(tmp_path / "j.jsonl", "fix", {}))
    assert len(report.applied) == 2 and report.not_visible == []
    fresh_graph_server.state.replication.lag(reads=100)
    report = apply_changes([stamp(NINA, anchor(3), old=NINA_ID)], {"cloud": writer},
                           Journal(tmp_path / "k.jsonl", "fix", {}))
    assert [c.object for c, _ in report.not_visible] == [NINA] and report.summary()["not_visible"] == 1
    assert "replication" in report.lines()[-1]
    assert [e.outcome for e in read_journal(tmp_path / "k.jsonl")] == ["applied"]


def test_undo_right_after_a_write_waits_for_it_to_show(fresh_graph_server, writer, tmp_path):
    """A lagging read must not make undo believe a journaled-applied change never happened."""
    fresh_graph_server.state.replication.lag(reads=3)
    change = stamp(ALICE, anchor(1))
    journal = Journal(tmp_path / "j.jsonl", "fix", {})
    seq = journal.intent(change)
    assert writer.apply(change) == {}
    journal.outcome(seq, "applied")
    journal.close({})
    needed, skipped = undo_plan(read_journal(tmp_path / "j.jsonl"), {"cloud": writer})
    assert [c.object for c in needed] == [ALICE] and skipped == []


def test_batch_items_are_matched_by_id_whatever_the_order(monkeypatch):
    with GraphServer(load_snapshot(CONTOSO), batch_order="reversed") as server:
        server.state.users[BOB][ATTR] = anchor(2)
        server.invalidate()
        monkeypatch.setenv("SYNCREADY_GRAPH_TOKEN", server.token)
        session = open_session(graph_args(server))
        try:
            states = GraphWriter(session).states([stamp(ALICE, anchor(1)), stamp(BOB, anchor(2)),
                                                  stamp(NINA, anchor(3), old=NINA_ID)])
        finally:
            session.close()
    assert states == ["before", "after", "before"]


def test_batch_item_that_failed_a_dependency_is_sent_again(fresh_graph_server, writer, tmp_path):
    """424 Failed Dependency means the item did not run: resend it, and journal what finally happened."""
    fresh_graph_server.faults.add(f"/users/{ALICE}", 424, method="PATCH")
    journal = tmp_path / "j.jsonl"
    results = list(writer.apply_many([stamp(ALICE, anchor(1)), stamp(BOB, anchor(2))], Journal(journal, "fix", {})))
    assert [r[1] for r in results] == ["applied", "applied"]
    assert value(fresh_graph_server, ALICE) == anchor(1)
    assert [e.outcome for e in read_journal(journal)] == ["applied", "applied"]
