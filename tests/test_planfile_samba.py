"""A saved plan on a real Samba AD DC: applied exactly, a changed object refused as a conflict, a plan
from another domain refused, and undo (given only credentials) restores AD byte for byte."""
from __future__ import annotations

from pathlib import Path

import pytest

from syncready import planfile
from syncready.cli import main
from syncready.journal import journal_targets, read_journal
from syncready.sources import ldapconn

from fixtures_samba import live_args
from test_fix_ldap import CONFIG, EXAMPLE, LDAP_FIXES, ad_state



@pytest.fixture
def dc(fresh_contoso_dc, monkeypatch):
    monkeypatch.setenv(ldapconn.PASSWORD_ENV, fresh_contoso_dc.admin_password)
    return fresh_contoso_dc


def credentials(dc) -> list[str]:
    return ["--ldap-user", dc.admin_user]


def live(dc) -> list[str]:
    return ["--snapshot", str(EXAMPLE), "--config", str(CONFIG), "--ldap-url", dc.ldaps_url,
            *credentials(dc), "--ldap-ca-file", dc.ca_file, "-q"]


def foreign(plan: Path, into: Path) -> None:
    """The same plan as if it had been made against DC=fabrikam,DC=test (digest recomputed: not an edit)."""
    saved = planfile.load(plan)
    for change in saved.changes:
        change.object = change.object.replace("DC=contoso,DC=test", "DC=fabrikam,DC=test")
    saved.planned_against["domains"] = ["DC=fabrikam,DC=test"]
    saved.fixes = {}
    planfile.save(saved, into)


def test_saved_plan_is_applied_exactly_conflicts_refused_and_undone_byte_for_byte(dc, tmp_path, capsys):
    plan = tmp_path / "plan.json"
    assert main(["fix", *live(dc), "--select", LDAP_FIXES, "--out", str(plan)]) == 1     # dry run: changes
    capsys.readouterr()
    saved = planfile.load(plan)
    assert saved.domains == ["DC=contoso,DC=test"] and saved.planned_against["onprem"].startswith("ldaps://")
    henry = next(c for c in saved.changes if c.subject == "henry.wilson@contoso.com" and c.attribute == "mail")

    other = tmp_path / "fabrikam.json"
    foreign(plan, other)
    untouched = ad_state(dc)
    assert main(["fix", "--apply", str(other), "--yes", *live(dc), "--journal", str(tmp_path / "no.jsonl")]) == 2
    err = capsys.readouterr().err.strip()
    assert "made for the AD domain DC=fabrikam,DC=test" in err and "DC=contoso,DC=test" in err and "\n" not in err
    assert ad_state(dc) == untouched and not (tmp_path / "no.jsonl").exists()

    conn = ldapconn.connect(live_args(dc))                      # someone changes Henry after approval
    conn.modify(henry.object, {"mail": [("MODIFY_REPLACE", ["someone.else@contoso.com"])]})
    assert conn.result["result"] == 0
    conn.unbind()
    before = ad_state(dc)

    journal = tmp_path / "fix.jsonl"
    code = main(["fix", "--apply", str(plan), "--yes", *live(dc), "--journal", str(journal)])
    out = capsys.readouterr().out
    assert code == 1
    assert "conflicts 1, failed 0" in out and f"applied {len(saved.changes) - 1}," in out, out
    assert "conflict  henry.wilson@contoso.com: AD mail" in out
    assert not [line for line in out.splitlines() if line.rstrip().endswith(":") and "CN=" in line]
    entries = read_journal(journal)
    assert [e.change.id for e in entries] == [c.id for c in saved.changes]       # exactly the plan, in order
    assert {e.change.id: e.outcome for e in entries}[henry.id] == "conflict"
    after = ad_state(dc)
    assert after[henry.object.lower()]["mail"] == [b"someone.else@contoso.com"]   # never overwritten
    assert after != before
    assert journal_targets(journal)["onprem"] == {"dc": dc.ldaps_url, "domain": "DC=contoso,DC=test",
                                                  "ca_file": dc.ca_file}

    # undo needs only the credentials: the journal names the DC (and its CA file)
    assert main(["undo", str(journal), *credentials(dc), "-q", "--apply"]) == 0, capsys.readouterr()
    out = capsys.readouterr().out
    assert f"undone {len(saved.changes) - 1}, conflicts 0, failed 0, cannot be undone 0" in out, out
    assert ad_state(dc) == before
