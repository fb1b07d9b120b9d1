"""Microsoft's rules for the AD values that directory synchronization accepts, each with its source line.

Pure functions of values, shared by the attribute-valid check, its fixer and the tests. Each rule
function returns the Problems a value has; a Problem carries the Rule it breaks, and the Rule
carries the Microsoft line it comes from and the consequence that page names: the export fails,
proxy calculation discards the value, Entra ID replaces it, or sync accepts it with a change.
Severity follows that consequence (`Rule.blocking`). Rules apply where Microsoft states them and
no further: apostrophes are allowed; X500, X400, EUM and other non-mail proxy types are checked
for length only, because their legitimate values contain spaces, parentheses and semicolons (the
false alarms IdFix is known for); values proxy calculation drops by design (reserved
*.onmicrosoft.com domains, legacy X400/MSMAIL types) are not mistakes and are not reported.

Split for size: `attrcatalog` holds the rules and their sources, `addressrules` the address rules;
this module the UPN and other attributes' rules and `violations`, and re-exports the rest, so
`from syncready.attrrules import ...` keeps working.
"""
from __future__ import annotations

from collections.abc import Mapping

from .addressrules import (
    address_rules,
    plain_address,
    duplicate_rules,
    primary_rules,
    proxy_rules,
    sync_nickname,
    sync_primary,
)
from .attrcatalog import (
    DISPLAY_NAME_MAX,
    MAIL_TYPES,
    NAME_MAX,
    NICKNAME_CHARS,
    NICKNAME_MAX,
    PROXY_MAX,
    RULES,
    SAM_FORBIDDEN,
    SAM_MAX,
    UPN_CHARS,
    UPN_DOMAIN_MAX,
    UPN_MAX,
    UPN_PREFIX_MAX,
    Problem,
    Rule,
    Source,
    Violation,
    chars_text as _chars,
    rule_problem as _p,
    show,
)

__all__ = ["RULES", "Problem", "Rule", "Source", "Violation", "address_rules", "blocking", "display_name_rules",
           "domain_rule", "duplicate_rules", "initial_domain", "name_rules", "nickname_rules", "primary_rules",
           "proxy_rules", "sam_rules", "show", "sync_nickname", "sync_primary", "upn_rules", "violations"]


# userPrincipalName ------------------------------------------------------------------------------
def upn_rules(upn: str | None, domains: Mapping | None = None, mail_nickname: str | None = None) -> list[Problem]:
    """Characters, lengths and shape of a userPrincipalName, and whether its suffix is a verified domain.

    `domains` maps lower-case domain names to model.Domain; None (domains not read) skips the domain rule.
    """
    if not upn:
        return [_p("is empty", "upn.empty")]
    problems = []
    if len(upn) > UPN_MAX:
        problems.append(_p(f"is {len(upn)} characters; at most {UPN_MAX}", "upn.length"))
    if " " in upn:
        problems.append(_p("contains a space", "upn.space"))
    if upn.count("@") != 1:
        problems.append(_p("must contain exactly one @" if "@" in upn else "has no @", "upn.at"))
        return problems
    prefix, _, domain = upn.partition("@")
    if not prefix:
        problems.append(_p("starts with @", "upn.at"))
    if len(prefix) > UPN_PREFIX_MAX:
        problems.append(_p(f"has {len(prefix)} characters before @; at most {UPN_PREFIX_MAX}", "upn.length"))
    if len(domain) > UPN_DOMAIN_MAX:
        problems.append(_p(f"has {len(domain)} characters after @; at most {UPN_DOMAIN_MAX}", "upn.length"))
    bad = set(prefix) - UPN_CHARS - {" "}
    if bad:
        problems.append(_p(f"has characters not allowed before @: {_chars(bad)} (allowed: letters A-Z, digits "
                           "and ' . - _ ! # ^ ~)", "upn.characters"))
    if prefix.endswith("."):
        problems.append(_p("ends with '.' before @", "upn.end"))
    bad = set(domain) - UPN_CHARS - {" "}
    if bad:
        problems.append(_p(f"has characters not allowed in a domain: {_chars(bad)}", "upn.characters"))
    if domains is not None and domain:
        problem = domain_rule(domain, domains, mail_nickname)
        if problem:
            problems.append(_p(problem, "upn.domain"))
    return problems


