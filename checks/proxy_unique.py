from syncready.checkapi import PASS, CheckMeta, failed
from syncready.vocab import FixAvailability, Severity, SubjectKind

from ._common import DUPLICATE_RESILIENCY, PROXY_CALCULATION, SYNC_ERRORS, describe, ref, shorten

META = CheckMeta(
    id="proxy-unique", order=50, needs_counterpart=True,
    inputs=("users", "users.mail", "users.proxyAddresses", "groups", "groups.mail", "groups.proxyAddresses",
            "contacts", "contacts.mail", "contacts.proxyAddresses", "adUsers", "adGroups", "adContacts"),
    title="No other object holds an SMTP address of the on-prem user",
    severity=Severity.BLOCKER, subject=SubjectKind.CLOUD_USER, fix=FixAvailability.MANUAL,
    description="Every SMTP address the counterpart will carry in the cloud — its `mail`, its SMTP "
                "proxyAddresses and its userPrincipalName, compared case-insensitively — must belong to no "
                "other cloud user, group or contact (as SMTP address or UPN) and to no other on-prem "
                "object inside the sync scope. *.onmicrosoft.com addresses are left out: proxy calculation "
                "discards them from AD.",
    why="SMTP addresses must be unique across users, groups and contacts. Sync adds the UPN as a "
        "secondary smtp address, so a UPN collides with the same address held elsewhere. A duplicate is "
        "quarantined (the address silently disappears from the user), a user-versus-group conflict can "
        "stop the export, and an address held by another cloud user can steer soft match to the wrong "
        "person.",
    how_to_fix="Decide which object the address belongs to and remove it from the others: in AD for "
               "on-prem objects, in Exchange Online for cloud mailboxes, groups and contacts. Out-of-scope "
               "AD objects do not count because they never reach Entra.",
    references=(DUPLICATE_RESILIENCY, PROXY_CALCULATION, SYNC_ERRORS),
)


def check(cloud_user, counterpart, index):
    for address in counterpart.smtp_addresses():
        if not index.held_only_by(address, cloud_user, counterpart):
            return _rule(cloud_user, counterpart, index)
    return PASS        # the common case, told without `holders`: each address is the pair's own


def _rule(cloud_user, counterpart, index):
    """The check in full: every address the counterpart will carry, asked of `Index.holders`."""
    clashes = []
    for address in sorted(counterpart.smtp_addresses()):
        holders = index.holders(address, besides=(cloud_user, counterpart))
        if holders:
            clashes.append((address, holders))
    if not clashes:
        return PASS
    shown = "; ".join(f"{address} is also held by {shorten((describe(o) for o in holders), 3)}"
                      for address, holders in clashes[:3])
    more = f" (and {len(clashes) - 3} more addresses)" if len(clashes) > 3 else ""
    return failed(f"{shown}{more}; remove the address from the other object(s) before sync",
                  onprem_dn=counterpart.dn, onprem_addresses=sorted(counterpart.smtp_addresses()),
                  conflicts=[{"address": a, "holders": [ref(o) for o in h]} for a, h in clashes])
