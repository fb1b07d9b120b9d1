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
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .addresses import primaries, split_proxy

UPN_MAX, UPN_PREFIX_MAX, UPN_DOMAIN_MAX = 113, 64, 48
UPN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'.-_!#^~")
PROXY_MAX = 256
PROXY_FORBIDDEN = frozenset('<>();,[]"')
MAIL_TYPES = frozenset({"smtp", "sip"})       # proxy types whose value is an address and gets character rules
ATEXT = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~")
PLAIN = ATEXT | {".", "@"}
NICKNAME_MAX = 64
NICKNAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#%*+-/=?^_~$&'`{}|.")
DISPLAY_NAME_MAX = 256
NAME_MAX = 64
SAM_MAX = 20
SAM_FORBIDDEN = frozenset('[]\\"|,/:<>+=;?*\'')


# sources ----------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Source:
    page: str      # the Microsoft page, by its Learn file name or KB number
    says: str      # the line the rule rests on, quoted

    def cite(self) -> str:
        return f"{self.page}: {self.says}" if self.page == OWN else f'{self.page}: "{self.says}"'


PREPARE = "prepare-for-directory-synchronization"
KB = "KB 3190357 proxyaddresses-attribute-populate"
ALIAS = "Exchange alias (Set-Mailbox -Alias, exchange/set-mailbox)"
UPN_PAGE = "plan-connect-userprincipalname"
ERRORS = "tshoot-connect-sync-errors"
GRAPH = "Graph user resource (graph/api/resources/user)"
OWN = "syncready's own advice; Microsoft documents no rule"

KB_DISCARD = Source(KB, "Discard malformed on-premises addresses or not compliant with RFC 5322, e.g. missing "
                        "protocol prefix \"SMTP:\", containing a space or other invalid character")


@dataclass(frozen=True, slots=True)
class Rule:
    key: str
    source: Source
    consequence: str       # what sync does with a value that breaks it
    blocking: bool         # True: sync rejects or loses the object or the value

    @property
    def severity(self) -> str:
        return "blocker" if self.blocking else "warning"


REJECTED = "rejected: the object fails to export"
DISCARDED = "discarded by proxy calculation"
REPLACED_UPN = "replaced: Entra ID calculates <mailNickname>@<initial domain> instead"
ALIAS_REWRITTEN = "synchronized with '_' in place of the invalid characters"
NOT_SUPPORTED = "not supported for Microsoft Entra Connect synchronization"
STILL_CREATED = "accepted: the account is still created while userPrincipalName is valid"
UNDOCUMENTED = "what sync does with it is not documented"


def _rule(key, page, says, consequence, blocking) -> Rule:
    return Rule(key, Source(page, says), consequence, blocking)


