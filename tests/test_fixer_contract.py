"""The fixer contract (syncready/fixerapi.py): availability declared once in META, safety decided per
change and gated per change by --unsafe, and results that no later step (previews, baseline) can change."""
from __future__ import annotations

import dataclasses
import json
import types

import pytest
from builders import cloud, directory, onprem, run

from syncready.baseline import apply_baseline
from syncready.checkapi import Result
from syncready.fixerapi import Change, fixer_from_module
from syncready.fixing import attach_previews, build_plan
from syncready.registry import fixer_module, get_check
from syncready.results import results_document, write_json
from syncready.vocab import Safety, Status

UPN = "alice@contoso.com"
AV = "attribute-valid"


def _plan(d, check, unsafe):
    return build_plan(run(d), [check], unsafe=unsafe)


# per-change safety: attribute-valid's trims are safe, its rewrites unsafe -----------------------
def test_without_unsafe_attribute_valid_plans_its_safe_trims_and_refuses_only_its_rewrites():
    d = directory([cloud(UPN, display_name="Alice Smith")],
                  [onprem(UPN, mail=f"{UPN} ", proxies=(f"SMTP:{UPN}",), display_name=" ")])
    p = _plan(d, AV, unsafe=False)
    assert [(c.attribute, c.remove, c.add, c.safety) for c in p.changes] == [("mail", [f"{UPN} "], [UPN], "safe")]
    [refusal] = [m.guidance for m in p.refused if m.check == AV]
    assert "--unsafe" in refusal and "displayName" in refusal and "Alice Smith" in refusal
    both = _plan(d, AV, unsafe=True)
    assert [(c.attribute, c.safety) for c in both.changes] == [("mail", "safe"), ("displayName", "unsafe")]
    assert not both.refused


def test_a_proxy_trim_is_safe_and_moving_the_primary_is_not():
    trim = directory([cloud(UPN)], [onprem(UPN, proxies=(f"SMTP:{UPN}", "smtp:\tal@contoso.com"))])
    [change] = _plan(trim, AV, unsafe=False).changes
    assert (change.remove, change.add, change.safety) == (["smtp:\tal@contoso.com"], ["smtp:al@contoso.com"], "safe")
    demote = directory([cloud(UPN)], [onprem(UPN, mail=f"{UPN} ", proxies=(f"SMTP:{UPN}", "SMTP:al@contoso.com"))])
    p = _plan(demote, AV, unsafe=False)
    assert [(c.attribute, c.safety) for c in p.changes] == [("mail", "safe")]
    assert [m.check for m in p.refused] == [AV]
    assert {c.safety for c in _plan(demote, AV, unsafe=True).changes} == {"safe", "unsafe"}


def test_a_change_without_safety_takes_meta_and_build_plan_keeps_a_fixers_own(monkeypatch):
    module = fixer_module("mail-primary-smtp")     # META.safety = safe
    real = module.plan

    def one_unsafe(subject, result, ctx):
        changes = real(subject, result, ctx)
        changes[0] = dataclasses.replace(changes[0], safety=Safety.UNSAFE)
        return changes

    d = directory([cloud(UPN)], [onprem(UPN, mail="old@contoso.com", proxies=("SMTP:old@contoso.com",))])
    assert {c.safety for c in _plan(d, "mail-primary-smtp", unsafe=False).changes} == {"safe"}
    monkeypatch.setattr(module, "plan", one_unsafe)
    p = _plan(d, "mail-primary-smtp", unsafe=False)
    assert [c.attribute for c in p.changes] == ["proxyAddresses"] and len(p.refused) == 1
    assert "not planned without --unsafe: AD mail" in p.refused[0].guidance
    assert [c.safety for c in _plan(d, "mail-primary-smtp", unsafe=True).changes] == ["unsafe", "safe"]


# availability declared once ---------------------------------------------------------------------
def test_a_fixer_that_contradicts_meta_fails_at_load_and_one_that_agrees_is_accepted():
    meta = get_check("proxy-superset").meta

    def plan(subject, result, ctx):
        return []

    stray = types.ModuleType("syncready.fixers.proxy_superset")
    stray.plan, stray.AVAILABILITY = plan, "manual"
    with pytest.raises(RuntimeError, match="AVAILABILITY = 'manual' but META of proxy-superset says 'always'"):
        fixer_from_module(meta, stray)
    stray.AVAILABILITY, stray.SAFETY = "always", "unsafe"
    with pytest.raises(RuntimeError, match="SAFETY"):
        fixer_from_module(meta, stray)
    stray.SAFETY = "safe"
    assert fixer_from_module(meta, stray).plan is plan
    del stray.plan
    with pytest.raises(RuntimeError, match="defines no plan"):
        fixer_from_module(meta, stray)


def test_no_fixer_module_restates_meta():
    for check_id in ("proxy-superset", "attribute-valid", "single-match", "cloud-only"):
        module = fixer_module(check_id)
        assert not hasattr(module, "AVAILABILITY") and not hasattr(module, "SAFETY"), check_id


# immutable results, previews beside them --------------------------------------------------------
def test_results_are_immutable_and_previews_and_baseline_leave_them_untouched(tmp_path):
    d = directory([cloud(UPN)], [onprem(UPN, mail="old@contoso.com", proxies=("SMTP:old@contoso.com",))])
    r = run(d)
    alice = next(s for s in r.subjects if s.name == UPN)
    result = alice.results["mail-primary-smtp"]
    assert result.status == Status.FAIL
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.status = Status.PASS   # type: ignore[misc]
    with pytest.raises((AttributeError, TypeError)):
        result.extra = {}             # type: ignore[attr-defined]
    before = {cid: res.to_json() for cid, res in alice.results.items()}
    attach_previews(r)
    assert {cid: res.to_json() for cid, res in alice.results.items()} == before
    preview = r.previews[(UPN, "mail-primary-smtp")]
    assert preview["changes"] and all(c["safety"] == "safe" for c in preview["changes"])
    entry = next(e for e in results_document(r)["subjects"] if e["subject"] == UPN)
    assert entry["results"]["mail-primary-smtp"]["fix"] == preview      # the JSON field, from beside the results
    previous = tmp_path / "previous.json"
    write_json(results_document(r), previous)
    apply_baseline(r, previous)
    marked = alice.results["mail-primary-smtp"]
    assert marked is not result and marked.baseline == "unchanged" and result.baseline is None
    assert json.loads(json.dumps(marked.to_json()))["baseline"] == "unchanged"


def test_a_result_made_by_hand_is_still_a_plain_value():
    made = Result("fail", "x", {"a": 1})
    assert made == Result(Status.FAIL, "x", {"a": 1}) and made.to_json() == {"status": "fail", "message": "x",
                                                                            "evidence": {"a": 1}}
    assert Change("c", "s", "onprem", "modify", "CN=x").to_json()["safety"] == "safe"
