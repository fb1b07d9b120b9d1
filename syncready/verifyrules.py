"""What `syncready verify` calls each outcome of a first sync, and Microsoft's recovery for it.

The error names and steps follow tshoot-connect-sync-errors, the duplicate attribute resiliency
page and how-to-connect-install-existing-tenant (see /shared/MICROSOFT-RULES.md). No outcome has a
fixer: Microsoft documents no automatic recovery for a wrong merge or a duplicate, so every step
is given for the administrator to take.
"""
from __future__ import annotations

import re
from enum import StrEnum

from .checkapi import Reference

LEARN = "https://learn.microsoft.com/entra/identity/hybrid/connect/"
SYNC_ERRORS = Reference("Troubleshooting errors during synchronization (tshoot-connect-sync-errors)",
                        LEARN + "tshoot-connect-sync-errors")
RESILIENCY = Reference("Identity synchronization and duplicate attribute resiliency "
                       "(how-to-connect-syncservice-duplicate-attribute-resiliency)",
                       LEARN + "how-to-connect-syncservice-duplicate-attribute-resiliency")
EXISTING_TENANT = Reference("Microsoft Entra Connect: when you have an existing tenant "
                            "(how-to-connect-install-existing-tenant)",
                            LEARN + "how-to-connect-install-existing-tenant")


class Outcome(StrEnum):
    """One finding of a verification; FAILING_OUTCOMES gate the exit code."""

    MATCHED = "matched"                          # joined to the predicted cloud user
    CREATED = "created"                          # a new cloud user, as the run predicted, for someone without one
    STAYED_CLOUD_ONLY = "stayed-cloud-only"      # expected to stay cloud-only, and did
    WRONG_MERGE = "wrong-merge"                  # joined to another cloud object than predicted
    DUPLICATE = "duplicate"                      # a new cloud user for someone who already had one
    UNEXPECTED_TAKEOVER = "unexpected-takeover"  # expected to stay cloud-only, now synchronized
    PROVISIONING_ERROR = "provisioning-error"    # onPremisesProvisioningErrors on a cloud object
    ATTRIBUTE_LOST = "attribute-lost"            # a value sync changed that the run did not warn about
    ATTRIBUTE_CHANGED = "attribute-changed"      # a value sync changed, as the run warned
    NOT_EXPORTED = "not-exported"                # expected to match, still cloud-only: no sync cycle yet
    FILTERED = "filtered"                        # expected to match, still cloud-only: the AD user is out of scope
    UNMATCHED = "unmatched"                      # not joined, as the run predicted (Entra refuses the match)


FAILING_OUTCOMES = frozenset({Outcome.WRONG_MERGE, Outcome.DUPLICATE, Outcome.UNEXPECTED_TAKEOVER,
                              Outcome.PROVISIONING_ERROR, Outcome.ATTRIBUTE_LOST})
PENDING_OUTCOMES = frozenset({Outcome.NOT_EXPORTED, Outcome.FILTERED, Outcome.UNMATCHED})


class FailOn(StrEnum):
    """`verify --fail-on`: which outcomes make the exit code 1."""

    FAILURE = "failure"      # wrong merges, duplicates, takeovers, provisioning errors, unwarned losses
    PENDING = "pending"      # also users not exported yet or filtered
    NEVER = "never"


def gates(outcome: str, fail_on: str) -> bool:
    if fail_on == FailOn.NEVER:
        return False
    return outcome in FAILING_OUTCOMES or (fail_on == FailOn.PENDING and outcome in PENDING_OUTCOMES)


QUARANTINED_UPN = re.compile(r"^(?P<prefix>[^@+]+)\+(?P<digits>\d{4})@(?P<domain>[^@]+\.onmicrosoft\.com)$", re.I)


def quarantined(upn: str | None) -> bool:
    """Whether a UPN has the form duplicate attribute resiliency gives a conflicting one."""
    return bool(upn and QUARANTINED_UPN.match(upn))


