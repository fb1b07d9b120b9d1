"""Repairs a stale onPremisesImmutableId one of two ways, both unsafe, journaled and undoable.

Clearing (the default, JSON null through Graph) so the stamping can set the right one: only when the
value can belong to no AD user but the counterpart — it points to no AD user at all, is malformed, or
is the counterpart's own GUID written wrongly (letter case changed, RFC byte order, the other GUID
attribute than the configured anchor). None of these can hard-match anyone, so clearing loses no
link. Refused in federated domains, where the ImmutableID is the sign-in identifier and Graph refuses
to clear it.

Writing it to AD (`[fix] stale_immutable_id = "write-to-ad"`, and by itself in a federated domain):
Microsoft's fix when the cloud user is the same person as the AD user (existing-tenant page,
AttributeValueMustBeUnique) — the cloud value becomes the AD user's mS-DS-ConsistencyGuid, so its
anchor equals it. Only when the value is a valid GUID anchor that names no existing AD object, no
other cloud user holds it, the anchor attribute is mS-DS-ConsistencyGuid, and no synchronized cloud
user is bound to the AD user's present anchor.

Both are refused when the value is, in any form, another AD user's anchor: someone tied this cloud
account to that person, and only an administrator can say who is right.
"""
from __future__ import annotations

import uuid

from syncready.addresses import domain_of
from syncready.anchors import decoded, owners
from syncready.fixerapi import Change, FixContext, NotFixable, Operation, Result, Subject, Target
from syncready.immutableid import anchor_problem
from syncready.vocab import SourceAnchor, StaleImmutableIdFix

from ._common import modify, smtp_join_once_cleared

CONSISTENCY_GUID = "mS-DS-ConsistencyGuid"


def plan(subject: Subject, result: Result, ctx: FixContext) -> list[Change]:
    user, ad, index = subject.obj, subject.counterpart, ctx.index
    anchor = index.anchor(ad)
    now = ctx.values(user, "onPremisesImmutableId", user.immutable_id)
    if not now or now[0] == anchor:
        return []
    current = now[0]
    domain = index.domains.get(domain_of(user.upn))
    federated = domain is not None and domain.authentication_type.lower() == "federated"
    named = owners(current, ad, index)
    if named:
        name, how = named[0]
        raise NotFixable(f"{current} is {how} {name}: someone tied {subject.name} to that AD account. Decide "
                         f"which AD account is this person's: if it is {name}, give it the UPN {subject.name} "
                         f"instead of {ad.dn}; if it is {ad.dn}, clear the ImmutableID by hand (Graph PATCH "
                         f"/users/{user.id} with onPremisesImmutableId null)")
    if federated or ctx.options.get("stale_immutable_id") == StaleImmutableIdFix.WRITE_TO_AD:
        problem = _cannot_write_to_ad(current, subject, ctx)
        if problem is None:
            return [modify("cloud-only", subject, ad, CONSISTENCY_GUID, ctx.values(ad, CONSISTENCY_GUID,
                           ad.consistency_guid), [decoded(current)],
                           note=f"Microsoft's fix for the same person: the cloud ImmutableID {current} of "
                                f"{subject.name} becomes the anchor of {ad.dn}; undo restores the old value")]
        if federated:
            raise NotFixable(f"{domain.id} is federated: the ImmutableID is what the identity provider sends at "
                             "sign-in, and Graph does not clear it for federated users; writing it into "
                             f"{CONSISTENCY_GUID} is not possible either ({problem}). Move the UPN to a managed "
                             "domain (or convert the domain) before clearing it")
        raise NotFixable(f"the ImmutableID is not written into {CONSISTENCY_GUID} of {ad.dn}: {problem}; "
                         "clear it instead ([fix] stale_immutable_id = \"clear\")")
    opened = smtp_join_once_cleared(subject, index)
    if opened:
        raise NotFixable(opened)
    return [Change(check="cloud-only", subject=subject.name, target=Target.CLOUD, op=Operation.PATCH, object=user.id,
                   attribute="onPremisesImmutableId", remove=[current], add=[],
                   note=_why_stale(current, ad, index))]


def _cannot_write_to_ad(value: str, subject: Subject, ctx: FixContext) -> str | None:
    """Why the cloud value may not become the counterpart's mS-DS-ConsistencyGuid, or None."""
    user, ad, index = subject.obj, subject.counterpart, ctx.index
    if index.source_anchor == SourceAnchor.OBJECT_GUID:
        return (f"[sync] source_anchor is objectGUID, so {CONSISTENCY_GUID} is not the anchor and writing it "
                "changes nothing")
    problem = anchor_problem(value)
    if problem:
        return f"the cloud value is no GUID anchor ({problem})"
    raw = decoded(value)
    own = {ad.object_guid, ad.consistency_guid} - {None}
    if raw in own or uuid.UUID(bytes=raw).bytes_le in own or value.lower() == (index.anchor(ad) or "").lower():
        return "it is this AD user's own GUID written wrongly, which clearing repairs"
    if index.onprem_by_guid.get(raw) or index.onprem_by_guid.get(uuid.UUID(bytes=raw).bytes_le):
        return "it names an existing AD object"
    others = [u.upn for u in index.cloud_by_immutable_id.get(value, ()) if u is not user]
    if others:
        return f"cloud user {others[0]} holds it too, so the hard match would be ambiguous"
    bound = [u.upn for u in index.cloud_by_immutable_id.get(index.anchor(ad) or "", ()) if u.sync_enabled]
    if bound:
        return f"synchronized cloud user {bound[0]} is bound to the present anchor of {ad.dn}"
    return None


def _why_stale(value: str, ad, index) -> str:
    """Why clearing is safe, for the plan."""
    raw = decoded(value)
    anchor = index.anchor(ad)
    if anchor and value.lower() == anchor.lower():
        return f"differs only in letter case from the anchor of {ad.dn}; the stamping then sets the exact one"
    if raw is None:
        return "not valid base64, so it can match no AD user"
    if len(raw) != 16:
        return f"decodes to {len(raw)} bytes, not a GUID, so it can match no AD user"
    if index.anchor_attribute(ad) == SourceAnchor.CONSISTENCY_GUID and raw == ad.object_guid:
        return f"the objectGUID of {ad.dn}, but Entra uses its mS-DS-ConsistencyGuid; the stamping then sets that"
    if index.source_anchor == SourceAnchor.OBJECT_GUID and raw == ad.consistency_guid:
        return f"the mS-DS-ConsistencyGuid of {ad.dn}, but the anchor is its objectGUID; the stamping then sets that"
    if uuid.UUID(bytes=raw).bytes_le in (ad.object_guid, ad.consistency_guid):
        return f"the GUID of {ad.dn} in RFC byte order; the stamping then sets the .NET byte order"
    return ("matches no AD user that was read; if another forest or domain also syncs to this tenant, make "
            "sure it is none of its users before applying. If this cloud user is the same person, "
            "[fix] stale_immutable_id = \"write-to-ad\" keeps the value and writes it into "
            f"{CONSISTENCY_GUID} of {ad.dn} instead")
