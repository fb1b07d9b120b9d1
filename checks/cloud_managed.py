"""cloud-managed: a user whose source of authority was moved to the cloud is not taken over by sync.

onPremisesSyncBehavior is read per user, and only for users an earlier sync left marks on (only they
can be cloud-managed); its one permission is a ReadWrite one, so a tenant may refuse it. Such a user
whose value is None was not read: error for exactly that user, with the reason coverage recorded.
"""
from __future__ import annotations

from typing import Any

from syncready.checkapi import CheckMeta, Result, failed, passed
from syncready.model import CloudUser
from syncready.vocab import FixAvailability, Severity, Status, SubjectKind

from ._common import EXISTING_TENANT
from ._hardening import (GRAPH_SYNC_BEHAVIOR, SOA_CONFIGURE, SOA_OVERVIEW, SYNC_BEHAVIOR_PERMISSION, anchor_of,
                         property_unread)

PROPERTY = "onPremisesSyncBehavior"
ROLLBACK = ("PATCH https://graph.microsoft.com/v1.0/users/{id}/onPremisesSyncBehavior "
            '{"isCloudManaged": false} (' + SYNC_BEHAVIOR_PERMISSION + ")")

META = CheckMeta(
    id="cloud-managed", order=74,
    inputs=("users", "users.onPremisesSyncEnabled"),
    title="The cloud user's source of authority was not moved to the cloud",
    severity=Severity.BLOCKER, subject=SubjectKind.CLOUD_USER, fix=FixAvailability.MANUAL,
    description="Reads onPremisesSyncBehavior.isCloudManaged, per user, for the users an earlier sync left marks "
                "on (users never synchronized cannot be cloud-managed and pass). Fails when it is true. When the "
                "per-user read was refused (its only permission is " + SYNC_BEHAVIOR_PERMISSION + "), the "
                "result for those users is an error, never a pass.",
    why="A user whose source of authority (SOA) was transferred to the cloud stays cloud-managed: Connect "
        "Sync marks its AD object blockOnPremisesSync and does not flow it (event 6956, \"the SOA of the object "
        "is in the cloud\"), Cloud Sync skips it too. The AD user is never matched to it.",
    how_to_fix="Decide whether AD should manage this person again. If yes, roll the SOA back: " +
               ROLLBACK.replace("{id}", "<user id>") + ", or the Entra admin center; Microsoft asks to remove "
               "cloud-only references first. Sync then takes the user over on its next cycle. If it should stay "
               "cloud-managed, leave it and waive this check (or move its AD user out of the sync scope).",
    references=(SOA_CONFIGURE, SOA_OVERVIEW, GRAPH_SYNC_BEHAVIOR, EXISTING_TENANT),
)


def check(cloud_user: CloudUser, index: Any) -> Result:
    user = cloud_user
    if user.cloud_managed is True:
        found = index.counterparts(user)
        ad = found[0] if len(found) == 1 else None
        where = f"its AD user {ad.dn} stays in scope but is not flowed" if ad else "no AD object will be flowed to it"
        return failed(f"the source of authority of {user.upn} is in the cloud ({PROPERTY}.isCloudManaged is true, "
                      f"onPremisesSyncEnabled {user.sync_enabled}): sync will not take it over and {where} "
                      "(Connect Sync event 6956). To let sync take it over, roll back: "
                      f"{ROLLBACK.replace('{id}', user.id)}; or keep it cloud-managed and waive this check",
                      isCloudManaged=True, onPremisesSyncEnabled=user.sync_enabled,
                      cloud_immutable_id=user.immutable_id, onprem_dn=ad.dn if ad else None,
                      onprem_anchor=anchor_of(index, ad) if ad else None, cloud_id=user.id)
    if user.cloud_managed is None and user.may_be_cloud_managed:
        reason = property_unread(index, "users", PROPERTY) or (
            f"users.{PROPERTY} (not returned for this user; GET /users/{{id}}/{PROPERTY} needs "
            f"{SYNC_BEHAVIOR_PERMISSION})")
        if SYNC_BEHAVIOR_PERMISSION not in reason:
            reason = reason[:-1] + f"; {SYNC_BEHAVIOR_PERMISSION})" if reason.endswith(")") else reason
        return Result(Status.ERROR, f"not read: {reason} — {user.upn} was synchronized before, so it may be "
                      "cloud-managed", {"unread": [reason], "cloud_id": user.id})
    return passed()
