"""Manual: only the administrator can tell which of two objects rightly holds an address."""
from syncready.fixerapi import FixContext, Result, Subject


def guidance(subject: Subject, result: Result, ctx: FixContext) -> str:
    holders = (result.evidence or {}).get("holders", [])
    names = "; ".join(h.get("dn") or h.get("upn") or h.get("mail") or h.get("name") or "?" for h in holders)
    return (f"decide which object is {subject.name}'s, then change the UPN or address on the other "
            f"({names}): in AD for on-prem objects, in Exchange Online or Entra for cloud ones")
