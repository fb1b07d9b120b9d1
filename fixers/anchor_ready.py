"""The stamping: sets onPremisesImmutableId to the on-prem anchor, so the first sync hard-matches.

Planned only for users that need it (empty ImmutableID) and only when, on this fresh read,
every blocker check passes for the user, every blocker check was evaluated, previously-synced,
cloud-managed and sid-unique (the 2026 hard-match refusals) were evaluated and do not fail whatever
severity the configuration gives them, the tenant allows hard match of cloud-created users, and the
UPN's domain is not federated. The anchor is the Index's ([sync] source_anchor). The Graph write
re-reads the user first and refuses if the value changed since this plan.
Optionally (`[fix] write_consistency_guid = true`) also writes the objectGUID into an empty
mS-DS-ConsistencyGuid, as Entra Connect would (Cloud Sync never does), so the anchor no longer
depends on the object; not under source_anchor = objectGUID, where the ConsistencyGuid is no anchor.
"""
from __future__ import annotations

from syncready.addresses import domain_of
from syncready.vocab import FAILING, PREVIEWED, SourceAnchor
from syncready.fixerapi import Change, FixContext, NotFixable, Operation, Result, Subject, Target

from ._common import modify


def wants(subject: Subject, result: Result, ctx: FixContext) -> bool:
    """A passing user is stamped when it has no ImmutableID yet."""
    return (ctx.stamping and result.status == "pass" and subject.counterpart is not None
            and not subject.obj.immutable_id)


def plan(subject: Subject, result: Result, ctx: FixContext) -> list[Change]:
    if result.status in FAILING:
        raise NotFixable(result.message or "the anchor is not valid")
    user, ad = subject.obj, subject.counterpart
    anchor = ctx.index.anchor(ad)
    if user.immutable_id == anchor:
        return []
    run = ctx.run
    missing = [c.id for c in _blocker_checks(run) if c.id not in subject.results]
    if missing:
        raise NotFixable(f"stamping needs every blocker evaluated; not evaluated: {', '.join(missing)}")
    failing = [cid for cid, r in subject.results.items()
               if cid != "anchor-ready" and run.severity.get(cid) == "blocker" and r.status not in ("pass", "skip")
               and not _stamping_resolves(cid, r)]
    if failing:
        raise NotFixable(f"not stamped while blockers fail: {', '.join(failing)} (a waived blocker is not a pass)")
    _refuse_on_hardening(subject)
    features = ctx.index.features
    if not features.known:
        raise NotFixable("the tenant's sync features could not be read, so whether hard match is allowed is "
                         "unknown; grant OnPremDirectorySynchronization.Read.All and run again")
    if features.block_cloud_object_takeover_through_hard_match:
        raise NotFixable("the tenant blocks hard match of cloud-created users "
                         "(blockCloudObjectTakeoverThroughHardMatchEnabled); a stamped ImmutableID would "
                         "only produce InvalidHardMatch errors")
    domain = ctx.index.domains.get(domain_of(user.upn))
    if domain is not None and domain.authentication_type.lower() == "federated":
        raise NotFixable(f"{domain.id} is a federated domain: Graph refuses to set onPremisesImmutableId on "
                         "its users after creation. Move the UPN to the onmicrosoft.com domain, stamp, then "
                         "move it back — or convert the domain to managed first")
    changes = [Change(check="anchor-ready", subject=subject.name, target=Target.CLOUD, op=Operation.PATCH,
                      object=user.id, attribute="onPremisesImmutableId",
                      remove=[user.immutable_id] if user.immutable_id else [], add=[anchor],
                      note=f"hard-match anchor of {ad.dn}")]
    if (ctx.options.get("write_consistency_guid") and not ad.consistency_guid and ad.object_guid
            and ctx.index.source_anchor != SourceAnchor.OBJECT_GUID):
        changes.append(modify("anchor-ready", subject, ad, "mS-DS-ConsistencyGuid", [], [ad.object_guid],
                              note="the objectGUID, as Entra Connect writes it"))
    return changes


HARD_MATCH_REFUSALS = ("previously-synced", "cloud-managed", "sid-unique")


def _refuse_on_hardening(subject: Subject) -> None:
    """Entra refuses the hard match itself (AttributeUpdateNotAllowed, event 6956, AttributeValueMustBeUnique)
    when one of these fails: a stamped ImmutableID would only produce that error. A check that is not
    installed does not hold the stamping up; one that is installed must have been evaluated."""
    from syncready.registry import check_ids

    known = set(check_ids())
    for check_id in HARD_MATCH_REFUSALS:
        if check_id not in known:
            continue
        found = subject.results.get(check_id)
        if found is None:
            raise NotFixable(f"stamping needs {check_id} evaluated (Entra refuses the hard match when it fails); "
                             f"run with --select including {check_id}")
        if found.status in PREVIEWED:
            raise NotFixable(f"not stamped while {check_id} fails ({found.status}): Entra would refuse the hard "
                             f"match; {found.message or 'see the check'}")


def _stamping_resolves(check_id: str, result) -> bool:
    """single-match fails when soft match cannot pair the users, e.g. with blockSoftMatchEnabled;
    when the evidence says the stamped anchor would hard-match this very user, stamping is the cure."""
    return check_id == "single-match" and bool((result.evidence or {}).get("stamping_would_match"))


def _blocker_checks(run):
    from syncready.registry import all_checks

    return [c for c in all_checks() if c.meta.subject == "cloud-user"
            and run.config.severity.get(c.id, c.meta.severity) == "blocker"]
