from syncready.checkapi import CheckMeta, Result, failed, passed
from syncready.vocab import FixAvailability, Severity, Status, SubjectKind

from ._common import EXISTING_TENANT, GRAPH_SYNC_FEATURES, SYNC_ERRORS, UPN_MATCH_KB
from ._hardening import BYPASS_FLAG, SYNC_SERVICE_FEATURES

AFTER_CUTOVER = ("after the cutover, turn blockSoftMatchEnabled and blockCloudObjectTakeoverThroughHardMatchEnabled "
                 "back on, as Microsoft advises (no later AD object can then take over a cloud account); note that "
                 "with blockSoftMatchEnabled on, new hybrid-joined devices fail with InvalidSoftMatch until it is "
                 "turned off for the join")
BYPASS_ON = (f"{BYPASS_FLAG} is on: Entra lets sync remap onPremisesObjectIdentifier, bypassing the 2026 "
             "hard-match hardening; Microsoft meant it as a temporary bypass — turn it off once the cutover is "
             "done (PATCH /directory/onPremisesSynchronization/{id} with the feature false)")
PASSWORD_FEATURES = (("passwordSyncEnabled", "password_sync"),
                     ("userForcePasswordChangeOnLogonEnabled", "user_force_password_change_on_logon"),
                     ("cloudPasswordPolicyForPasswordSyncedUsersEnabled",
                      "cloud_password_policy_for_password_synced_users"))

META = CheckMeta(
    id="tenant-sync-features", order=150,
    inputs=("sync",),
    title="The tenant allows soft match or hard match",
    severity=Severity.BLOCKER, subject=SubjectKind.TENANT, fix=FixAvailability.MANUAL,
    description="Reads the features of the tenant's onPremisesDirectorySynchronization object. Fails when "
                "blockSoftMatchEnabled and blockCloudObjectTakeoverThroughHardMatchEnabled are both on, "
                "because then no existing cloud user can be matched. Passes with a note when only one way "
                "is open, and with softMatchOnUpnEnabled off (UPN matching unavailable). Also reads "
                f"{BYPASS_FLAG} (the 2026 hardening's temporary bypass: a note while it is on) and reports the "
                "password features (passwordSyncEnabled, userForcePasswordChangeOnLogonEnabled, "
                "cloudPasswordPolicyForPasswordSyncedUsersEnabled) as evidence. An error when the "
                "features could not be read: matching cannot be predicted without them.",
    why="Soft match joins accounts by primary SMTP address or UPN; hard match joins them by the stamped "
        "ImmutableID. With both blocked, every AD user becomes a new cloud user beside the existing one.",
    how_to_fix="Turn off blockSoftMatchEnabled or blockCloudObjectTakeoverThroughHardMatchEnabled for the "
               "time of the first sync (PATCH /directory/onPremisesSynchronization/{id} in Microsoft Graph, "
               "or Update-MgDirectoryOnPremiseSynchronization), and " + AFTER_CUTOVER + f". Turn {BYPASS_FLAG} "
               "off once the users are matched. If the features could not be read, grant "
               "OnPremDirectorySynchronization.Read.All.",
    references=(EXISTING_TENANT, SYNC_SERVICE_FEATURES, GRAPH_SYNC_FEATURES, UPN_MATCH_KB, SYNC_ERRORS),
)


def check(tenant):
    features = tenant.features
    if not features.known:
        return Result(Status.ERROR, "the tenant's onPremisesDirectorySynchronization features could not be read, so "
                               "whether soft or hard match is allowed is unknown; grant "
                               "OnPremDirectorySynchronization.Read.All and check again", {"known": False})
    evidence = {"blockSoftMatchEnabled": features.block_soft_match,
                "blockCloudObjectTakeoverThroughHardMatchEnabled":
                    features.block_cloud_object_takeover_through_hard_match,
                "softMatchOnUpnEnabled": features.soft_match_on_upn,
                BYPASS_FLAG: features.allow_object_identifier_update,
                **{name: getattr(features, field) for name, field in PASSWORD_FEATURES}}
    soft, hard = not features.block_soft_match, not features.block_cloud_object_takeover_through_hard_match
    if not soft and not hard:
        return failed("blockSoftMatchEnabled and blockCloudObjectTakeoverThroughHardMatchEnabled are both on: "
                      "no cloud user can be matched, every AD user would become a second account; turn one "
                      "off for the first sync", **evidence)
    notes = []
    if not soft:
        notes.append("soft match is blocked: only users with a stamped ImmutableID (anchor-ready) will match")
    elif not features.soft_match_on_upn:
        notes.append("UPN soft match is off: users match by primary SMTP address or stamped ImmutableID only")
    if not hard:
        notes.append("hard match of cloud-created users is blocked: stamping ImmutableIDs will not help, "
                     "matching relies on soft match")
    if features.allow_object_identifier_update:
        notes += [BYPASS_ON, AFTER_CUTOVER]
    return passed("; ".join(notes) if notes else None, **evidence)
