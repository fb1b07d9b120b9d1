"""The address rules: proxyAddresses values and `mail` (RFC 5322, the page's characters, duplicates,
primaries), and what proxy calculation and first sync make of them (the primary SMTP address and the
mailNickname Entra ID will set). Pure functions of values, like the rest of `attrrules`.
"""
from __future__ import annotations

from .addresses import primaries, split_proxy
from .attrcatalog import (
    ATEXT,
    MAIL_TYPES,
    NICKNAME_CHARS,
    PLAIN,
    PROXY_FORBIDDEN,
    PROXY_MAX,
    Problem,
    chars_text as _chars,
    control_chars as _control,
    control_text as _control_text,
    rule_problem as _p,
    show,
)


def address_rules(address: str, attribute: str = "proxyAddresses") -> list[Problem]:
    """An address after its type prefix: the page's characters for proxyAddresses, RFC 5322 for both.

    proxyAddresses gets the page's named rules (space, < > ( ) ; , [ ] ", diacritics, ':'); `mail`
    has only uniqueness on that page, so for it every problem cites KB 3190357's RFC 5322 line.
    Anything else that is not an RFC 5322 dot-atom address (control characters, tabs, a backslash,
    dots at the ends or doubled) is KB 3190357's alone.
    """
    if not address:
        return [_p("is empty", "address.rfc5322" if attribute == "proxyAddresses" else "mail.rfc5322")]
    if plain_address(address):
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
        problems.append(_p(f"contains {_chars(PROXY_FORBIDDEN.intersection(address))}",
                                own("address.forbidden")))
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


def plain_address(address: str) -> bool:
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
