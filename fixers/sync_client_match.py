"""Manual: under Cloud Sync a UPN-only match is unproven; the guidance names the two documented ways.

Stamping is named first when it alone would give a hard match (the counterpart's anchor is held by no
other cloud user); the SMTP route names the exact address to give the AD user.
"""
from syncready.fixerapi import FixContext, Result, Subject


def guidance(subject: Subject, result: Result, ctx: FixContext) -> str:
    e = result.evidence or {}
    dn, upn = e.get("onprem_dn") or "the AD user", subject.name
    anchor = e.get("onprem_anchor")
    primary = e.get("cloud_primary_smtp")
    stamp = (f"stamp the ImmutableID: `syncready fix --select anchor-ready --user {upn}` sets "
             f"onPremisesImmutableId of {upn} to {anchor} ({e.get('anchor_attribute')} of {dn}), so Cloud Sync's "
             "first export hard-matches")
    holders = [u for u in ctx.index.cloud_by_immutable_id.get(anchor or "", ()) if u is not subject.obj]
    if holders:
        stamp = (f"clear onPremisesImmutableId {anchor} on {holders[0].upn} first (cloud-only), then " + stamp)
    smtp = (f"set mail = {primary} and the proxyAddresses value SMTP:{primary} on {dn} (syncready fix --select "
            f"mail-primary-smtp), so SMTP soft match finds {upn}" if primary else
            f"{upn} has no primary SMTP address, so SMTP soft match cannot find it")
    return (f"Microsoft documents no UPN soft match for Cloud Sync. Either {stamp}; or {smtp}. Do not clear "
            "mS-DS-ConsistencyGuid expecting Cloud Sync to fill it: it writes nothing back")
