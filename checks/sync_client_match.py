"""sync-client-match (SPEC §10): the predicted match must be one the configured sync client makes.

The prediction (matching.py) is the same for both clients; what differs is what Microsoft documents.
For Cloud Sync no Learn page describes a UPN soft match, and an open docs issue reports duplicates of
users that could only match on UPN, so a UPN-only match under Cloud Sync is unproven: a warning.
"""
from syncready.checkapi import CheckMeta, failed, passed, skipped
from syncready.matching import predict_match
from syncready.vocab import FixAvailability, Severity, SubjectKind, SyncClient

from ._common import CLOUD_SYNC_FAQ, CLOUD_SYNC_MATCHING_ISSUE, EXISTING_TENANT, UPN_MATCH_KB

META = CheckMeta(
    id="sync-client-match", order=65, needs_counterpart=True,
    inputs=("users", "users.mail", "users.proxyAddresses", "users.onPremisesImmutableId", "users.userType",
            "sync", "adUsers", "roleAssignments", "roleEligibilitySchedules", "groupMembers"),
    title="The predicted match is one the configured sync client makes",
    severity=Severity.WARNING, subject=SubjectKind.CLOUD_USER, fix=FixAvailability.MANUAL,
    description="With `[sync] client = \"cloud-sync\"`, warns when the counterpart is predicted to join this "
                "cloud user by UPN soft match only (no hard match on the anchor, no SMTP match): Microsoft "
                "documents no UPN soft match for Cloud Sync. Skipped under Connect Sync (the default), which "
                "performs UPN soft match when softMatchOnUpnEnabled is on.",
    why="The Cloud Sync pages describe hard match and, for Connect Sync, soft match; none states that "
        "Cloud Sync matches on userPrincipalName, and an open documentation issue reports that it matched "
        "only on SMTP and created a duplicate of each UPN-only user. A duplicate has no mailbox, licences or "
        "files, and the original stays cloud-only.",
    how_to_fix="Make the match one that is documented for Cloud Sync: stamp the ImmutableID (`syncready fix "
               "--select anchor-ready`), so the first export hard-matches; or give the AD user the cloud "
               "user's primary SMTP address (mail and the SMTP: proxyAddresses value, mail-primary-smtp), so "
               "SMTP soft match finds it. Cloud Sync writes no mS-DS-ConsistencyGuid back, so do not clear "
               "that attribute expecting it to be filled.",
    references=(CLOUD_SYNC_FAQ, EXISTING_TENANT, UPN_MATCH_KB, CLOUD_SYNC_MATCHING_ISSUE),
)


# one frozen Result per client that is not Cloud Sync: every user of such a run gets the same skip
_NOT_CLOUD_SYNC = {client: skipped(f"sync client {client} ([sync] client) performs UPN soft match")
                   for client in SyncClient if client != SyncClient.CLOUD_SYNC}


def check(cloud_user, counterpart, index):
    sync = index.config.sync
    if sync.client != SyncClient.CLOUD_SYNC:
        return _NOT_CLOUD_SYNC[sync.client]
    match = predict_match(counterpart, index)
    if match.user is not cloud_user or match.how != "upn":
        return passed()
    return failed(f"on-prem user {counterpart.dn} would join {cloud_user.upn} only by UPN soft match "
                  f"(userPrincipalName {counterpart.upn} = {cloud_user.upn}; AD primary SMTP "
                  f"{counterpart.primary_smtp or '(none)'}, cloud primary SMTP {cloud_user.primary_smtp or '(none)'}), "
                  "and Microsoft documents no UPN soft match for Cloud Sync (an open docs issue reports "
                  "duplicates instead): stamp the ImmutableID (anchor-ready) or give the AD user the primary "
                  "SMTP address", client=sync.client, how=match.how, onprem_dn=counterpart.dn,
                  onprem_upn=counterpart.upn, cloud_upn=cloud_user.upn, onprem_primary_smtp=counterpart.primary_smtp,
                  cloud_primary_smtp=cloud_user.primary_smtp, onprem_anchor=index.anchor(counterpart),
                  anchor_attribute=index.anchor_attribute(counterpart), cloud_immutable_id=cloud_user.immutable_id)
