"""The checks beyond the design card, each on hand-built directories, edge cases included."""
import uuid

import pytest

from syncready.config import Config, Scope
from syncready.engine import Engine
from syncready.immutableid import anchor_from_bytes
from syncready.model import Domain, RoleAssignment, SyncFeatures

from builders import BASE, cloud, contact, directory, group, onprem, outcome, run

UPN = "alice@contoso.com"
BOB = "bob@contoso.com"


def anchor(obj) -> str:
    return obj.anchor


# proxy-unique -----------------------------------------------------------------------------------
def test_proxy_unique_pass_with_own_addresses_in_any_case():
    d = directory([cloud(UPN, proxies=(f"SMTP:{UPN}", "smtp:al@contoso.com"))],
                  [onprem(UPN, mail=UPN.upper(), proxies=(f"SMTP:{UPN.upper()}", "smtp:AL@contoso.com"))])
    assert outcome(d, "proxy-unique", UPN).status == "pass"


@pytest.mark.parametrize("extra,kind", [
    ({"groups": [group("team@contoso.com", ("SMTP:team@contoso.com", "smtp:al@contoso.com"))]}, "cloud-group"),
    ({"contacts": [contact("AL@contoso.com")]}, "cloud-contact"),
    ({"cloud_users": [cloud(BOB, proxies=(f"SMTP:{BOB}", "smtp:al@Contoso.com"))]}, "cloud-user"),
    ({"cloud_users": [cloud("al@contoso.com", mail=None)]}, "cloud-user"),              # as a UPN, no mailbox
    ({"onprem_objects": [onprem(BOB, proxies=(f"SMTP:{BOB}", "smtp:al@contoso.com"))]}, "onprem-user"),
    ({"onprem_objects": [onprem(None, mail="al@contoso.com", cn="Team", object_class="group")]}, "onprem-group"),
    ({"onprem_objects": [onprem("al@contoso.com", mail=None, cn="al")]}, "onprem-user"),  # UPN becomes smtp
])
def test_proxy_unique_fails_for_every_kind_of_holder(extra, kind):
    users = [cloud(UPN, proxies=(f"SMTP:{UPN}", "smtp:al@contoso.com"))] + extra.pop("cloud_users", [])
    ad = [onprem(UPN, proxies=(f"SMTP:{UPN}", "smtp:al@contoso.com"))] + extra.pop("onprem_objects", [])
    result = outcome(directory(users, ad, **extra), "proxy-unique", UPN)
    assert result.status == "fail", result
    assert result.evidence["conflicts"][0]["address"] == "al@contoso.com"
    assert result.evidence["conflicts"][0]["holders"][0]["kind"] == kind
    assert "al@contoso.com is also held by" in result.message


def test_proxy_unique_checks_mail_and_upn_of_the_counterpart():
    ad = onprem(UPN, mail="old@contoso.com", proxies=(f"SMTP:{UPN}",))
    d = directory([cloud(UPN), cloud("old@contoso.com")], [ad])
    result = outcome(d, "proxy-unique", UPN)
    assert result.status == "fail" and [c["address"] for c in result.evidence["conflicts"]] == ["old@contoso.com"]


def test_proxy_unique_ignores_onmicrosoft_sip_and_x500_and_out_of_scope_objects():
    ad = onprem(UPN, proxies=(f"SMTP:{UPN}", "smtp:alice@contoso.onmicrosoft.com", "SIP:bob@contoso.com",
                              "X500:/o=Org/cn=bob"))
    other = cloud(BOB, proxies=(f"SMTP:{BOB}", "smtp:alice@contoso.onmicrosoft.com", "SIP:bob@contoso.com"))
    leaver = onprem("alice.old@contoso.com", mail=UPN, ou="OU=Leavers", cn="old")
    d = directory([cloud(UPN), other], [ad, leaver])
    scope = Scope(include=(f"OU=Staff,{BASE}",))
    assert outcome(d, "proxy-unique", UPN, scope=scope).status == "pass"
    assert outcome(d, "proxy-unique", UPN).status == "fail"         # whole domain: the leaver counts


