"""Provisioning errors of cloud groups and contacts after the first sync (their onPremisesProvisioningErrors).

Mail-enabled AD groups and contacts soft-match on their addresses and are then managed from AD
(existing-tenant, "Other objects than users"); an address another object already holds is
quarantined on them as a PropertyConflict, as on users (duplicate attribute resiliency). Each
entry is one finding about that group or contact, counted apart from people: the summary's
`objects_failing`. A group or contact record without the property was not read, which
`objects_unread` says, so "no error" is never a guess.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .addresses import split_proxy
from .model import CloudObject, CloudUser, Directory, OnPremObject
from .verifyrules import Outcome, error_name, object_recovery

if TYPE_CHECKING:
    from .verify import Tenant

OBJECT_KINDS = ("group", "contact")
_PLURAL = {"group": "groups", "contact": "contacts"}
_PROPERTY = "onPremisesProvisioningErrors"


def objects_unread(directory: Directory) -> list[str]:
    """Groups or contacts read without onPremisesProvisioningErrors (an export that did not select it)."""
    lines = []
    for kind, objects in (("group", directory.cloud_groups), ("contact", directory.cloud_contacts)):
        absent = sum(1 for o in objects if o.provisioning_errors is None)
        if absent:
            resource = _PLURAL[kind]
            lines.append(f"{resource}.{_PROPERTY} (absent from {absent:,} of {len(objects):,} records: not "
                         f"selected in the export; export /{resource} with $select=...,{_PROPERTY})")
    return lines


def object_findings(tenant: Tenant) -> list[dict]:
    """One provisioning-error finding per entry of every group and contact."""
    findings = []
    for obj in (*tenant.directory.cloud_groups, *tenant.directory.cloud_contacts):
        for error in obj.provisioning_errors or ():
            findings.append(_finding(obj, error, tenant))
    return findings


def _finding(obj: CloudObject, error: dict, tenant: Tenant) -> dict:
    name = error_name(error)
    prop, value = error.get("propertyCausingError"), error.get("value")
    address = split_proxy(value)[1] if isinstance(value, str) and "@" in value else None
    holders = [h for h in tenant.index.holders(address, besides=(obj,), onprem="none")
               if isinstance(h, CloudUser | CloudObject)] if address else []
    ad = _ad_object(obj, address, tenant)
    label = _label(obj)
    held = f"; held by {', '.join(_describe(h) for h in holders[:3])}" if holders else ""
    return {
        "outcome": Outcome.PROVISIONING_ERROR, "kind": obj.kind, "subject": label,
        "onprem_dn": ad, "cloud": {"id": obj.id, "upn": None, "displayName": obj.display_name, "mail": obj.mail},
        "error": name, "predicted": None,
        "message": f"{obj.kind} {label}: {name} ({error.get('category') or 'error'} on {prop or 'an attribute'}: "
                   f"{value!r}){held}",
        "evidence": {"kind": obj.kind, "category": error.get("category"), "property": prop, "value": value,
                     "occurred": error.get("occurredDateTime"),
                     "held_by": [_ref(h) for h in holders]},
        "remediation": list(object_recovery(name, obj.kind, ad, [_describe(h) for h in holders], address))}


def _label(obj: CloudObject) -> str:
    return obj.mail or obj.display_name or obj.id


def _ad_object(obj: CloudObject, address: str | None, tenant: Tenant) -> str | None:
    """The in-scope AD object of the same class the value came from: it holds the address (or the mail)."""
    for key in (address, obj.mail):
        if not key:
            continue
        for holder in tenant.index.holders(key, cloud=False):
            if isinstance(holder, OnPremObject) and holder.object_class == obj.kind:
                return holder.dn
    return None


def _describe(holder: CloudUser | CloudObject) -> str:
    return f"user {holder.upn}" if isinstance(holder, CloudUser) else f"{holder.kind} {_label(holder)}"


def _ref(holder: CloudUser | CloudObject) -> dict:
    if isinstance(holder, CloudUser):
        return {"kind": holder.kind, "id": holder.id, "upn": holder.upn}
    return {"kind": holder.kind, "id": holder.id, "displayName": holder.display_name, "mail": holder.mail}


def objects_failing(findings: list[dict]) -> dict[str, int]:
    """Groups and contacts with a failing finding, each counted once (apart from people)."""
    seen: dict[str, set[str]] = {kind: set() for kind in OBJECT_KINDS}
    for f in findings:
        if f.get("kind") in seen:
            seen[f["kind"]].add(f["cloud"]["id"])
    return {_PLURAL[kind]: len(ids) for kind, ids in seen.items()}
