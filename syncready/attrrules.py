"""Microsoft's rules for AD values that directory synchronization accepts (prepare-for-directory-synchronization).

Pure functions of values, shared by the attribute-valid check, its fixer and the tests. Each
returns the rules a value breaks, as short texts, so callers can list every violation at once.
Rules apply where Microsoft states them and no further: apostrophes are allowed, and X500, X400,
EUM and other non-mail proxy types are checked for length only, because their legitimate values
contain spaces, parentheses and semicolons (the false alarms IdFix is known for).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from .addresses import primaries, split_proxy

UPN_MAX, UPN_PREFIX_MAX, UPN_DOMAIN_MAX = 113, 64, 48
UPN_PREFIX_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'.-_!#^~")
DOMAIN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")
PROXY_MAX = 256
PROXY_FORBIDDEN = frozenset('<>();,[]"')
MAIL_TYPES = frozenset({"smtp", "sip"})       # proxy types whose value is an address and gets character rules
NICKNAME_MAX = 64
DISPLAY_NAME_MAX = 256
NAME_MAX = 64
SAM_MAX = 20
SAM_FORBIDDEN = frozenset('[]\\"|,/:<>+=;?*')


@dataclass(frozen=True, slots=True)
class Violation:
    attribute: str
    value: str
    rule: str

    def to_json(self) -> dict:
        return {"attribute": self.attribute, "value": self.value, "rule": self.rule}


def _chars(chars) -> str:
    return " ".join(repr(c) if c != " " else "space" for c in sorted(set(chars)))


def upn_rules(upn: str | None, domains: Mapping | None = None, mail_nickname: str | None = None) -> list[str]:
    """Characters, lengths and shape of a userPrincipalName, and whether its suffix is a verified domain.

    `domains` maps lower-case domain names to model.Domain; None (domains not read) skips the domain rule.
    """
    if not upn:
        return ["is empty"]
    problems = []
    if len(upn) > UPN_MAX:
        problems.append(f"is {len(upn)} characters; at most {UPN_MAX}")
    if " " in upn:
        problems.append("contains a space")
    if upn.count("@") != 1:
        problems.append("must contain exactly one @" if "@" in upn else "has no @")
        return problems
    prefix, _, domain = upn.partition("@")
    if not prefix:
        problems.append("starts with @")
    if len(prefix) > UPN_PREFIX_MAX:
        problems.append(f"has {len(prefix)} characters before @; at most {UPN_PREFIX_MAX}")
    if len(domain) > UPN_DOMAIN_MAX:
        problems.append(f"has {len(domain)} characters after @; at most {UPN_DOMAIN_MAX}")
    bad = set(prefix) - UPN_PREFIX_CHARS - {" "}
    if bad:
        problems.append(f"has characters not allowed before @: {_chars(bad)} (allowed: letters A-Z, digits and ' . - _ ! # ^ ~)")
    if prefix.endswith("."):
        problems.append("ends with '.' before @")
    bad = set(domain) - DOMAIN_CHARS - {" "}
    if bad:
        problems.append(f"has characters not allowed in a domain: {_chars(bad)}")
    if domains is not None and domain:
        problem = domain_rule(domain, domains, mail_nickname)
        if problem:
            problems.append(problem)
    return problems


def domain_rule(domain: str, domains: Mapping, mail_nickname: str | None = None) -> str | None:
    """Why a UPN suffix is not usable in the tenant, naming the UPN sync will give instead."""
    key = domain.lower().rstrip(".")
    found = domains.get(key)
    if found is not None and found.is_verified:
        return None
    initial = next((d.id for d in domains.values() if d.is_initial), "<tenant>.onmicrosoft.com")
    becomes = f"{mail_nickname or '<mailNickname>'}@{initial}"
    what = "is not verified in the tenant" if found is not None else "is not a domain of the tenant"
    parent = _verified_parent(key, domains)
    hint = f"; add {key} to the tenant as a subdomain of the verified {parent}" if parent else \
        "; use a routable UPN suffix that is a verified domain"
    return f"UPN suffix {domain} {what}: sync would give the user {becomes}{hint}"


def _verified_parent(domain: str, domains: Mapping) -> str | None:
    parts = domain.split(".")
    for start in range(1, len(parts) - 1):
        parent = domains.get(".".join(parts[start:]))
        if parent is not None and parent.is_verified and not parent.is_initial:
            return parent.id
    return None


def address_rules(address: str) -> list[str]:
    """An e-mail address as Exchange Online accepts it: one @, no spaces, no < > ( ) ; , [ ] ", ASCII only."""
    problems = []
    if not address:
        return ["is empty"]
    if " " in address:
        problems.append("contains a space")
    if not PROXY_FORBIDDEN.isdisjoint(address):
        problems.append(f"contains {_chars(PROXY_FORBIDDEN.intersection(address))}")
    if not address.isascii():
        problems.append(f"contains non-ASCII {' '.join(sorted(c for c in set(address) if ord(c) > 127))} (no diacritics)")
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        problems.append("is not an address of the form name@domain")
    return problems


