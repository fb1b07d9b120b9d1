"""previously-synced end to end against the local Graph server through msgraph-sdk: fix then check
(the stale ImmutableID of a user an earlier sync left, cleared through v1.0), and the object
identifier cleared through Graph beta, whose undo is refused in one line rather than pretended."""
from __future__ import annotations

from pathlib import Path

import pytest

from fixtures_graph import graph_args
from syncready.apply import apply_changes, undo_plan
from syncready.cli import main
from syncready.journal import Journal, read_journal
from syncready.plan import Change
from syncready.results import read_results
from syncready.sources.graphsession import open_session
from syncready.writers.graph_writer import GraphWriter

pytestmark = pytest.mark.live

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "contoso"
CONFIG = EXAMPLE / "syncready.toml"
NINA = "f4846db9-b516-589a-8fb1-8ea69da04ba5"          # cloud user with a stale ImmutableID
NINA_UPN = "nina.petrova@contoso.com"
ALICE = "e2674f85-c98d-5f14-a70a-695e32f2643d"
OLD_GUID = "88666888-0101-1111-bbbb-1234567890ab"
IDENTIFIER = "onPremisesObjectIdentifier"


@pytest.fixture(autouse=True)
def quick_settling(monkeypatch):
    monkeypatch.setattr("syncready.writers.graph_writer.CONSISTENCY_DELAYS", (0.01, 0.01, 0.01, 0.01))
    monkeypatch.setattr("syncready.apply.SETTLE_DELAYS", (0.01, 0.01, 0.01, 0.01, 0.01))


def options(server) -> list[str]:
    return ["--graph-url", server.url, "--auth", "token", "--snapshot", str(EXAMPLE), "--config", str(CONFIG), "-q"]


def result_of(path: Path, upn: str, check: str) -> dict:
    doc = read_results(path)
    return next(s for s in doc["subjects"] if s["subject"].lower() == upn)["results"][check]


def test_fix_then_check_clears_an_earlier_syncs_immutable_id(fresh_graph_server, tmp_path, capsys):
    server = fresh_graph_server
    nina = server.state.users[NINA]
    nina.update({"onPremisesSyncEnabled": False, "onPremisesLastSyncDateTime": "2023-04-01T10:00:00Z"})
    server.invalidate()
    before = tmp_path / "before.json"
    main(["check", *options(server), "--select", "previously-synced", "--json", str(before), "--fail-on", "never"])
    result = result_of(before, NINA_UPN, "previously-synced")
    assert result["status"] == "fail" and "BcM6f+cbGlaUW4P6p2zodw==" in result["message"], result

    journal = tmp_path / "fix.jsonl"
    code = main(["fix", *options(server), "--select", "previously-synced", "--unsafe", "--apply",
                 "--user", NINA_UPN, "--journal", str(journal)])
    out = capsys.readouterr().out
    assert server.state.users[NINA].get("onPremisesImmutableId") is None, out
    rechecked = out.split("Re-checked from the sources:")[1]
    assert "previously-synced pass" in rechecked and code == 0, out
    assert [e.change.remove for e in read_journal(journal)] == [["BcM6f+cbGlaUW4P6p2zodw=="]]


def clear_identifier(user_id: str, old: str) -> Change:
    return Change("previously-synced", "alice.johnson@contoso.com", "cloud", "patch", user_id, IDENTIFIER,
                  remove=[old], add=[])


def test_object_identifier_cleared_through_beta_and_its_undo_refused(fresh_graph_server, tmp_path):
    server = fresh_graph_server
    server.state.per_user.object_identifiers[ALICE] = OLD_GUID
    session = open_session(graph_args(server))
    try:
        writers = {"cloud": GraphWriter(session)}
        journal = Journal(tmp_path / "j.jsonl", "fix", {})
        report = apply_changes([clear_identifier(ALICE, OLD_GUID)], writers, journal)
        journal.close({})
        assert len(report.applied) == 1 and not report.failed, report.lines()
        assert ALICE not in server.state.per_user.object_identifiers
        patch = [r for r in server.requests if r.method == "PATCH"][-1]
        assert patch.target.startswith(f"/beta/users/{ALICE}")     # the server takes null only: a value is 400
        entries = read_journal(tmp_path / "j.jsonl")
        assert entries[0].change.remove == [OLD_GUID] and entries[0].extra["undo"].startswith("Graph accepts only null")
        needed, skipped = undo_plan(entries, writers)
        assert needed == [] and len(skipped) == 1
        assert skipped[0][1].startswith("Graph accepts only null") and OLD_GUID in skipped[0][1]
        assert "\n" not in skipped[0][1]
    finally:
        session.close()


def test_object_identifier_without_its_permission_fails_alone(fresh_graph_server, tmp_path, monkeypatch):
    """A token without User-OnPremisesSyncBehavior.ReadWrite.All: the beta clear fails naming the
    permission, and the v1.0 clear of the same run still goes through (a 403 there is not fatal)."""
    server = fresh_graph_server
    server.state.per_user.object_identifiers[ALICE] = OLD_GUID
    monkeypatch.setenv("SYNCREADY_GRAPH_TOKEN", server.issue_token(permissions={"User.ReadWrite.All"}))
    session = open_session(graph_args(server))
    try:
        nina = Change("previously-synced", NINA_UPN, "cloud", "patch", NINA, "onPremisesImmutableId",
                      remove=["BcM6f+cbGlaUW4P6p2zodw=="], add=[])
        journal = Journal(tmp_path / "j.jsonl", "fix", {})
        report = apply_changes([clear_identifier(ALICE, OLD_GUID), nina], {"cloud": GraphWriter(session)}, journal)
        assert [c.object for c in report.applied] == [NINA]
        assert "User-OnPremisesSyncBehavior.ReadWrite.All" in report.failed[0][1]
        assert server.state.per_user.object_identifiers[ALICE] == OLD_GUID
    finally:
        session.close()
