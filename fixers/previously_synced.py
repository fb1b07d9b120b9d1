"""Clears what an earlier sync left on a cloud user that names another AD object (unsafe, journaled).

Each stale value becomes one Graph PATCH to null: onPremisesObjectIdentifier, onPremisesSecurityIdentifier
and onPremisesSamAccountName through Graph beta (the writer knows which), onPremisesImmutableId through
v1.0. Graph accepts only null for onPremisesObjectIdentifier, so that clearing cannot be undone: the
plan says so, the journal keeps the old value, and `undo` lists it as not undone. A stale ImmutableID
that is another AD user's anchor is left alone (someone tied this account to that person: an
administrator decides), as it is in federated domains, where Graph does not clear it; one cloud-only
already plans to clear is not planned twice. For the same reason the object identifier is left while
the ImmutableID is the anchor of an in-scope AD user other than the counterpart: it is what blocks
that user's hard match, and clearing it would join that user to this account.
"""
from __future__ import annotations

from syncready.addresses import domain_of
from syncready.anchors import owners
from syncready.checks._hardening import OBJECT_IDENTIFIER
from syncready.immutableid import anchor_from_bytes
from syncready.fixerapi import Change, FixContext, NotFixable, Operation, Result, Subject, Target

from ._common import smtp_join_once_cleared

IMMUTABLE_ID = "onPremisesImmutableId"
CONSISTENCY_GUID = "mS-DS-ConsistencyGuid"
NOTES = {
    OBJECT_IDENTIFIER: "Graph beta; only null is accepted, so undo cannot write {old} back (kept in the journal); "
                       "the next sync stamps the objectGUID of {dn}",
    "onPremisesSecurityIdentifier": "Graph beta (User.ReadWrite.All); the SID of an earlier AD object, not of {dn}",
    "onPremisesSamAccountName": "Graph beta (User.ReadWrite.All); the earlier object's sAMAccountName",
    IMMUTABLE_ID: "the anchor of no AD user that was read; {dn}'s own comes with the first sync or the stamping",
}


def plan(subject: Subject, result: Result, ctx: FixContext) -> list[Change]:
    user, ad = subject.obj, subject.counterpart
    stale = dict((result.evidence or {}).get("stale") or {})
    if not stale or ad is None:
        raise NotFixable("nothing this fixer can clear names another object; see the message")
    changes = []
    for prop, value in stale.items():
        if prop == IMMUTABLE_ID and not _clear_immutable_id(subject, ctx, value):
            continue
        if prop == OBJECT_IDENTIFIER and (other := _hard_match_opened(subject, ctx)) is not None:
            ctx.refuse(f"{OBJECT_IDENTIFIER} is left: clearing it would let {other.dn} hard-match this cloud user "
                       f"(its anchor is the ImmutableID {user.immutable_id}), not {ad.dn} that has its "
                       "userPrincipalName; decide which AD user is this person's first (single-match, cloud-only)")
            continue
        if prop not in NOTES:
            ctx.refuse(f"{prop} is not cleared by this fixer")
            continue
        changes.append(Change(check="previously-synced", subject=subject.name, target=Target.CLOUD,
                              op=Operation.PATCH, object=user.id, attribute=prop, remove=[value], add=[],
                              note=NOTES[prop].format(old=value, dn=ad.dn)))
    return changes


def _hard_match_opened(subject: Subject, ctx: FixContext):
    """The in-scope AD user other than the counterpart whose anchor is the cloud user's ImmutableID (as the
    plan leaves it), or None: its hard match is what the stale object identifier blocks, so clearing the
    identifier would join that AD user, not the one with the UPN, to this cloud user."""
    user, ad = subject.obj, subject.counterpart
    now = ctx.values(user, IMMUTABLE_ID, user.immutable_id)
    if not now:
        return None
    index = ctx.index
    return next((o for o in index.onprem_by_anchor.get(now[0], ()) if o is not ad and index.in_scope(o)), None)


def _clear_immutable_id(subject: Subject, ctx: FixContext, value: str) -> bool:
    """Whether to plan clearing the stale ImmutableID here (refusing, with the reason, when not)."""
    user, ad = subject.obj, subject.counterpart
    now = ctx.values(user, IMMUTABLE_ID, user.immutable_id)
    if not now or now[0] != value:
        return False                      # cloud-only's fixer already clears (or changes) it
    planned = ctx.values(ad, CONSISTENCY_GUID, ad.consistency_guid)
    if planned and isinstance(planned[0], bytes) and anchor_from_bytes(planned[0]) == value:
        return False                      # cloud-only writes it into AD (write-to-ad): the counterpart's anchor now
    domain = ctx.index.domains.get(domain_of(user.upn))
    if domain is not None and domain.authentication_type.lower() == "federated":
        ctx.refuse(f"{domain.id} is federated: Graph does not clear the ImmutableID of its users; move the UPN to "
                   "a managed domain first")
        return False
    named = owners(value, ad, ctx.index)
    if named:
        ctx.refuse(f"the ImmutableID {value} is {named[0][1]} {named[0][0]}: decide which AD account is the "
                   f"person's before clearing it (see cloud-only)")
        return False
    opened = smtp_join_once_cleared(subject, ctx.index)
    if opened:
        ctx.refuse(opened)
        return False
    return True
