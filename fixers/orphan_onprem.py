"""Manual: whether an unmatched AD user is a known person, a service account or a newcomer is a judgement.

The guidance follows the evidence: a join onto a cloud user that was not checked (check it), a cloud
user with the same UPN that will not match (resolve its single-match), a candidate Entra would
refuse, probable duplicates (give the AD user that account's UPN and primary SMTP address), or none
(move it out of scope, or waive the warning for it).
"""
import json

from syncready.fixerapi import FixContext, Result, Subject


def guidance(subject: Subject, result: Result, ctx: FixContext) -> str:
    evidence = result.evidence or {}
    dn = subject.name
    reason = evidence.get("reason") or result.message or ""
    first = f"{evidence['upn_problem']}. Then: " if evidence.get("upn_problem") else ""
    joins = evidence.get("joins")
    if joins and evidence.get("unchecked"):
        return (f"set [scope] include_onmicrosoft = true in syncready.toml and check again: sync joins {dn} to "
                f"{joins['upn']}, whose cloud-user checks did not run ({evidence['unchecked']})")
    holder = evidence.get("upn_holder")
    if holder:
        return (f"{first}cloud user {holder['upn']} has this UPN but would not be matched; resolve its single-match "
                f"failure (syncready fix --select single-match --user {holder['upn']} shows what to do)")
    candidate = evidence.get("candidate")
    if candidate and candidate.get("upn"):
        return (f"{first}matching stops at cloud user {candidate['upn']} ({reason}); if that is this person's "
                "account, remove what blocks the match there, else take the address that points to it off "
                f"{dn}")
    duplicates = evidence.get("probable_duplicates") or []
    if duplicates:
        best = duplicates[0]
        user = ctx.index.cloud_by_id.get(best.get("id"))
        primary = (user.primary_smtp if user else None) or best["upn"]
        others = [f"{d['upn']} ({d['likeness']})" for d in duplicates[1:]]
        also = f"; other look-alikes: {', '.join(others)}" if others else ""
        return (f"{first}if {dn} is the same person as {best['upn']} ({best['likeness']}), set its "
                f"userPrincipalName to {best['upn']} and its mail and SMTP: primary to {primary}, then check "
                f"again with --user {best['upn']}{also}; if not, move it out of the synchronized OUs or waive "
                "this warning for it")
    return (f"{first}if {dn} is a service, test or former employee's account, move it out of the synchronized "
            "OUs; if a new cloud account is right, waive this warning: [[waivers]] check = \"orphan-onprem\", "
            f"subjects = [{json.dumps(dn, ensure_ascii=False)}], reason = \"new cloud user wanted\"")
