"""sid-unique: no other cloud user holds the counterpart's objectSid as onPremisesSecurityIdentifier.

Only users an earlier sync left (onPremisesSyncEnabled false) or that are cloud-managed can hold another
AD object's SID, so when the cloud SIDs were not read and no such user exists the check can still
decide; otherwise unread SIDs are an error, never a pass.
"""
from __future__ import annotations

from typing import Any

from syncready.checkapi import PASS, CheckMeta, Result, failed, passed
from syncready.model import CloudUser, OnPremObject
from syncready.sid import check_sid_bytes
from syncready.vocab import FixAvailability, Severity, Status, SubjectKind

from ._common import DUPLICATE_RESILIENCY, EXISTING_TENANT, SYNC_ERRORS, describe, ref
from ._hardening import CLEAR_ONPREM_ATTRIBUTES, cloud_by_sid, cloud_sid_bytes, per_index, property_unread

MAX_SUB_AUTHORITIES = 15   # sid_from_text's limit: a longer SID's text is never among cloud_sid_bytes

META = CheckMeta(
    id="sid-unique", order=76, needs_counterpart=True,
    inputs=("users", "adUsers"),
    title="No other cloud user holds the on-prem user's SID",
    severity=Severity.BLOCKER, subject=SubjectKind.CLOUD_USER, fix=FixAvailability.MANUAL,
    description="Looks the counterpart's objectSid (S-1-5-21-... text) up among the onPremisesSecurityIdentifier "
                "values of every other cloud user. Fails when one holds it: typically a user left by an earlier "
                "sync of the same AD account, under another UPN. An error when the SIDs could not be read on "
                "either side while some cloud user was synchronized before.",
    why="Entra refuses to provision an object whose SID another cloud object holds: AttributeValueMustBeUnique "
        "with AttributeConflictName OnPremiseSecurityIdentifier (how-to-connect-install-existing-tenant, 2026). "
        "The AD user then neither matches its cloud user nor gets a new one.",
    how_to_fix="Decide which cloud user is the person's. If it is the other one (the account of the earlier sync), "
               "give that cloud user's UPN to the AD user, or move the mailbox and data over; if it is this one, "
               "clear the SID from the other: PATCH https://graph.microsoft.com/beta/users/<other id> "
               '{"onPremisesSecurityIdentifier": null} (User.ReadWrite.All), or Clear-ADSyncToolsOnPremisesAttribute '
               "-Identity <other id> -onPremisesSecurityIdentifier (ADSyncTools).",
    references=(EXISTING_TENANT, CLEAR_ONPREM_ATTRIBUTES, DUPLICATE_RESILIENCY, SYNC_ERRORS),
)


def check(cloud_user: CloudUser, counterpart: OnPremObject, index: Any) -> Result:
    raw = counterpart.object_sid
    if type(raw) is bytes and raw:
        check_sid_bytes(raw)      # what making the text would raise for bytes that are no SID
        if raw[1] <= MAX_SUB_AUTHORITIES and raw not in cloud_sid_bytes(index) and not _unread_matters(index):
            return PASS           # no cloud user holds this SID's text: the pass below, without making it
    sid = index.sid(counterpart)
    if not sid:
        return _no_sid(counterpart, index)
    others = [u for u in cloud_by_sid(index).get(sid.upper(), ()) if u is not cloud_user]
    if others:
        names = ", ".join(describe(u) for u in others)
        return failed(f"the objectSid of {counterpart.dn}, {sid}, is already the onPremisesSecurityIdentifier of "
                      f"{names}: Entra refuses {cloud_user.upn}'s AD user (AttributeValueMustBeUnique, "
                      "OnPremiseSecurityIdentifier). Decide which cloud user is the person's; clear the SID from "
                      "the other (Graph beta PATCH onPremisesSecurityIdentifier null) or give the AD user that "
                      "user's UPN", onprem_sid=sid, onprem_dn=counterpart.dn, cloud_id=cloud_user.id,
                      holders=[{**ref(u), "onPremisesSecurityIdentifier": u.security_identifier,
                                "onPremisesSyncEnabled": u.sync_enabled} for u in others])
    if _unread_matters(index):
        unread = property_unread(index, "users", "onPremisesSecurityIdentifier")
        return Result(Status.ERROR, f"not read: {unread} — some cloud users were synchronized before and may "
                      f"hold the SID of {counterpart.dn}", {"unread": [unread], "onprem_sid": sid})
    return passed()


def _no_sid(counterpart: OnPremObject, index: Any) -> Result:
    """No SID to compare: harmless when no cloud user holds any SID, else the AD side was not read."""
    if not cloud_by_sid(index):
        return passed()
    unread = property_unread(index, "adUsers", "objectSid") or (
        f"adUsers.objectSid of {counterpart.dn} (absent: add objectSid to the LDIF export or the LDAP read)")
    return Result(Status.ERROR, f"not read: {unread}", {"unread": [unread], "onprem_dn": counterpart.dn})


def _unread_matters(index: Any) -> bool:
    """The cloud SIDs were not read while some cloud user can hold an earlier sync's SID (one that left
    sync or is cloud-managed): then no SID found is no pass. Once per run."""
    return per_index(index, "sid_unread_matters", lambda ix: bool(
        property_unread(ix, "users", "onPremisesSecurityIdentifier")
        and any(u.sync_enabled is False or u.cloud_managed for u in ix.directory.cloud_users)))
