"""attribute-valid says what Microsoft says: each finding's consequence sets its severity, every rule
cites its Microsoft line, and the fixer plans only real writes (issue 9 §5)."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from builders import cloud, directory, onprem, outcome, run
from test_fix_property import Simulator

from syncready.fixing import build_plan
from syncready.model import Domain
from syncready.results import read_results

ROOT = Path(__file__).resolve().parent.parent
SYNCREADY = str(Path(sys.executable).with_name("syncready"))
UPN = "alice@contoso.com"
CHECK = "attribute-valid"


def subject(d, upn=UPN, select=(CHECK,)):
    """The subject with the results of the selected checks only, so readiness is this check's verdict."""
    return next(s for s in run(d, select=list(select)).subjects if s.name == upn)


def entries(result, rule_id=None) -> list[dict]:
    found = (result.evidence or {}).get("violations", [])
    return [e for e in found if rule_id is None or e["rule_id"] == rule_id]


def plan(d, unsafe=True):
    return build_plan(run(d), [CHECK], unsafe=unsafe)


# missed by the old rules: each is now a finding, with Microsoft's line ---------------------------
def test_colon_after_the_type_prefix_is_discarded_by_proxy_calculation():
    d = directory([cloud(UPN)], [onprem(UPN, proxies=(f"SMTP:{UPN}", "SMTP:user:M@contoso.com"))])
    result = outcome(d, CHECK, UPN)
    assert result.status == "fail"
    [entry] = entries(result, "address.colon")
    assert entry["value"] == "SMTP:user:M@contoso.com" and entry["severity"] == "blocker"
    assert entry["consequence"] == "discarded by proxy calculation"
    assert "SMTP:user:M@contoso.com isn't" in entry["source"]
    assert entry["source"].startswith("prepare-for-directory-synchronization: ")
    assert "discarded by proxy calculation" in result.message


def test_apostrophe_in_samaccountname_is_an_advisory_and_the_user_stays_ready():
    d = directory([cloud(UPN)], [onprem(UPN, sam="o'brien")])
    s = subject(d)
    result = s.results[CHECK]
    assert result.status == "pass" and result.message.startswith("advisory: ")
    [entry] = entries(result)
    assert entry["rule_id"] == "sam.characters" and entry["severity"] == "warning"
    assert "\\ \" | , / : < > + = ; ? * ']" in entry["source"]
    assert "still created" in entry["consequence"]
    assert s.readiness == "ready"


def test_invalid_samaccountname_beside_an_invalid_upn_says_to_correct_the_upn():
    d = directory([cloud("a b@contoso.com")], [onprem("a b@contoso.com", sam="a" * 21)])
    result = outcome(d, CHECK, "a b@contoso.com")
    assert result.status == "fail"
    [sam] = entries(result, "sam.length")
    assert sam["severity"] == "warning" and "correct the userPrincipalName" in sam["instead"]


def test_ampersand_in_mailnickname_is_not_supported_for_entra_connect():
    d = directory([cloud(UPN)], [onprem(UPN, mail_nickname="tom&jerry")])
    result = outcome(d, CHECK, UPN)
    assert result.status == "fail"
    [entry] = entries(result, "nickname.ampersand")
    assert "not supported in the Alias value for Microsoft Entra Connect synchronization" in entry["source"]


@pytest.mark.parametrize("value,fragment", [
    ("smtp:al\tice@contoso.com", "U+0009 (tab)"),
    ("smtp:al\x07ice@contoso.com", "U+0007"),
    ("smtp:al\\ice@contoso.com", "not an RFC 5322 address"),
    ("smtp:al..ice@contoso.com", "two in a row"),
])
def test_control_characters_and_non_rfc5322_proxies_are_discarded(value, fragment):
    d = directory([cloud(UPN)], [onprem(UPN, proxies=(f"SMTP:{UPN}", value))])
    result = outcome(d, CHECK, UPN)
    assert result.status == "fail"
    [entry] = entries(result)
    assert fragment in entry["rule"] and entry["consequence"] == "discarded by proxy calculation"
    assert "RFC 5322" in entry["source"] or "must not contain" in entry["source"]
    assert entry["instead"] == "the cloud user will not have this address; mail sent to it bounces"
    assert not any(c in result.message for c in "\t\x07")          # control characters are spelled out


