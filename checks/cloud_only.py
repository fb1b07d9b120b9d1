import uuid

from syncready.anchors import owners
from syncready.checkapi import CheckMeta, failed, passed
from syncready.vocab import FixAvailability, Safety, Severity, SourceAnchor, SubjectKind
from syncready.immutableid import decode_anchor

from ._common import ADSYNCTOOLS, DESIGN_CONCEPTS, EXISTING_TENANT, SYNC_ERRORS

META = CheckMeta(
    id="cloud-only", order=70, needs_counterpart=True,
    inputs=("users.onPremisesImmutableId", "adUsers"),
    title="The cloud user has no ImmutableID, or the one of its on-prem user",
    severity=Severity.BLOCKER, subject=SubjectKind.CLOUD_USER, fix=FixAvailability.SOMETIMES, safety=Safety.UNSAFE,
    description="onPremisesImmutableId must be empty or equal, exactly (the sourceAnchor is "
                "case-sensitive), to the counterpart's anchor: base64 of mS-DS-ConsistencyGuid when set, "
                "else of objectGUID in .NET Guid.ToByteArray() byte order ([sync] source_anchor = "
                "\"objectGUID\": always the objectGUID). The evidence names the attribute used.",
    why="A cloud user with an onPremisesImmutableId is refused by soft match (InvalidSoftMatch): Entra "
        "then tries to provision a new object, which fails with AttributeValueMustBeUnique "
        "(ProxyAddresses, or OnPremiseSecurityIdentifier when the SID is the same). Hard match only joins "
        "the on-prem user whose anchor equals it. A stale value — left by an earlier sync, a migration, or "
        "computed in the wrong GUID byte order — makes the right AD user match nothing, or joins the cloud "
        "user to a different AD user.",
    how_to_fix="Two fixes, both unsafe, journaled and undoable with `syncready undo`. Clear a stale value "
               "(`syncready fix --select cloud-only --unsafe`: JSON null through Graph) when the "
               "ImmutableID points to no on-prem user; the stamping then sets the right one. Or, when the "
               "cloud user is the same person as the AD user, Microsoft's fix: write the cloud ImmutableID "
               "into the AD user's mS-DS-ConsistencyGuid, so its anchor becomes that value (`[fix] "
               "stale_immutable_id = \"write-to-ad\"`; planned only when the value is a GUID that names no "
               "existing AD object, and chosen by itself in federated domains, where Graph does not clear "
               "the ImmutableID). When it points to another AD user, decide first which account is the "
               "person's.",
    references=(EXISTING_TENANT, DESIGN_CONCEPTS, ADSYNCTOOLS, SYNC_ERRORS),
)


def check(cloud_user, counterpart, index):
    current = cloud_user.immutable_id
    anchor = index.anchor(counterpart)
    if not current or current == anchor:
        return passed()
    attribute = index.anchor_attribute(counterpart)
    evidence = {"cloud_immutable_id": current, "onprem_anchor": anchor, "onprem_dn": counterpart.dn,
                "anchor_attribute": attribute, "anchor_source": attribute}
    cause = _cause(current, counterpart, index)
    evidence["cause"] = cause
    return failed(f"onPremisesImmutableId is {current}, but the anchor of {counterpart.dn} ({attribute}) is "
                  f"{anchor or '(none)'}: soft match refuses a user with another ImmutableID (InvalidSoftMatch) "
                  f"and Entra's attempt to create a new object fails (AttributeValueMustBeUnique); {cause}",
                  **evidence)


def _cause(current: str, counterpart, index) -> str:
    """The most likely origin of a stale ImmutableID, for the message."""
    anchor = index.anchor(counterpart)
    if anchor and current.lower() == anchor.lower():
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
        if index.anchor_attribute(counterpart) == SourceAnchor.CONSISTENCY_GUID and raw == counterpart.object_guid:
            return ("it is the objectGUID anchor, but mS-DS-ConsistencyGuid is set and is what Entra uses; "
                    "clear the ImmutableID or set it to the ConsistencyGuid anchor")
        if index.source_anchor == SourceAnchor.OBJECT_GUID and raw == counterpart.consistency_guid:
            return ("it is the mS-DS-ConsistencyGuid anchor, but [sync] source_anchor is objectGUID; clear the "
                    "ImmutableID or set it to the objectGUID anchor")
        if uuid.UUID(bytes=raw).bytes_le in (counterpart.object_guid, counterpart.consistency_guid):
            return ("it is this user's objectGUID in RFC byte order instead of .NET Guid.ToByteArray() order; "
                    "clear it (syncready fix --select cloud-only --unsafe) and let the stamping set the right one")
    stale = ("it points to no on-prem user in the source (left by an earlier sync or migration); clear it "
             "(syncready fix --select cloud-only --unsafe)")
    if index.source_anchor == SourceAnchor.OBJECT_GUID:
        return stale
    return (stale + ", or, if this cloud user is the same person as the AD user, write the ImmutableID into its "
            "mS-DS-ConsistencyGuid as Microsoft advises ([fix] stale_immutable_id = \"write-to-ad\")")
