"""Carrying out a plan, and undoing a journal, through the writers — every step journaled first.

Apply: intent → write → outcome, then the applied changes are read back until they show (reads
can lag behind writes: Microsoft Entra replicates a write to the replicas that answer reads after
a delay), so the re-check that follows sees them; one that never shows is reported "not visible".
Undo: for each journaled change that was applied, or whose outcome is unknown because the run was
killed, read the object: if the change is in place, write its inverse; if it never happened, there
is nothing to undo; anything else is a conflict, left alone. A change the journal calls applied
that reads as not yet made is read again (the same bounded backoff) before undo believes it.
"""
from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from .journal import Entry, Journal
from .plan import Change
from .writers.base import BatchWriter, Conflict, ConnectionLost, CreatingWriter, WriteFailed, Writer

Progress = Callable[[int, int], object]
"""Called with (changes done, changes in all) after each unbatched change."""

SETTLE_DELAYS = (0.25, 0.5, 1.0, 2.0, 4.0)     # seconds between read-backs of a write not yet visible
CHANGED_SINCE = "the values changed since the fix; left alone"
PREDATES = "an object with this DN exists but predates the fix; left alone"
UNDO_CONFLICTS = frozenset({CHANGED_SINCE, PREDATES})
"""Why undo_plan leaves a change alone because the directory moved on: a conflict, as in apply; any other
reason is a change that cannot be undone (the writer's undo_refusal)."""


@dataclass
class Report:
    applied: list[Change] = field(default_factory=list)
    conflicts: list[tuple[Change, str]] = field(default_factory=list)    # (change, why)
    failed: list[tuple[Change, str]] = field(default_factory=list)
    nothing_to_do: list[Change] = field(default_factory=list)
    # applied, but reads still showed the old value
    not_visible: list[tuple[Change, str]] = field(default_factory=list)
    stopped: str | None = None

    def summary(self) -> dict[str, Any]:
        return {"applied": len(self.applied), "conflicts": len(self.conflicts), "failed": len(self.failed),
                "nothing_to_do": len(self.nothing_to_do), "not_visible": len(self.not_visible),
                "stopped": self.stopped}

    def lines(self) -> list[str]:
        out = [f"  conflict  {c.subject}: {c.describe()} — {why}" for c, why in self.conflicts]
        out += [f"  failed    {c.subject}: {c.describe()} — {why}" for c, why in self.failed]
        out += [f"  not yet visible  {c.subject}: {c.describe()} — {why}" for c, why in self.not_visible]
        if self.stopped:
            out.append(f"  stopped: {self.stopped}")
        return out


def apply_changes(changes: list[Change], writers: Mapping[str, Writer], journal: Journal,
                  progress: Progress | None = None,
                  rate: float | None = None) -> Report:
    """Applies in order; `rate` caps changes per second, to spare a busy domain controller.

    A writer with `apply_many` (Graph: $batch) takes all of its changes at once unless a rate is
    set; it journals intents and outcomes itself, a group per batch, through the same journal.
    """
    report = _apply(changes, writers, journal, progress, rate)
    settle(report, writers)
    return report


def settle(report: Report, writers: Mapping[str, Writer]) -> None:
    """Read the applied changes back until each shows, with bounded backoff (SETTLE_DELAYS).

    Graph accepted them (2xx), so the journal keeps "applied"; one that still reads as before
    after the last delay goes to `report.not_visible`, so the re-check is not mistaken for the
    write having failed. Writers without `state`/`states` are trusted as they are (LDAP reads
    the DC it wrote to).
    """
    pending = list(report.applied)
    for delay in (0.0, *SETTLE_DELAYS):
        if not pending:
            return
        if delay:
            time.sleep(delay)
        pending = [c for c, state in zip(pending, _states(pending, writers), strict=True) if state == "before"]
    for change in pending:
        why = (f"Graph accepted the write, but reads still show the old value after {sum(SETTLE_DELAYS):g}s "
               "(replication delay); check again later")
        report.not_visible.append((change, why))


