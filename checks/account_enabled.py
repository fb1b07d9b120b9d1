from syncready.checkapi import CheckMeta, failed, passed, skipped
from syncready.vocab import FixAvailability, Safety, Severity, SubjectKind

from ._common import EXISTING_TENANT, GRAPH_USER

META = CheckMeta(
    id="account-enabled", order=110, needs_counterpart=True,
    inputs=("users.accountEnabled", "adUsers"),
    title="The on-prem user is enabled when the cloud user is",
    severity=Severity.WARNING, subject=SubjectKind.CLOUD_USER, fix=FixAvailability.SOMETIMES, safety=Safety.UNSAFE,
    description="When the cloud user's accountEnabled is true, the counterpart's userAccountControl must "
                "not have the ACCOUNTDISABLE bit (0x2). A disabled cloud user passes whatever AD says. "
                "Skipped when either value was not read.",
    why="accountEnabled flows from AD after the match: a disabled AD account disables the cloud user at "
        "the first sync, which signs the person out of Microsoft 365 and stops their sign-ins.",
    how_to_fix="Enable the AD account before sync if the person still works here "
               "(`syncready fix --select account-enabled --unsafe`; unsafe because an account may be "
               "disabled on purpose), or exclude it from sync if the cloud user should stay as it is.",
    references=(EXISTING_TENANT, GRAPH_USER),
)


def check(cloud_user, counterpart):
    if cloud_user.account_enabled is False:
        return passed()
    if cloud_user.account_enabled is None:
        return skipped("the cloud user's accountEnabled was not read")
    enabled = counterpart.enabled
    if enabled is None:
        return skipped("the on-prem user's userAccountControl was not read", onprem_dn=counterpart.dn)
    if enabled:
        return passed()
    return failed(f"the AD account {counterpart.dn} is disabled (userAccountControl {counterpart.uac}) while "
                  f"{cloud_user.upn} is enabled: the first sync would disable the cloud user; enable the AD "
                  "account or keep it out of sync", cloud_account_enabled=True, onprem_enabled=False,
                  onprem_uac=counterpart.uac, onprem_dn=counterpart.dn)
