"""The four design-card checks, exactly as SPEC §4 defines them."""
import pytest

from syncready.config import Scope

from builders import cloud, contact, directory, group, onprem, outcome, run

UPN = "alice@contoso.com"
DESIGN_CHECKS = ["upn-exists", "mail-primary-smtp", "proxy-superset", "upn-unique"]


# upn-exists -------------------------------------------------------------------------------------
def test_upn_exists_pass_and_case_insensitive():
    assert outcome(directory([cloud("Alice@Contoso.com")], [onprem("alice@contoso.com")]),
                   "upn-exists", UPN).status == "pass"


def test_upn_exists_fails_without_ad_user_and_names_candidate_by_address():
    d = directory([cloud(UPN)], [onprem("alice@contoso.local", mail=UPN)])
    result = outcome(d, "upn-exists", UPN)
    assert result.status == "fail"
    assert "no on-prem user has userPrincipalName alice@contoso.com" in result.message
    assert result.evidence["candidates"][0]["upn"] == "alice@contoso.local"


def test_upn_exists_fails_when_outside_scope():
    d = directory([cloud(UPN)], [onprem(UPN, ou="OU=Leavers")])
    result = outcome(d, "upn-exists", UPN, scope=Scope(include=("OU=Staff,DC=contoso,DC=test",)))
    assert result.status == "fail" and "outside the sync scope" in result.message
    assert outcome(d, "upn-exists", UPN).status == "pass"


def test_upn_exists_ignores_critical_system_objects():
    d = directory([cloud(UPN)], [onprem(UPN, critical=True)])
    assert outcome(d, "upn-exists", UPN).status == "fail"


def test_upn_exists_is_not_satisfied_by_a_contact():
    d = directory([cloud(UPN)], [onprem(UPN, object_class="contact")])
    assert outcome(d, "upn-exists", UPN).status == "fail"


# mail-primary-smtp ------------------------------------------------------------------------------
@pytest.mark.parametrize("ad_mail,ad_proxies,status", [
    (UPN, (f"SMTP:{UPN}",), "pass"),
    ("ALICE@CONTOSO.COM", ("SMTP:Alice@Contoso.com", "smtp:a@contoso.com"), "pass"),
    (UPN, (), "pass"),                                  # no proxies: mail is the primary
    (None, (), "fail"),
    ("old@contoso.com", ("SMTP:old@contoso.com",), "fail"),
    (UPN, (f"smtp:{UPN}",), "fail"),                    # no SMTP: primary at all
    (UPN, ("SMTP:old@contoso.com", f"smtp:{UPN}"), "fail"),
])
def test_mail_primary_smtp(ad_mail, ad_proxies, status):
    d = directory([cloud(UPN)], [onprem(UPN, mail=ad_mail, proxies=ad_proxies)])
    assert outcome(d, "mail-primary-smtp", UPN).status == status


def test_mail_primary_smtp_message_has_both_values():
    d = directory([cloud(UPN)], [onprem(UPN, mail="old@contoso.com")])
    result = outcome(d, "mail-primary-smtp", UPN)
    assert "on-prem mail is old@contoso.com" in result.message
    assert "cloud primary SMTP is alice@contoso.com" in result.message
    assert result.evidence["cloud_primary_smtp"] == UPN and result.evidence["onprem_mail"] == "old@contoso.com"


def test_mail_primary_smtp_skips_without_mailbox_and_without_counterpart():
    assert outcome(directory([cloud(UPN, mail=None)], [onprem(UPN)]), "mail-primary-smtp", UPN).status == "skip"
    result = outcome(directory([cloud(UPN)], []), "mail-primary-smtp", UPN)
    assert result.status == "skip" and "upn-exists" in result.message


def test_cloud_primary_is_only_the_exact_SMTP_prefix():
    user = cloud(UPN, proxies=("smtp:alias@contoso.com", f"SMTP:{UPN}"))
    assert user.primary_smtp == UPN
    d = directory([user], [onprem(UPN, mail="alias@contoso.com", proxies=("SMTP:alias@contoso.com",))])
    assert outcome(d, "mail-primary-smtp", UPN).status == "fail"


