"""Regressions found by `syncready verify` on the demo: two AD users predicted onto one cloud user, and
data checks paired by UPN when sync joins the cloud user to another AD user (SMTP or hard match), or
the same-UPN AD user to another cloud user (found by the fix properties, seed 909)."""
from __future__ import annotations

from pathlib import Path

import pytest

from syncready.config import Config, Scope, load_config
from syncready.engine import Engine
from syncready.model import CloudUser, Directory, Domain, OnPremObject, SyncFeatures
from syncready.sources.snapshot import read_snapshot

CONTOSO = Path(__file__).resolve().parent.parent / "examples" / "contoso"
QUINN = "CN=Quinn Baker,OU=Staff,DC=contoso,DC=test"
QUINN2 = "CN=Quinn Baker (contractor),OU=Contractors,DC=contoso,DC=test"
CHRIS = "CN=Chris Evans,OU=Staff,DC=contoso,DC=test"
HUGO = "CN=Hugo Lambert,OU=Staff,DC=contoso,DC=test"


@pytest.fixture(scope="module")
def demo() -> dict:
    run = Engine(read_snapshot(CONTOSO), load_config(None, str(CONTOSO))).run()
    return {s.name: s.results for s in run.subjects}


def test_two_ad_users_are_not_predicted_onto_one_cloud_user(demo):
    """Both Quinn Bakers land on quinn.baker@: only the first exported joins it (the model refuses the
    contractor with InvalidSoftMatch), so neither is predicted to, and both sides say so."""
    single = demo["quinn.baker@contoso.com"]["single-match"]
    assert single.status == "fail"
    assert {c["onprem_dn"] for c in single.evidence["contenders"]} == {QUINN, QUINN2}
    assert "export order" in single.message and "InvalidSoftMatch" in single.message
    for dn, other in ((QUINN, QUINN2), (QUINN2, QUINN)):
        orphan = demo[dn]["orphan-onprem"]
        assert orphan.status == "fail" and orphan.evidence["rivals"] == [other], orphan.message
        assert other in orphan.message and "quinn.baker@contoso.com" in orphan.message
    for check in ("attribute-drift", "proxy-superset"):            # which one joins is not knowable
        assert demo["quinn.baker@contoso.com"][check].status == "skip"
        assert "export order" in demo["quinn.baker@contoso.com"][check].message


def test_data_checks_compare_the_pair_sync_will_join(demo):
    """support@ is joined to Chris Evans by SMTP soft match, hugo.test@ to Hugo Lambert by hard match:
    their names and aliases are overwritten, so the data checks warn, saying how the pair was made."""
    drift = demo["support@contoso.com"]["attribute-drift"]
    assert drift.status == "fail" and drift.evidence["onprem_dn"] == CHRIS
    assert "SMTP soft match" in drift.message and "'Support Desk'" in drift.message
    for check in ("attribute-drift", "proxy-superset"):
        result = demo["hugo.test@contoso.com"][check]
        assert result.status == "fail" and result.evidence["onprem_dn"] == HUGO and "hard match" in result.message
    assert "SMTP:hugo.test@contoso.com" in demo["hugo.test@contoso.com"]["proxy-superset"].evidence["missing"]
    # a cloud user nothing lands on is not compared with its same-UPN AD user when sync joins that one
    # to another cloud user: copying chris.evans@'s values onto Chris Evans would change support@'s
    for name, dn, other in (("chris.evans@contoso.com", CHRIS, "support@"), ("hugo.lambert@contoso.com", HUGO,
                                                                            "hugo.test@")):
        for check in ("attribute-drift", "proxy-superset"):
            result = demo[name][check]
            assert result.status == "skip" and result.evidence["onprem_dns"] == [dn], result
            assert f"predicted to join cloud user {other}" in result.message and "single-match" in result.message
        assert demo[name]["single-match"].status == "fail"


def test_a_cloud_user_whose_same_upn_ad_user_is_out_of_scope_keeps_it():
    """Nothing syncs into it, but moving the AD user into scope would: the data checks still compare."""
    ann = CloudUser(id="c0", upn="ann@contoso.com", mail="ann@contoso.com", display_name="Ann",
                    proxy_addresses=("SMTP:ann@contoso.com",), account_enabled=True, user_type="Member")
    ad = OnPremObject(dn="CN=ann,OU=Leavers,DC=contoso,DC=test", object_class="user", object_guid=b"\1" * 16,
                      upn="ann@contoso.com", sam="ann", mail="ann@contoso.com", display_name="Ann B", uac=512)
    run = Engine(Directory(cloud_users=[ann], onprem=[ad], roles_known=True, domains=[Domain("contoso.com", True)]),
                 Config(scope=Scope(include=("OU=Staff,DC=contoso,DC=test",)))).run()
    drift = next(s for s in run.subjects if s.name == "ann@contoso.com").results["attribute-drift"]
    assert drift.status == "fail" and drift.evidence["onprem_dn"] == ad.dn, drift