def test_proxy_unique_skips_without_single_counterpart():
    d = directory([cloud(UPN)], [onprem(UPN), onprem(UPN, ou="OU=Contractors", cn="alice2")])
    assert outcome(d, "proxy-unique", UPN).status == "skip"


# single-match -----------------------------------------------------------------------------------
def test_single_match_by_smtp_upn_and_hard():
    assert outcome(directory([cloud(UPN)], [onprem(UPN)]), "single-match", UPN).status == "pass"
    no_mail = directory([cloud(UPN, mail=None)], [onprem(UPN, mail=None)])
    assert outcome(no_mail, "single-match", UPN).status == "pass"                 # UPN soft match
    ad = onprem(UPN, mail="x@contoso.com")
    stamped = directory([cloud(UPN, immutable_id=anchor(ad))], [ad], features=SyncFeatures(block_soft_match=True))
    assert outcome(stamped, "single-match", UPN).status == "pass"                 # hard match


def test_single_match_names_the_other_cloud_user_it_would_merge_into():
    ad = onprem(UPN, mail=BOB)                                                    # AD primary is Bob's address
    d = directory([cloud(UPN), cloud(BOB)], [ad])
    result = outcome(d, "single-match", UPN)
    assert result.status == "fail"
    assert "into cloud user bob@contoso.com" in result.message and result.evidence["how"] == "smtp"
    assert result.evidence["predicted"]["upn"] == BOB
    assert result.evidence["stamping_would_match"] is True


def test_single_match_hard_match_wins_over_soft_match():
    ad = onprem(UPN)
    d = directory([cloud(UPN), cloud(BOB, immutable_id=anchor(ad))], [ad])
    result = outcome(d, "single-match", UPN)
    assert result.status == "fail" and result.evidence["how"] == "hard" and result.evidence["predicted"]["upn"] == BOB
    assert result.evidence["stamping_would_match"] is False                      # Bob holds the anchor


def test_single_match_nowhere_when_soft_match_blocked_or_upn_match_off():
    d = directory([cloud(UPN)], [onprem(UPN)], features=SyncFeatures(block_soft_match=True))
    result = outcome(d, "single-match", UPN)
    assert result.status == "fail" and "to no cloud user" in result.message
    assert "blockSoftMatchEnabled" in result.message
    assert "anchor-ready" in result.message
    d = directory([cloud(UPN, mail=None)], [onprem(UPN, mail=None)], features=SyncFeatures(soft_match_on_upn=False))
    assert "softMatchOnUpnEnabled" in outcome(d, "single-match", UPN).message


def test_single_match_refuses_a_cloud_user_with_an_immutableid():
    d = directory([cloud(UPN, immutable_id="AAAAAAAAAAAAAAAAAAAAAA==")], [onprem(UPN)])
    result = outcome(d, "single-match", UPN)
    assert result.status == "fail" and "InvalidSoftMatch" in result.message
    assert result.evidence["candidate"]["upn"] == UPN


def test_single_match_refuses_admins_and_blocked_hard_match():
    user = cloud(UPN)
    roles = [RoleAssignment(user.id, "Global Administrator", eligible=True)]
    d = directory([user], [onprem(UPN)], role_assignments=roles, roles_known=True)
    result = outcome(d, "single-match", UPN)
    assert result.status == "fail" and "Global Administrator" in result.message
    assert result.evidence["stamping_would_match"] is False
    ad = onprem(UPN)
    d = directory([cloud(UPN, immutable_id=anchor(ad))], [ad],
                  features=SyncFeatures(block_cloud_object_takeover_through_hard_match=True))
    result = outcome(d, "single-match", UPN)
    assert result.status == "fail" and "InvalidHardMatch" in result.message


