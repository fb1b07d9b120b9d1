"""The first export of AD groups and contacts in the independent model (see :mod:`.firstexport`).

From Microsoft's pages, not from syncready: existing-tenant's "Other objects than users" (mail-enabled
groups and contacts soft-match on proxyAddresses, then AD manages them; a group that is not
mail-enabled never matches; hard match is for users only), tshoot-connect-sync-errors
(InvalidSoftMatch: the cloud object is already synchronized) and duplicate attribute resiliency
(an SMTP address another object holds is quarantined: PropertyConflict on ProxyAddresses, recorded
in the object's onPremisesProvisioningErrors, the object still provisioned).
"""
from __future__ import annotations

import uuid

from .firstexport import NOW, ExportLog, _error, _Tenant, _text, _texts


def _primary(proxies: list[str], mail: str | None) -> str | None:
    primaries = [p[5:] for p in proxies if p.startswith("SMTP:")]
    return primaries[0] if primaries else mail


def export_object(dn: str, attrs: dict, kind: str, t: _Tenant, log: ExportLog) -> None:
    """Join or create the cloud group/contact of one in-scope AD group or contact, as Entra would."""
    proxies = [p for p in _texts(attrs, "proxyAddresses") if p.split(":", 1)[0].lower() not in ("x400", "msmail")]
    mail = _text(attrs, "mail")
    primary = _primary(proxies, mail)
    pool = t.groups if kind == "group" else t.contacts
    target = None
    if primary:                          # a group that is not mail-enabled never matches
        held = [o for o in pool if (t.primary_of(o) or "").lower() == primary.lower()]
        if held and held[0].get("onPremisesSyncEnabled"):
            log.object_errors[dn] = "InvalidSoftMatch"   # resiliency: a second object is provisioned
        elif held:
            target = held[0]
    how = "joined" if target is not None else "created"
    if target is None:
        target = {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"firstexport:{kind}:{dn.lower()}"))}
        pool.append(target)
    errors = list(target.get("onPremisesProvisioningErrors") or ())
    kept = []
    for value in proxies or ([f"SMTP:{mail}"] if mail else []):
        address = value.split(":", 1)[-1]
        if value.lower().startswith("smtp:") and t.taken(address, target):
            errors.append(_error("ProxyAddresses", value))
        else:
            kept.append(value)
    target.update(displayName=_text(attrs, "displayName") or dn.split(",", 1)[0][3:], proxyAddresses=kept,
                  mail=_primary(kept, None), onPremisesSyncEnabled=True, onPremisesLastSyncDateTime=NOW,
                  onPremisesProvisioningErrors=errors)
    if kind == "group":
        target["mailEnabled"] = bool(primary)
    log.objects[dn] = (target["id"], how)
    if errors and dn not in log.object_errors:
        log.object_errors[dn] = "AttributeValueMustBeUnique"
