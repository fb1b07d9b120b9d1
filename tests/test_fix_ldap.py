"""Fixing AD for real (Samba AD DC): fix → check, undo restores exactly, conflicts, kill -9, secrets.

The cloud side comes from the example snapshot; AD is a fresh Samba DC per test, loaded with the
example's AD. Every assertion about AD reads it back over LDAP.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from ldap3 import SUBTREE

from syncready.cli import main
from syncready.config import load_config
from syncready.engine import Engine
from syncready.fixing import build_plan
from syncready.sources import ldapconn
from syncready.options import SourceOptions
from syncready.sources.load import load_directory

from fixtures_samba import live_args

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "contoso"
CONFIG = EXAMPLE / "syncready.toml"
SYNCREADY = str(Path(sys.executable).with_name("syncready"))
LDAP_FIXES = "mail-primary-smtp,proxy-superset,attribute-drift"
WATCHED = ["mail", "proxyAddresses", "givenName", "sn", "displayName", "userAccountControl",
           "mS-DS-ConsistencyGuid", "userPrincipalName"]


@pytest.fixture
def dc(fresh_contoso_dc, monkeypatch):
    monkeypatch.setenv(ldapconn.PASSWORD_ENV, fresh_contoso_dc.admin_password)
    return fresh_contoso_dc


def options(dc) -> list[str]:
    return ["--snapshot", str(EXAMPLE), "--config", str(CONFIG), "--ldap-url", dc.ldaps_url,
            "--ldap-user", dc.admin_user, "--ldap-ca-file", dc.ca_file, "-q"]


def ad_state(dc) -> dict:
    """Every watched attribute of every user, exactly as AD returns it (order-insensitive)."""
    conn = ldapconn.connect(live_args(dc))
    entries = conn.extend.standard.paged_search(dc.base_dn, "(objectClass=user)", SUBTREE,
                                                attributes=WATCHED, paged_size=500, generator=False)
    state = {}
    for entry in entries:
        if entry.get("type") != "searchResEntry":
            continue
        raw = entry["raw_attributes"]
        state[entry["dn"].lower()] = {k.lower(): sorted(raw[k]) for k in raw if raw[k]}
    conn.unbind()
    return state


def live_run(dc):
    config = load_config(str(CONFIG))
    sources = SourceOptions(snapshot=str(EXAMPLE), ldap=live_args(dc), config=config)
    return Engine(load_directory(sources), config).run()


def statuses(dc) -> dict:
    run = live_run(dc)
    return {(s.name.lower(), cid): r.status for s in run.subjects for cid, r in s.results.items()}


def test_fix_then_check_then_undo_restores_exactly(dc, tmp_path, capsys):
    before_state, before = ad_state(dc), statuses(dc)
    # what the fixers refuse (e.g. copying support@'s name onto Chris Evans, whom sync would join to it
    # by his stale mail) stays failing, by design; everything else they were given must be resolved
    refused = {(m.subject.lower(), m.check) for m in build_plan(live_run(dc), LDAP_FIXES.split(",")).refused}
    journal = tmp_path / "fix.jsonl"
    code = main(["fix", *options(dc), "--select", LDAP_FIXES, "--apply", "--journal", str(journal)])
    out = capsys.readouterr().out
    assert "conflicts 0, failed 0" in out, out
    after = statuses(dc)
    fixed = [key for key, status in before.items()
             if key[1] in LDAP_FIXES.split(",") and status == "fail" and key not in refused]
    assert fixed, "the example must have fixable failures"
    # resolved: passes, or no longer applies (the fix of Chris's mail ends his join to support@)
    assert all(after[key] in ("pass", "skip") for key in fixed), {k: after[k] for k in fixed if after[k] != "pass"}
    worse = {k: (before[k], after.get(k)) for k in before
             if before[k] == "pass" and after.get(k) not in ("pass", "skip")}
    assert not worse
    assert code == 0
    assert ad_state(dc) != before_state

    assert main(["undo", str(journal), *options(dc)]) == 0            # the plan only
    assert "Nothing was written" in capsys.readouterr().out
    assert ad_state(dc) != before_state
    assert main(["undo", str(journal), *options(dc), "--apply"]) == 0
    assert ad_state(dc) == before_state
    assert statuses(dc) == before


def test_proxy_addresses_only_gain_values_or_change_the_primary(dc, tmp_path):
    before = ad_state(dc)
    main(["fix", *options(dc), "--select", "mail-primary-smtp,proxy-superset", "--apply",
          "--journal", str(tmp_path / "j.jsonl")])
    after = ad_state(dc)
    for dn, attrs in before.items():
        old = {v.decode().split(":", 1)[1].lower() for v in attrs.get("proxyaddresses", [])}
        new = {v.decode().split(":", 1)[1].lower() for v in after[dn].get("proxyaddresses", [])}
        assert old <= new, dn


def test_changed_value_between_plan_and_apply_is_a_conflict_left_alone(dc, tmp_path):
    from syncready.apply import apply_changes
    from syncready.journal import Journal, read_journal
    from syncready.writers.ldap_writer import LdapWriter

    config = load_config(str(CONFIG))
    sources = SourceOptions(snapshot=str(EXAMPLE), ldap=live_args(dc), config=config)
    run = Engine(load_directory(sources), config).run()
    plan = build_plan(run, ["mail-primary-smtp"])
    henry = next(c for c in plan.changes if c.subject == "henry.wilson@contoso.com" and c.attribute == "mail")
    conn = ldapconn.connect(live_args(dc))
    conn.modify(henry.object, {"mail": [("MODIFY_REPLACE", ["someone.else@contoso.com"])]})
    assert conn.result["result"] == 0
    journal = Journal(tmp_path / "j.jsonl", "fix", {})
    report = apply_changes(plan.changes, {"onprem": LdapWriter(ldapconn.connect(live_args(dc)))}, journal)
    journal.close(report.summary())
    assert [c.object for c, _ in report.conflicts] == [henry.object]
    assert report.applied and not report.failed
    mail = ad_state(dc)[henry.object.lower()]["mail"]
    assert mail == [b"someone.else@contoso.com"]
    outcomes = {e.change.id: e.outcome for e in read_journal(tmp_path / "j.jsonl")}
    assert outcomes[henry.id] == "conflict"


def test_max_changes_refuses_a_bigger_plan(dc, capsys):
    before = ad_state(dc)
    code = main(["fix", *options(dc), "--select", LDAP_FIXES, "--apply", "--max-changes", "2"])
    assert code == 2
    assert "more than --max-changes 2" in capsys.readouterr().err
    assert ad_state(dc) == before


def test_dry_run_writes_nothing(dc, capsys):
    before = ad_state(dc)
    assert main(["fix", *options(dc), "--select", LDAP_FIXES]) == 1
    assert "Nothing was written" in capsys.readouterr().out
    assert ad_state(dc) == before


@pytest.mark.parametrize("delay", [0.0, 0.3, 0.7, 1.2])
def test_kill_9_at_any_point_then_undo_restores_and_rerun_does_nothing_twice(dc, tmp_path, delay):
    before_state = ad_state(dc)
    refused = {(m.subject.lower(), m.check) for m in build_plan(live_run(dc), LDAP_FIXES.split(",")).refused}
    env = dict(os.environ)
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    base = [SYNCREADY, "fix", *options(dc), "--select", LDAP_FIXES, "--apply"]
    proc = subprocess.Popen([*base, "--journal", str(first), "--rate", "8"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_for_intent(first, proc)
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done_first = _applied(first)

    subprocess.run([*base, "--journal", str(second)], env=env, capture_output=True, timeout=120)
    done_second = _applied(second)
    assert not done_first & done_second, "a change applied twice"
    now = statuses(dc)
    assert all(status == "pass" for (subject, check), status in now.items()
               if check in ("mail-primary-smtp", "proxy-superset") and status != "skip"
               and (subject, check) not in refused)

    for journal in (second, first):
        if journal.exists():
            proc = subprocess.run([SYNCREADY, "undo", str(journal), *options(dc), "--apply"], env=env,
                                  capture_output=True, text=True, timeout=120)
            assert proc.returncode == 0, proc.stdout + proc.stderr
    assert ad_state(dc) == before_state


def _wait_for_intent(journal: Path, proc, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if journal.exists() and '"intent"' in journal.read_text():
            return
        time.sleep(0.02)


def _applied(journal: Path) -> set[str]:
    from syncready.journal import read_journal

    if not journal.exists():
        return set()
    return {e.change.id for e in read_journal(journal) if e.outcome == "applied"}


def test_no_secret_in_any_output(dc, tmp_path):
    journal = tmp_path / "fix.jsonl"
    env = dict(os.environ)
    proc = subprocess.run([SYNCREADY, "fix", *options(dc)[:-1], "--verbose", "--select", LDAP_FIXES, "--apply",
                           "--journal", str(journal)], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode in (0, 1), proc.stderr
    secret = dc.admin_password
    for text in (proc.stdout, proc.stderr, journal.read_text()):
        assert secret not in text
    assert oct(journal.stat().st_mode & 0o777) == "0o600"
    records = [json.loads(line) for line in journal.read_text().splitlines()]
    assert records[0]["type"] == "begin" and records[-1]["type"] == "end"
    assert {r["type"] for r in records} == {"begin", "intent", "outcome", "end"}
