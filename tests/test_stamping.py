"""Stamping end to end: `syncready fix --select anchor-ready --apply` through msgraph-sdk against the
local Graph server (cloud live, AD from the example snapshot), then undo."""
from __future__ import annotations

from pathlib import Path

from syncready.cli import main
from syncready.journal import read_journal
from syncready.results import read_results
from syncready.sources.snapshot import read_snapshot

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "contoso"
CONFIG = EXAMPLE / "syncready.toml"


def options(server) -> list[str]:
    return ["--graph-url", server.url, "--auth", "token", "--snapshot", str(EXAMPLE), "--config", str(CONFIG), "-q"]


def immutable_ids(server) -> dict:
    return {u["userPrincipalName"].lower(): u.get("onPremisesImmutableId") for u in server.state.users.values()}


def test_stamp_ready_users_only_then_undo(fresh_graph_server, tmp_path, capsys):
    server = fresh_graph_server
    before = immutable_ids(server)
    check = tmp_path / "before.json"
    main(["check", *options(server), "--json", str(check), "--fail-on", "never"])
    doc = read_results(check)
    ready = {s["subject"].lower() for s in doc["subjects"]
             if s["kind"] == "cloud-user" and not s.get("already_synchronized")
             and all(r["status"] not in ("fail", "error") for cid, r in s["results"].items()
                     if next(c for c in doc["checks"] if c["id"] == cid)["severity"] == "blocker")}
    assert ready, "the example has ready users"

    journal = tmp_path / "stamp.jsonl"
    code = main(["fix", *options(server), "--select", "anchor-ready", "--apply", "--journal", str(journal)])
    out = capsys.readouterr().out
    after = immutable_ids(server)
    anchors = {o.upn.lower(): o.anchor for o in read_snapshot(EXAMPLE).onprem if o.upn}
    stamped = {upn for upn in after if after[upn] != before[upn]}
    # a ready user with no AD user (a shared mailbox that stays cloud-only) has nothing to stamp
    assert stamped == {upn for upn in ready if not before[upn] and upn in anchors}, out
    assert "info@contoso.com" in ready and "info@contoso.com" not in stamped
    assert all(after[upn] == anchors[upn] for upn in stamped)
    assert "conflicts 0, failed 0" in out and code == 0

    again = tmp_path / "again.jsonl"
    code = main(["fix", *options(server), "--select", "anchor-ready", "--apply", "--journal", str(again)])
    out = capsys.readouterr().out
    assert "Nothing to apply" in out and "0 change(s)" in out and not again.exists()
    assert code == 1, "blocked users remain unstamped"

    assert main(["undo", str(journal), *options(server), "--apply"]) == 0
    assert immutable_ids(server) == before
    assert all(e.outcome == "applied" for e in read_journal(journal))


def test_recheck_after_apply_tolerates_replication_delay(fresh_graph_server, tmp_path, capsys, monkeypatch):
    """Reads right after the writes still show the old ImmutableIDs (a replica behind): the re-check
    must not report the cleared stale ImmutableID as still there; the writes are read back until
    they show."""
    monkeypatch.setattr("syncready.apply.SETTLE_DELAYS", (0.01, 0.01, 0.01, 0.01, 0.01))
    server = fresh_graph_server
    server.state.replication.lag(reads=2)
    code = main(["fix", *options(server), "--select", "cloud-only", "--unsafe", "--apply",
                 "--journal", str(tmp_path / "j")])
    out = capsys.readouterr().out
    rechecked = out.split("Re-checked from the sources:")[1]
    assert "cloud-only pass" in rechecked and "cloud-only fail" not in rechecked, out
    assert "not yet visible" not in out and code == 0


