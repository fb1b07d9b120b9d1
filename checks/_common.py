"""Small helpers shared by check modules: references and descriptions of objects in messages."""
from __future__ import annotations

import datetime as dt

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
    "Identity synchronization and duplicate attribute resiliency "
    "(how-to-connect-syncservice-duplicate-attribute-resiliency)",
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

ADSYNCTOOLS = Reference(
    "Microsoft Entra Connect: ADSyncTools PowerShell reference — "
    "ConvertFrom-ADSyncToolsImmutableID (reference-connect-adsynctools)",
    LEARN + "entra/identity/hybrid/connect/reference-connect-adsynctools")
SYNC_FILTERING = Reference(
    "Microsoft Entra Connect Sync: configure filtering (how-to-connect-sync-configure-filtering)",
    LEARN + "entra/identity/hybrid/connect/how-to-connect-sync-configure-filtering")
GRAPH_USER = Reference(
    "Microsoft Graph: user resource type (onPremisesImmutableId, accountEnabled)",
    LEARN + "graph/api/resources/user")
GRAPH_SYNC_FEATURES = Reference(
    "Microsoft Graph: onPremisesDirectorySynchronizationFeature resource type",
    LEARN + "graph/api/resources/onpremisesdirectorysynchronizationfeature")
GRAPH_ROLE_ASSIGNMENTS = Reference(
    "Microsoft Graph: list unifiedRoleAssignments (roleManagement/directory/roleAssignments)",
    LEARN + "graph/api/rbacapplication-list-roleassignments")
GRAPH_ROLE_ELIGIBILITY = Reference(
    "Microsoft Graph: list roleEligibilitySchedules (PIM eligible assignments)",
    LEARN + "graph/api/rbacapplication-list-roleeligibilityschedules")


def shorten(items, limit: int = 5) -> str:
    """A comma list of at most `limit` items, saying how many more there are."""
    items = list(items)
    shown = ", ".join(str(i) for i in items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


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


PASSWORD_HASH_SYNC = Reference(
    "Implement password hash synchronization with Microsoft Entra Connect Sync "
    "(how-to-connect-password-hash-synchronization)",
    LEARN + "entra/identity/hybrid/connect/how-to-connect-password-hash-synchronization")
CLOUD_SYNC_FAQ = Reference(
    "Microsoft Entra Cloud Sync FAQ (reference-cloud-sync-faq)",
    LEARN + "entra/identity/hybrid/cloud-sync/reference-cloud-sync-faq")

FILETIME_NEVER = 0x7FFFFFFFFFFFFFFF        # accountExpires "never" (as is 0)
_FILETIME_EPOCH = dt.datetime(1601, 1, 1, tzinfo=dt.UTC)


def filetime(value: object) -> dt.datetime | None:
    """An AD FILETIME (100 ns intervals since 1601-01-01 UTC: pwdLastSet, accountExpires,
    lastLogonTimestamp) as a UTC datetime; None for 0 and 0x7FFFFFFFFFFFFFFF ("never", "not set").
    Raises ValueError, naming the value, for anything that is no FILETIME a date can be made of."""
    if value in (0, FILETIME_NEVER):
        return None
    if type(value) is not int or value < 0:
        raise ValueError(f"{value!r} is not a FILETIME")
    try:
        return _FILETIME_EPOCH + dt.timedelta(microseconds=value // 10)
    except OverflowError:
        raise ValueError(f"{value} is beyond any date (FILETIME)") from None

# Exchange Online (SPEC §10; MICROSOFT-RULES.md "Exchange Online")
EXO_SHARED_CONVERTED_KB = Reference(
    "Shared mailboxes are unexpectedly converted to user mailboxes after directory synchronization runs "
    "in an Exchange hybrid deployment (KB 2710029)",
    LEARN + "troubleshoot/exchange/user-and-shared-mailboxes/shared-mailboxes-unexpectedly-converted-to-user-mailboxes")
EXO_DUAL_MAILBOX = Reference(
    "How to recover when a mailbox exists in both Exchange Online and on-premises",
    LEARN + "troubleshoot/exchange/user-and-shared-mailboxes/mailbox-exists-exo-onpremises")
EXO_MAILBOX_GUID_KB = Reference(
    "MigrationPermanentException: Cannot find a recipient that has mailbox GUID, when moving mailboxes (KB 2956029)",
    LEARN + "troubleshoot/exchange/move-mailboxes/migrationpermanentexception-when-moving-mailboxes")
GRAPH_MAILBOX_SETTINGS = Reference(
    "Microsoft Graph: mailboxSettings resource type (userPurpose)",
    LEARN + "graph/api/resources/mailboxsettings")
EXO_RECIPIENT_TYPES = Reference(
    "RecipientTypeDetails enumeration (Microsoft.Exchange.Data.Directory.Recipient)",
    LEARN + "previous-versions/office/exchange-server-api/ff344739(v=exchg.150)")
EXO_SET_REMOTE_MAILBOX = Reference(
    "Set-RemoteMailbox (Exchange Server PowerShell: -Type Shared|Room|Equipment|Regular, -ExchangeGuid)",
    LEARN + "powershell/module/exchange/set-remotemailbox")
CLOUD_SYNC_MATCHING_ISSUE = Reference(
    "MicrosoftDocs/azure-docs issue #74931 (open since 2021): Cloud Sync matched on SMTP only and created "
    "duplicates of UPN-only users",
    "https://github.com/MicrosoftDocs/azure-docs/issues/74931")
