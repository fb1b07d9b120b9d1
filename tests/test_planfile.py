"""Saved fix plans without a DC: what the file holds, refusals (digest, age, domain, tenant, no
terminal), the confirmation on a real pseudo-terminal, Markdown/HTML for a change ticket, the JSON
round trip and malformed files (exit 2, one line, never a traceback), and undo's journal targets."""
from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clirun import run_main
from syncready import planfile
from syncready.commands import fix as fix_command
from syncready.errors import ConfigError
from syncready.journal import Journal
from syncready.options import GraphOptions, LdapOptions, SourceOptions
from syncready.plan import Change
from syncready.planfile_apply import confirm, verify_targets
from syncready.planfile_targets import domain_of, undo_sources
from syncready.vocab import Operation, Safety, Target
from syncready.writers.base import state_of

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "contoso"
CONFIG = EXAMPLE / "syncready.toml"
SELECT = "mail-primary-smtp,proxy-superset"
TENANT = "0875ba89-6571-5284-a000-d03dbbbce51a"


@pytest.fixture(scope="module")
def saved_plan(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("plan")
    done = run_main("fix", "--snapshot", EXAMPLE, "--config", CONFIG, "--select", SELECT, "-q",
                    "--out", folder / "plan.json", "--markdown", folder / "plan.md", "--html", folder / "plan.html")
    assert done.returncode == 1 and "Plan saved" in done.stdout, done
    return folder / "plan.json"


@pytest.fixture
def plan(saved_plan, tmp_path) -> Path:
    copy = tmp_path / "plan.json"
    copy.write_bytes(saved_plan.read_bytes())
    return copy


def apply(plan: Path, *extra: str, env=None):
    return run_main("fix", "--apply", plan, "--snapshot", EXAMPLE, "--config", CONFIG, "-q", *extra, env=env)


def one_line_error(done, words: str) -> None:
    assert done.returncode == 2, done
    assert done.stderr.startswith("syncready: error: ") and done.stderr.count("\n") == 1, done.stderr
    assert words in done.stderr and "Traceback" not in done.stderr and "internal error" not in done.stderr


def test_the_plan_file_holds_what_a_change_board_approves(saved_plan):
    data = json.loads(saved_plan.read_text())
    assert data["schema"] == "syncready/plan/1" and data["tool"]["version"]
    against = data["planned_against"]
    assert against["tenant_id"] == TENANT and against["domains"] == ["DC=contoso,DC=test"]
    dt.datetime.fromisoformat(data["created"])
    assert data["digest"].startswith("sha256:") and data["changes"]
    for change in data["changes"]:
        assert change["object"].endswith("DC=contoso,DC=test")
        assert {"before", "after", "precondition", "safety", "fixes"} <= change.keys()
        assert change["check"] in change["fixes"]
    blocked = {b["subject"]: b["reasons"] for b in data["still_blocked"]}
    # chris.evans gets a new primary address yet stays blocked by checks that were not selected
    assert any(r["check"] == "proxy-unique" and r["why"].startswith("not selected")
               for r in blocked["chris.evans@contoso.com"])
    assert "password" not in saved_plan.read_text().lower()


def test_dry_run_says_what_stays_blocked():
    done = run_main("fix", "--snapshot", EXAMPLE, "--config", CONFIG, "--select", SELECT, "-q")
    assert "0 manual step(s)" in done.stdout and "Still blocked after this plan:" in done.stdout
    assert "chris.evans@contoso.com: " in done.stdout.split("Still blocked after this plan:")[1]


@pytest.mark.parametrize("edit", ["value", "display"])
def test_a_modified_plan_is_refused(plan, edit):
    data = json.loads(plan.read_text())
    if edit == "value":
        data["changes"][0]["add"] = ["attacker@contoso.com"]
    else:
        data["changes"][0]["before"] = "something else"
    plan.write_text(json.dumps(data))
    one_line_error(apply(plan, "--yes"), "was modified after it was saved")


def resave(plan: Path, **changes) -> None:
    saved = planfile.load(plan)
    for name, value in changes.items():
        setattr(saved, name, value)
    planfile.save(saved, plan)


def test_an_old_plan_is_refused_by_max_age_and_config(plan, tmp_path):
    resave(plan, created=(dt.datetime.now(dt.UTC) - dt.timedelta(hours=30)).isoformat(timespec="seconds"))
    one_line_error(apply(plan, "--yes"), "more than the maximum age 24h")
    one_line_error(apply(plan, "--yes", "--max-age", "2h"), "more than the maximum age 2h")
    config = tmp_path / "syncready.toml"
    config.write_text(CONFIG.read_text() + '\n[fix]\nplan_max_age = "1d"\n')
    done = run_main("fix", "--apply", plan, "--snapshot", EXAMPLE, "--config", config, "--yes", "-q")
    one_line_error(done, "more than the maximum age 1d")
    # young enough under --max-age 2d: it gets past the age check to the snapshot-only refusal
    one_line_error(apply(plan, "--yes", "--max-age", "2d"), "read from a snapshot")
    one_line_error(apply(plan, "--yes", "--max-age", "soon"), "--max-age 'soon' is not a positive duration")
    config.write_text('[fix]\nplan_max_age = 3\n')
    one_line_error(run_main("fix", "--apply", plan, "--config", config), "plan_max_age")


def test_a_plan_from_the_future_is_refused(plan):
    resave(plan, created=(dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)).isoformat(timespec="seconds"))
    one_line_error(apply(plan, "--yes"), "in the future")