def test_single_match_compares_primary_smtp_case_insensitively_and_only_the_primary():
    d = directory([cloud(UPN, mail="Alice.Smith@Contoso.com")],
                  [onprem(UPN, mail="alice.smith@CONTOSO.COM", proxies=())],
                  features=SyncFeatures(soft_match_on_upn=False))
    assert outcome(d, "single-match", UPN).status == "pass"
    # Bob has Alice's AD primary only as a secondary alias: SMTP matching ignores it, UPN matching finds Alice.
    d = directory([cloud(UPN, mail=None), cloud(BOB, proxies=(f"SMTP:{BOB}", "smtp:al@contoso.com"))],
                  [onprem(UPN, mail="al@contoso.com")])
    assert outcome(d, "single-match", UPN).status == "pass"


def test_single_match_ignores_guests_as_a_target():
    guest = cloud("al_fabrikam.com#EXT#@contoso.onmicrosoft.com", mail="al@fabrikam.com", user_type="Guest")
    d = directory([cloud(UPN), guest], [onprem(UPN, mail="al@fabrikam.com")])
    result = outcome(d, "single-match", UPN)
    assert result.status == "fail" and "guest" in result.message


# cloud-only -------------------------------------------------------------------------------------
def test_cloud_only_pass_empty_or_equal():
    ad = onprem(UPN)
    assert outcome(directory([cloud(UPN)], [ad]), "cloud-only", UPN).status == "pass"
    assert outcome(directory([cloud(UPN, immutable_id=anchor(ad))], [ad]), "cloud-only", UPN).status == "pass"


def test_cloud_only_stale_id_points_to_no_one():
    ad = onprem(UPN)
    stale = anchor_from_bytes(uuid.uuid4().bytes_le)
    result = outcome(directory([cloud(UPN, immutable_id=stale)], [ad]), "cloud-only", UPN)
    assert result.status == "fail" and "points to no on-prem user" in result.message
    assert result.evidence["cloud_immutable_id"] == stale and result.evidence["onprem_anchor"] == anchor(ad)


def test_cloud_only_is_case_sensitive_and_names_rfc_byte_order():
    ad = onprem(UPN)
    swapped = anchor(ad).swapcase()
    result = outcome(directory([cloud(UPN, immutable_id=swapped)], [ad]), "cloud-only", UPN)
    assert result.status == "fail" and "letter case" in result.message
    rfc = anchor_from_bytes(uuid.UUID(bytes_le=ad.object_guid).bytes)
    result = outcome(directory([cloud(UPN, immutable_id=rfc)], [ad]), "cloud-only", UPN)
    assert result.status == "fail" and "RFC byte order" in result.message


def test_cloud_only_points_to_another_ad_user_or_consistency_guid_differs():
    ad, other = onprem(UPN), onprem(BOB)
    result = outcome(directory([cloud(UPN, immutable_id=anchor(other))], [ad, other]), "cloud-only", UPN)
    assert result.status == "fail" and "CN=bob" in result.message
    ad = onprem(UPN, consistency_guid=uuid.uuid4().bytes_le)
    by_guid = anchor_from_bytes(ad.object_guid)
    result = outcome(directory([cloud(UPN, immutable_id=by_guid)], [ad]), "cloud-only", UPN)
    assert result.status == "fail" and "mS-DS-ConsistencyGuid" in result.message
    assert result.evidence["anchor_source"] == "mS-DS-ConsistencyGuid"


# no-admin-role ----------------------------------------------------------------------------------
def test_no_admin_role_active_eligible_unknown():
    user = cloud(UPN)
    assert outcome(directory([user], [], roles_known=True), "no-admin-role", UPN).status == "pass"
    for eligible in (False, True):
        d = directory([user], [], roles_known=True,
                      role_assignments=[RoleAssignment(user.id, "User Administrator", eligible=eligible)])
        result = outcome(d, "no-admin-role", UPN)
        assert result.status == "fail" and "User Administrator" in result.message
        assert ("eligible" if eligible else "active") in result.message
        assert result.evidence["roles"] == [{"role": "User Administrator", "eligible": eligible}]
    result = outcome(directory([user], [], roles_known=False), "no-admin-role", UPN)
    assert result.status == "error" and result.message.startswith("not read: roleAssignments")
    assert result.evidence["unread"][0].startswith("roleAssignments")


