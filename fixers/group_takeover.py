"""Manual: whether AD should take over a cloud group (and its membership) is the owners' decision.

The guidance names each cloud group or contact and what to compare or rename, in the place it is managed."""
from syncready.checks.group_takeover import META
from syncready.fixerapi import FixContext, Result, Subject


def guidance(subject: Subject, result: Result, ctx: FixContext) -> str:
    evidence = result.evidence or {}
    dn = evidence.get("onprem_dn", subject.name)
    steps = []
    for target in evidence.get("takes_over") or ():
        name = target.get("name") or target.get("mail")
        if target.get("kind") == "cloud-group":
            steps.append(f"compare the members and owners of cloud group {name} ({target.get('id')}; Get-MgGroupMember "
                         f"-GroupId {target.get('id')}) with those of {dn} and make the AD group complete before the "
                         "first sync, which replaces the cloud membership with AD's")
        else:
            steps.append(f"check that {dn} carries what cloud contact {name} should keep; after the first sync it "
                         "is managed from AD")
    for target in evidence.get("collides_with") or ():
        steps.append(f"remove {target.get('address')} from one of {dn} and cloud {target.get('kind', '')[6:]} "
                     f"{target.get('name') or target.get('mail')}: a group and a contact never match")
    for target in evidence.get("namesakes") or ():
        steps.append(f"rename {dn} or cloud group {target.get('name')} ({target.get('id')}), or plan to move the "
                     "cloud group's permissions to the synced group and delete the cloud one after the cutover")
    if not steps:
        return META.how_to_fix
    steps.append(f"or keep {dn} out of the sync scope")
    return "; ".join(steps)