class FakeLdapWriter:
    """An LdapWriter as apply sees it: a DC that holds `domain`, changes judged against `values`."""

    def __init__(self, domain: str = "DC=contoso,DC=test"):
        response = [{"raw_attributes": {"defaultNamingContext": [domain.encode()]}}]
        self.conn = SimpleNamespace(search=lambda *a, **k: True, response=response)
        self.applied: list[Change] = []

    def apply(self, change):
        self.applied.append(change)
        return {}

    def state(self, change):
        return state_of(change, change.add)


def test_verify_targets_refuses_another_domain_and_another_tenant(plan):
    saved = planfile.load(plan)
    sources = SourceOptions(ldap=LdapOptions(url="ldaps://dc1.fabrikam.test"))
    with pytest.raises(ConfigError, match="made for the AD domain DC=contoso,DC=test, but the DC at "
                                          "ldaps://dc1.fabrikam.test holds DC=fabrikam,DC=test"):
        verify_targets(saved, "plan.json", sources, {Target.ONPREM: FakeLdapWriter("DC=fabrikam,DC=test")})
    assert verify_targets(saved, "p", sources, {Target.ONPREM: FakeLdapWriter("dc=Contoso, dc=Test")}) == \
        {"domain": "dc=Contoso, dc=Test"}
    other = SourceOptions(ldap=sources.ldap, graph=GraphOptions(tenant_id="11111111-2222-3333-4444-555555555555"))
    with pytest.raises(ConfigError, match=f"made for tenant {TENANT}, but the Graph options write to tenant 1111"):
        verify_targets(saved, "p", other, {Target.ONPREM: FakeLdapWriter()})
    same = SourceOptions(ldap=sources.ldap, graph=GraphOptions(tenant_id=TENANT.upper()))
    assert verify_targets(saved, "p", same, {Target.ONPREM: FakeLdapWriter()})["tenant_id"] == TENANT.upper()
    cloud_plan = planfile.SavedPlan([Change("anchor-ready", "a@contoso.com", Target.CLOUD, Operation.PATCH, "id1",
                                            "onPremisesImmutableId", [None], ["x"])], {"tenant_id": TENANT}, "")
    unknown = SimpleNamespace(session=SimpleNamespace(get_json=_refused))
    with pytest.raises(ConfigError, match=f"give --tenant-id {TENANT}"):
        verify_targets(cloud_plan, "p", SourceOptions(graph=GraphOptions()), {Target.CLOUD: unknown})