RULES: dict[str, Rule] = {r.key: r for r in (
    _rule("upn.length", PREPARE, "The maximum number of characters for the userPrincipalName attribute is 113. "
          "... Maximum number of characters for the username that is in front of the at sign (@): 64 ... "
          "Maximum number of characters for the domain name following the at sign (@): 48", REJECTED, True),
    _rule("upn.characters", PREPARE, "Characters allowed: A – Z, a - z, 0 – 9, ' . - _ ! # ^ ~",
          "rejected (IdentityDataValidationFailed, tshoot-connect-sync-errors) or replaced by "
          "<mailNickname>@<initial domain> (plan-connect-userprincipalname: \"Any invalid characters ... "
          "invalidates the synchronized UPN value\")", True),
    _rule("upn.space", PREPARE, "The username can't contain any spaces.",
          "rejected or replaced by <mailNickname>@<initial domain> (plan-connect-userprincipalname)", True),
    _rule("upn.at", PREPARE, "The @ character is required in each userPrincipalName value. The @ character "
          "can't be the first character in each userPrincipalName value.",
          "rejected (IdentityDataValidationFailed: \"UserPrincipalName attribute doesn't follow the required "
          "format\", tshoot-connect-sync-errors)", True),
    _rule("upn.end", PREPARE, "The username can't end with a period (.), an ampersand (&), a space, or an at "
          "sign (@).", "rejected (IdentityDataValidationFailed, tshoot-connect-sync-errors)", True),
    _rule("upn.domain", UPN_PAGE, "If the on-premises UserPrincipalName attribute/Alternate login ID suffix isn't "
          "verified with Microsoft Entra tenant, then the Microsoft Entra UserPrincipalName attribute value "
          "can't have this domain suffix.", REPLACED_UPN, True),
    _rule("upn.empty", PREPARE, "Update blank and invalid userPrincipalName attributes with valid "
          "userPrincipalName attributes.", REJECTED, True),
    _rule("address.space", PREPARE, "The attribute value must not contain a space.", DISCARDED, True),
    _rule("address.forbidden", PREPARE, "Invalid characters: < > ( ) ; , [ ] \"", DISCARDED, True),
    _rule("address.diacritics", PREPARE, "Letters with diacritical marks, such as umlauts, accents, and tildes, "
          "are invalid characters.", DISCARDED, True),
    _rule("address.colon", PREPARE, "The invalid characters apply to the characters following the type delimiter "
          "and \":\", such that SMTP:User@contso.com is allowed, but SMTP:user:M@contoso.com isn't.",
          DISCARDED, True),
    _rule("address.rfc5322", KB, KB_DISCARD.says, DISCARDED, True),
    _rule("proxy.length", PREPARE, "Maximum number of characters per value: 256", DISCARDED, True),
    _rule("proxy.prefix", KB, KB_DISCARD.says, DISCARDED, True),
    _rule("proxy.duplicate", PREPARE, "Remove any duplicate values in the proxyAddresses attribute.",
          UNDOCUMENTED, False),
    _rule("proxy.primaries", OWN, "a recipient has one primary SMTP address (KB 3190357, Terminology), and no "
          "Microsoft page says which of several SMTP: values Entra ID keeps",
          UNDOCUMENTED, False),
    _rule("proxy.no-primary", KB, "Scenario 4: AD:proxyAddresses {smtp:user4new@Contoso.com} ... Add the "
          "secondary smtp address in the proxyAddresses attribute. Add the UPN as a secondary smtp address",
          "accepted: no primary SMTP address comes from AD", False),
    _rule("mail.rfc5322", KB, KB_DISCARD.says, DISCARDED, True),
    _rule("nickname.period", PREPARE, "The attribute value can't begin with a period (.).", REJECTED, True),
    _rule("nickname.ampersand", ALIAS, "The & character is not supported in the Alias value for Microsoft Entra "
          "Connect synchronization.", NOT_SUPPORTED, True),
    _rule("nickname.characters", PREPARE, "Underscores (\"_\") in the synchronized name indicates that the original "
          "value of this attribute contains invalid characters.", ALIAS_REWRITTEN, False),
    _rule("nickname.periods", ALIAS, "Periods (.) must be surrounded by other valid characters (for example, "
          "help.desk).", UNDOCUMENTED, False),
    _rule("nickname.length", ALIAS, "The maximum length is 64 characters.", UNDOCUMENTED, False),
    _rule("displayName.length", PREPARE, "Maximum number of characters: 256", REJECTED, True),
    _rule("displayName.blank", PREPARE, "If this attribute exists in the user object, there must be a value for it. "
          "That is, the attribute must not be blank.", REJECTED, True),
    _rule("givenName.length", PREPARE, "Maximum number of characters: 64", REJECTED, True),
    _rule("sn.length", GRAPH, "surname: The user's surname (family name or last name). Maximum length is 64 "
          "characters.", REJECTED, True),
    _rule("sam.length", PREPARE, "Maximum number of characters: 20", STILL_CREATED, False),
    _rule("sam.characters", PREPARE, "Invalid characters: [ \\ \" | , / : < > + = ; ? * ']", STILL_CREATED, False),
)}