def _states(changes: list[Change], writers: Mapping[str, Writer]) -> list[str]:
    """The current state of each change ('after', 'before', 'other'); 'after' when it cannot be read."""
    out: dict[int, str] = {}
    for target, writer in writers.items():
        mine = [i for i, c in enumerate(changes) if c.target == target]
        if not mine or not (hasattr(writer, "states") or hasattr(writer, "state")) or target != "cloud":
            out.update({i: "after" for i in mine})
            continue
        try:
            if hasattr(writer, "states"):
                states = writer.states([changes[i] for i in mine])
            else:
                states = [writer.state(changes[i]) for i in mine]
        except (ConnectionLost, WriteFailed, Conflict):
            states = ["after"] * len(mine)
        out.update(zip(mine, states, strict=True))
    return [out[i] for i in range(len(changes))]


def _apply(changes: list[Change], writers: Mapping[str, Writer], journal: Journal, progress: Progress | None,
           rate: float | None) -> Report:
    report = Report()
    pending = list(changes)
    if not rate:
        for target, writer in writers.items():
            many = [c for c in pending if c.target == target]
            if many and hasattr(writer, "apply_many"):
                pending = [c for c in pending if c.target != target]
                _apply_batched(cast(BatchWriter, writer), many, journal, report)   # it has apply_many
                if report.stopped:
                    return report
    interval = 1.0 / rate if rate else 0.0
    for number, change in enumerate(pending, 1):
        if interval and number > 1:
            time.sleep(interval)
        seq = journal.intent(change)
        try:
            extra = writers[change.target].apply(change) or {}
        except Conflict as exc:
            journal.outcome(seq, "conflict", str(exc))
            report.conflicts.append((change, str(exc)))
        except WriteFailed as exc:
            journal.outcome(seq, "failed", str(exc))
            report.failed.append((change, str(exc)))
        except ConnectionLost as exc:
            journal.outcome(seq, "unknown", str(exc))
            report.stopped = str(exc)
            break
        else:
            if extra.pop("unchanged", False):
                journal.outcome(seq, "nothing_to_do", "the value was already in place", **extra)
                report.nothing_to_do.append(change)
            else:
                journal.outcome(seq, "applied", **extra)
                report.applied.append(change)
        if progress:
            progress(number, len(pending))
    return report


def _apply_batched(writer: BatchWriter, changes: list[Change], journal: Journal, report: Report) -> None:
    buckets = {"applied": report.applied, "nothing_to_do": report.nothing_to_do}
    try:
        for change, outcome, detail, _extra in writer.apply_many(changes, journal):
            if outcome in buckets:
                buckets[outcome].append(change)
            elif outcome == "conflict":
                report.conflicts.append((change, detail))
            elif outcome == "failed":
                report.failed.append((change, detail))
            else:
                report.stopped = detail or "the outcome of a write is unknown"
    except ConnectionLost as exc:
        report.stopped = str(exc)


def undo_plan(entries: list[Entry], writers: Mapping[str, Writer]) -> tuple[list[Change], list[tuple[Change, str]]]:
    """The inverse changes still needed, newest first (entries are in journal order), and the entries
    that cannot be undone."""
    needed: list[Change] = []
    skipped: list[tuple[Change, str]] = []
    for entry in reversed(entries):
        change = entry.change
        if entry.outcome not in ("applied", "unknown", None):
            continue
        if change.op == "create":
            inverse = change.inverse()
            guid = entry.extra.get("created_guid")
            writer = cast(CreatingWriter, writers[change.target])   # creates are AD's, and LdapWriter has these
            if guid:
                inverse.attributes = {"objectGUID": guid}
            elif writer.state(change) == "before":
                continue
            elif entry.time and writer.created_after(change.object, dt.datetime.fromisoformat(entry.time)):
                inverse.attributes = {"objectGUID": writer.guid_of(change.object)}
            else:
                skipped.append((inverse, PREDATES))
                continue
            needed.append(inverse)
            continue
        refusal = getattr(writers[change.target], "undo_refusal", None)
        why = refusal(change) if refusal else None
        if why:
            skipped.append((change.inverse(), why))
            continue
        state = _settled_state(writers[change.target], change, entry.outcome)
        if state == "after":
            needed.append(change.inverse())
        elif state == "other":
            skipped.append((change.inverse(), CHANGED_SINCE))
    return needed, skipped


def _settled_state(writer: Writer, change: Change, outcome: str | None) -> str:
    """`writer.state`, read again with backoff while a change the journal calls applied still reads
    as not made: a lagging replica must not make undo skip a change that is in place."""
    state = writer.state(change)
    if outcome != "applied" or change.target != "cloud":
        return state
    for delay in SETTLE_DELAYS:
        if state != "before":
            break
        time.sleep(delay)
        state = writer.state(change)
    return state
