from syncready.checkapi import PASS, CheckMeta, failed
from syncready.vocab import FixAvailability, Severity, SubjectKind

from ._common import DUPLICATE_RESILIENCY, SYNC_ERRORS, describe, ref

META = CheckMeta(
    id="upn-unique", order=40,
    inputs=("users", "users.mail", "users.proxyAddresses", "groups", "groups.mail", "groups.proxyAddresses",
            "contacts", "contacts.mail", "contacts.proxyAddresses", "adUsers", "adGroups", "adContacts"),
    title="No other object holds the user's UPN",
    severity=Severity.BLOCKER, subject=SubjectKind.CLOUD_USER, fix=FixAvailability.MANUAL,
    description="No other on-prem object has the cloud user's UPN as userPrincipalName, and no other cloud "
                "user, group or contact has it as UPN or SMTP address.",
    why="userPrincipalName and SMTP addresses must be unique across users, groups and contacts. With "
        "two AD users sharing a UPN, soft match can pick the wrong person; a cloud object holding the "
        "address quarantines the UPN (it becomes prefix+1234@tenant.onmicrosoft.com) or stops the export.",
    how_to_fix="Decide which object is the person's, then change or remove the UPN or address on the "
               "other one (in AD, or in Exchange Online for a cloud group or contact).",
    references=(DUPLICATE_RESILIENCY, SYNC_ERRORS),
)


def check(cloud_user, index):
    key = cloud_user.upn.lower()
    if len(index.onprem_by_upn.get(key, ())) < 2 and index.held_only_by(key, cloud_user):
        return PASS        # the common case, told without `holders`: the UPN is the user's own
    return _rule(cloud_user, index)


def _rule(cloud_user, index):
    """The check in full: other AD users with the UPN, and `Index.holders` of it in the cloud."""
    onprem = index.onprem_by_upn.get(cloud_user.upn.lower(), ())
    holders = list(onprem) if len(onprem) > 1 else []
    holders += index.holders(cloud_user.upn, besides=(cloud_user,), onprem="none", ignore_onmicrosoft=False)
    if not holders:
        return PASS
    names = "; ".join(describe(o) for o in holders[:5])
    return failed(f"UPN {cloud_user.upn} is also held by {names}; make it unique before sync",
                  upn=cloud_user.upn, holders=[ref(o) for o in holders])
