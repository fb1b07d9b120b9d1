"""Manual: the tenant's sync features are a tenant-wide security setting, changed only by an admin.

With both blocked, the guidance prefers lifting the hard-match block and stamping the anchors: hard
match joins exactly the stamped pairs, whereas lifting the soft-match block lets any address join.
"""
from syncready.checks._hardening import BYPASS_FLAG
from syncready.checks.tenant_sync_features import AFTER_CUTOVER
from syncready.fixerapi import FixContext, Result, Subject

CMDLET = ("$s = Get-MgDirectoryOnPremiseSynchronization; Update-MgDirectoryOnPremiseSynchronization "
          "-OnPremisesDirectorySynchronizationId $s.Id -Features @{{{feature} = $false}}")


def guidance(subject: Subject, result: Result, ctx: FixContext) -> str:
    evidence = result.evidence or {}
    if result.status == "error" or evidence.get("known") is False:
        return ("the features could not be read: grant the app OnPremDirectorySynchronization.Read.All (Graph "
                "GET /directory/onPremisesSynchronization) and check again")
    hard = CMDLET.format(feature="BlockCloudObjectTakeoverThroughHardMatchEnabled")
    soft = CMDLET.format(feature="BlockSoftMatchEnabled")
    bypass = ""
    if evidence.get(BYPASS_FLAG):
        off = CMDLET.format(feature="AllowOnPremUpdateOfOnPremisesObjectIdentifierEnabled")
        bypass = f". {BYPASS_FLAG} is on, a temporary bypass of the 2026 hard-match hardening: turn it off: {off}"
    return ("for the first sync, turn off blockCloudObjectTakeoverThroughHardMatchEnabled and stamp the "
            f"ImmutableIDs (syncready fix --select anchor-ready), so each user matches exactly its AD account: {hard}. "
            f"Or turn off blockSoftMatchEnabled to match by SMTP address and UPN: {soft}. Then, {AFTER_CUTOVER}"
            + bypass)
