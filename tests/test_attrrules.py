"""Microsoft's attribute rules (prepare-for-directory-synchronization), and no IdFix false alarms."""
import pytest

from syncready.attrrules import (address_rules, display_name_rules, domain_rule, name_rules, nickname_rules,
                                 primary_rules, proxy_rules, sam_rules, upn_rules, violations)
from syncready.model import Domain, OnPremObject

DOMAINS = {d.id: d for d in (Domain("contoso.com", True), Domain("contoso.app", True), Domain("contoso.swiss", True),
                             Domain("pending.com", False), Domain("contoso.onmicrosoft.com", True, is_initial=True))}


@pytest.mark.parametrize("upn", [
    "alice@contoso.com", "sam.o'brien@contoso.com", "a!b#c^d~e_f-g.h@contoso.com", "ALICE@Contoso.COM",
    "x@contoso.app", "x@contoso.swiss", "a" * 64 + "@contoso.com",
])
def test_valid_upns(upn):
    assert upn_rules(upn, DOMAINS) == []


@pytest.mark.parametrize("upn,fragment", [
    ("", "is empty"),
    ("alice", "has no @"),
    ("@contoso.com", "starts with @"),
    ("a@b@contoso.com", "exactly one @"),
    ("alice smith@contoso.com", "contains a space"),
    ("alice.@contoso.com", "ends with '.'"),
    ("zoë@contoso.com", "'ë'"),
    ("a+b@contoso.com", "'+'"),
    ("a" * 65 + "@contoso.com", "65 characters before @"),
    ("a@" + "b" * 45 + ".com", "49 characters after @"),
    ("a" * 64 + "@" + "b" * 44 + ".test", "114 characters; at most 113"),
    ("alice@contoso.local", "contoso.local is not a domain of the tenant"),
    ("alice@pending.com", "pending.com is not verified"),
    ("alice@contoso_x.com", "not allowed in a domain"),
])
def test_invalid_upns(upn, fragment):
    problems = upn_rules(upn, DOMAINS)
    assert any(fragment in p for p in problems), problems


def test_unverified_suffix_names_the_onmicrosoft_upn_and_subdomain_hint():
    assert "alice@contoso.onmicrosoft.com" in domain_rule("contoso.local", DOMAINS, "alice")
    assert "<mailNickname>@contoso.onmicrosoft.com" in domain_rule("contoso.local", DOMAINS)
    assert "subdomain of the verified contoso.com" in domain_rule("eu.contoso.com", DOMAINS)
    assert domain_rule("Contoso.COM", DOMAINS) is None
    assert upn_rules("alice@contoso.local", None) == []            # domains not read: rule skipped


@pytest.mark.parametrize("value", [
    "SMTP:alice@contoso.com", "smtp:o'hara@contoso.com", "sip:alice@contoso.com",
    "X500:/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=o'brien smith",
    "x500:/o=Org/ou=First Administrative Group/cn=Recipients/cn=Zoë",
    "X400:C=US;A= ;P=Contoso;O=Exchange;S=Smith;G=John;",
    "EUM:1234;phone-context=Dial.contoso.com",
    "smtp:x@contoso.gmbh", "smtp:x@contoso.cloud",
])
def test_proxy_values_idfix_flags_wrongly_are_valid(value):
    assert proxy_rules(value) == []


@pytest.mark.parametrize("value,fragment", [
    ("smtp:alice smith@contoso.com", "space"),
    ("SMTP:<alice>@contoso.com", "'<' '>'"),
    ("smtp:a;b@contoso.com", "';'"),
    ("smtp:a,b@contoso.com", "','"),
    ("smtp:a[b]@contoso.com", "'[' ']'"),
    ('smtp:"a"@contoso.com', "'\"'"),
    ("SIP:zoë@contoso.com", "non-ASCII ë"),
    ("smtp:alice", "name@domain"),
    ("alice@contoso.com", "no type prefix"),
    ("X500:/o=" + "x" * 260, "at most 256"),
])
def test_invalid_proxy_values(value, fragment):
    problems = proxy_rules(value)
    assert any(fragment in p for p in problems), problems


def test_primary_rules():
    assert primary_rules(()) == []
    assert primary_rules(("SMTP:a@x.com", "smtp:b@x.com")) == []
    assert "no primary" in primary_rules(("smtp:a@x.com",))[0]
    assert "no primary" in primary_rules(("Smtp:a@x.com",))[0]    # only the exact prefix SMTP: is primary
    assert "2 primary" in primary_rules(("SMTP:a@x.com", "SMTP:b@x.com"))[0]


def test_lengths_and_characters_of_the_other_attributes():
    assert nickname_rules("a" * 64) == [] and nickname_rules("a" * 65) and nickname_rules(".a")
    assert nickname_rules("o'brien") == []
    assert display_name_rules("x" * 256) == [] and display_name_rules("x" * 257) and display_name_rules(" \t")
    assert name_rules("x" * 64) == [] and name_rules("x" * 65)
    assert sam_rules("a" * 20) == [] and sam_rules("a" * 21)
    assert sam_rules("o'brien.j") == [] and sam_rules("a=b") and sam_rules("dom\\user") and sam_rules("a[1]")
    assert address_rules("o'hara@contoso.com") == []


def test_violations_of_a_clean_and_a_broken_object():
    clean = OnPremObject("CN=a,DC=x", "user", upn="a@contoso.com", sam="a", mail="a@contoso.com",
                         mail_nickname="a", proxy_addresses=("SMTP:a@contoso.com",), given_name="Á", sn="B",
                         display_name="Á B")
    assert violations(clean, DOMAINS) == []
    broken = OnPremObject("CN=b,DC=x", "user", upn="b@contoso.local", sam="b" * 21, display_name="",
                          proxy_addresses=("smtp:b@contoso.com",))
    found = [(v.attribute, v.rule.split()[0]) for v in violations(broken, DOMAINS)]
    assert found == [("userPrincipalName", "UPN"), ("proxyAddresses", "has"), ("displayName", "is"),
                     ("sAMAccountName", "is")]
    assert violations(broken, DOMAINS)[0].to_json()["value"] == "b@contoso.local"