def test_fixers_do_not_copy_cloud_values_onto_a_join_by_another_name():
    """Chris Evans's AD mail makes sync join him to support@: the drift and alias fixers must not copy
    "Support Desk" or support@'s aliases onto him, which would make that merge permanent; they say why."""
    from syncready.fixing import build_plan

    run = Engine(read_snapshot(CONTOSO), load_config(None, str(CONTOSO)),
                 select=["attribute-drift", "proxy-superset"]).run()
    plan = build_plan(run, ["attribute-drift", "proxy-superset"])
    joined_elsewhere = ("support@contoso.com", "hugo.test@contoso.com")
    assert not [c for c in plan.changes if c.subject in joined_elsewhere]
    refused = {(m.subject, m.check): m.guidance + m.message for m in plan.refused + plan.manual
               if m.subject in joined_elsewhere}
    failing = {(s.name, c) for s in run.subjects if s.name in joined_elsewhere
               for c, r in s.results.items() if r.status == "fail"}
    assert ("support@contoso.com", "attribute-drift") in failing and set(refused) == failing
    assert all("predicted to join" in text and "userPrincipalNames differ" in text for text in refused.values())


def test_a_join_tells_its_reason_though_it_keeps_no_text(demo):
    """A predicted join keeps its parts, not its reason's text (matching.Match.reason makes it when a
    failing check asks): the text is what it was, naming the stage, the value compared and the user."""
    from syncready.matching import predict_match

    run = Engine(read_snapshot(CONTOSO), load_config(None, str(CONTOSO)))
    hugo = next(o for o in run.directory.onprem if o.dn == HUGO)
    match = predict_match(hugo, run.index)
    assert match.how == "hard" and match.why is None
    assert match.reason == (f"hard match on anchor {run.index.anchor(hugo)} (objectGUID) with cloud user "
                            "hugo.test@contoso.com")
    assert match.reason in demo["hugo.lambert@contoso.com"]["single-match"].message


def test_no_smtp_soft_match_onto_a_cloud_user_without_a_mailbox():
    """Found by review: a cloud user with `mail` but no proxyAddresses has no Exchange Online mailbox, and
    SMTP matching needs one; with UPN soft match off, Entra creates a second user, so it is not ready."""
    ann = CloudUser(id="c0", upn="ann@contoso.com", mail="ann@contoso.com", account_enabled=True, user_type="Member")
    ad = OnPremObject(dn="CN=ann,OU=Staff,DC=contoso,DC=test", object_class="user", object_guid=b"\1" * 16,
                      upn="ann@contoso.com", sam="ann", mail="ann@contoso.com", uac=512)
    directory = Directory(cloud_users=[ann], onprem=[ad], roles_known=True, domains=[Domain("contoso.com", True)],
                          features=SyncFeatures(soft_match_on_upn=False))
    run = Engine(directory, Config()).run()
    subject = next(s for s in run.subjects if s.name == "ann@contoso.com")
    assert subject.results["single-match"].status == "fail" and subject.readiness == "blocked"
    with_mailbox = Directory(cloud_users=[CloudUser(id="c0", upn="ann@contoso.com", mail="ann@contoso.com",
                                                    proxy_addresses=("SMTP:ann@contoso.com",), account_enabled=True,
                                                    user_type="Member")],
                             onprem=[ad], roles_known=True, domains=[Domain("contoso.com", True)],
                             features=SyncFeatures(soft_match_on_upn=False))
    assert next(s for s in Engine(with_mailbox, Config()).run().subjects
                if s.name == "ann@contoso.com").results["single-match"].status == "pass"


def test_a_join_onto_an_onmicrosoft_cloud_user_is_not_ready_unchecked():
    """Found by review: ann@contoso.onmicrosoft.com is not a subject by default (SPEC §3), yet AD ann
    soft-matches it by its vanity address; its checks never ran, so the AD user must not be ready."""
    ann = CloudUser(id="c0", upn="ann@contoso.onmicrosoft.com", mail="ann@contoso.com", account_enabled=True,
                    proxy_addresses=("SMTP:ann@contoso.com", "smtp:ann.alias@contoso.com"), user_type="Member")
    ad = OnPremObject(dn="CN=ann,OU=Staff,DC=contoso,DC=test", object_class="user", object_guid=b"\1" * 16,
                      upn="ann@contoso.com", sam="ann", mail="ann@contoso.com", uac=514)
    directory = Directory(cloud_users=[ann], onprem=[ad], roles_known=True, domains=[Domain("contoso.com", True)])
    run = Engine(directory, Config()).run()
    orphan = next(s for s in run.subjects if s.name == ad.dn)
    result = orphan.results["orphan-onprem"]
    assert result.status == "fail" and orphan.readiness != "ready" and "include_onmicrosoft" in result.message
    people = run.summary()["onprem_users"]
    assert (people["matched"], people["new_cloud_users"]) == (1, 0)
    checked = Engine(directory, Config(scope=Scope(include_onmicrosoft=True))).run()
    subject = next(s for s in checked.subjects if s.name == ann.upn)
    assert subject.results["proxy-superset"].status == "fail"        # now its checks run: the alias is lost
    assert next(s for s in checked.subjects if s.name == ad.dn).results["orphan-onprem"].status == "pass"