def domain_rule(domain: str, domains: Mapping, mail_nickname: str | None = None) -> str | None:
    """Why a UPN suffix is not usable in the tenant, naming the UPN sync will give instead."""
    key = domain.lower().rstrip(".")
    found = domains.get(key)
    if found is not None and found.is_verified:
        return None
    becomes = f"{mail_nickname or '<mailNickname>'}@{initial_domain(domains)}"
    what = "is not verified in the tenant" if found is not None else "is not a domain of the tenant"
    parent = _verified_parent(key, domains)
    hint = f"; add {key} to the tenant as a subdomain of the verified {parent}" if parent else \
        "; use a routable UPN suffix that is a verified domain"
    return f"UPN suffix {domain} {what}: sync would give the user {becomes}{hint}"


def initial_domain(domains: Mapping | None) -> str:
    return next((d.id for d in (domains or {}).values() if d.is_initial), "<tenant>.onmicrosoft.com")


def _verified_parent(domain: str, domains: Mapping) -> str | None:
    parts = domain.split(".")
    for start in range(1, len(parts) - 1):
        parent = domains.get(".".join(parts[start:]))
        if parent is not None and parent.is_verified and not parent.is_initial:
            return parent.id
    return None


# the other attributes ---------------------------------------------------------------------------
def nickname_rules(value: str) -> list[Problem]:
    problems = []
    if len(value) > NICKNAME_MAX:
        problems.append(_p(f"is {len(value)} characters; at most {NICKNAME_MAX}", "nickname.length"))
    if value.startswith("."):
        problems.append(_p("begins with '.'", "nickname.period"))
    elif value.endswith(".") or ".." in value:
        problems.append(_p("has a '.' not surrounded by other characters", "nickname.periods"))
    if "&" in value:
        problems.append(_p("contains '&'", "nickname.ampersand"))
    bad = set() if set(value) <= NICKNAME_CHARS else \
        {c for c in value if c not in NICKNAME_CHARS and not 0xA1 <= ord(c) <= 0xFF}
    if bad:
        shown = " ".join("space" if c == " " else repr(c) if c.isprintable() else f"U+{ord(c):04X}"
                         for c in sorted(bad))
        problems.append(_p(f"contains characters an Exchange alias does not allow: {shown}",
                                "nickname.characters"))
    return problems


def display_name_rules(value: str) -> list[Problem]:
    problems = []
    if len(value) > DISPLAY_NAME_MAX:
        problems.append(_p(f"is {len(value)} characters; at most {DISPLAY_NAME_MAX}", "displayName.length"))
    if not value.strip():
        problems.append(_p("is blank", "displayName.blank"))
    return problems


def name_rules(value: str, attribute: str = "givenName") -> list[Problem]:
    key = "sn.length" if attribute == "sn" else "givenName.length"
    return [_p(f"is {len(value)} characters; at most {NAME_MAX}", key)] if len(value) > NAME_MAX else []


def sam_rules(value: str) -> list[Problem]:
    problems = []
    if len(value) > SAM_MAX:
        problems.append(_p(f"is {len(value)} characters; at most {SAM_MAX}", "sam.length"))
    if not SAM_FORBIDDEN.isdisjoint(value):
        problems.append(_p(f"contains {_chars(SAM_FORBIDDEN.intersection(value))}", "sam.characters"))
    return problems


# one object -------------------------------------------------------------------------------------
def violations(obj, domains: Mapping | None = None) -> list[Violation]:
    """Every rule an on-prem user's values break, attribute by attribute, in a stable order."""
    return [] if _clean(obj, domains) else _violations(obj, domains)


