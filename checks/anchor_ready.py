from syncready.checkapi import PASS, CheckMeta, failed, passed
from syncready.vocab import FixAvailability, Safety, Severity, SubjectKind, SyncClient
from syncready.immutableid import anchor_problem

from ._common import ADSYNCTOOLS, DESIGN_CONCEPTS, EXISTING_TENANT, SYNC_ERRORS, describe, ref

META = CheckMeta(
    id="anchor-ready", order=130, needs_counterpart=True,
    inputs=("users.onPremisesImmutableId", "adUsers"),
    title="The on-prem user's anchor can be stamped as this user's ImmutableID",
    severity=Severity.BLOCKER, subject=SubjectKind.CLOUD_USER, fix=FixAvailability.SOMETIMES, safety=Safety.SAFE,
    description="The counterpart's anchor (base64 of mS-DS-ConsistencyGuid, else of objectGUID in .NET "
                "byte order; only the objectGUID under [sync] source_anchor = \"objectGUID\") must be "
                "a valid sourceAnchor — 16 bytes, not all zero, fewer than 60 "
                "characters — that no other cloud user holds as onPremisesImmutableId and no other AD user "
                "shares (a ConsistencyGuid copied by a migration tool). The fix is the stamping itself: "
                "`syncready fix --select anchor-ready` sets onPremisesImmutableId to the anchor, only for "
                "users whose every blocker passes on a fresh read — and never while previously-synced, "
                "cloud-managed or sid-unique fail, whatever their severity — and only when the tenant allows "
                "hard match; users in federated domains are refused with an explanation.",
    why="With the ImmutableID stamped, Entra joins the accounts by hard match, which no address "
        "conflict or soft-match setting can divert. An anchor that another cloud user already holds "
        "makes the AD user hard-match that account instead; one shared by two AD users lets only one of "
        "them sync.",
    how_to_fix="Clear the ImmutableID on the other cloud user (cloud-only), or give the AD users distinct "
               "mS-DS-ConsistencyGuid values: under Connect Sync clear the copied one so Entra Connect writes "
               "the objectGUID; under Cloud Sync, which writes nothing back, write each user's own objectGUID "
               "into it instead of clearing it. "
               "Then stamp: `syncready fix --select anchor-ready` (plan), `--apply` to write. Stamping is "
               "safe: it only runs once every blocker passes, is journaled, and can be undone until sync is "
               "turned on.",
    references=(DESIGN_CONCEPTS, EXISTING_TENANT, ADSYNCTOOLS, SYNC_ERRORS),
)


def check(cloud_user, counterpart, index):
    anchor = index.anchor(counterpart)
    problem = anchor_problem(anchor)
    if not problem and _alone(index.cloud_by_immutable_id.get(anchor), cloud_user) \
            and _alone(index.onprem_by_anchor.get(anchor), counterpart):
        return PASS       # the common case: no holder, no twin; nothing else to look up or build
    attribute = index.anchor_attribute(counterpart)
    cloud_sync = index.config.sync.client == SyncClient.CLOUD_SYNC
    if problem:
        repair = (f"write the objectGUID of {counterpart.dn} into mS-DS-ConsistencyGuid (Cloud Sync writes "
                  "nothing back, so a cleared one stays empty)" if cloud_sync else
                  "repair mS-DS-ConsistencyGuid (clear it to fall back to objectGUID)")
        return failed(f"the anchor ({attribute}) of {counterpart.dn} cannot be an ImmutableID: {problem}; {repair}",
                      onprem_dn=counterpart.dn, onprem_anchor=anchor, anchor_attribute=attribute)
    holders = [u for u in index.cloud_by_immutable_id.get(anchor, ()) if u is not cloud_user]
    twins = [o for o in index.onprem_by_anchor.get(anchor, ()) if o is not counterpart]
    if not holders and not twins:
        return passed()
    wrong = []
    if holders:
        wrong.append(f"{', '.join(describe(u) for u in holders[:3])} already holds it as onPremisesImmutableId, "
                     "so hard match would join the AD user to that account; clear it there first")
    if twins:
        remedy = ("write each user's own objectGUID into its mS-DS-ConsistencyGuid (Cloud Sync has no "
                  "writeback: a cleared one is not filled again)" if cloud_sync else
                  "clear the copied one so Entra Connect writes the objectGUID")
        wrong.append(f"{', '.join(describe(o) for o in twins[:3])} has the same anchor (a copied "
                     f"mS-DS-ConsistencyGuid?), so only one of them can sync; {remedy}")
    return failed(f"anchor {anchor} ({attribute}) of {counterpart.dn}: {'; and '.join(wrong)}",
                  onprem_dn=counterpart.dn, onprem_anchor=anchor, anchor_attribute=attribute,
                  cloud_immutable_id=cloud_user.immutable_id,
                  cloud_holders=[ref(u) for u in holders], onprem_twins=[ref(o) for o in twins])


def _alone(found, own) -> bool:
    """No object but `own` under the anchor (the holders and twins below are empty): told for the usual
    none or one without building the lists."""
    return not found or (len(found) == 1 and found[0] is own)
