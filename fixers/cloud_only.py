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
from weakref import WeakKeyDictionary

from syncready.addresses import domain_of
from syncready.fixing import NotFixable
from syncready.immutableid import decode_anchor
from syncready.plan import Change

AVAILABILITY = "sometimes"
SAFETY = "unsafe"

_TABLES: WeakKeyDictionary = WeakKeyDictionary()


def plan(subject, result, ctx):
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
    owners = _owners(current, ad, ctx.index)
    if owners:
        name, how = owners[0]
        raise NotFixable(f"{current} is {how} {name}: someone tied {subject.name} to that AD account. Decide "
                         f"which AD account is this person's: if it is {name}, give it the UPN {subject.name} "
                         f"instead of {ad.dn}; if it is {ad.dn}, clear the ImmutableID by hand (Graph PATCH "
                         f"/users/{user.id} with onPremisesImmutableId null)")
    return [Change(check="cloud-only", subject=subject.name, target="cloud", op="patch", object=user.id,
                   attribute="onPremisesImmutableId", remove=[current], add=[],
                   note=_why_stale(current, ad))]


def _owners(value: str, counterpart, index) -> list[tuple[str, str]]:
    """Other AD users the value names: as anchor, in another letter case, or as a GUID in either byte order."""
    exact, folded, by_guid = _tables(index)
    found = [(o, "the anchor of") for o in exact.get(value, ())]
    found += [(o, "in another letter case the anchor of") for o in folded.get(value.lower(), ())]
    raw = _decoded(value)
    if raw is not None and len(raw) == 16:
        found += [(o, "the GUID of") for o in by_guid.get(raw, ())]
        found += [(o, "in RFC byte order the GUID of") for o in by_guid.get(uuid.UUID(bytes=raw).bytes_le, ())]
    seen, owners = set(), []
    for obj, how in found:
        if obj is not counterpart and obj.dn not in seen:
            seen.add(obj.dn)
            owners.append((obj.dn, how))
    return owners


def _tables(index):
    """Per-index lookups of AD users by anchor, lower-cased anchor and raw GUID, built on first use."""
    tables = _TABLES.get(index)
    if tables is None:
        folded, by_guid = {}, {}
        for obj in index.onprem_users:
            if obj.anchor:
                folded.setdefault(obj.anchor.lower(), []).append(obj)
            for raw in {obj.object_guid, obj.consistency_guid} - {None}:
                by_guid.setdefault(raw, []).append(obj)
        tables = _TABLES[index] = (index.onprem_by_anchor, folded, by_guid)
    return tables


def _why_stale(value: str, ad) -> str:
    """Why clearing is safe, for the plan."""
    raw = _decoded(value)
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


def _decoded(value: str) -> bytes | None:
    try:
        return decode_anchor(value)
    except ValueError:
        return None