def _violations(obj, domains: Mapping | None) -> list[Violation]:
    """`violations` by every rule function, for an object `_clean` could not clear."""
    out: list[Violation] = []
    cache: list[str] = []

    def primary_text() -> str:
        if not cache:
            primary, source = sync_primary(obj)
            cache.append(f"sync takes the primary SMTP address from {source}: {primary}" if primary else source)
        return cache[0]

    def add(attribute: str, value: str, problems, instead: str | None = None) -> None:
        if problems:
            out.extend([Violation(attribute, value, p, instead) for p in problems])

    upn_problems: list[Problem] = []
    if obj.upn is not None:
        upn_problems = upn_rules(obj.upn, domains, None)
        if upn_problems:
            nickname = sync_nickname(obj)
            if domains is not None and any(p.rule.key == "upn.domain" for p in upn_problems):
                upn_problems = upn_rules(obj.upn, domains, nickname)
            replaced = any(p.rule.key in ("upn.domain", "upn.characters", "upn.space") for p in upn_problems)
            add("userPrincipalName", obj.upn, upn_problems,
                f"Entra ID would calculate {nickname or '<mailNickname>'}@{initial_domain(domains)}"
                if replaced else None)
    if obj.mail is not None:
        mail_problems = address_rules(obj.mail, "mail")
        add("mail", obj.mail, mail_problems, primary_text() if mail_problems else None)
    for value in obj.proxy_addresses:
        problems = proxy_rules(value)
        if not problems:
            continue
        instead = primary_text() if value.startswith("SMTP:") else \
            "the cloud user will not have this address; mail sent to it bounces"
        add("proxyAddresses", value, problems, instead)
    if len(obj.proxy_addresses) > 1:
        for value, problem in duplicate_rules(obj.proxy_addresses):
            add("proxyAddresses", value, [problem])
    found = primary_rules(obj.proxy_addresses)
    if found:
        several = [v for v in obj.proxy_addresses if v.startswith("SMTP:")]
        shown = "; ".join(several if len(several) > 1 else obj.proxy_addresses)
        no_primary = found[0].rule.key == "proxy.no-primary"
        add("proxyAddresses", shown, found,
            primary_text() + "; SMTP soft match needs an SMTP: value (see mail-primary-smtp)" if no_primary else None)
    if obj.mail_nickname is not None:
        problems = nickname_rules(obj.mail_nickname)
        if problems:
            rewritten = any(p.rule.key == "nickname.characters" for p in problems)
            add("mailNickname", obj.mail_nickname, problems,
                f"synchronized as {sync_nickname(obj)}" if rewritten else None)
    if obj.display_name is not None:
        add("displayName", obj.display_name, display_name_rules(obj.display_name))
    if obj.given_name is not None:
        add("givenName", obj.given_name, name_rules(obj.given_name, "givenName"))
    if obj.sn is not None:
        add("sn", obj.sn, name_rules(obj.sn, "sn"))
    if obj.sam is not None:
        problems = sam_rules(obj.sam)
        if problems:
            upn_ok = obj.upn and not any(p.rule.blocking for p in upn_problems)
            add("sAMAccountName", obj.sam, problems,
                None if upn_ok else "the userPrincipalName is not valid either: Microsoft says to correct the "
                                    "userPrincipalName")
    return out


_UPN_TEXT = UPN_CHARS | {"@"}
_NICKNAME_ENDS = frozenset(".&")


def _clean(obj, domains: Mapping | None) -> bool:
    """The common case, told in a few set comparisons: True only when every rule above finds nothing.
    Stricter than the rules (a value it is unsure of goes to them), so it never hides a problem."""
    upn = obj.upn
    if upn is not None:
        if len(upn) > UPN_MAX or not _UPN_TEXT.issuperset(upn) or upn.count("@") != 1:
            return False
        prefix, _, domain = upn.partition("@")
        if not prefix or not domain or len(prefix) > UPN_PREFIX_MAX or len(domain) > UPN_DOMAIN_MAX \
                or prefix[-1] == ".":
            return False
        if domains is not None:
            found = domains.get(domain.lower().rstrip("."))
            if found is None or not found.is_verified:
                return False
    mail = obj.mail
    if mail is not None and not plain_address(mail):
        return False
    proxies = obj.proxy_addresses
    if proxies:
        primary = 0
        for value in proxies:
            prefix, sep, address = value.partition(":")
            if not sep or not prefix or len(value) > PROXY_MAX:
                return False
            if prefix == "SMTP":
                primary += 1
            # the primary usually repeats `mail`, which was just found plain
            if prefix.lower() in MAIL_TYPES and address != mail and not plain_address(address):
                return False
        if primary != 1 or (len(proxies) > 1 and len({v.lower() for v in proxies}) != len(proxies)):
            return False
    nickname = obj.mail_nickname
    if nickname is not None and (len(nickname) > NICKNAME_MAX or not NICKNAME_CHARS.issuperset(nickname)
                                 or not nickname or nickname[0] in _NICKNAME_ENDS or nickname[-1] in _NICKNAME_ENDS
                                 or ".." in nickname or "&" in nickname):
        return False
    name = obj.display_name
    if name is not None and (len(name) > DISPLAY_NAME_MAX or not name.strip()):
        return False
    given, sn = obj.given_name, obj.sn
    if (given is not None and len(given) > NAME_MAX) or (sn is not None and len(sn) > NAME_MAX):
        return False
    sam = obj.sam
    return sam is None or (len(sam) <= SAM_MAX and SAM_FORBIDDEN.isdisjoint(sam))


def blocking(found: list[Violation]) -> list[Violation]:
    return [v for v in found if v.blocking]