def proxy_rules(value: str) -> list[str]:
    """One proxyAddresses value: length for every type, address rules for SMTP and SIP after the prefix."""
    problems = []
    if len(value) > PROXY_MAX:
        problems.append(f"is {len(value)} characters; at most {PROXY_MAX}")
    prefix, address = split_proxy(value)
    if not prefix:
        problems.append("has no type prefix (type:address)")
        return problems
    if prefix.lower() in MAIL_TYPES:
        problems.extend(address_rules(address))
    return problems


def primary_rules(proxy_addresses) -> list[str]:
    """Exactly one value with the prefix `SMTP:` when proxyAddresses is not empty."""
    if not proxy_addresses:
        return []
    found = primaries(proxy_addresses)
    if not found:
        return ["has no primary SMTP: value (exactly one is required)"]
    if len(found) > 1:
        return [f"has {len(found)} primary SMTP: values; exactly one is allowed"]
    return []


def nickname_rules(value: str) -> list[str]:
    problems = []
    if len(value) > NICKNAME_MAX:
        problems.append(f"is {len(value)} characters; at most {NICKNAME_MAX}")
    if value.startswith("."):
        problems.append("begins with '.'")
    return problems


def display_name_rules(value: str) -> list[str]:
    problems = []
    if len(value) > DISPLAY_NAME_MAX:
        problems.append(f"is {len(value)} characters; at most {DISPLAY_NAME_MAX}")
    if not value.strip():
        problems.append("is blank")
    return problems


def name_rules(value: str) -> list[str]:
    return [f"is {len(value)} characters; at most {NAME_MAX}"] if len(value) > NAME_MAX else []


def sam_rules(value: str) -> list[str]:
    problems = []
    if len(value) > SAM_MAX:
        problems.append(f"is {len(value)} characters; at most {SAM_MAX}")
    if not SAM_FORBIDDEN.isdisjoint(value):
        problems.append(f"contains {_chars(SAM_FORBIDDEN.intersection(value))}")
    return problems


def violations(obj, domains: Mapping | None = None) -> list[Violation]:
    """Every rule an on-prem user's values break, attribute by attribute, in a stable order."""
    out: list[Violation] = []

    def add(attribute: str, value: str, problems: list[str]) -> None:
        if problems:
            out.extend(Violation(attribute, value, p) for p in problems)

    if obj.upn is not None:
        add("userPrincipalName", obj.upn, upn_rules(obj.upn, domains, obj.mail_nickname))
    if obj.mail is not None:
        add("mail", obj.mail, address_rules(obj.mail))
    for value in obj.proxy_addresses:
        add("proxyAddresses", value, proxy_rules(value))
    several = [v for v in obj.proxy_addresses if v.startswith("SMTP:")]
    add("proxyAddresses", "; ".join(several if len(several) > 1 else obj.proxy_addresses),
        primary_rules(obj.proxy_addresses))
    if obj.mail_nickname is not None:
        add("mailNickname", obj.mail_nickname, nickname_rules(obj.mail_nickname))
    if obj.display_name is not None:
        add("displayName", obj.display_name, display_name_rules(obj.display_name))
    if obj.given_name is not None:
        add("givenName", obj.given_name, name_rules(obj.given_name))
    if obj.sn is not None:
        add("sn", obj.sn, name_rules(obj.sn))
    if obj.sam is not None:
        add("sAMAccountName", obj.sam, sam_rules(obj.sam))
    return out
