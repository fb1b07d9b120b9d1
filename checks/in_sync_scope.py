from syncready.checkapi import PASS, CheckMeta, failed
from syncready.vocab import FixAvailability, Severity, SubjectKind

from ._common import EXISTING_TENANT, SYNC_FILTERING

META = CheckMeta(
    id="in-sync-scope", order=90, needs_counterpart=True,
    inputs=("adUsers",),
    title="The on-prem user lies inside the sync scope",
    severity=Severity.BLOCKER, subject=SubjectKind.CLOUD_USER, fix=FixAvailability.MANUAL,
    description="The counterpart's distinguishedName must lie under one of the `[scope] include` OUs (the "
                "whole domain when none is given), under none of the `exclude` OUs, and the account must "
                "not be a critical system object. The scope in syncready.toml has to mirror the OU "
                "filtering configured in Entra Connect or Cloud Sync.",
    why="Sync never exports an AD user outside its scope, so the cloud user is never matched and stays "
        "cloud-only; moving the AD user into scope later matches it then, possibly after other changes "
        "have made the match go wrong.",
    how_to_fix="Move the AD user into a synchronized OU, or widen the OU filtering in Entra Connect / "
               "Cloud Sync and mirror it in `[scope]` of syncready.toml.",
    references=(SYNC_FILTERING, EXISTING_TENANT),
)


def check(counterpart, index, config):
    if index.in_scope(counterpart):
        return PASS
    scope = config.scope
    excluded = scope.excluding(counterpart.dn)
    if counterpart.critical:
        reason = "it is a critical system object (isCriticalSystemObject), which sync never exports"
    elif not scope.included(counterpart.dn):
        reason = f"it is under none of the included OUs ({'; '.join(scope.include)})"
    else:
        reason = f"it is under the excluded OU {excluded}"
    return failed(f"on-prem user {counterpart.dn} lies outside the sync scope: {reason}; move it into a "
                  "synchronized OU or widen the scope", onprem_dn=counterpart.dn, reason=reason,
                  include=list(scope.include), exclude=list(scope.exclude), excluded_ou=excluded,
                  critical=counterpart.critical)
