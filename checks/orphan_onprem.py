from syncready.attrrules import domain_rule
from syncready.addresses import domain_of
from syncready.checkapi import PASS, CheckMeta, Result, failed
from syncready.vocab import FixAvailability, Severity, Status, SubjectKind
from syncready.matching import predict_match, probable_duplicates, sync_behavior_unread

from ._common import EXISTING_TENANT, SOFT_MATCH_KB, UPN_MATCH_KB, ref

META = CheckMeta(
    id="orphan-onprem", order=140,
    inputs=("users", "users.mail", "users.proxyAddresses", "users.onPremisesImmutableId", "users.userType",
            "sync", "adUsers",
            # admins are never joined (matching.py): an unread role makes the prediction unknown
            "roleAssignments", "roleEligibilitySchedules", "groupMembers"),
    title="The in-scope on-prem user will match an existing cloud user",
    severity=Severity.WARNING, subject=SubjectKind.ONPREM_USER, fix=FixAvailability.MANUAL,
    description="For every AD user inside the sync scope, predicts the match as single-match does (hard "
                "match, then SMTP, then UPN soft match, under the tenant's features and [sync] source_anchor; "
                "a cloud-managed user, or one whose onPremisesObjectIdentifier names another object, is not "
                "taken over). Without a match sync "
                "creates a new cloud user; the result then names existing cloud users (not guests) that are "
                "probably the same person: same display name or given name and surname (word order, case "
                "and accents ignored), same address local part ('john.smith' = 'john_smith'), or same "
                "initial and surname ('j.smith' = 'John Smith').",
    why="A new cloud user for someone who already has one is a duplicate: two accounts, the new one "
        "without mailbox, licences or files, and the old one left cloud-only. Service and test accounts "
        "in scope become cloud users too, which is rarely wanted.",
    how_to_fix="If a named cloud user is the same person, give the AD user that cloud user's UPN and "
               "primary SMTP address (then its cloud-user checks apply). If the AD account should not be in "
               "the cloud, move it out of the synchronized OUs. If a new cloud user is right, waive this "
               "warning for it.",
    references=(EXISTING_TENANT, SOFT_MATCH_KB, UPN_MATCH_KB),
)


def check(onprem_user, index):
    match = predict_match(onprem_user, index)
    if match.rivals:
        rivals = [o.dn for o in match.rivals]
        return failed(f"{onprem_user.dn} may join cloud user {match.candidate.upn} or get a duplicate: "
                      f"{match.reason}; decide which AD user is {match.candidate.upn}'s, then give the others "
                      "another userPrincipalName and primary SMTP address or move them out of the sync scope",
                      onprem_dn=onprem_user.dn, onprem_upn=onprem_user.upn, reason=match.reason,
                      candidate=ref(match.candidate), rivals=rivals)
    if match.user is not None:
        unread = sync_behavior_unread(match.user, index)
        if unread:
            return Result(Status.ERROR, f"not read: {unread}, so whether {match.user.upn} is cloud-managed "
                          "(and then not taken over by sync) is unknown", {"unread": [unread]})
        outside = index.cloud_scope_reason(match.user)
        if outside:
            return failed(f"{onprem_user.dn} is predicted to join cloud user {match.user.upn} ({match.reason}), "
                          f"which is not checked ({outside}): what sync then overwrites on it (addresses, sign-in, "
                          "mailbox) was not looked at; set [scope] include_onmicrosoft = true to check it",
                          onprem_dn=onprem_user.dn, onprem_upn=onprem_user.upn, joins=ref(match.user),
                          reason=match.reason, unchecked=outside)
        return PASS
    evidence = {"onprem_dn": onprem_user.dn, "onprem_upn": onprem_user.upn,
                "onprem_primary_smtp": onprem_user.primary_smtp, "onprem_anchor": index.anchor(onprem_user),
                "anchor_attribute": index.anchor_attribute(onprem_user),
                "reason": match.reason,
                "candidate": ref(match.candidate) if match.candidate is not None else None}
    parts = [f"{onprem_user.dn} matches no cloud user, so sync would create a new one: {match.reason}"]
    domain = domain_of(onprem_user.upn)
    problem = domain_rule(domain, index.domains, onprem_user.mail_nickname) if domain and index.domains else None
    if problem:
        evidence["upn_problem"] = problem
        parts.append(problem)
    namesakes = [u for u in index.cloud_by_upn.get((onprem_user.upn or "").lower(), ()) if not u.is_guest]
    if namesakes:
        evidence["upn_holder"] = ref(namesakes[0])
        parts.append(f"it has the UPN of cloud user {namesakes[0].upn}: resolve that user's single-match failure")
        return failed("; ".join(parts), **evidence)
    duplicates, count = probable_duplicates(onprem_user, index)
    evidence["probable_duplicates"] = [dict(ref(u), likeness=why) for u, why in duplicates]
    if duplicates:
        more = f" (at least {count} cloud users resemble it)" if count > len(duplicates) else ""
        names = ", ".join(f"{u.upn} ({why})" for u, why in duplicates)
        parts.append(f"probably the same person as {names}{more}: give the AD user that account's UPN and "
                     "primary SMTP address, or move it out of the sync scope")
    else:
        parts.append("if it should not be in the cloud, move it out of the sync scope")
    return failed("; ".join(parts), **evidence)
