"""Manual: which of two objects rightly holds an address is the administrator's decision.

The guidance names, per clashing address, every other holder and the command that takes the address
off it, and the alternative of taking it off the AD user instead (unless it is the user's UPN).
"""
from syncready.checks.proxy_unique import META
from syncready.fixerapi import FixContext, Result, Subject

from ._common import ps_quote


def guidance(subject: Subject, result: Result, ctx: FixContext) -> str:
    evidence = result.evidence or {}
    conflicts = evidence.get("conflicts")
    if not conflicts:
        return META.how_to_fix
    dn = evidence.get("onprem_dn", "the AD user")
    steps = []
    for conflict in conflicts:
        address = conflict["address"]
        others = "; ".join(_take_off(address, holder) for holder in conflict["holders"])
        if address == subject.name.lower():
            mine = f"it is {subject.name}'s own UPN, so the other object has to give it up"
        else:
            mine = f"or, if {address} is not this person's address, remove it from mail/proxyAddresses of {dn} in AD"
        steps.append(f"{address}: {others} — {mine}")
    return "decide which object each address belongs to, then: " + "; ".join(steps)


def _take_off(address: str, holder: dict) -> str:
    """The action that removes the address from one holder, in the place that holder is managed."""
    kind = holder.get("kind", "")
    quoted = f"@{{remove='smtp:{address}'}}"
    if kind == "cloud-user":
        upn = holder.get("upn", "")
        if upn.lower() == address:
            return f"change the userPrincipalName of cloud user {upn}"
        return (f"remove it from cloud user {upn} (Exchange Online: Set-Mailbox '{ps_quote(upn)}' -EmailAddresses "
                f"{quoted}; set another primary first if it is the primary)")
    if kind == "cloud-group":
        name = holder.get("name") or holder.get("mail") or holder.get("id")
        return (f"remove it from cloud group {name} (Set-UnifiedGroup or Set-DistributionGroup '{ps_quote(name)}' "
                f"-EmailAddresses {quoted})")
    if kind == "cloud-contact":
        name = holder.get("name") or holder.get("mail") or holder.get("id")
        return f"remove it from cloud contact {name} (Set-MailContact '{ps_quote(name)}' -EmailAddresses {quoted})"
    where = holder.get("dn", "?")
    if (holder.get("upn") or "").lower() == address:
        return f"change the userPrincipalName of {where} in AD"
    return f"remove it from mail/proxyAddresses of {where} in AD"


