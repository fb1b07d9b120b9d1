import uuid

from syncready.anchors import owners
from syncready.checkapi import CheckMeta, failed, passed
from syncready.vocab import FixAvailability, Safety, Severity, SubjectKind
from syncready.immutableid import decode_anchor

from ._common import ADSYNCTOOLS, DESIGN_CONCEPTS, EXISTING_TENANT, SYNC_ERRORS

META = CheckMeta(
    id="cloud-only", order=70, needs_counterpart=True,
    inputs=("users.onPremisesImmutableId", "adUsers"),
    title="The cloud user has no ImmutableID, or the one of its on-prem user",
    severity=Severity.BLOCKER, subject=SubjectKind.CLOUD_USER, fix=FixAvailability.SOMETIMES, safety=Safety.UNSAFE,
    description="onPremisesImmutableId must be empty or equal, exactly (the sourceAnchor is "
                "case-sensitive), to the counterpart's anchor: base64 of mS-DS-ConsistencyGuid when set, "
                "else of objectGUID in .NET Guid.ToByteArray() byte order.",
    why="A cloud user with an onPremisesImmutableId is refused by soft match (InvalidSoftMatch), and "
        "hard match only joins the on-prem user whose anchor equals it. A stale value — left by an "
        "earlier sync, a migration, or computed in the wrong GUID byte order — makes the right AD user "
        "match nothing, or joins the cloud user to a different AD user.",
    how_to_fix="`syncready fix --select cloud-only --unsafe` clears a stale value (JSON null through "
               "Graph) when the ImmutableID points to no on-prem user; when it points to another AD user, "
               "decide first which account is the person's. Clearing is unsafe because a deliberate "
               "value (a pending migration) is lost; the journal keeps it for `syncready undo`.",
    references=(EXISTING_TENANT, DESIGN_CONCEPTS, ADSYNCTOOLS, SYNC_ERRORS),
)


def check(cloud_user, counterpart, index):
    current = cloud_user.immutable_id
    anchor = counterpart.anchor
    if not current or current == anchor:
        return passed()
    evidence = {"cloud_immutable_id": current, "onprem_anchor": anchor, "onprem_dn": counterpart.dn,
                "anchor_source": "mS-DS-ConsistencyGuid" if counterpart.consistency_guid else "objectGUID"}
    cause = _cause(current, counterpart, index)
    evidence["cause"] = cause
    return failed(f"onPremisesImmutableId is {current}, but the anchor of {counterpart.dn} is "
                  f"{anchor or '(none)'}: {cause}", **evidence)


def _cause(current: str, counterpart, index) -> str:
    """The most likely origin of a stale ImmutableID, for the message."""
    if counterpart.anchor and current.lower() == counterpart.anchor.lower():
        return "they differ only in letter case, and the sourceAnchor is case-sensitive; clear or correct it"
    named = owners(current, counterpart, index)
    if named:
        dn, how = named[0]
        return (f"it is {how} {dn}, so someone tied this cloud user to that AD account; decide which AD "
                "account is the person's before changing either")
    try:
        raw = decode_anchor(current)
    except ValueError:
        return "it is not valid base64; clear it (syncready fix --select cloud-only --unsafe)"
    if len(raw) == 16:
        if counterpart.consistency_guid and raw == counterpart.object_guid:
            return ("it is the objectGUID anchor, but mS-DS-ConsistencyGuid is set and is what Entra uses; "
                    "clear the ImmutableID or set it to the ConsistencyGuid anchor")
        if uuid.UUID(bytes=raw).bytes_le in (counterpart.object_guid, counterpart.consistency_guid):
            return ("it is this user's objectGUID in RFC byte order instead of .NET Guid.ToByteArray() order; "
                    "clear it (syncready fix --select cloud-only --unsafe) and let the stamping set the right one")
    return ("it points to no on-prem user in the source (left by an earlier sync or migration); clear it "
            "(syncready fix --select cloud-only --unsafe)")