# proxy-superset ---------------------------------------------------------------------------------
@pytest.mark.parametrize("cloud_proxies,ad_proxies,missing", [
    ((f"SMTP:{UPN}", "smtp:al@contoso.com"), (f"SMTP:{UPN}", "smtp:al@contoso.com"), []),
    ((f"SMTP:{UPN}", "smtp:al@contoso.com"), (f"SMTP:{UPN}",), ["smtp:al@contoso.com"]),
    ((f"SMTP:{UPN}", "smtp:alice@contoso.onmicrosoft.com"), (f"SMTP:{UPN}",), []),
    ((f"SMTP:{UPN}", "smtp:alice@Contoso.OnMicrosoft.com"), (f"SMTP:{UPN}",), []),
    ((f"SMTP:{UPN}", "SIP:alice@contoso.com"), (f"SMTP:{UPN}", "sip:ALICE@contoso.com"), []),
    ((f"SMTP:{UPN}", "x500:/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=a"),
     (f"SMTP:{UPN}", "X500:/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=A"), []),
    ((f"SMTP:{UPN}", "X500:/o=Org/cn=a"), (f"SMTP:{UPN}",), ["X500:/o=Org/cn=a"]),
    ((f"SMTP:{UPN}", "smtp:o'hara@contoso.com"), (f"SMTP:{UPN}",), ["smtp:o'hara@contoso.com"]),
    ((f"SMTP:{UPN}",), (f"smtp:{UPN}",), []),           # primary vs secondary: mail-primary-smtp's concern
])
def test_proxy_superset(cloud_proxies, ad_proxies, missing):
    d = directory([cloud(UPN, proxies=cloud_proxies)], [onprem(UPN, proxies=ad_proxies)])
    result = outcome(d, "proxy-superset", UPN)
    assert result.status == ("fail" if missing else "pass")
    if missing:
        assert result.evidence["missing"] == missing
        assert all(m in result.message for m in missing)


# upn-unique -------------------------------------------------------------------------------------
def test_upn_unique_pass():
    assert outcome(directory([cloud(UPN)], [onprem(UPN)]), "upn-unique", UPN).status == "pass"


def test_upn_unique_duplicate_ad_users_across_two_ous():
    d = directory([cloud(UPN)], [onprem(UPN, ou="OU=Staff"), onprem(UPN, ou="OU=Contractors", cn="alice2")])
    result = outcome(d, "upn-unique", UPN)
    assert result.status == "fail"
    assert {h["dn"] for h in result.evidence["holders"]} == {
        "CN=alice,OU=Staff,DC=contoso,DC=test", "CN=alice2,OU=Contractors,DC=contoso,DC=test"}


@pytest.mark.parametrize("other", [
    lambda: {"groups": [group("sales@contoso.com", ("SMTP:sales@contoso.com", f"smtp:{UPN}"))]},
    lambda: {"contacts": [contact("ALICE@contoso.com")]},
    lambda: {"cloud_users": [cloud("bob@contoso.com", proxies=("SMTP:bob@contoso.com", f"smtp:{UPN}"))]},
    lambda: {"cloud_users": [cloud("bob@contoso.com", mail="Alice@Contoso.com")]},
])
def test_upn_unique_cloud_holders(other):
    extra = other()
    users = [cloud(UPN)] + extra.pop("cloud_users", [])
    d = directory(users, [onprem(UPN)], **extra)
    result = outcome(d, "upn-unique", UPN)
    assert result.status == "fail" and "also held by" in result.message


def test_own_aliases_do_not_count_as_duplicates():
    d = directory([cloud(UPN, proxies=(f"SMTP:{UPN}", f"smtp:{UPN.upper()}"))], [onprem(UPN)])
    assert outcome(d, "upn-unique", UPN).status == "pass"


# subjects ---------------------------------------------------------------------------------------
def test_guests_onmicrosoft_and_synced_users():
    d = directory([cloud("guest_fabrikam.com#EXT#@contoso.onmicrosoft.com", user_type="Member"),
                   cloud("partner@contoso.com", user_type="Guest"),
                   cloud("admin@contoso.onmicrosoft.com"),
                   cloud("synced@contoso.com", sync_enabled=True),
                   cloud(UPN)], [onprem(UPN)])
    result = run(d, select=DESIGN_CHECKS)
    names = [s.name for s in result.subjects]
    assert names == ["synced@contoso.com", UPN]
    synced = result.subjects[0]
    assert all(r.status == "skip" and r.message == "already synchronized" for r in synced.results.values())
    summary = result.summary()
    assert summary["out_of_scope"] == {"guest": 2, "onmicrosoft.com UPN": 1}
    assert summary["already_synchronized"] == 1 and summary["ready"] == 1


def test_non_ascii_and_apostrophe_users_pass():
    for upn in ("sam.o'brien@contoso.com", "zoë@contoso.com"):
        d = directory([cloud(upn, given_name="Zoë")], [onprem(upn.upper(), mail=upn.upper(), proxies=(f"SMTP:{upn}",))])
        result = run(d, select=DESIGN_CHECKS)
        assert result.subjects[0].readiness == "ready", result.subjects[0].results


def test_proxy_superset_counts_mail_when_ad_proxies_are_empty():
    """Proxy calculation takes the primary from mail when proxyAddresses is empty (KB 3190357)."""
    d = directory([cloud(UPN)], [onprem(UPN, proxies=())])
    assert outcome(d, "proxy-superset", UPN).status == "pass"
    d = directory([cloud(UPN, proxies=(f"SMTP:{UPN}", "smtp:al@contoso.com"))], [onprem(UPN, proxies=())])
    assert outcome(d, "proxy-superset", UPN).evidence["missing"] == ["smtp:al@contoso.com"]
