"""Manual: the match goes wrong because of another account or a tenant setting; both need a decision.

The guidance starts from the prediction in the evidence (which account Entra would join, or why it
joins none) and names the one change that steers the match to this user: stamping when that alone
would do it, else the address, ImmutableID, role or setting that is in the way.
"""
from syncready.fixerapi import FixContext, Result, Subject
from syncready.matching import names_other_object

STAMP = ("stamp the ImmutableID (syncready fix --select anchor-ready; planned once every other blocker passes): "
         "the hard match then joins {dn} to {upn}, whatever soft match would do")


def guidance(subject: Subject, result: Result, ctx: FixContext) -> str:
    e = result.evidence or {}
    upn, dn = subject.name, e.get("onprem_dn") or "the AD user"
    stamp = STAMP.format(dn=dn, upn=upn)
    if e.get("stamping_would_match"):
        return stamp[0].upper() + stamp[1:]
    predicted = e.get("predicted") or {}
    other = predicted.get("upn")
    how = e.get("how")
    if other and how == "hard":
        return (f"Cloud user {other} holds {dn}'s anchor {e.get('onprem_anchor')} as onPremisesImmutableId. If "
                f"{other} is not this person's account, clear its ImmutableID (Graph PATCH "
                f"/users/{predicted.get('id')} with onPremisesImmutableId null); if it is, {upn} is the duplicate: "
                "merge the two in the cloud first")
    if other and how == "smtp":
        return (f"Cloud user {other} has {dn}'s primary SMTP address {e.get('onprem_primary_smtp')}. Set the "
                f"AD primary to {upn}'s {e.get('cloud_primary_smtp') or 'address'} (syncready fix --select "
                f"mail-primary-smtp), or if that address is this person's, move it from {other} to {upn}")
    if other:
        return f"Make the userPrincipalName of {other} or {dn} unique (upn-unique)"
    candidate = (e.get("candidate") or {}).get("upn")
    if candidate and candidate.lower() == upn.lower():
        return _unblock(subject, e, ctx)
    if candidate:
        return (f"Matching stops at cloud user {candidate}. Take the address or ImmutableID that leads there "
                f"off {dn} or {candidate}, or give {dn} the primary SMTP address of {upn} "
                "(syncready fix --select mail-primary-smtp)")
    features = ctx.index.features
    if features.block_soft_match:
        return ("Soft match is blocked for the tenant, and stamping cannot help until "
                f"{_stamp_blocker(subject, ctx)}; then {stamp}")
    primary = e.get("cloud_primary_smtp")
    if primary:
        return (f"Give {dn} the primary SMTP address {primary} (syncready fix --select mail-primary-smtp) so "
                f"SMTP soft match finds {upn}, or {stamp}")
    return f"{upn} has no mailbox address: turn on softMatchOnUpnEnabled for the tenant, or {stamp}"


def _unblock(subject, e, ctx) -> str:
    """What stops Entra from joining this very user, and what removes it."""
    user, index = subject.obj, ctx.index
    if user.cloud_managed:
        return (f"{subject.name} is cloud-managed (isCloudManaged true): sync will not take it over. Set "
                "isCloudManaged to false first if AD is to become its source again (cloud-managed)")
    if index.directory.roles_known and index.roles_by_principal.get(user.id):
        return (f"{subject.name} holds a directory role (assigned or eligible): remove it before the first sync, "
                "then restore it (no-admin-role)")
    if user.object_identifier and "OnPremisesObjectIdentifier" in (e.get("reason") or ""):
        return (f"{subject.name} keeps onPremisesObjectIdentifier {user.object_identifier} of another AD object: "
                "clear it to null (previously-synced), then run the sync again")
    if user.immutable_id and user.immutable_id == e.get("onprem_anchor"):
        return ("the tenant blocks hard match of cloud-created users: turn off "
                "blockCloudObjectTakeoverThroughHardMatchEnabled for the first sync (tenant-sync-features)")
    if user.immutable_id:
        return (f"{subject.name} already has onPremisesImmutableId {user.immutable_id}, so soft match refuses it: "
                "clear it (syncready fix --select cloud-only --unsafe), then stamp (anchor-ready)")
    return "keep the address Entra matches on on one cloud user only"


def _stamp_blocker(subject, ctx) -> str:
    user = subject.obj
    if user.immutable_id:
        return f"the ImmutableID {user.immutable_id} already on {subject.name} is cleared (cloud-only)"
    if user.cloud_managed:
        return f"isCloudManaged of {subject.name} is set back to false (cloud-managed)"
    features = ctx.index.features
    if (user.object_identifier and not features.allow_object_identifier_update
            and names_other_object(user.object_identifier, subject.counterpart)):
        return (f"onPremisesObjectIdentifier {user.object_identifier}, another AD object's, is cleared on "
                f"{subject.name} (previously-synced)")
    if ctx.index.features.block_cloud_object_takeover_through_hard_match:
        return "blockCloudObjectTakeoverThroughHardMatchEnabled is turned off (tenant-sync-features)"
    if ctx.index.directory.roles_known and ctx.index.roles_by_principal.get(subject.obj.id):
        return f"the directory roles of {subject.name} are removed (no-admin-role)"
    return "the anchor of the AD user is valid and held by no other cloud user (anchor-ready)"