# Provisioning errors ---------------------------------------------------------------------------
_BY_PROPERTY = {
    "userprincipalname": "AttributeValueMustBeUnique",
    "proxyaddresses": "AttributeValueMustBeUnique",
    "onpremisesecurityidentifier": "AttributeValueMustBeUnique",
    "onpremisessecurityidentifier": "AttributeValueMustBeUnique",
    "sourceanchor": "InvalidHardMatch",
    "onpremisesobjectidentifier": "AttributeUpdateNotAllowed",
}
KNOWN_ERRORS = ("AttributeValueMustBeUnique", "InvalidSoftMatch", "InvalidHardMatch", "AttributeUpdateNotAllowed",
                "ObjectTypeMismatch", "DataValidationFailed", "FederatedDomainChangeError", "LargeObject",
                "ExistingAdminRoleConflict")

RECOVERY = {
    "AttributeValueMustBeUnique": (
        "Find the other object that holds the value (Entra admin center > Microsoft Entra Connect > Connect "
        "Sync > Health > sync errors > Duplicate attribute, or Get-MgUser -Filter \"proxyAddresses/any(p:p eq "
        "'smtp:VALUE')\").",
        "If both are the same person, this is a failed match: follow the duplicate recovery (delete the new "
        "object, stamp the original with the AD user's anchor, sync again).",
        "If they are different people, remove or change the value on one of them — in AD for the synced one — "
        "and run a sync cycle (Start-ADSyncSyncCycle -PolicyType Delta); the quarantined value is released "
        "automatically."),
    "InvalidSoftMatch": (
        "The cloud user holding the address already has another onPremisesImmutableId (or is synchronized), so "
        "Entra refused the soft match.",
        "If it is the same person: clear or correct its onPremisesImmutableId (or write it into the AD user's "
        "mS-DS-ConsistencyGuid) and run a sync cycle.",
        "Otherwise remove the duplicated address from one of the objects."),
    "InvalidHardMatch": (
        "blockCloudObjectTakeoverThroughHardMatchEnabled refused the hard match of a cloud-created user.",
        "Turn it off for the matching window (Update-MgDirectoryOnPremiseSynchronization), run a sync cycle, "
        "and turn it back on."),
    "AttributeUpdateNotAllowed": (
        "Hard match operation blocked due to security hardening: the cloud user's onPremisesObjectIdentifier "
        "names another object, or it holds a privileged role.",
        "Clear onPremisesObjectIdentifier (PATCH /beta/users/{id} with null, or Clear-ADSyncToolsOnPremisesAttribute) "
        "or remove the role, run a sync cycle, then restore the role."),
    "ExistingAdminRoleConflict": (
        "Entra does not soft-match a cloud user that holds an administrative role.",
        "Remove the role, run a sync cycle, then assign it again."),
}
_GENERIC = ("Look the error up in the sync client (Synchronization Service Manager > Operations > export "
            "errors) and in tshoot-connect-sync-errors; fix the value in AD and run a sync cycle.",)


def error_name(error: dict) -> str:
    """Microsoft's error name for one onPremisesProvisioningErrors entry.

    Graph gives only `category` (PropertyConflict), `propertyCausingError` and `value`; a name
    Microsoft uses in those fields wins, else the property decides (a property conflict is
    AttributeValueMustBeUnique, as duplicate attribute resiliency reports it)."""
    texts = [str(error.get(k) or "") for k in ("category", "propertyCausingError", "value")]
    for name in KNOWN_ERRORS:
        if any(name.lower() in t.lower() for t in texts):
            return name
    prop = re.sub(r"[^a-z]", "", texts[1].lower())
    if prop in _BY_PROPERTY:
        return _BY_PROPERTY[prop]
    return "AttributeValueMustBeUnique" if texts[0].lower() == "propertyconflict" else (texts[0] or "unknown")


def recovery(name: str) -> tuple[str, ...]:
    return RECOVERY.get(name, _GENERIC)


_CMDLET = {"group": "Get-MgGroup", "contact": "Get-MgContact"}