def test_stamp_refused_when_the_tenant_blocks_hard_match(fresh_graph_server, tmp_path, capsys):
    server = fresh_graph_server
    server.state.sync["features"]["blockCloudObjectTakeoverThroughHardMatchEnabled"] = True
    server.invalidate()
    before = immutable_ids(server)
    code = main(["fix", *options(server), "--select", "anchor-ready", "--apply", "--journal", str(tmp_path / "j")])
    out = capsys.readouterr().out
    assert "blockCloudObjectTakeoverThroughHardMatchEnabled" in out and "0 change(s)" in out
    assert immutable_ids(server) == before and code == 1


def test_changed_immutable_id_between_plan_and_write_is_a_conflict(fresh_graph_server, tmp_path):
    from syncready.apply import apply_changes
    from syncready.commands.fix import evaluate_all
    from syncready.config import load_config
    from syncready.fixing import build_plan
    from syncready.journal import Journal
    from syncready.options import SourceOptions
    from syncready.sources.graphsession import open_session
    from syncready.writers.graph_writer import GraphWriter
    from fixtures_graph import graph_args

    server = fresh_graph_server
    config = load_config(str(CONFIG))
    sources = SourceOptions(snapshot=str(EXAMPLE), graph=graph_args(server), config=config)
    plan = build_plan(evaluate_all(sources), ["anchor-ready"], options=config.fix)
    target = plan.changes[0]
    server.state.users[target.object]["onPremisesImmutableId"] = "c29tZW9uZSBlbHNlIHNldCBpdA=="
    server.invalidate()
    journal = Journal(tmp_path / "j.jsonl", "fix", {})
    report = apply_changes(plan.changes, {"cloud": GraphWriter(open_session(sources.graph))}, journal)
    assert [c.object for c, _ in report.conflicts] == [target.object]
    assert server.state.users[target.object]["onPremisesImmutableId"] == "c29tZW9uZSBlbHNlIHNldCBpdA=="


def test_stamping_with_both_sources_live_also_writes_the_consistency_guid(fresh_graph_server, fresh_contoso_dc,
                                                                          tmp_path, monkeypatch, capsys):
    """Cloud from the Graph server, AD from Samba, `[fix] write_consistency_guid = true`."""
    from ldap3 import BASE

    from syncready.sources import ldapconn
    from fixtures_samba import live_args

    server, dc = fresh_graph_server, fresh_contoso_dc
    monkeypatch.setenv(ldapconn.PASSWORD_ENV, dc.admin_password)
    config = tmp_path / "syncready.toml"
    config.write_text(CONFIG.read_text() + "\n[fix]\nwrite_consistency_guid = true\n")
    live = ["--graph-url", server.url, "--auth", "token", "--ldap-url", dc.ldaps_url, "--ldap-user", dc.admin_user,
            "--ldap-ca-file", dc.ca_file, "--config", str(config), "-q"]
    journal = tmp_path / "stamp.jsonl"
    main(["fix", *live, "--select", "anchor-ready", "--apply", "--journal", str(journal)])
    out = capsys.readouterr().out
    assert "conflicts 0, failed 0" in out, out
    written = [e.change for e in read_journal(journal) if e.change.target == "onprem"]
    assert written and all(c.attribute == "mS-DS-ConsistencyGuid" for c in written)
    conn = ldapconn.connect(live_args(dc))
    for change in written:
        conn.search(change.object, "(objectClass=*)", BASE, attributes=["objectGUID", "mS-DS-ConsistencyGuid"])
        raw = conn.response[0]["raw_attributes"]
        assert raw["mS-DS-ConsistencyGuid"] == raw["objectGUID"]
    stamped = {u["id"]: u.get("onPremisesImmutableId") for u in server.state.users.values()}
    cloud_changes = [e.change for e in read_journal(journal) if e.change.target == "cloud"]
    assert cloud_changes and all(stamped[c.object] == c.add[0] for c in cloud_changes)

    assert main(["undo", str(journal), *live, "--apply"]) == 0
    for change in written:
        conn.search(change.object, "(objectClass=*)", BASE, attributes=["mS-DS-ConsistencyGuid"])
        assert not conn.response[0]["raw_attributes"].get("mS-DS-ConsistencyGuid")