def test_a_discarded_mail_says_where_the_primary_comes_from():
    d = directory([cloud(UPN)], [onprem(UPN, mail="alice\t@contoso.com", proxies=(f"SMTP:{UPN}",))])
    [entry] = entries(outcome(d, CHECK, UPN))
    assert entry["attribute"] == "mail" and "3190357" in entry["source"]
    assert entry["instead"] == f"sync takes the primary SMTP address from its SMTP: value: {UPN}"


def test_a_discarded_primary_says_what_sync_does_instead():
    d = directory([cloud(UPN)], [onprem(UPN, proxies=(f"SMTP:{UPN}\t", "smtp:al@contoso.com"))])
    [entry] = entries(outcome(d, CHECK, UPN))
    assert "scenario 4" in entry["instead"]


def test_duplicate_proxy_values_are_an_advisory():
    d = directory([cloud(UPN)], [onprem(UPN, proxies=(f"SMTP:{UPN}", f"smtp:{UPN}", "X500:/o=a", "x500:/o=A"))])
    s = subject(d)
    result = s.results[CHECK]
    assert result.status == "pass"
    assert [e["value"] for e in entries(result, "proxy.duplicate")] == [f"smtp:{UPN}", "x500:/o=A"]
    assert s.readiness == "ready"


# wrong alarms of the old rules -----------------------------------------------------------------
def test_only_a_secondary_smtp_is_not_an_attribute_blocker_and_mail_primary_smtp_judges_the_match():
    d = directory([cloud(UPN)], [onprem(UPN, mail=None, proxies=(f"smtp:{UPN}",))])
    s = subject(d, select=[CHECK, "mail-primary-smtp"])
    result = s.results[CHECK]
    assert result.status == "pass"
    [entry] = entries(result, "proxy.no-primary")
    assert entry["severity"] == "warning" and "Scenario 4" in entry["source"]
    assert "scenario 4" in entry["instead"] and "mail-primary-smtp" in entry["instead"]
    assert s.results["mail-primary-smtp"].status == "fail"


def test_several_primaries_are_syncreadys_own_advice():
    d = directory([cloud(UPN)], [onprem(UPN, proxies=(f"SMTP:{UPN}", "SMTP:al@contoso.com"))])
    result = outcome(d, CHECK, UPN)
    assert result.status == "pass"
    [entry] = entries(result, "proxy.primaries")
    assert entry["source"].startswith("syncready's own advice") and entry["severity"] == "warning"


def test_underscore_in_a_verified_domain_is_allowed():
    upn = "alice@contoso_eu.com"
    d = directory([cloud(upn)], [onprem(upn)], domains=[Domain("contoso_eu.com", True),
                                                         Domain("contoso.onmicrosoft.com", True, is_initial=True)])
    assert outcome(d, CHECK, upn).status == "pass"


def test_a_upn_with_invalid_characters_names_the_upn_entra_calculates():
    d = directory([cloud("al+ice@contoso.com")], [onprem("al+ice@contoso.com", mail_nickname="alice")])
    [entry] = entries(outcome(d, CHECK, "al+ice@contoso.com"), "upn.characters")
    assert entry["instead"] == "Entra ID would calculate alice@contoso.onmicrosoft.com"
    assert "IdentityDataValidationFailed" in entry["consequence"]


def test_failure_lists_blockers_first_and_counts_them():
    d = directory([cloud(UPN)], [onprem(UPN, sam="o'brien", proxies=(f"SMTP:{UPN}", "smtp:a b@contoso.com"))])
    result = outcome(d, CHECK, UPN)
    assert result.status == "fail" and "1 of them stopping sync" in result.message
    assert [e["severity"] for e in entries(result)] == ["blocker", "warning"]


# the fixer -------------------------------------------------------------------------------------
def test_fixer_merges_duplicates_on_a_passing_result_with_unsafe_and_the_advisory_goes():
    ad = onprem(UPN, proxies=(f"SMTP:{UPN}", f"smtp:{UPN}", "smtp:al@contoso.com"))
    d = directory([cloud(UPN)], [ad])
    p = plan(d)
    [change] = [c for c in p.changes if c.check == CHECK]
    assert (change.attribute, change.remove, change.add) == ("proxyAddresses", [f"smtp:{UPN}"], [])
    assert not p.refused
    sim = Simulator(d)
    sim.apply(change)
    assert outcome(sim.directory, CHECK, UPN).evidence is None
    assert not plan(d, unsafe=False).changes and not plan(d, unsafe=False).refused   # advisories: no noise