def _refused(*args, **kwargs):
    from syncready.sources.grapherrors import GraphError

    raise GraphError("GET", "/organization", 403, "Authorization_RequestDenied", "Insufficient privileges")


def test_domain_of_takes_the_trailing_dc_components():
    assert domain_of("CN=Smith\\, Ann,OU=Staff,DC=contoso,DC=test") == "DC=contoso,DC=test"
    assert domain_of("CN=DC=odd,OU=x,DC=a,DC=b") == "DC=a,DC=b"
    assert domain_of("CN=x") == ""


@pytest.fixture
def fake_dc(monkeypatch):
    writer = FakeLdapWriter()
    monkeypatch.setattr(fix_command, "open_writers", lambda sources, targets: {Target.ONPREM: writer})
    monkeypatch.setattr(fix_command, "recheck", lambda *args: 0)
    return writer


def test_apply_without_a_terminal_needs_yes(plan, fake_dc, tmp_path):
    one_line_error(apply(plan, "--ldap-url", "ldaps://dc1.contoso.test", "--journal", tmp_path / "j.jsonl"),
                   "not on a terminal, so nobody can confirm; add --yes")
    assert not fake_dc.applied and not (tmp_path / "j.jsonl").exists()


@pytest.mark.parametrize("answer, applied", [("y\n", True), ("n\n", False), ("\n", False)])
def test_apply_on_a_terminal_asks_with_the_count(plan, fake_dc, tmp_path, monkeypatch, answer, applied):
    master, slave = os.openpty()
    terminal = os.fdopen(slave, "r")
    os.write(master, answer.encode())
    monkeypatch.setattr("sys.stdin", terminal)
    try:
        done = apply(plan, "--ldap-url", "ldaps://dc1.contoso.test", "--journal", tmp_path / "j.jsonl")
    finally:
        terminal.close()
        os.close(master)
    count = len(planfile.load(plan).changes)
    assert f"Apply the {count} change(s) of {plan} to AD: DC=contoso,DC=test? [y/N]" in done.stdout
    assert bool(fake_dc.applied) is applied
    if applied:
        assert [c.id for c in fake_dc.applied] == [c.id for c in planfile.load(plan).changes]
        assert f"applied {count}, conflicts 0, failed 0" in done.stdout and done.returncode == 0
    else:
        assert "Nothing was written." in done.stdout and done.returncode == 1


def test_confirm_rules(monkeypatch):
    import io

    assert confirm("Apply 3 change(s)?", assume_yes=True, required=True, stdin=io.StringIO(""))
    assert confirm("Apply 3 change(s)?", assume_yes=False, required=False, stdin=io.StringIO(""))
    with pytest.raises(ConfigError, match="Apply 3 change\\(s\\): not on a terminal"):
        confirm("Apply 3 change(s)?", assume_yes=False, required=True, stdin=io.StringIO("y\n"))


def test_apply_plan_leaves_plan_options_out(plan):
    one_line_error(apply(plan, "--select", "mail-primary-smtp"), "writes exactly the saved plan")


def test_markdown_and_html_for_a_change_ticket(saved_plan, tmp_path):
    markdown = (saved_plan.parent / "plan.md").read_text()
    saved = planfile.load(saved_plan)
    assert "## Active Directory" in markdown and "### CN=Henry Wilson,OU=Staff,DC=contoso,DC=test" in markdown
    assert saved.digest in markdown and TENANT in markdown and "## Still blocked after this plan" in markdown
    html = (saved_plan.parent / "plan.html").read_text()
    assert saved.digest in html and "<h2>Active Directory</h2>" in html and "chris.evans@contoso.com" in html
    assert "src=" not in html and "<link" not in html and "http" not in html.split("</style>")[0]

    from syncready.reports.plan_render import plan_html, plan_markdown

    evil = Change("attribute-drift", "x@contoso.com", Target.ONPREM, Operation.MODIFY,
                  "CN=<img src=x onerror=alert(1)>,DC=contoso,DC=test", "displayName",
                  ["a|b"], ["<script>alert(1)</script>"])
    hostile = planfile.SavedPlan([evil], {"tenant_id": TENANT, "domains": ["DC=contoso,DC=test"]},
                                 "2026-12-01T00:00:00+00:00")
    page = plan_html(hostile)
    assert "<script>alert" not in page and "<img src=x" not in page and "&lt;script&gt;" in page
    text = plan_markdown(hostile)
    assert "<script>" not in text and "a\\|b" in text


