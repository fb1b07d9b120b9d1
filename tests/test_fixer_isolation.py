"""A broken fixer must not break `syncready check` (previews) or hide itself in `fix` (refusal)."""
from __future__ import annotations

import pytest

from syncready.config import Config
from syncready.engine import Engine
from syncready.fixing import attach_previews, build_plan
from syncready.model import CloudUser, Directory, Domain, OnPremObject
from syncready.registry import fixer_module
from syncready.results import subject_entry


def _directory() -> Directory:
    cloud = CloudUser(id="c1", upn="ann@contoso.com", mail="ann@contoso.com", user_type="Member",
                      proxy_addresses=("SMTP:ann@contoso.com", "smtp:ann.alias@contoso.com"), account_enabled=True)
    ad = OnPremObject(dn="CN=ann,OU=Staff,DC=contoso,DC=com", object_class="user", object_guid=b"\x01" * 16,
                      upn="ann@contoso.com", sam="ann", mail="ann@contoso.com",
                      proxy_addresses=("SMTP:ann@contoso.com",), uac=512)
    return Directory(cloud_users=[cloud], onprem=[ad], roles_known=True, domains=[Domain("contoso.com", True)])


@pytest.fixture
def broken_proxy_fixer(monkeypatch):
    module = fixer_module("proxy-superset")

    def explode(subject, result, ctx):
        raise KeyError("boom")

    monkeypatch.setattr(module, "plan", explode)
    return module


def test_previews_survive_a_failing_fixer(broken_proxy_fixer):
    run = Engine(_directory(), Config()).run()
    attach_previews(run)
    ann = next(s for s in run.subjects if s.name == "ann@contoso.com")
    result = ann.results["proxy-superset"]
    assert result.status == "fail"
    assert "the fixer itself failed (KeyError" in run.previews[("ann@contoso.com", "proxy-superset")]["manual"]
    entry = subject_entry(ann, run.previews)
    assert "the fixer itself failed (KeyError" in entry["results"]["proxy-superset"]["fix"]["manual"]


def test_fix_plan_reports_a_failing_fixer_as_refused(broken_proxy_fixer):
    run = Engine(_directory(), Config()).run()
    plan = build_plan(run, ["proxy-superset"])
    assert plan.changes == []
    assert [(r.check, r.subject) for r in plan.refused] == [("proxy-superset", "ann@contoso.com")]
    assert "KeyError" in plan.refused[0].guidance
