"""Corrects the rule violations that have one obvious correction; refuses when a blocking one remains.

Corrected: blanks (spaces, tabs, line breaks) around `mail` or around a proxy address or its
prefix; a blank displayName (the cloud user's displayName, which people see today, else givenName
and sn); duplicate proxy values, including those left by that trimming; several `SMTP:` primaries
of which exactly one is `mail` (the others become `smtp:`); no primary while an `smtp:` value is
`mail` (it becomes the primary). Trimming blanks is safe (planned without --unsafe); filling a
displayName, merging duplicates and moving a primary are rewrites, planned only with --unsafe.
Nothing else has a single right answer (a new UPN suffix, a
shortened name, a replaced character), so when a finding that stops sync remains, the whole
failure is refused with the list: a partial fix would leave it failing. Findings sync accepts
(advisories, on a passing result) are corrected when one of the corrections above applies
(`wants`), and are otherwise left alone. Refused too when a corrected address is held by another
object (proxy-unique would then fail). Values are read through the plan overlay, so this chains
after mail-primary-smtp and proxy-superset. No change is planned whose values equal the current
ones as the writers compare them (value_key): such a write would change nothing.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import replace

from syncready.checks._common import describe
from syncready.attrrules import (
    address_rules,
    blocking,
    display_name_rules,
    proxy_rules,
    violations,
)
from syncready.fixerapi import Change, FixContext, NotFixable, Result, Safety, Subject
from syncready.writers.base import value_key

from ._common import modify

CORRECTABLE_ADVICE = frozenset({"proxy.duplicate", "proxy.primaries", "proxy.no-primary"})


def wants(subject: Subject, result: Result, ctx: FixContext) -> bool:
    """A passing result whose advisories include one this fixer may correct (with --unsafe only)."""
    if not ctx.unsafe or result.status != "pass" or not result.evidence:
        return False
    return any(v.get("rule_id") in CORRECTABLE_ADVICE for v in result.evidence.get("violations") or ())


def plan(subject: Subject, result: Result, ctx: FixContext) -> list[Change]:
    ad = subject.counterpart
    mail = _single(ctx.values(ad, "mail", ad.mail))
    display = _single(ctx.values(ad, "displayName", ad.display_name))
    given = _single(ctx.values(ad, "givenName", ad.given_name))
    sn = _single(ctx.values(ad, "sn", ad.sn))
    proxies = ctx.values(ad, "proxyAddresses", ad.proxy_addresses)
    view = replace(ad, mail=mail, display_name=display, given_name=given, sn=sn, proxy_addresses=tuple(proxies))
    domains = ctx.index.domains or None
    found = violations(view, domains)
    if not found:
        return []
    new_mail = _trimmed_address(mail)
    new_display = _display_name(display, subject.obj, given, sn)
    new_proxies = _corrected_proxies(proxies, new_mail)
    fixed = replace(view, mail=new_mail, display_name=new_display, proxy_addresses=tuple(new_proxies))
    left = violations(fixed, domains)
    changes = []
    if not _same([mail], [new_mail]):   # only ever a trim of blanks: safe
        changes.append(modify("attribute-valid", subject, ad, "mail", [mail], [new_mail], note="blanks removed",
                              safety=Safety.SAFE))
    if not _same([display], [new_display]):
        changes.append(modify("attribute-valid", subject, ad, "displayName", [display], [new_display],
                              note="blank displayName filled", safety=Safety.UNSAFE))
    removed = [p for p in proxies if p not in new_proxies]
    added = [p for p in new_proxies if p not in proxies]
    if (removed or added) and not _same(proxies, new_proxies):
        trims = _only_trims(removed, added, new_proxies)
        note = "blanks trimmed" if trims else "blanks trimmed, duplicates merged, one SMTP: primary"
        changes.append(modify("attribute-valid", subject, ad, "proxyAddresses", removed, added, note=note,
                              safety=Safety.SAFE if trims else Safety.UNSAFE))
    if blocking(left) or (not changes and any(v.problem.rule.key in CORRECTABLE_ADVICE for v in left)):
        shown = "; ".join(v.describe() for v in left)
        rest = len(found) - len(left)
        after = f"; syncready can then correct the other {rest} violation(s)" if rest > 0 else ""
        raise NotFixable(f"no single obvious correction for {shown}: correct {'it' if len(left) == 1 else 'them'} "
                         f"in AD{after}")
    steered = _steers_smtp_match(view.primary_smtp, fixed.primary_smtp, subject.obj, ctx.index)
    if steered is not None:
        raise NotFixable(f"the correction makes {fixed.primary_smtp} the primary SMTP address of {ad.dn}, which "
                         f"soft-matches it to cloud user {steered.upn} instead of {subject.name}: decide which "
                         "address is this person's primary first (single-match)")
    clash = _held_elsewhere(fixed.smtp_addresses() - view.smtp_addresses(), subject.obj, ad, ctx)
    if clash:
        raise NotFixable(f"the corrected address {clash[0]} is already held by {clash[1]}; resolve that "
                         "(proxy-unique) before correcting it here")
    return changes


def _only_trims(removed: list[str], added: list[str], after: list[str]) -> bool:
    """Whether a proxyAddresses change only trims blanks (safe): every removed value has blanks and its
    trimmed form stays, and every added value is such a trimmed form. Merging duplicates that differ
    otherwise, or moving the primary, is a rewrite (unsafe)."""
    trimmed = {_trim_proxy(v) for v in removed}
    kept = set(after)
    return (bool(removed) and all(_trim_proxy(v) != v and _trim_proxy(v) in kept for v in removed)
            and set(added) <= trimmed)


def _same(before, after) -> bool:
    """Whether writing `after` over `before` would change nothing."""
    return Counter(v for v in before if v is not None) == Counter(v for v in after if v is not None)


def _single(values):
    return values[0] if values else None


def _trimmed_address(mail):
    if mail and address_rules(mail, "mail") and not address_rules(mail.strip(), "mail"):
        return mail.strip()
    return mail


def _display_name(display, cloud_user, given, sn):
    if display is None or display.strip():
        return display
    if cloud_user.display_name and not display_name_rules(cloud_user.display_name):
        return cloud_user.display_name
    name = " ".join(part.strip() for part in (given, sn) if part and part.strip())
    return name or display


def _trim_proxy(value: str) -> str:
    prefix, sep, address = value.partition(":")
    return f"{prefix.strip()}:{address.strip()}" if sep else value


def _corrected_proxies(proxies, mail) -> list[str]:
    out: list[str] = []
    position: dict[str, int] = {}
    for value in proxies:
        if proxy_rules(value):
            trimmed = _trim_proxy(value)
            if trimmed != value and not proxy_rules(trimmed):
                value = trimmed
        key = value.lower()
        if key in position:
            kept = out[position[key]]
            if value.startswith("SMTP:") and not kept.startswith("SMTP:"):
                out[position[key]] = value
            continue
        position[key] = len(out)
        out.append(value)
    # a dropped value the writers cannot tell from a kept one would be a no-op removal: keep it
    kept_keys = {value_key("proxyAddresses", v) for v in out}
    for value in proxies:
        if value not in out and value_key("proxyAddresses", value) in kept_keys:
            out.append(value)
    primaries = [v for v in out if v.startswith("SMTP:")]
    if len(primaries) > 1 and mail:
        keep = [v for v in primaries if v[5:].lower() == mail.lower()]
        if len(keep) == 1:
            out = [f"smtp:{v[5:]}" if v.startswith("SMTP:") and v != keep[0] else v for v in out]
    elif not primaries and out and mail:
        same = [i for i, v in enumerate(out) if v[:5].lower() == "smtp:" and v[5:].lower() == mail.lower()]
        if len(same) == 1:
            out[same[0]] = f"SMTP:{out[same[0]][5:]}"
    return out


def _steers_smtp_match(before, after, cloud_user, index):
    """The other cloud user whose primary SMTP address the correction makes the AD user's, or None:
    SMTP soft match comes before the UPN, so the join would move to that user."""
    if not after or (before or "").lower() == after.lower():
        return None
    return next((u for u in index.cloud_by_primary_smtp.get(after.lower(), ()) if u is not cloud_user), None)


def _held_elsewhere(addresses, cloud_user, ad, ctx):
    """(address, holder) for the first new address another object already has, or that a change
    planned before this one gives another object (two subjects' trims of one address), or None."""
    for address in sorted(addresses):
        holders = ctx.index.holders(address, besides=(cloud_user, ad))
        if holders:
            return address, describe(holders[0])
        planned = ctx.planned_holders(address, ad.dn)
        if planned:
            return address, f"{planned[0]} (a change planned before this one)"
    return None
