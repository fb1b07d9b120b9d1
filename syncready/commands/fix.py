"""`syncready fix`: plan the fixes of the selected checks; with --apply, write them, journaled."""
from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import sys

from ..apply import apply_changes
from ..errors import ConfigError
from ..fixing import build_plan
from ..journal import Journal
from ..options import EVERY_CHECK, RunOptions, SourceOptions, from_args
from ..pipeline import build_run
from ..registry import check_ids, select_checks
from ..termtext import escape
from .options import add_selection_options, add_source_options
from .writers import open_writers

DEFAULT_MAX_CHANGES = 500


def register(sub) -> None:
    parser = sub.add_parser("fix", help="plan (and with --apply, make) the fixes of the selected checks")
    add_source_options(parser)
    add_selection_options(parser)
    parser.add_argument("--apply", action="store_true", help="write the changes (default: only print the plan)")
    parser.add_argument("--journal", metavar="FILE", help="journal file (default syncready-journal-<time>.jsonl)")
    parser.add_argument("--max-changes", type=_count, default=DEFAULT_MAX_CHANGES, metavar="N",
                        help=f"refuse plans with more changes (default {DEFAULT_MAX_CHANGES})")
    parser.add_argument("--unsafe", action="store_true", help="also plan fixes marked unsafe")
    parser.add_argument("--rate", type=_rate, metavar="N", help="at most N changes a second (spare a busy DC)")
    parser.set_defaults(handler=run_fix)


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError("must be a positive number of changes a second")
    return value


def evaluate_all(sources: SourceOptions, options: RunOptions = EVERY_CHECK, require_users: bool = True):
    """A fresh read, every check: stamping needs every blocker, and fixes must not make others worse.

    The same pipeline as `check`, so a --user that is not a subject is the same error here."""
    return build_run(sources, options, select=check_ids(), ignore=[], require_users=require_users)


def run_fix(args) -> int:
    if not args.select:
        raise ConfigError("say which checks to fix: --select IDS (see `syncready list`)")
    select = [c.id for c in select_checks(args.select, args.ignore)]
    options = from_args(args)
    sources, config = options.sources, options.config
    if args.apply and not (sources.live_onprem or sources.live_cloud):
        raise ConfigError("--apply writes to the live directories, but every source is a snapshot: give "
                          "--ldap-url and/or the Graph options (--tenant-id, --auth, ...)")
    run = evaluate_all(sources, options.run)
    plan = build_plan(run, select, unsafe=args.unsafe, options=config.fix)
    print(plan.render())
    if len(plan.changes) > args.max_changes:
        raise ConfigError(f"the plan has {len(plan.changes)} changes, more than --max-changes {args.max_changes}; "
                          "narrow it with --user/--select or raise --max-changes")
    if not args.apply:
        if plan.changes:
            print("\nNothing was written (dry run). Add --apply to make these changes.")
        return 1 if plan.changes or plan.manual or plan.refused else 0
    if not plan.changes:
        print("\nNothing to apply.")
        return 1 if plan.manual or plan.refused else 0
    writers = open_writers(sources, {c.target for c in plan.changes})
    journal_path = args.journal or f"syncready-journal-{dt.datetime.now():%Y%m%d-%H%M%S}.jsonl"
    journal = Journal(journal_path, "fix", run.directory.sources)
    report = apply_changes(plan.changes, writers, journal, rate=args.rate)
    journal.close(report.summary())
    print(f"\napplied {len(report.applied)}, conflicts {len(report.conflicts)}, failed {len(report.failed)}; "
          f"journal: {escape(journal_path)} (undo with: syncready undo {escape(journal_path)})")
    for line in report.lines():
        print(escape(line))
    return recheck(sources, options.run, select, plan, report)


def recheck(sources: SourceOptions, options: RunOptions, select, plan, report) -> int:
    """Re-reads the affected subjects from the live sources and says what passes now."""
    users = tuple(sorted({c.subject for c in plan.changes}))
    run = evaluate_all(sources, dataclasses.replace(options, users=users), require_users=False)
    still = 0
    print("\nRe-checked from the sources:")
    for subject in run.subjects:
        states = ", ".join(f"{cid} {subject.results[cid].status}" for cid in select if cid in subject.results)
        print(f"  {escape(subject.name)}: {states}")
        still += sum(subject.results[cid].status in ("fail", "error") for cid in select if cid in subject.results)
    ok = not (report.conflicts or report.failed or report.stopped or still)
    if report.stopped:
        print(f"the run stopped early: {escape(report.stopped)}", file=sys.stderr)
    return 0 if ok else 1