def test_fixer_trims_a_tab_around_a_proxy_address():
    d = directory([cloud(UPN)], [onprem(UPN, proxies=(f"SMTP:{UPN}", "smtp:\tal@contoso.com"))])
    [change] = plan(d).changes
    assert (change.remove, change.add) == (["smtp:\tal@contoso.com"], ["smtp:al@contoso.com"])


def test_fixer_leaves_advisories_it_cannot_correct_alone():
    p = plan(directory([cloud(UPN)], [onprem(UPN, sam="a" * 21)]))
    assert not p.changes and not p.refused


def test_fixer_corrects_the_blocker_and_leaves_an_advisory_without_refusing():
    d = directory([cloud(UPN)], [onprem(UPN, mail=f"{UPN} ", proxies=(f"SMTP:{UPN}",), sam="o'brien")])
    p = plan(d)
    [change] = p.changes
    assert (change.attribute, change.add) == ("mail", [UPN]) and not p.refused
    sim = Simulator(d)
    sim.apply(change)
    assert outcome(sim.directory, CHECK, UPN).status == "pass"


def test_fixer_never_plans_a_write_the_writers_cannot_tell_from_the_current_values():
    """Two values equal as the writers compare them: removing one would remove 'both' — refused, not written."""
    d = directory([cloud(UPN)], [onprem(UPN, proxies=(f"SMTP:{UPN}", "smtp:al@contoso.com", "smtp:AL@contoso.com"))])
    p = plan(d)
    assert not p.changes
    [refusal] = [m.guidance for m in p.refused if m.check == CHECK]
    assert "repeats smtp:al@contoso.com" in refusal


def test_fixer_refuses_when_a_blocker_has_no_obvious_correction():
    d = directory([cloud(UPN)], [onprem(UPN, mail=f"{UPN} ", proxies=(f"SMTP:{UPN}",), mail_nickname="tom&jerry")])
    p = plan(d)
    assert not p.changes
    [refusal] = [m.guidance for m in p.refused if m.check == CHECK]
    assert "mailNickname 'tom&jerry' contains '&'" in refusal and "the other 1 violation" in refusal


# explain and a real ldifde-shaped snapshot ------------------------------------------------------
def test_explain_cites_the_source_line_of_every_rule():
    out = subprocess.run([SYNCREADY, "explain", CHECK], check=False, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    text = " ".join(out.stdout.split())
    for line in ("SMTP:user:M@contoso.com isn't", "Remove any duplicate values in the proxyAddresses attribute",
                 "The & character is not supported in the Alias value for Microsoft Entra Connect synchronization",
                 "Invalid characters: [ \\ \" | , / : < > + = ; ? * ']",
                 "Discard malformed on-premises addresses or not compliant with RFC 5322",
                 "[sam.characters, warning]", "[address.colon, blocker]", "syncready's own advice"):
        assert line in text, line


def test_snapshot_ldif_advisory_user_is_not_blocked_and_colon_user_is(tmp_path):
    snap = tmp_path / "snap"
    shutil.copytree(ROOT / "examples" / "contoso", snap)
    ldif = snap / "onprem" / "ad.ldif"
    text = ldif.read_text()
    text = text.replace("proxyAddresses: smtp:tom becker@contoso.com", "proxyAddresses: smtp:tom:M@contoso.com")
    text = text.replace("sAMAccountName: tom.becker.staff.2019", "sAMAccountName: tbecker")
    text = text.replace("sAMAccountName: yusuf.demir", "sAMAccountName: y'demir")
    ldif.write_text(text)
    out = tmp_path / "results.json"
    done = subprocess.run([SYNCREADY, "check", "--snapshot", str(snap), "--select", CHECK, "--json", str(out),
                           "--user", "tom.becker@contoso.com", "--user", "yusuf.demir@contoso.com"],
                          check=False, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    subjects = {s["subject"]: s for s in read_results(out)["subjects"]}
    tom, yusuf = subjects["tom.becker@contoso.com"], subjects["yusuf.demir@contoso.com"]
    assert tom["readiness"] == "blocked"
    assert [e["rule_id"] for e in tom["results"][CHECK]["evidence"]["violations"]] == ["address.colon"]
    assert yusuf["readiness"] == "ready" and yusuf["results"][CHECK]["status"] == "pass"
    assert yusuf["results"][CHECK]["evidence"]["violations"][0]["value"] == "y'demir"
