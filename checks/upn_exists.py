from syncready.checkapi import CheckMeta, failed, passed
from syncready.vocab import FixAvailability, Safety, Severity, SubjectKind

from ._common import EXISTING_TENANT, UPN_MATCH_KB

META = CheckMeta(
    id="upn-exists", order=10,
    inputs=("users", "users.mail", "users.proxyAddresses", "adUsers"),
    title="An on-prem user in the sync scope has the cloud user's UPN",
    severity=Severity.BLOCKER, subject=SubjectKind.CLOUD_USER, fix=FixAvailability.SOMETIMES, safety=Safety.SAFE,
    description="Looks for an Active Directory user inside the sync scope whose userPrincipalName equals "
                "the cloud user's UPN (case-insensitive).",
    why="Without an on-prem counterpart nothing can be matched: the cloud user stays cloud-only, and "
        "if the person does have an AD account under another UPN, sync creates a second cloud user "
        "for it — a duplicate with no mailbox and no licences.",
    how_to_fix="Set the UPN on the person's existing AD account (add the UPN suffix in AD Domains and "
               "Trusts first), move the account into a synchronized OU, or let `syncready fix --select "
               "upn-exists` create the AD user (opt-in, [fix.create] in syncready.toml).",
    references=(EXISTING_TENANT, UPN_MATCH_KB),
)


def check(cloud_user, index):
    upn = cloud_user.upn
    found = index.counterparts(cloud_user)
    inside = [o for o in found if index.in_scope(o)]
    if inside:
        return passed()
    if found:
        dns = [o.dn for o in found]
        return failed(
            f"on-prem user {dns[0]} has UPN {upn} but lies outside the sync scope; move it into a "
            "synchronized OU or widen [scope] include",
            upn=upn, onprem_dns=dns, reason="outside sync scope")
    candidates = _same_mailbox(cloud_user, index)
    hint = (f"; {candidates[0]['dn']} carries its address {candidates[0]['address']} — set its UPN to {upn}"
            if candidates else "; create the AD user or set this UPN on the person's AD account")
    return failed(f"no on-prem user has userPrincipalName {upn}{hint}",
                  upn=upn, onprem_dns=[], candidates=candidates, reason="no on-prem user")


def _same_mailbox(cloud_user, index) -> list[dict]:
    """AD users that hold one of the cloud user's SMTP addresses: probably the same person."""
    seen, out = set(), []
    for address in sorted(cloud_user.smtp_addresses()):
        for obj in index.holders(address, cloud=False, onprem="any", ignore_onmicrosoft=False):
            if obj.object_class == "user" and obj.dn not in seen:
                seen.add(obj.dn)
                out.append({"dn": obj.dn, "upn": obj.upn, "address": address})
    return out
