from syncready.checkapi import PASS, CheckMeta, failed, passed, skipped
from syncready.mailboxes import exchange
from syncready.vocab import CloudOnlyMailboxes, FixAvailability, Safety, Severity, SubjectKind

from ._common import EXISTING_TENANT, GRAPH_MAILBOX_SETTINGS, UPN_MATCH_KB

META = CheckMeta(
    id="upn-exists", order=10,
    inputs=("users", "users.mail", "users.proxyAddresses", "adUsers"),
    title="An on-prem user in the sync scope has the cloud user's UPN",
    severity=Severity.BLOCKER, subject=SubjectKind.CLOUD_USER, fix=FixAvailability.SOMETIMES, safety=Safety.SAFE,
    description="Looks for an Active Directory user inside the sync scope whose userPrincipalName equals "
                "the cloud user's UPN (case-insensitive). A shared, room or equipment mailbox (Graph "
                "mailboxSettings.userPurpose, else RecipientTypeDetails of cloud/mailboxes.json) with no AD "
                "user is skipped: it stays cloud-only beside the synced users, as Microsoft allows; "
                "`[scope] cloud_only_mailboxes = \"require\"` makes it fail like any other user.",
    why="Without an on-prem counterpart nothing can be matched: the cloud user stays cloud-only, and "
        "if the person does have an AD account under another UPN, sync creates a second cloud user "
        "for it — a duplicate with no mailbox and no licences.",
    how_to_fix="Set the UPN on the person's existing AD account (add the UPN suffix in AD Domains and "
               "Trusts first), move the account into a synchronized OU, or let `syncready fix --select "
               "upn-exists` create the AD user (opt-in, [fix.create] in syncready.toml).",
    references=(EXISTING_TENANT, UPN_MATCH_KB, GRAPH_MAILBOX_SETTINGS),
)


def check(cloud_user, index, counterpart=None):
    if counterpart is not None and index.in_scope(counterpart):
        return PASS       # the engine's one on-prem user with this UPN (index.counterparts) is in scope
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
    require = index.config.scope.cloud_only_mailboxes == CloudOnlyMailboxes.REQUIRE
    box = exchange(index).mailbox(cloud_user)
    if box.resource and not candidates and not require:
        return skipped(f"{box.kind} mailbox with no AD user: stays cloud-only (sync leaves cloud-only objects "
                       "alone); [scope] cloud_only_mailboxes = \"require\" makes it a blocker", upn=upn,
                       **box.evidence())
    hint = (f"; {candidates[0]['dn']} carries its address {candidates[0]['address']} — set its UPN to {upn}"
            if candidates else "; create the AD user or set this UPN on the person's AD account")
    if not box.known and not require:
        hint += ("; if it is a shared, room or equipment mailbox meant to stay cloud-only, read its mailbox "
                 "type (users.mailboxSettings, MailboxSettings.Read, or cloud/mailboxes.json) to skip it")
    return failed(f"no on-prem user has userPrincipalName {upn}{hint}",
                  upn=upn, onprem_dns=[], candidates=candidates, reason="no on-prem user", **box.evidence())


def _same_mailbox(cloud_user, index) -> list[dict]:
    """AD users that hold one of the cloud user's SMTP addresses: probably the same person."""
    seen, out = set(), []
    for address in sorted(cloud_user.smtp_addresses()):
        for obj in index.holders(address, cloud=False, onprem="any", ignore_onmicrosoft=False):
            if obj.object_class == "user" and obj.dn not in seen:
                seen.add(obj.dn)
                out.append({"dn": obj.dn, "upn": obj.upn, "address": address})
    return out