# --- round trip and malformed files ----------------------------------------------------------------

_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
_values = st.lists(st.one_of(_text, st.integers(-2**40, 2**40), st.booleans()), max_size=3)


@st.composite
def changes(draw):
    binary = draw(st.booleans())
    if binary:
        return Change(draw(_text), draw(_text), Target.ONPREM, Operation.MODIFY, draw(_text), "mS-DS-ConsistencyGuid",
                      draw(st.lists(st.binary(min_size=16, max_size=16), max_size=1)),
                      draw(st.lists(st.binary(min_size=16, max_size=16), max_size=1)), safety=Safety.UNSAFE)
    op = draw(st.sampled_from([Operation.MODIFY, Operation.PATCH, Operation.CREATE]))
    target = Target.CLOUD if op == Operation.PATCH else Target.ONPREM
    remove = draw(st.one_of(_values, st.just([None]))) if op == Operation.PATCH else draw(_values)
    attributes = draw(st.dictionaries(_text, _text, max_size=2)) if op == Operation.CREATE else {}
    return Change(draw(_text), draw(_text), target, op, draw(_text), draw(_text), remove, draw(_values),
                  attributes, draw(st.sampled_from(list(Safety))), draw(_text))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(changes(), max_size=5))
def test_round_trip_save_load_gives_the_same_changes(tmp_path, planned):
    saved = planfile.SavedPlan(planned, {"tenant_id": TENANT, "domains": []}, "2026-12-01T00:00:00+00:00",
                               options={"select": ["x"]}, notes=["a note"])
    path = tmp_path / "p.json"
    planfile.save(saved, path)
    back = planfile.load(path)
    assert [c.to_json() for c in back.changes] == [c.to_json() for c in planned]
    assert back.digest == saved.digest and [c.id for c in back.changes] == [c.id for c in planned]


_json = st.recursive(st.none() | st.booleans() | st.integers() | _text,
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
                     max_leaves=8)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_malformed_plan_files_are_one_line_exit_2(saved_plan, tmp_path, data):
    document = json.loads(saved_plan.read_text())
    how = data.draw(st.sampled_from(["top", "change", "bytes", "json"]))
    if how == "top":
        document[data.draw(st.sampled_from(sorted(document)))] = data.draw(_json)
    elif how == "change":
        change = document["changes"][data.draw(st.integers(0, len(document["changes"]) - 1))]
        change[data.draw(st.sampled_from(sorted(change)))] = data.draw(_json)
    path = tmp_path / "bad.json"
    if how == "bytes":
        path.write_bytes(data.draw(st.binary(max_size=64)))
    elif how == "json":
        path.write_text(json.dumps(data.draw(_json)))
    else:
        path.write_text(json.dumps(document))
    done = run_main("fix", "--apply", path, "--yes")
    one_line_error(done, "")


# --- undo: the journal names its DC and tenant ------------------------------------------------------

