"""From a run's failures to a plan: each selected check's fixer, found by name, proposes changes.

Fixers see the values as they will be after the changes already planned for the same object (the
overlay), so two fixers touching proxyAddresses of one user plan one after the other instead of
colliding, and each change's precondition is the state the previous one leaves. The contract a
fixer follows (what it defines, per-change safety, full and partial refusal) is in fixerapi.
"""
from __future__ import annotations

from typing import Any

from .engine import Run, Subject
from .checkapi import Result
from .fixerapi import FixContext, Fixer, NotFixable, WantsFunction, fixer_from_module
from .plan import Change, Manual, Plan
from .registry import fixer_module, get_check
from .summary import coverage_warnings, is_unread
from .matching import LABELS, pairing, predict_match
from .vocab import FAILING, PREVIEWED, Operation, Readiness, Safety, SubjectKind, Target

__all__ = ["FixContext", "NotFixable", "attach_previews", "build_plan", "load_fixer"]

UNSAFE_REFUSAL = "an unsafe fix; review it and add --unsafe to plan it"


def load_fixer(check_id: str) -> Fixer:
    """The fixer of a check, checked against its META (a contradiction is an error at load)."""
    return fixer_from_module(get_check(check_id).meta, fixer_module(check_id))


def build_plan(run: Run, select: list[str], unsafe: bool = False, options: dict | None = None,
               ctx: FixContext | None = None) -> Plan:
    ctx = ctx or FixContext(run, unsafe, options or {})
    plan = Plan(notes=coverage_warnings(run.directory.coverage.to_json()))
    order = sorted(select, key=lambda cid: (get_check(cid).meta.order, cid))
    fixers = {cid: load_fixer(cid) for cid in order}
    if not (ctx.stamping and any(f.wants is not None for f in fixers.values())):
        _plan_failing(plan, run, order, fixers, ctx)
        return plan
    for subject in run.subjects:
        results = subject.results
        for check_id in order:
            result = results.get(check_id)
            if result is None:
                continue
            fixer = fixers[check_id]
            if result.status not in FAILING:
                if fixer.wants is None or not ctx.stamping or not _wants(fixer.wants, subject, result, ctx):
                    continue
            _plan_one(plan, fixer, subject, result, ctx)
    return plan


def _plan_failing(plan: Plan, run: Run, order: list[str], fixers: dict[str, Fixer], ctx: FixContext) -> None:
    """build_plan when no fixer acts on a passing result: only the failing results, in check order
    (most subjects have none, so this is one pass over their results instead of a lookup per check)."""
    rank = {cid: number for number, cid in enumerate(order)}
    for subject in run.subjects:
        if subject.readiness == Readiness.READY:    # Engine.run makes a subject with a failing result not ready
            continue
        due = [cid for cid, result in subject.results.items() if result.status in FAILING and cid in rank]
        if len(due) > 1:
            due.sort(key=rank.__getitem__)
        for check_id in due:
            _plan_one(plan, fixers[check_id], subject, subject.results[check_id], ctx)


def _plan_one(plan: Plan, fixer: Fixer, subject: Subject, result: Result, ctx: FixContext) -> None:
    """One subject's result through its fixer: changes, refusals or manual guidance into the plan."""
    check_id = fixer.check

    def refuse(reason: str) -> None:
        plan.refused.append(Manual(check_id, subject.name, result.message or "", reason))

    if is_unread(result):   # nothing to fix on data that was not read: read it, then plan
        refuse(_unread_guidance(fixer, subject, result, ctx))
        return
    if fixer.manual or fixer.plan is None:
        how_to_fix = get_check(check_id).meta.how_to_fix
        try:
            guidance = fixer.guidance(subject, result, ctx) if fixer.guidance else how_to_fix
        except Exception as exc:  # a broken fixer is reported on its result, never fatal
            guidance = f"{how_to_fix} (the fixer's guidance failed: {type(exc).__name__}: {exc})"
        plan.manual.append(Manual(check_id, subject.name, result.message or "", guidance))
        return
    try:
        changes = list(fixer.plan(subject, result, ctx) or [])
    except NotFixable as exc:
        refuse(str(exc))
        return
    except Exception as exc:  # a broken fixer plans nothing for this subject and says so
        refuse(f"not planned: the fixer itself failed ({type(exc).__name__}: {exc})")
        return
    finally:
        for reason in ctx._refusals:
            refuse(reason)
        ctx._refusals.clear()
    if subject.kind == SubjectKind.CLOUD_USER:
        changes = _onto_other_joins(changes, fixer, subject, ctx, refuse)
    held: list[Change] = []
    for change in changes:
        if change.safety is None:
            change.safety = fixer.safety
        if change.safety == Safety.UNSAFE and not ctx.unsafe:
            held.append(change)     # gated per change: the fixer's safe changes are still planned
            continue
        ctx.record(change)
        plan.changes.append(change)
    if held:
        refuse(UNSAFE_REFUSAL if len(held) == len(changes) else
               f"not planned without --unsafe: {'; '.join(c.describe() for c in held)}; review and add "
               "--unsafe to plan it")


