"""From a run's failures to a plan: each selected check's fixer, found by name, proposes changes.

Fixers see the values as they will be after the changes already planned for the same object (the
overlay), so two fixers touching proxyAddresses of one user plan one after the other instead of
colliding, and each change's precondition is the state the previous one leaves.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .engine import FAILING, Run
from .plan import Change, Manual, Plan
from .registry import fixer_module, get_check
from .summary import coverage_warnings, is_unread
from .writers.base import value_key


class NotFixable(Exception):
    """This failure cannot be fixed automatically; the message says why and what to do instead."""


@dataclass
class FixContext:
    run: Run
    unsafe: bool = False
    options: dict = field(default_factory=dict)      # [fix] table of syncready.toml
    stamping: bool = True                            # plan fixes for passing results that want one
    _overlay: dict = field(default_factory=dict)
    _refusals: list = field(default_factory=list)

    def refuse(self, reason: str) -> None:
        """Part of a failure cannot be fixed: the fixer plans the rest and the plan shows this reason."""
        self._refusals.append(reason)

    @property
    def index(self):
        return self.run.index

    def values(self, obj, attribute: str, current) -> list:
        """The attribute's values once the changes planned so far are applied."""
        key = (getattr(obj, "dn", None) or obj.id, attribute.lower())
        if key not in self._overlay:
            if current is None:
                current = []
            elif isinstance(current, (str, bytes, int)):
                current = [current]
            self._overlay[key] = list(current)
        return list(self._overlay[key])

    def record(self, change: Change) -> None:
        key = (change.object, change.attribute.lower())
        if key not in self._overlay:
            return
        values = self._overlay[key]
        for value in change.remove:
            keys = [value_key(change.attribute, v) for v in values]
            wanted = value_key(change.attribute, value)
            if wanted in keys:
                values.pop(keys.index(wanted))
        values.extend(v for v in change.add if v is not None)


def build_plan(run: Run, select: list[str], unsafe: bool = False, options: dict | None = None,
               ctx: FixContext | None = None) -> Plan:
    ctx = ctx or FixContext(run, unsafe, options or {})
    plan = Plan(notes=coverage_warnings(run.directory.coverage.to_json()))
    order = sorted(select, key=lambda cid: (get_check(cid).meta.order, cid))
    fixers = {cid: fixer_module(cid) for cid in order}
    wanting = {cid: getattr(fixers[cid], "wants", None) for cid in order}
    for subject in run.subjects:
        results = subject.results
        for check_id in order:
            result = results.get(check_id)
            if result is None:
                continue
            if result.status not in FAILING:
                wants = wanting[check_id]
                if wants is None or not ctx.stamping or not _wants(wants, subject, result, ctx):
                    continue
            fixer = fixers[check_id]
            if is_unread(result):   # nothing to fix on data that was not read: read it, then plan
                plan.refused.append(Manual(check_id, subject.name, result.message or "",
                                           _unread_guidance(fixer, subject, result, ctx)))
                continue
            meta = get_check(check_id).meta
            if fixer is None or fixer.AVAILABILITY == "manual":
                try:
                    guidance = (fixer.guidance(subject, result, ctx) if fixer and hasattr(fixer, "guidance")
                                else meta.how_to_fix)
                except Exception as exc:  # a broken fixer is reported on its result, never fatal
                    guidance = f"{meta.how_to_fix} (the fixer's guidance failed: {type(exc).__name__}: {exc})"
                plan.manual.append(Manual(check_id, subject.name, result.message or "", guidance))
                continue
            if fixer.SAFETY == "unsafe" and not unsafe:
                plan.refused.append(Manual(check_id, subject.name, result.message or "",
                                           "an unsafe fix; review it and add --unsafe to plan it"))
                continue
            try:
                changes = fixer.plan(subject, result, ctx) or []
            except NotFixable as exc:
                plan.refused.append(Manual(check_id, subject.name, result.message or "", str(exc)))
                continue
            except Exception as exc:  # a broken fixer plans nothing for this subject and says so
                plan.refused.append(Manual(check_id, subject.name, result.message or "",
                                           f"not planned: the fixer itself failed ({type(exc).__name__}: {exc})"))
                continue
            finally:
                for reason in ctx._refusals:
                    plan.refused.append(Manual(check_id, subject.name, result.message or "", reason))
                ctx._refusals.clear()
            for change in changes:
                change.safety = fixer.SAFETY
                ctx.record(change)
                plan.changes.append(change)
    return plan


def _unread_guidance(fixer, subject, result, ctx: FixContext) -> str:
    """What to do when the check could not look (SPEC §8): read what is missing; a fixer may add how
    to look meanwhile (`unread_guidance`), never the guidance for a failure nobody saw."""
    text = f"could not check, {result.message or 'inputs not read'}; read what is missing and plan again"
    extra = getattr(fixer, "unread_guidance", None)
    if extra is not None:
        try:
            text += f"; {extra(subject, result, ctx)}"
        except Exception as exc:  # a broken fixer is reported on its result, never fatal
            text += f" (the fixer's guidance failed: {type(exc).__name__}: {exc})"
    return text


def _wants(wants, subject, result, ctx: FixContext) -> bool:
    """A fixer's wish to act on a passing result; a fixer that fails here is treated as not wanting."""
    try:
        return bool(wants(subject, result, ctx))
    except Exception:
        return False


def attach_previews(run: Run) -> None:
    """Puts on each failing result what its fixer would do, so reports show it without the sources."""
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
    for subject in run.subjects:
        for check_id, result in subject.results.items():
            preview = previews.get((subject.name, check_id))
            if preview and result.status in FAILING + ("waived",):
                result.extra["fix"] = preview


def _plain(values) -> list:
    return [v.hex() if isinstance(v, bytes) else v for v in values]