def object_recovery(name: str, kind: str, ad_dn: str | None, holders: list[str],
                    address: str | None) -> tuple[str, ...]:
    """Recovery for a group's or contact's error: no ImmutableID to stamp (hard match is for users only),
    so a refused match is undone by filtering the AD object out and letting it soft-match again."""
    if name not in ("AttributeValueMustBeUnique", "InvalidSoftMatch"):
        return recovery(name)
    ad = ad_dn or f"the AD {kind}"
    other = ", ".join(holders) if holders else (
        "the other object (Get-MgUser, Get-MgGroup or Get-MgContact -Filter \"proxyAddresses/any(p:p eq "
        f"'smtp:{address or 'VALUE'}')\")")
    return (
        f"Find who else holds the value: {other}.",
        f"If it is the same {kind} (a cloud {kind} this AD {kind} should have soft-matched, or one synchronized "
        f"from another AD object, which makes Entra refuse the match: InvalidSoftMatch): move {ad} out of the sync "
        f"scope, run Start-ADSyncSyncCycle -PolicyType Delta (the new {kind} the sync created is deleted), make "
        f"the AD {kind}'s primary SMTP address the cloud {kind}'s and, if that one is synchronized from another AD "
        "object, remove that object from the scope; then bring it back and sync again. Hard match does not exist "
        f"for a {kind}: {_CMDLET.get(kind, 'Get-MgGroup')} shows which object holds the address.",
        f"If they are different objects, remove or change the address on one of them — in AD on {ad} — and run a "
        "delta sync; the quarantined value is released automatically.",
    )


# Remediation per outcome ------------------------------------------------------------------------
def duplicate_steps(ad_dn: str, new_upn: str, original_upn: str | None, anchor: str) -> list[str]:
    """Microsoft's manual recovery of a duplicate created by a failed match (no fixer: it deletes a user)."""
    original = original_upn or "the person's original cloud user"
    return [
        f"Check that {new_upn} holds nothing yet (no mailbox data, licences, files) — it was created by the sync.",
        f"Move {ad_dn} out of the sync scope (or filter it) and run Start-ADSyncSyncCycle -PolicyType Delta: "
        f"the synced duplicate {new_upn} is soft-deleted.",
        f"Delete it permanently: Remove-MgDirectoryDeletedItem -DirectoryObjectId <id of {new_upn}> "
        "(a soft-deleted object with the anchor would match again).",
        f"Fix the cause the run reported for {original} (single-match, cloud-only, mail-primary-smtp), or "
        f"stamp {original}: Update-MgUser -UserId {original} -OnPremisesImmutableId '{anchor}' "
        "(syncready fix --select anchor-ready).",
        f"Bring {ad_dn} back into the sync scope, run a delta sync cycle, and run syncready verify again.",
    ]


def wrong_merge_steps(ad_dn: str, joined_upn: str, predicted_upn: str | None) -> list[str]:
    target = predicted_upn or "the intended cloud user (or none)"
    return [
        f"Stop further damage: move {ad_dn} out of the sync scope and run a delta sync; {joined_upn} is "
        "soft-deleted with the merge (restore it from the deleted users within 30 days).",
        f"Restore {joined_upn} (Restore-MgDirectoryDeletedItem) and clear its onPremisesImmutableId so it is "
        "cloud-only again; put back the values the sync overwrote (the evidence lists them).",
        f"Make {ad_dn} match {target}: correct the address or UPN that steered it, or stamp the anchor on the "
        "intended user (syncready fix --select anchor-ready).",
        "Bring the AD user back into scope, sync, and run syncready verify again.",
    ]


def takeover_steps(cloud_upn: str, ad_dn: str | None) -> list[str]:
    who = ad_dn or "the AD object with that anchor"
    return [
        f"{cloud_upn} was expected to stay cloud-only. If that is still wanted, move {who} out of the sync "
        "scope and run a delta sync, then restore the cloud user from the deleted users and clear its "
        "onPremisesImmutableId.",
        "If the match is right, nothing to do: run check again so the next verification expects it.",
    ]


def pending_steps(outcome: Outcome, ad_dn: str) -> list[str]:
    if outcome is Outcome.FILTERED:
        return [f"{ad_dn} is outside the sync scope now: move it into a synchronized OU (or change the filter) "
                "if it should match, then run a sync cycle."]
    return ["Run a sync cycle (Start-ADSyncSyncCycle -PolicyType Delta) and verify again.",
            "If the user still does not match, open the sync client's export errors for "
            f"{ad_dn} (Synchronization Service Manager > Operations): a refused match is reported there."]
