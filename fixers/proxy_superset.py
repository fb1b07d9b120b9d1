"""Adds the cloud proxy addresses the AD user lacks; never removes a value.

A missing cloud primary is added as a secondary when AD already has a primary (changing the primary
is mail-primary-smtp's fix). When AD proxyAddresses is empty, sync derives the primary from `mail`,
so that address is added as the `SMTP:` primary first, keeping what sync would compute — but only
alongside a value sync would not derive: written alone it changes nothing and costs an undo entry.
"""
from syncready.addresses import is_onmicrosoft, split_proxy
from syncready.fixerapi import Change, FixContext, Result, Subject
from syncready.model import OnPremObject

from ._common import modify, paired_elsewhere


def plan(subject: Subject, result: Result, ctx: FixContext) -> list[Change]:
    user, ad = subject.obj, subject.paired
    if paired_elsewhere(subject, ctx, "added"):
        return []
    proxies = ctx.values(ad, "proxyAddresses", ad.proxy_addresses)
    have = {p.lower() for p in proxies}
    add = []
    derived = None
    if not proxies:
        mail = ctx.values(ad, "mail", ad.mail)
        if mail:
            derived = f"SMTP:{mail[0]}"
            add.append(derived)
            have.add(derived.lower())
    has_primary = any(p.startswith("SMTP:") for p in proxies + add)
    held = []
    for value in user.proxy_addresses:
        prefix, address = split_proxy(value)
        if value.lower() in have or is_onmicrosoft(address):
            continue
        holder = _held_elsewhere(prefix, address, user, ad, ctx.index)
        if holder:
            held.append(f"{value} (held by {holder})")
            continue
        if prefix == "SMTP":
            if has_primary:
                value = f"smtp:{address}"
                if value.lower() in have:
                    continue
            has_primary = True
        add.append(value)
        have.add(value.lower())
    if held:
        ctx.refuse(f"not added, as two objects would then hold them (proxy-unique): {'; '.join(held)}")
    if add == [derived]:
        return []   # only what sync derives from mail anyway: writing it would change nothing
    return [modify("proxy-superset", subject, ad, "proxyAddresses", [], add)] if add else []


def _held_elsewhere(prefix: str, address: str, user, ad, index) -> str | None:
    """Another object that holds this SMTP address in either directory (Index.holders, as proxy-unique
    asks), if any."""
    if prefix.lower() != "smtp":
        return None
    for obj in index.holders(address, besides=(user, ad)):
        if isinstance(obj, OnPremObject):
            return obj.dn
        return getattr(obj, "upn", None) or obj.display_name or obj.id
    return None
