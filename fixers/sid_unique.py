"""Manual: two cloud users claim one AD account's SID; which one is the person is a human decision."""
from syncready.fixerapi import FixContext, Result, Subject


def guidance(subject: Subject, result: Result, ctx: FixContext) -> str:
    evidence = result.evidence or {}
    holders = evidence.get("holders") or []
    if not holders:
        return ("read the SIDs on both sides (users.onPremisesSecurityIdentifier with User.Read.All, the AD "
                "objectSid in the LDIF export) and check again")
    steps = []
    for holder in holders:
        steps.append(f"PATCH https://graph.microsoft.com/beta/users/{holder['id']} "
                     '{"onPremisesSecurityIdentifier": null} (User.ReadWrite.All), or '
                     f"Clear-ADSyncToolsOnPremisesAttribute -Identity '{holder['id']}' -onPremisesSecurityIdentifier "
                     f"(clears it from {holder['upn']})")
    return (f"decide whether {subject.name} or {', '.join(h['upn'] for h in holders)} is the person behind "
            f"{evidence.get('onprem_dn')} (SID {evidence.get('onprem_sid')}). If it is {subject.name}: "
            + "; ".join(steps) + ". If it is the other user: give that user's UPN to the AD account instead, or "
            f"move the mailbox and data from {subject.name} to it")
