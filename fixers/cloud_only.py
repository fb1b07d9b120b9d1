"""Clears a stale onPremisesImmutableId (JSON null through Graph), so the stamping can set the right one.

Cleared only when the value can belong to no AD user but the counterpart: it points to no AD user at
all, is malformed, or is the counterpart's own GUID written wrongly (letter case changed, RFC byte
order, the objectGUID while mS-DS-ConsistencyGuid is set). None of these can hard-match anyone, so
clearing loses no link. Refused when the value is, in any of those forms, another AD user's
anchor: someone tied this cloud account to that person, and only an administrator can say who is
right. Refused in federated domains, where the ImmutableID is the sign-in identifier and Graph
refuses to clear it. The correct value is not written here: that is the stamping, with its gate.
"""
from __future__ import annotations

import uuid

from syncready.addresses import domain_of
from syncready.anchors import decoded, owners
from syncready.fixerapi import Change, FixContext, NotFixable, Operation, Result, Subject, Target


def plan(subject: Subject, result: Result, ctx: FixContext) -> list[Change]:
    user, ad = subject.obj, subject.counterpart
    now = ctx.values(user, "onPremisesImmutableId", user.immutable_id)
    if not now or now[0] == ad.anchor:
        return []
    current = now[0]
    domain = ctx.index.domains.get(domain_of(user.upn))
    if domain is not None and domain.authentication_type.lower() == "federated":
        raise NotFixable(f"{domain.id} is federated: the ImmutableID is what the identity provider sends at "
                         "sign-in, and Graph does not clear it for federated users; move the UPN to a managed "
                         "domain (or convert the domain) before clearing it")
    named = owners(current, ad, ctx.index)
    if named:
        name, how = named[0]
        raise NotFixable(f"{current} is {how} {name}: someone tied {subject.name} to that AD account. Decide "
                         f"which AD account is this person's: if it is {name}, give it the UPN {subject.name} "
                         f"instead of {ad.dn}; if it is {ad.dn}, clear the ImmutableID by hand (Graph PATCH "
                         f"/users/{user.id} with onPremisesImmutableId null)")
    return [Change(check="cloud-only", subject=subject.name, target=Target.CLOUD, op=Operation.PATCH, object=user.id,
                   attribute="onPremisesImmutableId", remove=[current], add=[],
                   note=_why_stale(current, ad))]


def _why_stale(value: str, ad) -> str:
    """Why clearing is safe, for the plan."""
    raw = decoded(value)
    if ad.anchor and value.lower() == ad.anchor.lower():
        return f"differs only in letter case from the anchor of {ad.dn}; the stamping then sets the exact one"
    if raw is None:
        return "not valid base64, so it can match no AD user"
    if len(raw) != 16:
        return f"decodes to {len(raw)} bytes, not a GUID, so it can match no AD user"
    if ad.consistency_guid and raw == ad.object_guid:
        return f"the objectGUID of {ad.dn}, but Entra uses its mS-DS-ConsistencyGuid; the stamping then sets that"
    if uuid.UUID(bytes=raw).bytes_le in (ad.object_guid, ad.consistency_guid):
        return f"the GUID of {ad.dn} in RFC byte order; the stamping then sets the .NET byte order"
    return ("matches no AD user that was read; if another forest or domain also syncs to this tenant, make "
            "sure it is none of its users before applying")