def test_no_admin_role_unknown_blocks_readiness():
    d = directory([cloud(UPN)], [onprem(UPN)], roles_known=False)
    subject = run(d, select=["no-admin-role"]).subjects[0]
    assert subject.readiness == "blocked"


# in-sync-scope ----------------------------------------------------------------------------------
def test_in_sync_scope_include_exclude_and_critical():
    staff = Scope(include=(f"OU=Staff,{BASE}",), exclude=(f"OU=Disabled,OU=Staff,{BASE}",))
    assert outcome(directory([cloud(UPN)], [onprem(UPN)]), "in-sync-scope", UPN, scope=staff).status == "pass"
    d = directory([cloud(UPN)], [onprem(UPN, ou="OU=Leavers")])
    result = outcome(d, "in-sync-scope", UPN, scope=staff)
    assert result.status == "fail" and "none of the included OUs" in result.message
    d = directory([cloud(UPN)], [onprem(UPN, ou="OU=Disabled,OU=Staff")])
    result = outcome(d, "in-sync-scope", UPN, scope=staff)
    assert result.status == "fail" and "excluded OU" in result.message
    d = directory([cloud(UPN)], [onprem(UPN, critical=True)])
    assert "critical system object" in outcome(d, "in-sync-scope", UPN).message


def test_in_sync_scope_dn_comparison_ignores_case_and_blanks():
    scope = Scope(include=("ou=staff, dc=CONTOSO, dc=test",))
    assert outcome(directory([cloud(UPN)], [onprem(UPN)]), "in-sync-scope", UPN, scope=scope).status == "pass"


# attribute-valid --------------------------------------------------------------------------------
def test_attribute_valid_pass_with_apostrophes_x500_and_accented_names():
    x500 = "X500:/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=o'brien"
    upn = "sam.o'brien@contoso.com"
    ad = onprem(upn, proxies=(f"SMTP:{upn}", x500, "sip:sam.o'brien@contoso.com",
                              "EUM:1234;phone-context=Dial.contoso.com"),
                given_name="Sám", sn="Ó'Brien", display_name="Sám Ó'Brien", sam="sobrien", mail_nickname="sam.obrien")
    assert outcome(directory([cloud(upn)], [ad]), "attribute-valid", upn).status == "pass"


def test_attribute_valid_lists_every_violation():
    ad = onprem(UPN, mail="alice smith@contoso.com",
                proxies=(f"SMTP:{UPN}", "SMTP:alice2@contoso.com", "smtp:al(ice)@contoso.com", "smtp:zoë@contoso.com"),
                display_name="  ", given_name="G" * 65, sam="alice/smith", mail_nickname=".alice")
    result = outcome(directory([cloud(UPN)], [ad]), "attribute-valid", UPN)
    assert result.status == "fail"
    found = {(v["attribute"], v["rule"].split(" ")[0]) for v in result.evidence["violations"]}
    assert ("mail", "contains") in found
    attributes = [v["attribute"] for v in result.evidence["violations"]]
    for attribute in ("mail", "proxyAddresses", "mailNickname", "displayName", "givenName", "sAMAccountName"):
        assert attribute in attributes
    rules = " | ".join(v["rule"] for v in result.evidence["violations"])
    assert "2 primary SMTP: values" in rules and "non-ASCII ë" in rules and "'(' ')'" in rules
    assert result.message.startswith(f"{len(result.evidence['violations'])} value(s)")


def test_attribute_valid_unverified_upn_suffix():
    d = directory([cloud(UPN)], [onprem(UPN, mail_nickname="alice")],
                  domains=[Domain("contoso.com", False), Domain("contoso.onmicrosoft.com", True, is_initial=True)])
    result = outcome(d, "attribute-valid", UPN)
    assert result.status == "fail" and "alice@contoso.onmicrosoft.com" in result.message


def test_attribute_valid_without_domains_skips_the_domain_rule():
    d = directory([cloud(UPN)], [onprem(UPN)], domains=[])
    assert outcome(d, "attribute-valid", UPN).status == "pass"


