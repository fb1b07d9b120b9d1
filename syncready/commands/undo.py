"""`syncready undo JOURNAL`: the inverse of a fix run, as a plan first; --apply writes it, journaled too."""
from __future__ import annotations

import datetime as dt

from ..apply import apply_changes, undo_plan
from ..journal import Journal, read_journal
from ..options import from_args
from ..termtext import escape
from .options import add_source_options
from .writers import open_writers


def register(sub) -> None:
    parser = sub.add_parser("undo", help="show, and with --apply make, the inverse of a fix journal")
    parser.add_argument("journal", metavar="JOURNAL")
    parser.add_argument("--apply", action="store_true", help="write the inverse changes")
    add_source_options(parser)
    parser.set_defaults(handler=run_undo)


def run_undo(args) -> int:
    entries = read_journal(args.journal)
    sources = from_args(args).sources
    targets = {e.change.target for e in entries}
    if not entries:
        print(f"{escape(args.journal)} records no change; nothing to undo.")
        return 0
    writers = open_writers(sources, targets)
    needed, skipped = undo_plan(entries, writers)
    for change in needed:
        print(f"{escape(change.subject)}\n  {escape(change.check)}: {escape(change.describe())}")
    for change, why in skipped:
        print(f"{escape(change.subject)}\n  {escape(change.check)}: not undone — {escape(why)}")
    print(f"\n{len(needed)} change(s) to undo; {len(skipped)} left alone")
    if not args.apply:
        if needed:
            print("Nothing was written (dry run). Add --apply to undo.")
        return 0 if not skipped else 1
    if not needed:
        return 0 if not skipped else 1
    path = f"{args.journal}.undo-{dt.datetime.now():%Y%m%d-%H%M%S}.jsonl"
    journal = Journal(path, "undo", {"journal": str(args.journal)})
    report = apply_changes(needed, writers, journal)
    journal.close(report.summary())
    print(f"undone {len(report.applied)}, conflicts {len(report.conflicts)}, failed {len(report.failed)}; "
          f"journal: {escape(path)}")
    for line in report.lines():
        print(escape(line))
    return 0 if not (report.conflicts or report.failed or report.stopped or skipped) else 1
