"""Stamping from a saved plan only on a fresh read (SPEC §7): every blocker must pass when the
ImmutableID is written, not only when the plan was approved.

A user who got an admin role, whose UPN started to collide, who turned out to be synchronized
before or became cloud-managed after approval would otherwise still be stamped: the writers only
check that onPremisesImmutableId is still empty. So before a saved plan holding stamping changes
(anchor-ready's) is applied, the sources it was made from are read again through `build_run`, the
stamping is planned again for exactly those users by anchor-ready's own fixer (one set of rules for
planning and applying), and each saved stamping change that fresh plan does not hold is refused as a
conflict naming the checks that fail now. Sources that cannot be read refuse every stamping change.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

from .engine import Run, Subject
from .errors import SyncreadyError
from .fixing import build_plan
from .options import RunOptions, SourceOptions
from .pipeline import build_run
from .plan import Change, show_values
from .registry import check_ids, fixer_module
from .vocab import PREVIEWED, Severity, Target

STAMP_CHECK = "anchor-ready"
MAX_REASONS = 3            # failing checks named per refused user; the rest are counted

Evaluate = Callable[[tuple[str, ...]], Run]
"""A fresh run of every check for the given users (tests replace it)."""


def stamping(changes: Sequence[Change]) -> list[Change]:
    """The saved plan's stamping changes: anchor-ready's (the ImmutableID, and the ConsistencyGuid
    written with it)."""
    return [c for c in changes if c.check == STAMP_CHECK]


def fresh_run(sources: SourceOptions, options: RunOptions) -> Evaluate:
    """The same read `fix` plans from: these options, every check, only the named users."""
    def evaluate(users: tuple[str, ...]) -> Run:
        return build_run(sources, dataclasses.replace(options, users=users), select=check_ids(), ignore=[],
                         require_users=False)
    return evaluate


def refusals(changes: Sequence[Change], evaluate: Evaluate, fix_options: dict[str, Any],
             unsafe: bool = False) -> dict[str, str]:
    """Change id → why each stamping change of `changes` is not written; {} when all are still clear
    (and when there is no stamping change, without reading anything)."""
    stamps = stamping(changes)
    if not stamps:
        return {}
    try:
        run = evaluate(tuple(sorted({c.subject for c in stamps}, key=str.lower)))
    except (SyncreadyError, OSError) as exc:
        why = (f"not stamped: the sources could not be read again to check its blockers "
               f"({_one_line(str(exc) or type(exc).__name__)})")
        return {c.id: why for c in stamps}
    plan = build_plan(run, [STAMP_CHECK], unsafe=unsafe, options=fix_options)
    planned = {c.id for c in plan.changes}
    declined = {m.subject.lower(): m.guidance for m in [*plan.refused, *plan.manual] if m.check == STAMP_CHECK}
    subjects = {s.name.lower(): s for s in run.subjects}
    out: dict[str, str] = {}
    for change in stamps:
        if change.id in planned:
            continue
        subject = subjects.get(change.subject.lower())
        if subject is not None and _already_stamped(subject, change):
            continue        # nothing to write; the writer reports it as already in place
        out[change.id] = _why(change, subject, run, declined.get(change.subject.lower()))
    return out


def _already_stamped(subject: Subject, change: Change) -> bool:
    user = subject.obj
    return (change.target == Target.CLOUD and bool(change.add)
            and getattr(user, "immutable_id", None) == change.add[0])


def _why(change: Change, subject: Subject | None, run: Run, declined: str | None) -> str:
    """One line: what fails now on the fresh read, with the checks' own messages."""
    if subject is None:
        return (f"not stamped: {change.subject} is no longer a subject in scope on a fresh read (renamed, "
                "deleted or moved out of the sync scope)")
    failing = _failing(subject, run)
    if failing:
        named = ", ".join(f"{cid} {result.status}" for cid, result in failing)
        shown = "; ".join(f"{cid}: {_one_line(result.message or 'see the check')}"
                          for cid, result in failing[:MAX_REASONS])
        more = f"; and {len(failing) - MAX_REASONS} more" if len(failing) > MAX_REASONS else ""
        return f"not stamped: no longer clear on a fresh read ({named}) — {shown}{more}"
    if declined:
        return f"not stamped: on a fresh read {_one_line(declined)}"
    user = subject.obj
    if change.target == Target.CLOUD and getattr(user, "immutable_id", None):
        return (f"not stamped: on a fresh read the user already holds onPremisesImmutableId "
                f"{user.immutable_id}, not {show_values(change.add)}")
    result = subject.results.get(STAMP_CHECK)
    state = f"anchor-ready is {result.status}" if result is not None else "anchor-ready was not evaluated"
    return (f"not stamped: a fresh plan does not hold this change ({state}; the anchor or [fix] "
            "write_consistency_guid may have changed); make and approve the plan again")


def _failing(subject: Subject, run: Run) -> list[tuple[str, Any]]:
    """The results that hold the stamping up: anchor-ready itself, every blocker, and the checks whose
    failure makes Entra refuse the hard match whatever their severity."""
    hardening = set(getattr(fixer_module(STAMP_CHECK), "HARD_MATCH_REFUSALS", ()))
    found = []
    for cid, result in subject.results.items():
        if result.status not in PREVIEWED:
            continue
        if cid == STAMP_CHECK or cid in hardening or run.severity.get(cid) == Severity.BLOCKER:
            if cid == "single-match" and (result.evidence or {}).get("stamping_would_match"):
                continue    # stamping is what cures it (the fixer's own exception)
            found.append((cid, result))
    return found


def _one_line(text: str) -> str:
    return " ".join(text.split())


def summary(changes: Sequence[Change], refused: dict[str, str]) -> str | None:
    """What the administrator sees before confirming; None without stamping changes."""
    stamps = stamping(changes)
    if not stamps:
        return None
    users = {c.subject.lower() for c in stamps}
    blocked = {c.subject.lower() for c in stamps if c.id in refused}
    if not blocked:
        return f"Stamping re-checked on a fresh read: all {len(users)} user(s) still clear of every blocker."
    return (f"Stamping re-checked on a fresh read: {len(blocked)} of {len(users)} user(s) no longer clear; "
            f"their {sum(c.id in refused for c in stamps)} stamping change(s) will be conflicts, not written.")