def test_undo_takes_the_dc_and_tenant_from_the_journal_and_refuses_others(tmp_path):
    args = SimpleNamespace(ldap_user="admin", ldap_auth=None, ldap_ca_file=None, ldap_insecure=False, auth="token",
                           client_id=None, graph_url=None)
    targets = {"onprem": {"dc": "ldaps://dc1.contoso.test:636", "domain": "DC=contoso,DC=test", "ca_file": "/ca.pem"},
               "cloud": {"graph_url": "http://127.0.0.1:9/v1.0", "tenant_id": TENANT}}
    sources = undo_sources(args, SourceOptions(), targets, force=False)
    assert sources.ldap.url == "ldaps://dc1.contoso.test:636" and sources.ldap.ca_file == "/ca.pem"
    assert sources.ldap.user == "admin"
    assert sources.graph.graph_url == "http://127.0.0.1:9/v1.0" and sources.graph.tenant_id == TENANT
    assert undo_sources(args, SourceOptions(ldap=LdapOptions(url="ldaps://DC1.contoso.test")), targets,
                        force=False).ldap.url == "ldaps://DC1.contoso.test"      # the same DC, named explicitly
    with pytest.raises(ConfigError, match="not the DC this journal wrote to"):
        undo_sources(args, SourceOptions(ldap=LdapOptions(url="ldaps://dc2.contoso.test")), targets, force=False)
    assert undo_sources(args, SourceOptions(ldap=LdapOptions(url="ldaps://dc2.contoso.test")), targets,
                        force=True).ldap.url == "ldaps://dc2.contoso.test"
    with pytest.raises(ConfigError, match="not the tenant this journal wrote to"):
        undo_sources(args, SourceOptions(graph=GraphOptions(tenant_id="other")), targets, force=False)


def test_undo_summary_counts_agree(tmp_path, monkeypatch):
    from syncready.commands import undo as undo_command

    kept = Change("mail-primary-smtp", "a@contoso.com", Target.ONPREM, Operation.MODIFY, "CN=A,DC=contoso,DC=test",
                  "mail", ["old@contoso.com"], ["a@contoso.com"])
    moved = Change("mail-primary-smtp", "b@contoso.com", Target.ONPREM, Operation.MODIFY, "CN=B,DC=contoso,DC=test",
                   "mail", ["old@contoso.com"], ["b@contoso.com"])
    path = tmp_path / "fix.jsonl"
    journal = Journal(path, "fix", {}, {"onprem": {"dc": "ldaps://dc1.contoso.test", "domain": "DC=contoso,DC=test"}})
    for change in (kept, moved):
        journal.outcome(journal.intent(change), "applied")
    journal.close({})
    writer = FakeLdapWriter()
    writer.state = lambda change: "after" if change.object == kept.object else "other"
    monkeypatch.setattr(undo_command, "open_writers", lambda sources, targets: {Target.ONPREM: writer})
    done = run_main("undo", path, "--ldap-user", "admin", "--apply")
    assert ("1 change(s) to undo; left alone: 1 conflict(s) (changed since the fix), 0 that cannot be undone"
            in done.stdout)
    assert "b@contoso.com\n  mail-primary-smtp: conflict, not undone" in done.stdout
    assert "undone 1, conflicts 1, failed 0, cannot be undone 0" in done.stdout and done.returncode == 1
    assert [c.object for c in writer.applied] == [kept.object]


def test_two_changes_that_write_the_same_thing_read_back_as_saved(tmp_path):
    """Found by tools/explore.sh (seed 53742753): two changes with one id (the same write, planned by two
    checks) made the fixes of one overwrite the other's on load, so a plan just saved was refused as
    modified. The file now says of both that they clear both checks."""
    planned = [Change(check, "", Target.ONPREM, Operation.MODIFY, "", "mS-DS-ConsistencyGuid", [], [], {},
                      Safety.UNSAFE, "") for check in ("cloud-only", "anchor-ready")]
    assert planned[0].id == planned[1].id
    saved = planfile.SavedPlan(planned, {"tenant_id": TENANT, "domains": []}, "2026-12-01T00:00:00+00:00")
    path = tmp_path / "p.json"
    planfile.save(saved, path)
    back = planfile.load(path)
    assert back.digest == saved.digest
    assert [e["fixes"] for e in back.content()["changes"]] == [["cloud-only", "anchor-ready"]] * 2
