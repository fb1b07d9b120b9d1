from syncready.checkapi import CheckMeta, Result, failed, passed
from syncready.vocab import FixAvailability, Severity, Status, SubjectKind

from ._common import EXISTING_TENANT, GRAPH_SYNC_FEATURES, SYNC_ERRORS, UPN_MATCH_KB

META = CheckMeta(
    id="tenant-sync-features", order=150,
    inputs=("sync",),
    title="The tenant allows soft match or hard match",
    severity=Severity.BLOCKER, subject=SubjectKind.TENANT, fix=FixAvailability.MANUAL,
    description="Reads the features of the tenant's onPremisesDirectorySynchronization object. Fails when "
                "blockSoftMatchEnabled and blockCloudObjectTakeoverThroughHardMatchEnabled are both on, "
                "because then no existing cloud user can be matched. Passes with a note when only one way "
                "is open, and with softMatchOnUpnEnabled off (UPN matching unavailable). An error when the "
                "features could not be read: matching cannot be predicted without them.",
    why="Soft match joins accounts by primary SMTP address or UPN; hard match joins them by the stamped "
        "ImmutableID. With both blocked, every AD user becomes a new cloud user beside the existing one.",
    how_to_fix="Turn off blockSoftMatchEnabled or blockCloudObjectTakeoverThroughHardMatchEnabled for the "
               "time of the first sync (PATCH /directory/onPremisesSynchronization/{id} in Microsoft Graph, "
               "or Update-MgDirectoryOnPremiseSynchronization), and turn it back on afterwards. If the "
               "features could not be read, grant OnPremDirectorySynchronization.Read.All.",
    references=(EXISTING_TENANT, GRAPH_SYNC_FEATURES, UPN_MATCH_KB, SYNC_ERRORS),
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
                "softMatchOnUpnEnabled": features.soft_match_on_upn}
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
    return passed("; ".join(notes) if notes else None, **evidence)