# account-enabled --------------------------------------------------------------------------------
@pytest.mark.parametrize("cloud_enabled,uac,status", [
    (True, 512, "pass"), (True, 514, "fail"), (True, 66050, "fail"), (False, 514, "pass"),
    (None, 514, "error"), (True, None, "error"),
])
def test_account_enabled(cloud_enabled, uac, status):
    """A value not read is an error, never a skip that would leave the user ready (SPEC §8)."""
    d = directory([cloud(UPN, account_enabled=cloud_enabled)], [onprem(UPN, uac=uac)])
    result = outcome(d, "account-enabled", UPN)
    assert result.status == status
    if status == "fail":
        assert "disabled" in result.message and result.evidence["onprem_uac"] == uac
    if status == "error":
        assert result.message.startswith("not read: ") and result.evidence["unread"], result.message
        assert run(d, select=["account-enabled"]).subjects[0].readiness != "ready"


def test_account_enabled_is_a_warning():
    d = directory([cloud(UPN)], [onprem(UPN, uac=514)])
    subject = run(d, select=["account-enabled"]).subjects[0]
    assert subject.readiness == "at-risk"


# attribute-drift --------------------------------------------------------------------------------
def names(**kw):
    return {"given_name": "Alice", "surname": "Smith", "display_name": "Alice Smith"} | kw


def ad_names(**kw):
    return {"given_name": "Alice", "sn": "Smith", "display_name": "Alice Smith"} | kw


def test_attribute_drift_pass_and_nfc():
    assert outcome(directory([cloud(UPN, **names())], [onprem(UPN, **ad_names())]),
                   "attribute-drift", UPN).status == "pass"
    nfd = "Zoe\u0308"
    d = directory([cloud(UPN, **names(given_name="Zoë"))], [onprem(UPN, **ad_names(given_name=nfd))])
    assert outcome(d, "attribute-drift", UPN).status == "pass"


def test_attribute_drift_overwrite_and_empty_in_ad():
    d = directory([cloud(UPN, **names(display_name="Alice Smith-Jones"))],
                  [onprem(UPN, **ad_names(given_name=None))])
    result = outcome(d, "attribute-drift", UPN)
    assert result.status == "fail"
    kinds = {x["ad_attribute"]: x["kind"] for x in result.evidence["differences"]}
    assert kinds == {"givenName": "empty-on-prem", "displayName": "overwrite"}
    assert "AD 'Alice Smith' would overwrite cloud 'Alice Smith-Jones'" in result.message


def test_attribute_drift_case_is_drift_and_empty_cloud_is_not():
    d = directory([cloud(UPN, **names(display_name="alice smith"))], [onprem(UPN, **ad_names())])
    assert outcome(d, "attribute-drift", UPN).status == "fail"
    d = directory([cloud(UPN, **names(given_name=None))], [onprem(UPN, **ad_names())])
    assert outcome(d, "attribute-drift", UPN).status == "pass"


def test_attribute_drift_configured_extras():
    drift = (("givenName", "givenName"), ("department", "department"), ("telephoneNumber", "businessPhones"))
    user = cloud(UPN, **names(), extra={"department": "Sales", "businessPhones": ["+1 555 0100"]})
    ad = onprem(UPN, **ad_names(), extra={"department": "Marketing", "telephonenumber": "+1 555 0100"})
    result = outcome(directory([user], [ad]), "attribute-drift", UPN, drift=drift)
    assert result.status == "fail"
    assert result.evidence["differences"] == [{"ad_attribute": "department", "graph_property": "department",
                                               "onprem": "Marketing", "cloud": "Sales", "kind": "overwrite"}]


# anchor-ready -----------------------------------------------------------------------------------
def test_anchor_ready_pass_and_already_stamped():
    ad = onprem(UPN)
    assert outcome(directory([cloud(UPN)], [ad]), "anchor-ready", UPN).status == "pass"
    assert outcome(directory([cloud(UPN, immutable_id=anchor(ad))], [ad]), "anchor-ready", UPN).status == "pass"


