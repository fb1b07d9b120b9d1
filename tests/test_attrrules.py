"""Microsoft's attribute rules, each with its source line and consequence, and no IdFix false alarms."""
import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from syncready.attrrules import (
    RULES,
    address_rules,
    display_name_rules,
    domain_rule,
    duplicate_rules,
    name_rules,
    nickname_rules,
    primary_rules,
    proxy_rules,
    sam_rules,
    sync_nickname,
    sync_primary,
    upn_rules,
    violations,
)
from syncready.attrrules import _clean, _violations
from syncready.model import Domain, OnPremObject

DOMAINS = {d.id: d for d in (Domain("contoso.com", True), Domain("contoso.app", True), Domain("contoso.swiss", True),
                             Domain("pending.com", False), Domain("contoso.onmicrosoft.com", True, is_initial=True),
                             Domain("contoso_x.com", True))}


def texts(problems) -> list[str]:
    return [p.text for p in problems]


def keys(problems) -> set[str]:
    return {p.rule.key for p in problems}


@pytest.mark.parametrize("upn", [
    "alice@contoso.com", "sam.o'brien@contoso.com", "a!b#c^d~e_f-g.h@contoso.com", "ALICE@Contoso.COM",
    "x@contoso.app", "x@contoso.swiss", "a" * 64 + "@contoso.com",
    "alice@contoso_x.com",                         # '_' is allowed, and the domain is verified
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
    ("a&b@contoso.com", "'&'"),
    ("a" * 65 + "@contoso.com", "65 characters before @"),
    ("a@" + "b" * 45 + ".com", "49 characters after @"),
    ("a" * 64 + "@" + "b" * 44 + ".test", "114 characters; at most 113"),
    ("alice@contoso.local", "contoso.local is not a domain of the tenant"),
    ("alice@pending.com", "pending.com is not verified"),
    ("alice@contoso%x.com", "not allowed in a domain"),
])
def test_invalid_upns(upn, fragment):
    problems = upn_rules(upn, DOMAINS)
    assert any(fragment in p for p in texts(problems)), problems
    assert all(p.rule.blocking for p in problems)


def test_underscore_in_a_domain_is_not_a_character_problem_even_without_domains():
    assert upn_rules("alice@contoso_x.com", None) == []


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
    "smtp:a.b+tag@contoso.com", "smtp:{x}|~!#$%&*/=?^`@contoso.com",     # RFC 5322 atext
])
def test_proxy_values_idfix_flags_wrongly_are_valid(value):
    assert proxy_rules(value) == []


@pytest.mark.parametrize("value,fragment,key", [
    ("smtp:alice smith@contoso.com", "space", "address.space"),
    ("SMTP:<alice>@contoso.com", "'<' '>'", "address.forbidden"),
    ("smtp:a;b@contoso.com", "';'", "address.forbidden"),
    ("smtp:a,b@contoso.com", "','", "address.forbidden"),
    ("smtp:a[b]@contoso.com", "'[' ']'", "address.forbidden"),
    ('smtp:"a"@contoso.com', "'\"'", "address.forbidden"),
    ("SIP:zoë@contoso.com", "non-ASCII ë", "address.diacritics"),
    ("smtp:alice", "name@domain", "address.rfc5322"),
    ("alice@contoso.com", "no type prefix", "proxy.prefix"),
    ("X500:/o=" + "x" * 260, "at most 256", "proxy.length"),
    ("SMTP:user:M@contoso.com", "contains ':' after the type prefix", "address.colon"),   # Microsoft's own example
    ("smtp:al\tice@contoso.com", "U+0009 (tab)", "address.rfc5322"),
    ("smtp:alice@contoso.com\n", "U+000A", "address.rfc5322"),
    ("smtp:a\\b@contoso.com", "not an RFC 5322 address: contains '\\\\'", "address.rfc5322"),
    ("smtp:a..b@contoso.com", "two in a row", "address.rfc5322"),
    ("smtp:.a@contoso.com", "at an end", "address.rfc5322"),
    ("smtp:a@b@contoso.com", "more than one @", "address.rfc5322"),
])
def test_invalid_proxy_values_are_discarded_by_proxy_calculation(value, fragment, key):
    problems = proxy_rules(value)
    assert any(fragment in p for p in texts(problems)), problems
    assert key in keys(problems)
    assert all(p.rule.consequence == "discarded by proxy calculation" and p.rule.blocking for p in problems)


def test_the_colon_rule_quotes_microsofts_line():
    rule = RULES["address.colon"]
    assert "SMTP:user:M@contoso.com isn't" in rule.source.says
    assert rule.source.page == "prepare-for-directory-synchronization"