STEERS_SMTP_MATCH = "mail-primary-smtp"   # its write makes the AD primary the cloud user's: the SMTP join moves back


def _onto_other_joins(changes: list[Change], fixer: Fixer, subject: Subject, ctx: FixContext, refuse) -> list[Change]:
    """The changes without those that write onto an AD user sync is predicted to join to another cloud
    user than the subject (the write would change that person's account), or onto one that joins
    nobody while another AD user joins the subject (the write fixes an account sync ignores), each
    held back with the reason; mail-primary-smtp may still write onto one joined by SMTP soft match,
    since its write is what steers that match back. The one rule for every fixer of a cloud user's check."""
    kept: list[Change] = []
    for change in changes:
        why = _wrong_account(change, subject, ctx, steers=fixer.check == STEERS_SMTP_MATCH)
        if why is None:
            kept.append(change)
        else:
            refuse(f"not planned: {change.describe()} — {why}; decide the match first (single-match)")
    return kept


def _wrong_account(change: Change, subject: Subject, ctx: FixContext, steers: bool) -> str | None:
    """Why the change writes the wrong AD account for the subject, or None."""
    if change.target != Target.ONPREM or change.op == Operation.CREATE:
        return None
    obj = ctx.onprem_by_dn().get(change.object)
    if obj is None or not ctx.index.in_scope(obj):
        return None
    match = predict_match(obj, ctx.index)
    user = match.user if match.user is not None else (match.candidate if match.rivals else None)
    if user is subject.obj:
        return None
    if user is not None:
        how = match.how or "contested"
        if steers and how == "smtp":
            return None
        return (f"sync is predicted to join {obj.dn} to cloud user {user.upn} ({LABELS.get(how, how)}), not to "
                f"{subject.name}, so the write would change that account")
    joined = pairing(subject.obj, ctx.index)
    if joined.how is not None and joined.onprem is not None and joined.onprem is not obj:
        how = LABELS.get(joined.how, joined.how)
        return (f"sync is predicted to join {joined.onprem.dn} to {subject.name} ({how}), and {obj.dn} to no cloud "
                f"user, so the write would not reach {subject.name}")
    return None


def _unread_guidance(fixer: Fixer, subject: Subject, result: Result, ctx: FixContext) -> str:
    """What to do when the check could not look (SPEC §8): read what is missing; a fixer may add how
    to look meanwhile (`unread_guidance`), never the guidance for a failure nobody saw."""
    text = f"could not check, {result.message or 'inputs not read'}; read what is missing and plan again"
    if fixer.unread_guidance is not None:
        try:
            text += f"; {fixer.unread_guidance(subject, result, ctx)}"
        except Exception as exc:  # a broken fixer is reported on its result, never fatal
            text += f" (the fixer's guidance failed: {type(exc).__name__}: {exc})"
    return text


def _wants(wants: WantsFunction, subject: Subject, result: Result, ctx: FixContext) -> bool:
    """A fixer's wish to act on a passing result; a fixer that fails here is treated as not wanting."""
    try:
        return bool(wants(subject, result, ctx))
    except Exception:
        return False


def attach_previews(run: Run) -> dict[tuple[str, str], dict]:
    """Builds `run.previews`: what each failing (or waived) result's fixer would do, by (subject name,
    check id), so reports show it without the sources. The results themselves are not touched; a
    fixer that fails becomes a note in its preview (build_plan catches it)."""
    select = [c.id for c in run.checks]
    plan = build_plan(run, select, ctx=FixContext(run, unsafe=True, stamping=False))
    previews: dict[tuple[str, str], dict] = {}
    for change in plan.changes:
        entry = previews.setdefault((change.subject, change.check), {"changes": []})
        entry["changes"].append({"target": change.target, "op": change.op, "object": change.object,
                                 "attribute": change.attribute, "before": _plain(change.remove),
                                 "after": _plain(change.add), "summary": change.describe(),
                                 "safety": change.safety})
    for item in plan.manual + plan.refused:
        previews.setdefault((item.subject, item.check), {"changes": []})["manual"] = item.guidance
    shown: dict[tuple[str, str], dict] = {}
    if previews:
        names = {name for name, _ in previews}
        for subject in run.subjects:
            if subject.name not in names:
                continue
            for check_id, result in subject.results.items():
                if result.status in PREVIEWED:
                    preview = previews.get((subject.name, check_id))
                    if preview:
                        shown[(subject.name, check_id)] = preview
    run.previews = shown
    return shown


def _plain(values: list[Any]) -> list:
    return [v.hex() if isinstance(v, bytes) else v for v in values]