def test_anchor_ready_held_by_another_cloud_user():
    ad = onprem(UPN)
    d = directory([cloud(UPN), cloud(BOB, immutable_id=anchor(ad))], [ad])
    result = outcome(d, "anchor-ready", UPN)
    assert result.status == "fail" and "cloud user bob@contoso.com already holds it" in result.message
    assert result.evidence["cloud_holders"][0]["upn"] == BOB


def test_anchor_ready_invalid_or_shared_consistency_guid():
    d = directory([cloud(UPN)], [onprem(UPN, consistency_guid=b"\x00" * 16)])
    assert "all-zero" in outcome(d, "anchor-ready", UPN).message
    d = directory([cloud(UPN)], [onprem(UPN, consistency_guid=b"short")])
    assert "5 bytes" in outcome(d, "anchor-ready", UPN).message
    copied = uuid.uuid4().bytes_le
    d = directory([cloud(UPN), cloud(BOB)],
                  [onprem(UPN, consistency_guid=copied), onprem(BOB, consistency_guid=copied)])
    result = outcome(d, "anchor-ready", UPN)
    assert result.status == "fail" and "CN=bob" in result.message and "only one of them can sync" in result.message


# orphan-onprem ----------------------------------------------------------------------------------
def orphan(d, dn_part, **kw):
    for subject in run(d, select=["orphan-onprem"], **kw).subjects:
        if dn_part in subject.name:
            return subject.results["orphan-onprem"]
    raise AssertionError(dn_part)


def test_orphan_onprem_pass_when_matched_by_any_way():
    ad = onprem(UPN)
    assert orphan(directory([cloud(UPN)], [ad]), "CN=alice").status == "pass"
    assert orphan(directory([cloud(BOB, immutable_id=anchor(ad))], [ad]), "CN=alice").status == "pass"
    assert orphan(directory([cloud(BOB, mail=UPN)], [ad]), "CN=alice").status == "pass"


def test_orphan_onprem_names_probable_duplicates():
    d = directory([cloud("john.smith@contoso.com", given_name="John", surname="Smith", display_name="John Smith"),
                   cloud("jane.doe@contoso.com", given_name="Jane", surname="Doe", display_name="Jane Doe"),
                   cloud("ext_fabrikam.com#EXT#@contoso.onmicrosoft.com", display_name="John Smith",
                         user_type="Guest")],
                  [onprem("j.smith@contoso.com", given_name=None, display_name=None, cn="jsmith")])
    result = orphan(d, "CN=jsmith")
    assert result.status == "fail" and "would create a new one" in result.message
    assert [x["upn"] for x in result.evidence["probable_duplicates"]] == ["john.smith@contoso.com"]
    assert "john.smith@contoso.com (same initial and surname)" in result.message


def test_orphan_onprem_folds_accents_and_word_order():
    d = directory([cloud("zoe.muller@contoso.com", display_name="Zoë Müller")],
                  [onprem("zmueller@contoso.local", display_name="Müller, Zoë", cn="zm")])
    result = orphan(d, "CN=zm")
    assert result.evidence["probable_duplicates"][0]["likeness"] == "same name"
    assert "contoso.local is not a domain of the tenant" in result.message
    assert result.evidence["upn_problem"]


def test_name_keys_and_a_common_name_is_capped():
    from syncready.index import Index
    from syncready.matching import name_keys, probable_duplicates

    assert "l:johnsmith" in name_keys(onprem("john_smith@contoso.com", display_name=None))
    assert "n:brien o sean" in name_keys(cloud("x@contoso.com", display_name="Seán O'Brien"))
    assert name_keys(onprem("hr@contoso.com", display_name=None)) == set()
    many = [cloud(f"js{n}@contoso.com", display_name="John Smith") for n in range(12)]
    ad = onprem("john.smith@contoso.com", display_name="John Smith", cn="john")
    found, count = probable_duplicates(ad, Index(directory(many, [ad])))
    assert len(found) == 5 and count == 12 and all(why == "same name" for _, why in found)
    result = orphan(directory(many, [ad]), "CN=john")
    assert "at least 12 cloud users resemble it" in result.message


