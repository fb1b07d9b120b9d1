"""`syncready undo JOURNAL`: the inverse of a fix run, as a plan first; --apply writes it, journaled too.

The journal names the DC and tenant it wrote to, so undo needs only credentials (--ldap-user and the
password, the Graph sign-in); options that name another DC or tenant are refused unless --force.
"""
from __future__ import annotations

import datetime as dt

from ..apply import UNDO_CONFLICTS, apply_changes, undo_plan
from ..journal import Journal, journal_targets, read_journal
from ..options import from_args
from ..planfile_targets import undo_sources, written_targets
from ..termtext import escape
from .options import add_source_options
from .writers import open_writers


def register(sub) -> None:
    parser = sub.add_parser("undo", help="show, and with --apply make, the inverse of a fix journal")
    parser.add_argument("journal", metavar="JOURNAL")
    parser.add_argument("--apply", action="store_true", help="write the inverse changes")
    parser.add_argument("--force", action="store_true",
                        help="undo through the DC or tenant the options name even when the journal names another")
    add_source_options(parser)
    parser.set_defaults(handler=run_undo)


def run_undo(args) -> int:
    entries = read_journal(args.journal)
    if not entries:
        print(f"{escape(args.journal)} records no change; nothing to undo.")
        return 0
    sources = undo_sources(args, from_args(args).sources, journal_targets(args.journal), args.force)
    writers = open_writers(sources, {e.change.target for e in entries})
    needed, skipped = undo_plan(entries, writers)
    for change in needed:
        print(f"{escape(change.subject)}\n  {escape(change.check)}: {escape(change.describe())}")
    conflicts = [(c, why) for c, why in skipped if why in UNDO_CONFLICTS]
    refused = [(c, why) for c, why in skipped if why not in UNDO_CONFLICTS]
    for change, why in conflicts:
        print(f"{escape(change.subject)}\n  {escape(change.check)}: conflict, not undone — {escape(why)}")
    for change, why in refused:
        print(f"{escape(change.subject)}\n  {escape(change.check)}: cannot be undone — {escape(why)}")
    print(f"\n{len(needed)} change(s) to undo; left alone: {len(conflicts)} conflict(s) (changed since the fix), "
          f"{len(refused)} that cannot be undone")
    if not args.apply:
        if needed:
            print("Nothing was written (dry run). Add --apply to undo.")
        return 0 if not skipped else 1
    if not needed:
        return 0 if not skipped else 1
    path = f"{args.journal}.undo-{dt.datetime.now():%Y%m%d-%H%M%S}.jsonl"
    journal = Journal(path, "undo", {"journal": str(args.journal)}, written_targets(sources, writers))
    report = apply_changes(needed, writers, journal)
    journal.close(report.summary())
    print(f"undone {len(report.applied)}, conflicts {len(conflicts) + len(report.conflicts)}, failed "
          f"{len(report.failed)}, cannot be undone {len(refused)}; journal: {escape(path)}")
    for line in report.lines():
        print(escape(line))
    return 0 if not (report.conflicts or report.failed or report.stopped or skipped) else 1
