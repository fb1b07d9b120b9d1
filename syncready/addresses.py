"""Address helpers shared by the model, the index and the checks.

proxyAddresses values are `type:address`; only the prefix spelled exactly `SMTP:` marks the primary
SMTP address, `smtp:` marks secondaries, other types (SIP, X500, X400, EUM, ...) are not mail.
"""
from __future__ import annotations

from collections.abc import Iterable


def split_proxy(value: str) -> tuple[str, str]:
    """('SMTP', 'a@b') for 'SMTP:a@b'; ('', value) when there is no type prefix."""
    prefix, sep, address = value.partition(":")
    if not sep:
        return "", value
    return prefix, address


def primary_smtp(proxy_addresses: Iterable[str], mail: str | None) -> str | None:
    """The value with prefix exactly `SMTP:`; when proxyAddresses is empty, `mail`."""
    proxies = tuple(proxy_addresses)
    if not proxies:
        return mail or None
    for value in proxies:
        if value.startswith("SMTP:"):
            return value[5:]
    return None


def primaries(proxy_addresses: Iterable[str]) -> list[str]:
    """Every value spelled with the primary prefix `SMTP:` (more than one is invalid)."""
    return [v[5:] for v in proxy_addresses if v.startswith("SMTP:")]


def smtp_addresses(proxy_addresses: Iterable[str], mail: str | None) -> set[str]:
    """Every SMTP address of an object, lower-cased: SMTP/smtp proxies and mail."""
    found = {v[5:].lower() for v in proxy_addresses if v[:5].lower() == "smtp:"}
    if mail:
        found.add(mail.lower())
    return found


def proxy_key(value: str) -> str:
    """Comparison key of a proxy address: type prefix and address both case-insensitive."""
    return value.lower()


def is_onmicrosoft(address: str) -> bool:
    return address.lower().rstrip(".").endswith(".onmicrosoft.com")


def domain_of(address: str | None) -> str:
    return address.rpartition("@")[2].lower() if address and "@" in address else ""
