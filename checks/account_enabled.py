from syncready.checkapi import PASS, CheckMeta, Result, failed
from syncready.mailboxes import exchange
from syncready.vocab import FixAvailability, Safety, Severity, Status, SubjectKind

from ._common import EXISTING_TENANT, GRAPH_USER

META = CheckMeta(
    id="account-enabled", order=110, needs_counterpart=True,
    inputs=("users.accountEnabled", "adUsers", "adUsers.userAccountControl"),
    title="The on-prem user is enabled exactly when the cloud user is",
    severity=Severity.WARNING, subject=SubjectKind.CLOUD_USER, fix=FixAvailability.SOMETIMES, safety=Safety.UNSAFE,
    description="When the cloud user's accountEnabled is true, the counterpart's userAccountControl must "
                "not have the ACCOUNTDISABLE bit (0x2); when the cloud sign-in is blocked (accountEnabled "
                "false), the counterpart must be disabled too. An error when either value was not read (never "
                "a pass or a skip).",
    why="accountEnabled flows from AD after the match: a disabled AD account disables the cloud user at "
        "the first sync, which signs the person out of Microsoft 365 and stops their sign-ins; an enabled AD "
        "account enables a cloud user whose sign-in was blocked on purpose — a shared mailbox (Microsoft "
        "blocks its sign-in), a leaver — so whoever can sign in to the AD account then signs in to it too.",
    how_to_fix="Enable the AD account before sync if the person still works here "
               "(`syncready fix --select account-enabled --unsafe`; unsafe because an account may be "
               "disabled on purpose), or exclude it from sync if the cloud user should stay as it is. For a "
               "blocked cloud sign-in: disable the AD account (`Disable-ADAccount`) when the block is meant "
               "to stay, e.g. a shared mailbox, or unblock the cloud user first if it is stale.",
    references=(EXISTING_TENANT, GRAPH_USER),
)


# Not read is an error, never a skip (SPEC §8): a skip would leave the user ready although the first
# sync may disable (or enable) the account. One Result for every such cloud user.
CLOUD_UNREAD = Result(Status.ERROR, "not read: users.accountEnabled of this user (absent from its record)",
                      {"unread": ["users.accountEnabled (absent from the user's record)"]})


def check(cloud_user, counterpart, index):
    if cloud_user.account_enabled is None:
        return CLOUD_UNREAD
    enabled = counterpart.enabled
    if enabled is None:
        unread = f"adUsers.userAccountControl of {counterpart.dn} (absent from its record)"
        return Result(Status.ERROR, f"not read: {unread}, so whether the first sync disables or enables the cloud "
                      "user is unknown", {"unread": [unread], "onprem_dn": counterpart.dn})
    if cloud_user.account_enabled is False:
        return _blocked_in_cloud(cloud_user, counterpart, index) if enabled else PASS
    if enabled:
        return PASS
    return failed(f"the AD account {counterpart.dn} is disabled (userAccountControl {counterpart.uac}) while "
                  f"{cloud_user.upn} is enabled: the first sync would disable the cloud user; enable the AD "
                  "account or keep it out of sync", cloud_account_enabled=True, onprem_enabled=False,
                  onprem_uac=counterpart.uac, onprem_dn=counterpart.dn)


def _blocked_in_cloud(cloud_user, counterpart, index):
    """Cloud sign-in blocked, AD enabled: the first sync enables sign-in (SPEC §10)."""
    box = exchange(index).mailbox(cloud_user)
    what = f"the {box.kind} mailbox {cloud_user.upn}" if box.resource else cloud_user.upn
    return failed(f"the sign-in of {what} is blocked in the cloud (accountEnabled false) but the AD account "
                  f"{counterpart.dn} is enabled (userAccountControl {counterpart.uac}): the first sync enables "
                  "sign-in, so the AD account then opens it; disable the AD account (Disable-ADAccount) if "
                  "the block is meant to stay, or unblock the cloud user if it is stale",
                  cloud_account_enabled=False, onprem_enabled=True, onprem_uac=counterpart.uac,
                  onprem_dn=counterpart.dn, direction="enables-cloud", **box.evidence())
