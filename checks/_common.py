"""Small helpers shared by check modules: references and descriptions of objects in messages."""
from __future__ import annotations

from syncready.checkapi import Reference

LEARN = "https://learn.microsoft.com/"
EXISTING_TENANT = Reference(
    "Microsoft Entra Connect: when you have an existing tenant (how-to-connect-install-existing-tenant)",
    LEARN + "entra/identity/hybrid/connect/how-to-connect-install-existing-tenant")
SOFT_MATCH_KB = Reference(
    "How to use SMTP matching to match on-premises user accounts to Office 365 user accounts (KB 3164442)",
    LEARN + "troubleshoot/microsoft-365/admin/active-directory/smtp-matching-match-on-premises-user-accounts")
UPN_MATCH_KB = Reference(
    "Use UPN matching for identity synchronization (KB 2641663)",
    LEARN + "troubleshoot/microsoft-365/admin/active-directory/use-upn-matching-for-identity-sync")
DUPLICATE_RESILIENCY = Reference(
    "Identity synchronization and duplicate attribute resiliency (how-to-connect-syncservice-duplicate-attribute-resiliency)",
    LEARN + "entra/identity/hybrid/connect/how-to-connect-syncservice-duplicate-attribute-resiliency")
PROXY_CALCULATION = Reference(
    "How the proxyAddresses attribute is populated in Microsoft Entra ID (KB 3190357)",
    LEARN + "troubleshoot/azure/active-directory/proxyaddresses-attribute-populate")
PREPARE_SYNC = Reference(
    "Prepare to provision users through directory synchronization (prepare-for-directory-synchronization)",
    LEARN + "microsoft-365/enterprise/prepare-for-directory-synchronization")
DESIGN_CONCEPTS = Reference(
    "Microsoft Entra Connect: design concepts — sourceAnchor (plan-connect-design-concepts)",
    LEARN + "entra/identity/hybrid/connect/plan-connect-design-concepts")
SYNC_ERRORS = Reference(
    "Troubleshooting errors during synchronization (tshoot-connect-sync-errors)",
    LEARN + "entra/identity/hybrid/connect/tshoot-connect-sync-errors")


def describe(obj) -> str:
    """A short, unambiguous name of a directory object for messages."""
    kind = getattr(obj, "kind", "")
    if kind == "cloud-user":
        return f"cloud user {obj.upn}"
    if kind in ("group", "contact"):
        return f"cloud {kind} {obj.display_name or obj.mail or obj.id}"
    if kind.startswith("onprem-"):
        return f"on-prem {obj.object_class} {obj.dn}"
    return str(obj)


def ref(obj) -> dict:
    """An object as evidence: kind plus the identifier a report can show."""
    kind = getattr(obj, "kind", "")
    if kind == "cloud-user":
        return {"kind": kind, "upn": obj.upn, "id": obj.id}
    if kind in ("group", "contact"):
        return {"kind": "cloud-" + kind, "name": obj.display_name, "mail": obj.mail, "id": obj.id}
    return {"kind": kind, "dn": obj.dn, "upn": obj.upn}