def test_mail_rules_cite_kb_3190357():
    problems = address_rules("alice smith@contoso.com", "mail")
    assert texts(problems) == ["contains a space"] and keys(problems) == {"mail.rfc5322"}
    assert "RFC 5322" in problems[0].rule.source.says and "3190357" in problems[0].rule.source.page
    assert address_rules("o'hara@contoso.com", "mail") == []


def test_primary_rules_are_advisories_with_a_source():
    assert primary_rules(()) == []
    assert primary_rules(("SMTP:a@x.com", "smtp:b@x.com")) == []
    none = primary_rules(("smtp:a@x.com",))
    assert texts(none) == ["has no primary SMTP: value"] and not none[0].rule.blocking
    assert "Scenario 4" in none[0].rule.source.says
    assert texts(primary_rules(("Smtp:a@x.com",))) == ["has no primary SMTP: value"]   # only SMTP: is primary
    several = primary_rules(("SMTP:a@x.com", "SMTP:b@x.com"))
    assert "2 primary SMTP: values" in several[0].text and not several[0].rule.blocking
    assert several[0].rule.source.cite().startswith("syncready's own advice")


def test_duplicate_proxy_values():
    found = duplicate_rules(("SMTP:a@x.com", "smtp:b@x.com", "smtp:A@X.com", "X500:/o=a", "x500:/O=A"))
    assert [v for v, _ in found] == ["smtp:A@X.com", "x500:/O=A"]
    assert all(p.rule.key == "proxy.duplicate" and not p.rule.blocking for _, p in found)
    assert "Remove any duplicate values" in found[0][1].rule.source.says


@pytest.mark.parametrize("value,key,blocking", [
    ("a" * 65, "nickname.length", False),
    (".alice", "nickname.period", True),
    ("alice.", "nickname.periods", False),
    ("al..ice", "nickname.periods", False),
    ("tom&jerry", "nickname.ampersand", True),
    ("alice smith", "nickname.characters", False),
    ("alice@x", "nickname.characters", False),
])
def test_nickname_rules(value, key, blocking):
    problems = nickname_rules(value)
    assert key in keys(problems)
    assert [p.rule.blocking for p in problems if p.rule.key == key] == [blocking]


@pytest.mark.parametrize("value", ["alice", "o'brien", "help.desk", "a!#%*+-/=?^_~$'`{}|z", "zoé", "a" * 64])
def test_valid_nicknames(value):
    assert nickname_rules(value) == []


def test_lengths_and_characters_of_the_other_attributes():
    assert display_name_rules("x" * 256) == [] and display_name_rules("x" * 257) and display_name_rules(" \t")
    assert name_rules("x" * 64) == [] and name_rules("x" * 65)
    assert name_rules("x" * 65, "sn")[0].rule.source.page.startswith("Graph user resource")
    assert sam_rules("a" * 20) == [] and sam_rules("a" * 21)
    assert sam_rules("obrien.j") == [] and sam_rules("a=b") and sam_rules("dom\\user") and sam_rules("a[1]")
    assert texts(sam_rules("o'brien")) == ["contains \"'\""]           # Microsoft's list ends with '
    assert all(not p.rule.blocking for p in sam_rules("o'brien" * 4))


def test_what_sync_computes_instead():
    obj = OnPremObject("CN=a,DC=x", "user", upn="a@contoso.com", mail="m@contoso.com",
                       proxy_addresses=("smtp:s@contoso.com",))
    assert sync_primary(obj)[0] is None and "scenario 4" in sync_primary(obj)[1]
    assert sync_primary(OnPremObject("CN=a", "user", upn="a@contoso.com", mail="m@contoso.com")) == \
        ("m@contoso.com", "mail, as proxyAddresses is empty (KB 3190357 scenario 2)")
    assert sync_primary(OnPremObject("CN=a", "user", upn="a@contoso.com", mail="m @contoso.com"))[0] == "a@contoso.com"
    assert sync_primary(OnPremObject("CN=a", "user",
                                     proxy_addresses=("SMTP:p q@x.com", "SMTP:p@x.com")))[0] == "p@x.com"
    assert sync_nickname(obj) == "m"                   # no mailNickname, no SMTP: primary: the prefix of mail
    assert sync_nickname(OnPremObject("CN=a", "user", mail_nickname="al ice")) == "al_ice"


