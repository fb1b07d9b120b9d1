from syncready.checkapi import PASS, CheckMeta, Result, failed
from syncready.vocab import FixAvailability, Severity, Status, SubjectKind
from syncready.immutableid import anchor_problem
from syncready.matching import LABELS, Pairing, match_blocker, pairing, predict_match, sync_behavior_unread, unpaired

from ._common import EXISTING_TENANT, SOFT_MATCH_KB, SYNC_ERRORS, UPN_MATCH_KB, ref

META = CheckMeta(
    id="single-match", order=60,
    inputs=("users", "users.mail", "users.proxyAddresses", "users.onPremisesImmutableId", "users.userType",
            "sync", "adUsers",
            # admins are never joined (matching.py): an unread role makes the prediction unknown
            "roleAssignments", "roleEligibilitySchedules", "groupMembers"),
    title="Entra will match the on-prem user to this cloud user",
    severity=Severity.BLOCKER, subject=SubjectKind.CLOUD_USER, fix=FixAvailability.MANUAL,
    description="Predicts what Entra does when the counterpart is first exported: hard match of its "
                "anchor to an onPremisesImmutableId; else, unless blockSoftMatchEnabled, soft match of its "
                "primary SMTP address to a cloud user's primary SMTP address; else, when "
                "softMatchOnUpnEnabled, soft match on userPrincipalName. A candidate Entra may not join "
                "ends the matching: a cloud user that already has an onPremisesImmutableId "
                "(InvalidSoftMatch; Entra then tries to create a new object and fails with "
                "AttributeValueMustBeUnique), one with a directory role (active or eligible: soft match and, "
                "from 2026-07-01, hard match), a guest, a user whose source of authority is in the cloud "
                "(isCloudManaged; event 6956), a cloud-created user under "
                "blockCloudObjectTakeoverThroughHardMatchEnabled (InvalidHardMatch), or — for hard match — "
                "one whose onPremisesObjectIdentifier names another AD object (AttributeUpdateNotAllowed, "
                "from 2026-07-01, unless allowOnPremUpdateOfOnPremisesObjectIdentifierEnabled). The anchor "
                "follows [sync] source_anchor. Passes when the prediction is this cloud user. Fails when several "
                "in-scope AD users are predicted onto this cloud user: the first one exported joins it, in an "
                "order nobody can know, and Entra refuses the others (InvalidSoftMatch), creating duplicates "
                "with quarantined UPNs.",
    why="A match to another cloud user merges two people: the other account is overwritten with this "
        "person's AD values. No match creates a second cloud user for the same person, without the "
        "mailbox, licences or files of the first. Both are hard to undo once sync has run.",
    how_to_fix="The message names the account the user would land on and why. Remove the address or "
               "ImmutableID that steers the match elsewhere; correct the on-prem primary SMTP "
               "(mail-primary-smtp); or stamp the ImmutableID (anchor-ready), which makes the match a "
               "hard match that soft-match rules no longer affect — the evidence field "
               "`stamping_would_match` says whether it would.",
    references=(EXISTING_TENANT, SOFT_MATCH_KB, UPN_MATCH_KB, SYNC_ERRORS),
)


def check(cloud_user, counterpart, index):
    if counterpart is not None and predict_match(counterpart, index).user is cloud_user:
        # the common case, without asking `pairing`: a prediction onto this cloud user survived its
        # rivals, so no other in-scope AD user lands here and there are no contenders
        unread = sync_behavior_unread(cloud_user, index)
        return _unread(cloud_user, unread) if unread else PASS
    return _rule(cloud_user, counterpart, index)


def _rule(cloud_user, counterpart, index):
    """The check in full: contenders first, then the counterpart's prediction."""
    found = pairing(cloud_user, index)
    if found.contenders:
        return _contested(cloud_user, found, index)
    if counterpart is None:
        return unpaired(Pairing(None, None), index.counterparts(cloud_user))
    match = predict_match(counterpart, index)
    if match.user is not None and (unread := sync_behavior_unread(match.user, index)):
        return _unread(match.user, unread)
    if match.user is cloud_user:
        return PASS
    evidence = {"onprem_dn": counterpart.dn, "onprem_anchor": index.anchor(counterpart),
                "anchor_attribute": index.anchor_attribute(counterpart),
                "onprem_primary_smtp": counterpart.primary_smtp, "onprem_upn": counterpart.upn,
                "cloud_upn": cloud_user.upn, "cloud_primary_smtp": cloud_user.primary_smtp,
                "cloud_immutable_id": cloud_user.immutable_id, "how": match.how, "reason": match.reason,
                "predicted": ref(match.user) if match.user is not None else None,
                "candidate": ref(match.candidate) if match.candidate is not None else None,
                "stamping_would_match": _stamping_would_match(cloud_user, counterpart, index)}
    hint = (" Stamping the anchor on this user (anchor-ready) would make it a hard match."
            if evidence["stamping_would_match"] else "")
    if match.rivals:
        return failed(f"Entra may join on-prem user {counterpart.dn} to cloud user {match.candidate.upn} or "
                      f"refuse it, not join it to {cloud_user.upn}: {match.reason}.{hint}", **evidence)
    if match.user is not None:
        return failed(f"Entra would merge on-prem user {counterpart.dn} into cloud user {match.user.upn}, "
                      f"not into {cloud_user.upn}: {match.reason}. {_STEER[match.how]}.{hint}", **evidence)
    return failed(f"Entra would match on-prem user {counterpart.dn} to no cloud user and create a second "
                  f"account for {cloud_user.upn}: {match.reason}.{hint}", **evidence)


def _unread(user, unread: str) -> Result:
    return Result(Status.ERROR, f"not read: {unread}, so whether {user.upn} is cloud-managed (and "
                  "then not taken over by sync) is unknown", {"unread": [unread]})


def _contested(cloud_user, found: Pairing, index):
    """Several AD users predicted onto this cloud user: at most one joins it, the others become duplicates."""
    how = {o.dn: index.raw_predictions[id(o)].how for o in found.contenders}
    shown = "; ".join(f"{dn} ({LABELS[h]})" for dn, h in list(how.items())[:5])
    more = f" and {len(how) - 5} more" if len(how) > 5 else ""
    return failed(f"{len(how)} in-scope AD users are predicted to join {cloud_user.upn}: {shown}{more}. Only the "
                  "first one exported joins it, and which one that is depends on the export order; Entra refuses "
                  "the others, since the cloud user is then synchronized (InvalidSoftMatch), and creates a "
                  "duplicate cloud user with a quarantined UPN for each. Decide which AD user is this person's, "
                  "then give the others another userPrincipalName and primary SMTP address (upn-unique, "
                  "mail-primary-smtp) or move them out of the sync scope",
                  onprem_dns=list(how), contenders=[{"onprem_dn": dn, "how": h} for dn, h in how.items()],
                  cloud_upn=cloud_user.upn)



_STEER = {
    "hard": "Clear onPremisesImmutableId on that user if it is not this person's account",
    "smtp": "Correct the on-prem primary SMTP address (mail-primary-smtp) or remove the address from that user",
    "upn": "Make the userPrincipalName unique (upn-unique)",
}


def _stamping_would_match(cloud_user, counterpart, index) -> bool:
    """Whether setting onPremisesImmutableId to the counterpart's anchor makes Entra hard-match this user."""
    anchor = index.anchor(counterpart)
    if cloud_user.immutable_id or anchor_problem(anchor) or match_blocker(cloud_user, "hard", index, counterpart):
        return False
    return all(u is cloud_user for u in index.cloud_by_immutable_id.get(anchor, ()))