@dataclass(frozen=True, slots=True)
class Problem:
    text: str          # what is wrong with the value, e.g. "contains a space"
    rule: Rule

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class Violation:
    attribute: str
    value: str
    problem: Problem
    instead: str | None = None     # what sync computes in its place, where Microsoft documents it

    @property
    def rule(self) -> str:
        return self.problem.text

    @property
    def blocking(self) -> bool:
        return self.problem.rule.blocking

    def to_json(self) -> dict:
        r = self.problem.rule
        out = {"attribute": self.attribute, "value": self.value, "rule": self.problem.text, "rule_id": r.key,
               "source": r.source.cite(), "consequence": r.consequence, "severity": r.severity}
        if self.instead:
            out["instead"] = self.instead
        return out

    def describe(self) -> str:
        """One line for messages: attribute, value (control characters escaped), problem, consequence."""
        text = f"{self.attribute} '{show(self.value)}' {self.problem.text} — {self.problem.rule.consequence}"
        return text + (f"; {self.instead}" if self.instead else "")


def _p(text: str, key: str) -> Problem:
    return Problem(text, RULES[key])


def show(value: str) -> str:
    """A value with control characters spelled out, so a message cannot hide or rewrite a line."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in value)


def _chars(chars) -> str:
    return " ".join(repr(c) if c != " " else "space" for c in sorted(set(chars)))


def _control(value: str) -> list[str]:
    return sorted({c for c in value if ord(c) < 32 or ord(c) == 127})


def _control_text(chars: list[str]) -> str:
    return "contains control character(s) " + " ".join(f"U+{ord(c):04X}" + (" (tab)" if c == "\t" else "")
                                                        for c in chars)


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


# addresses --------------------------------------------------------------------------------------
def address_rules(address: str, attribute: str = "proxyAddresses") -> list[Problem]:
    """An address after its type prefix: the page's characters for proxyAddresses, RFC 5322 for both.

    proxyAddresses gets the page's named rules (space, < > ( ) ; , [ ] ", diacritics, ':'); `mail`
    has only uniqueness on that page, so for it every problem cites KB 3190357's RFC 5322 line.
    Anything else that is not an RFC 5322 dot-atom address (control characters, tabs, a backslash,
    dots at the ends or doubled) is KB 3190357's alone.
    """
    if not address:
        return [_p("is empty", "address.rfc5322" if attribute == "proxyAddresses" else "mail.rfc5322")]
    if _plain_address(address):
        return []
    page = attribute == "proxyAddresses"
    own = (lambda key: key) if page else (lambda key: "mail.rfc5322")
    problems = []
    if " " in address:
        problems.append(_p("contains a space", own("address.space")))
    control = _control(address)
    if control:
        problems.append(_p(_control_text(control), "address.rfc5322" if page else "mail.rfc5322"))
    if not PROXY_FORBIDDEN.isdisjoint(address):
        problems.append(_p(f"contains {_chars(PROXY_FORBIDDEN.intersection(address))}", own("address.forbidden")))
    if not address.isascii():
        wide = " ".join(sorted(c for c in set(address) if ord(c) > 127))
        problems.append(_p(f"contains non-ASCII {wide} (no diacritics)", own("address.diacritics")))
    if ":" in address:
        problems.append(_p("contains ':' after the type prefix (Microsoft's example: SMTP:user:M@contoso.com is "
                           "invalid)", own("address.colon")))
    rfc = "address.rfc5322" if page else "mail.rfc5322"
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        problems.append(_p("is not an address of the form name@domain", rfc))
        return problems
    if "@" in local:
        problems.append(_p("contains more than one @", rfc))
    named = {" ", ":", "@"} | PROXY_FORBIDDEN | set(control)
    other = {c for c in address if c not in ATEXT and c != "." and c not in named and c.isascii()}
    if other:
        problems.append(_p(f"is not an RFC 5322 address: contains {_chars(other)}", rfc))
    for part, name in ((local, "name"), (domain, "domain")):
        if part.startswith(".") or part.endswith(".") or ".." in part:
            problems.append(_p(f"is not an RFC 5322 address: the {name} part has a '.' at an end or two in a row",
                               rfc))
    return problems


def _plain_address(address: str) -> bool:
    """The common case, decided with one set comparison: dot-atom@dot-atom of ASCII atext."""
    if not set(address) <= PLAIN or address.count("@") != 1:
        return False
    local, _, domain = address.partition("@")
    return bool(local and domain) and ".." not in address and not (
        local[0] == "." or local[-1] == "." or domain[0] == "." or domain[-1] == ".")


def proxy_rules(value: str) -> list[Problem]:
    """One proxyAddresses value: length for every type, address rules for SMTP and SIP after the prefix."""
    problems = []
    if len(value) > PROXY_MAX:
        problems.append(_p(f"is {len(value)} characters; at most {PROXY_MAX}", "proxy.length"))
    prefix, address = split_proxy(value)
    if not prefix:
        problems.append(_p("has no type prefix (type:address)", "proxy.prefix"))
        return problems
    if prefix.lower() in MAIL_TYPES:
        problems.extend(address_rules(address))
    return problems


def duplicate_rules(proxy_addresses) -> list[tuple[str, Problem]]:
    """Values that repeat an earlier one (type and address compared case-insensitively)."""
    seen: dict[str, str] = {}
    out = []
    for value in proxy_addresses:
        key = value.lower()
        if key in seen:
            out.append((value, _p(f"repeats {show(seen[key])}", "proxy.duplicate")))
        else:
            seen[key] = value
    return out


def primary_rules(proxy_addresses) -> list[Problem]:
    """Several `SMTP:` values, or none while proxyAddresses holds values: advisories, never blockers."""
    if not proxy_addresses:
        return []
    found = primaries(proxy_addresses)
    if len(found) > 1:
        return [_p(f"has {len(found)} primary SMTP: values; which one Entra ID keeps is not documented",
                   "proxy.primaries")]
    if not found:
        return [_p("has no primary SMTP: value", "proxy.no-primary")]
    return []


def sync_primary(obj) -> tuple[str | None, str]:
    """The primary SMTP address proxy calculation will take from AD, and from where (KB 3190357)."""
    kept = [v for v in obj.proxy_addresses if not proxy_rules(v)]
    for value in kept:
        if value.startswith("SMTP:"):
            return value[5:], "its SMTP: value"
    if not obj.proxy_addresses:
        if obj.mail and not address_rules(obj.mail, "mail"):
            return obj.mail, "mail, as proxyAddresses is empty (KB 3190357 scenario 2)"
        if obj.upn:
            return obj.upn, "the UPN once the user has an Exchange Online license (KB 3190357 scenario 1)"
        return None, "nothing: no mail, proxyAddresses or UPN"
    return None, ("no primary from AD: the smtp: values and the UPN are added and the primary Entra ID "
                  "already has stays (KB 3190357 scenario 4)")


def sync_nickname(obj) -> str | None:
    """The mailNickname Entra ID sets on first sync (plan-connect-userprincipalname, in that order)."""
    if obj.mail_nickname:
        return "".join(c if c in NICKNAME_CHARS or 0xA1 <= ord(c) <= 0xFF else "_" for c in obj.mail_nickname)
    primary = next((v[5:] for v in obj.proxy_addresses if v.startswith("SMTP:")), None)
    secondary = next((v[5:] for v in obj.proxy_addresses if v.startswith("smtp:")), None)
    for address in (primary, obj.mail, obj.upn, secondary):
        if address and "@" in address:
            return address.rpartition("@")[0]
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
        problems.append(_p(f"contains characters an Exchange alias does not allow: {shown}", "nickname.characters"))
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


def blocking(found: list[Violation]) -> list[Violation]:
    return [v for v in found if v.blocking]
