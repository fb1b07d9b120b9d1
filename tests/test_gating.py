"""What decides the verdict besides the checks: severity overrides, waivers and --baseline."""
import datetime as dt

import pytest

from syncready.baseline import apply_baseline
from syncready.config import parse_config
from syncready.engine import Engine
from syncready.errors import ConfigError
from syncready.results import results_document, write_json

from builders import cloud, directory, onprem

UPN = "alice@contoso.com"
BOB = "bob@contoso.com"
TODAY = dt.date(2026, 6, 1)


def disabled_alice():
    """Alice's AD account is disabled: account-enabled (a warning) fails, every blocker passes."""
    return directory([cloud(UPN)], [onprem(UPN, uac=514)], roles_known=True)


def engine(d, toml: dict | None = None, select=None):
    return Engine(d, parse_config(toml or {}), select=select, today=TODAY)


def subject(run, name):
    return next(s for s in run.subjects if s.name == name)


# severity overrides -----------------------------------------------------------------------------
def test_raising_a_warning_to_blocker_blocks_the_user_and_the_gate():
    run = engine(disabled_alice()).run()
    assert subject(run, UPN).readiness == "at-risk"
    assert run.exit_code("blocker") == 0 and run.exit_code("warning") == 1 and run.exit_code("never") == 0
    run = engine(disabled_alice(), {"severity": {"account-enabled": "blocker"}}).run()
    assert subject(run, UPN).readiness == "blocked"
    assert run.exit_code("blocker") == 1
    doc = results_document(run)
    assert next(c for c in doc["checks"] if c["id"] == "account-enabled")["severity"] == "blocker"


def test_lowering_a_blocker_to_warning():
    d = directory([cloud(UPN)], [onprem(UPN, mail="old@contoso.com")], roles_known=True)
    run = engine(d, {"severity": {"mail-primary-smtp": "warning"}}, select=["mail-primary-smtp"]).run()
    assert subject(run, UPN).readiness == "at-risk"
    assert run.exit_code("blocker") == 0 and run.exit_code("warning") == 1


def test_severity_must_be_blocker_or_warning():
    with pytest.raises(ConfigError, match="blocker"):
        parse_config({"severity": {"account-enabled": "info"}})


# waivers ----------------------------------------------------------------------------------------
def waiver(**kw):
    return {"check": "account-enabled", "subjects": [UPN], "reason": "on parental leave until July"} | kw


def test_waiver_turns_a_failure_into_waived_and_keeps_the_message():
    run = engine(disabled_alice(), {"waivers": [waiver(expires="2026-07-31")]}).run()
    result = subject(run, UPN).results["account-enabled"]
    assert result.status == "waived" and "disabled" in result.message
    assert result.waiver == {"reason": "on parental leave until July", "expires": "2026-07-31",
                             "original_status": "fail"}
    assert subject(run, UPN).readiness == "ready" and run.exit_code("warning") == 0
    doc = results_document(run)
    assert doc["waivers"][0]["matched"] == 1 and doc["waivers"][0]["expired"] is False
    assert doc["summary"]["by_check"]["account-enabled"]["waived"] == 1


def test_expired_waiver_is_not_applied_and_is_reported():
    run = engine(disabled_alice(), {"waivers": [waiver(expires="2026-05-31")]}).run()
    assert subject(run, UPN).results["account-enabled"].status == "fail"
    assert run.exit_code("warning") == 1
    doc = results_document(run)
    assert doc["waivers"] == [{"check": "account-enabled", "subjects": [UPN], "reason": "on parental leave until July",
                               "expires": "2026-05-31", "expired": True, "matched": 0}]


def test_waiver_expiring_today_still_applies():
    run = engine(disabled_alice(), {"waivers": [waiver(expires=TODAY)]}).run()
    assert subject(run, UPN).results["account-enabled"].status == "waived"


def test_waiver_patterns_check_wildcard_and_other_subjects():
    d = directory([cloud(UPN), cloud(BOB)], [onprem(UPN, uac=514), onprem(BOB, uac=514)], roles_known=True)
    run = engine(d, {"waivers": [waiver(check="*", subjects=["ALICE@*"])]}).run()
    assert subject(run, UPN).results["account-enabled"].status == "waived"
    assert subject(run, BOB).results["account-enabled"].status == "fail"


def test_waiver_never_touches_passes():
    d = directory([cloud(UPN)], [onprem(UPN)], roles_known=True)
    run = engine(d, {"waivers": [waiver()]}).run()
    assert subject(run, UPN).results["account-enabled"].status == "pass"
    assert results_document(run)["waivers"][0]["matched"] == 0


@pytest.mark.parametrize("bad,message", [
    ({"reason": None}, "reason"),
    ({"reason": "   "}, "reason"),
    ({"subjects": []}, "subjects"),
    ({"check": ""}, "check"),
    ({"expires": "next week"}, "not a date"),
])
def test_waiver_without_reason_or_with_bad_fields_is_a_config_error(bad, message):
    data = waiver(**bad)
    if data.get("reason") is None:
        del data["reason"]
    with pytest.raises(ConfigError, match=message):
        parse_config({"waivers": [data]})


# --baseline -------------------------------------------------------------------------------------
def test_baseline_marks_new_unchanged_and_fixed(tmp_path):
    before = directory([cloud(UPN), cloud(BOB)], [onprem(UPN, uac=514), onprem(BOB)], roles_known=True)
    previous = tmp_path / "previous.json"
    write_json(results_document(engine(before).run()), previous)

    after = directory([cloud(UPN), cloud(BOB)], [onprem(UPN), onprem(BOB, uac=514, mail="old@contoso.com")],
                      roles_known=True)
    run = engine(after).run()
    report = apply_baseline(run, previous)
    assert {(n["check"], n["subject"]) for n in report["new"]} >= {("account-enabled", BOB), ("mail-primary-smtp", BOB)}
    assert all(n["subject"] == BOB for n in report["new"])
    assert report["fixed"] == [{"check": "account-enabled", "subject": UPN, "gone": False}]
    assert subject(run, BOB).results["account-enabled"].baseline == "new"
    assert results_document(run)["summary"]["baseline"]["file"] == str(previous)


def test_baseline_unchanged_failure_and_a_subject_that_is_gone(tmp_path):
    before = directory([cloud(UPN), cloud(BOB)], [onprem(UPN, uac=514), onprem(BOB, uac=514)], roles_known=True)
    previous = tmp_path / "previous.json"
    write_json(results_document(engine(before).run()), previous)
    run = engine(directory([cloud(UPN)], [onprem(UPN, uac=514)], roles_known=True)).run()
    report = apply_baseline(run, previous)
    assert report["new"] == []
    assert subject(run, UPN).results["account-enabled"].baseline == "unchanged"
    assert {"check": "account-enabled", "subject": BOB, "gone": True} in report["fixed"]


def test_baseline_ignores_checks_not_selected_now(tmp_path):
    before = directory([cloud(UPN)], [onprem(UPN, uac=514)], roles_known=True)
    previous = tmp_path / "previous.json"
    write_json(results_document(engine(before).run()), previous)
    run = engine(directory([cloud(UPN)], [onprem(UPN)], roles_known=True), select=["upn-exists"]).run()
    assert apply_baseline(run, previous)["fixed"] == []