def test_orphan_onprem_points_to_the_cloud_user_with_its_upn():
    d = directory([cloud(UPN, immutable_id="AAAAAAAAAAAAAAAAAAAAAA==")], [onprem(UPN)])
    result = orphan(d, "CN=alice")
    assert result.status == "fail" and "single-match failure" in result.message and "InvalidSoftMatch" in result.message
    assert result.evidence["upn_holder"]["upn"] == UPN and "probable_duplicates" not in result.evidence


def test_orphan_onprem_only_in_scope_users():
    d = directory([], [onprem(UPN, ou="OU=Leavers"), onprem(BOB), onprem("x@contoso.com", critical=True, cn="x"),
                       onprem(None, mail="team@contoso.com", object_class="group", cn="team")])
    subjects = run(d, select=["orphan-onprem"], scope=Scope(include=(f"OU=Staff,{BASE}",))).subjects
    assert [s.name for s in subjects] == [f"CN=bob,OU=Staff,{BASE}"]


# tenant-sync-features ---------------------------------------------------------------------------
def tenant_result(features):
    return run(directory([], [], features=features), select=["tenant-sync-features"]).subjects[0].results[
        "tenant-sync-features"]


def test_tenant_sync_features():
    assert tenant_result(SyncFeatures()).status == "pass"
    assert tenant_result(SyncFeatures()).message is None
    soft_off = tenant_result(SyncFeatures(block_soft_match=True))
    assert soft_off.status == "pass" and "stamped ImmutableID" in soft_off.message
    hard_off = tenant_result(SyncFeatures(block_cloud_object_takeover_through_hard_match=True))
    assert hard_off.status == "pass" and "stamping" in hard_off.message
    both = tenant_result(SyncFeatures(block_soft_match=True, block_cloud_object_takeover_through_hard_match=True))
    assert both.status == "fail" and both.evidence["blockSoftMatchEnabled"] is True
    unknown = tenant_result(SyncFeatures(known=False))
    assert unknown.status == "error" and "could not be read" in unknown.message


def test_tenant_subject_blocks_readiness():
    d = directory([], [], features=SyncFeatures(block_soft_match=True,
                                                block_cloud_object_takeover_through_hard_match=True))
    subject = run(d, select=["tenant-sync-features"]).subjects[0]
    assert subject.name == "tenant" and subject.readiness == "blocked"


# all checks together ----------------------------------------------------------------------------
def test_a_clean_pair_is_ready_under_every_check():
    user = cloud(UPN, given_name="Alice", surname="Smith", display_name="Alice Smith")
    ad = onprem(UPN, given_name="Alice", sn="Smith", display_name="Alice Smith", sam="alice", mail_nickname="alice")
    result = Engine(directory([user], [ad], roles_known=True), Config()).run()
    assert [s.readiness for s in result.subjects] == ["ready"] * 3, [(s.name, s.results) for s in result.subjects]


# SPEC §4's ids, which never change; a new check joins the catalogue without an edit here.
SPEC_CATALOGUE = {"upn-exists", "mail-primary-smtp", "proxy-superset", "upn-unique", "proxy-unique", "single-match",
                  "cloud-only", "no-admin-role", "in-sync-scope", "attribute-valid", "account-enabled",
                  "attribute-drift", "anchor-ready", "orphan-onprem", "tenant-sync-features"}


def test_every_check_declares_its_contract():
    from syncready.registry import all_checks

    checks = {c.id: c.meta for c in all_checks()}
    assert SPEC_CATALOGUE <= set(checks), sorted(SPEC_CATALOGUE - set(checks))
    orders = [m.order for m in checks.values()]
    assert orders == sorted(orders) and len(set(orders)) == len(orders), "each check has its own place"
    for meta in checks.values():
        assert meta.references and meta.description and meta.why and meta.how_to_fix
        assert (meta.safety is None) == (meta.fix == "manual"), meta.id