def test_violations_of_a_clean_and_a_broken_object():
    clean = OnPremObject("CN=a,DC=x", "user", upn="a@contoso.com", sam="a", mail="a@contoso.com",
                         mail_nickname="a", proxy_addresses=("SMTP:a@contoso.com",), given_name="Á", sn="B",
                         display_name="Á B")
    assert violations(clean, DOMAINS) == []
    broken = OnPremObject("CN=b,DC=x", "user", upn="b@contoso.local", sam="b" * 21, display_name="",
                          proxy_addresses=("smtp:b@contoso.com",))
    found = [(v.attribute, v.rule.split()[0], v.blocking) for v in violations(broken, DOMAINS)]
    assert found == [("userPrincipalName", "UPN", True), ("proxyAddresses", "has", False),
                     ("displayName", "is", True), ("sAMAccountName", "is", False)]
    entry = violations(broken, DOMAINS)[0].to_json()
    assert entry["value"] == "b@contoso.local" and entry["severity"] == "blocker"
    assert entry["source"].startswith("plan-connect-userprincipalname: \"If the on-premises UserPrincipalName")
    assert entry["instead"] == "Entra ID would calculate b@contoso.onmicrosoft.com"


def test_every_rule_cites_a_page_and_a_line():
    for rule in RULES.values():
        assert rule.source.page and len(rule.source.says) > 20 and rule.consequence, rule


# the common-case shortcut (attrrules._clean) never hides what the rule functions find ---------------
_PIECES = ["a", "Z", "9", ".", "@", " ", "&", "'", ":", ";", "_", "é", "..", "contoso.com", "pending.com",
           "contoso.onmicrosoft.com", "SMTP:", "smtp:", "X500:", "SIP:", "a" * 70]
_EDGES = ["alice@contoso.com", "Alice@contoso.com", "bob@pending.com", "a@b@c", ".a@contoso.com", "a.@contoso.com",
          "a b@contoso.com", "x@contoso.com.", "a@", "@contoso.com", "a..b@contoso.com", "a&b@contoso.com",
          "a" * 65 + "@contoso.com", "a@" + "b" * 45 + ".com", ".a", "a.", "a..b", "a&b", "&", "", " ", "a" * 21]
_TEXT = st.lists(st.sampled_from(_PIECES), max_size=6).map("".join)
_OPTIONAL = st.none() | st.sampled_from(_EDGES) | _TEXT
_ADDRESS = st.sampled_from(_EDGES) | _TEXT


_CLEAN_USER = OnPremObject("CN=Alice,DC=contoso,DC=com", "user", upn="alice@contoso.com", mail="alice@contoso.com",
                           proxy_addresses=("SMTP:alice@contoso.com", "smtp:al@contoso.com", "X500:/o=Org/cn=alice"),
                           mail_nickname="alice", display_name="Alice", given_name="Alice", sn="Smith", sam="alice")
_PROXIES = st.lists(st.sampled_from(["SMTP:", "smtp:", "X500:", "sip:", "", ":"]).flatmap(
    lambda prefix: _ADDRESS.map(lambda a: prefix + a)), max_size=4).map(tuple)


@given(changes=st.dictionaries(st.sampled_from(["upn", "mail", "proxy_addresses", "mail_nickname", "display_name",
                                                "given_name", "sn", "sam"]), st.none(), min_size=1, max_size=2)
       .flatmap(lambda names: st.fixed_dictionaries(
           {name: (_PROXIES if name == "proxy_addresses" else _OPTIONAL | _ADDRESS) for name in names})),
       domains=st.sampled_from([None, DOMAINS]))
def test_the_clean_shortcut_agrees_with_every_rule(changes, domains):
    # one or two values of an otherwise clean user changed: the edge where the shortcut could err
    obj = dataclasses.replace(_CLEAN_USER, **changes)
    full = _violations(obj, domains)
    if _clean(obj, domains):
        assert full == []
    assert violations(obj, domains) == full


@pytest.mark.parametrize("attribute", ["upn", "mail", "proxy_addresses", "mail_nickname", "display_name", "given_name",
                                       "sn", "sam"])
def test_the_clean_shortcut_agrees_on_each_edge_value(attribute):
    # every edge value in each attribute of a clean user, and in each of its proxies' places
    values = [(f"{p}{v}",) for p in ("SMTP:", "smtp:", "sip:", "X500:", "", ":") for v in _EDGES] + \
        [("SMTP:alice@contoso.com", "smtp:ALICE@contoso.com"), ("SMTP:a@contoso.com", "SMTP:b@contoso.com"),
         ("smtp:a@contoso.com",), ("SMTP:a@contoso.com", "X500:" + "x" * 260)] \
        if attribute == "proxy_addresses" else [None, *_EDGES]
    for value in values:
        for domains in (None, DOMAINS):
            obj = dataclasses.replace(_CLEAN_USER, **{attribute: value})
            full = _violations(obj, domains)
            assert not (_clean(obj, domains) and full), (value, full)
            assert violations(obj, domains) == full


def test_the_clean_shortcut_clears_the_common_user():
    assert _clean(_CLEAN_USER, DOMAINS) and _clean(_CLEAN_USER, None)
    assert not _clean(OnPremObject("CN=A,DC=c", "user", upn="alice@pending.com"), DOMAINS)
