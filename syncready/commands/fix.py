"""`syncready fix`: plan the fixes of the selected checks; with --apply, write them, journaled."""
from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import sys

from .. import planfile
from ..apply import Report, apply_changes
from ..atomic import atomic_write
from ..errors import ConfigError, SyncreadyError
from ..fixing import build_plan
from ..journal import Journal
from ..options import EVERY_CHECK, RunOptions, SourceOptions, from_args
from ..pipeline import build_run
from ..plan import Change
from ..planfile_apply import confirm, header, max_age, verify_targets
from ..planfile_stamp import fresh_run, refusals, summary
from ..planfile_targets import written_targets
from ..registry import check_ids, select_checks
from ..termtext import escape
from .options import add_selection_options, add_source_options
from .writers import open_writers

DEFAULT_MAX_CHANGES = 500


def register(sub) -> None:
    parser = sub.add_parser("fix", help="plan (and with --apply, make) the fixes of the selected checks")
    add_source_options(parser)
    add_selection_options(parser)
    parser.add_argument("--apply", nargs="?", const=True, default=False, metavar="PLAN",
                        help="write the changes (default: only print the plan); with a plan file saved by "
                             "--out, write exactly that plan, nothing re-planned")
    parser.add_argument("--out", metavar="FILE", help="save the plan as JSON, for approval and --apply FILE")
    parser.add_argument("--markdown", metavar="FILE", help="write the plan as Markdown (a change ticket)")
    parser.add_argument("--html", metavar="FILE", help="write the plan as one self-contained HTML file")
    parser.add_argument("--yes", action="store_true", help="apply without asking for confirmation")
    parser.add_argument("--max-age", metavar="AGE",
                        help="refuse a saved plan older than this (e.g. 24h, 90m, 2d; default [fix] "
                             "plan_max_age, else 24h)")
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
    if isinstance(args.apply, str):
        return run_plan_apply(args)
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
    saved = planfile.from_run(run, plan, select, options.run.users, args.unsafe)
    print(plan.render())
    print(render_blocked(saved))
    write_plan_files(saved, args)
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
    if not confirm(f"Apply {len(plan.changes)} change(s)?", args.yes, required=False):
        print("Nothing was written.")
        return 1
    writers = open_writers(sources, {c.target for c in plan.changes})
    targets = written_targets(sources, writers, run.directory.tenant_id if sources.live_cloud else None)
    report = apply_journaled(plan.changes, writers, args, run.directory.sources, targets)
    return recheck(sources, options.run, select, plan.changes, report)


def apply_journaled(changes: list[Change], writers: dict, args, sources: dict, targets: dict,
                    refused: tuple[tuple[Change, str], ...] = ()) -> Report:
    """The changes through the writers, journaled with the DC and tenant written to; prints the outcome.
    `refused` are conflicts found before writing (stamping no longer clear), journaled as such."""
    journal_path = args.journal or f"syncready-journal-{dt.datetime.now():%Y%m%d-%H%M%S}.jsonl"
    journal = Journal(journal_path, "fix", sources, targets)
    report = apply_changes(changes, writers, journal, rate=args.rate)
    for change, why in refused:
        journal.outcome(journal.intent(change), "conflict", why)
        report.conflicts.append((change, why))
    journal.close(report.summary())
    print(f"\napplied {len(report.applied)}, conflicts {len(report.conflicts)}, failed {len(report.failed)}; "
          f"journal: {escape(journal_path)} (undo with: syncready undo {escape(journal_path)})")
    for line in report.lines():
        print(escape(line))
    return report


def render_blocked(saved: planfile.SavedPlan) -> str:
    """What the plan leaves blocked, so "0 manual step(s)" is never read as "ready afterwards"."""
    if not saved.still_blocked and not saved.blocked_elsewhere:
        return "After this plan no subject it touches stays blocked."
    lines = [f"Still blocked after this plan: {len(saved.still_blocked)} subject(s) it touches"
             + (f" (and {saved.blocked_elsewhere} blocked cloud user(s) it does not touch)"
                if saved.blocked_elsewhere else "")]
    for blocked in saved.still_blocked:
        lines.append(f"  {escape(blocked.subject)}: " + "; ".join(
            f"{escape(r['check'])} {escape(r['status'])} ({escape(r['why'])})" for r in blocked.reasons))
    return "\n".join(lines)


def write_plan_files(saved: planfile.SavedPlan, args) -> None:
    if args.out:
        planfile.save(saved, args.out)
        print(f"Plan saved: {escape(args.out)} (digest {saved.digest}); apply it with: "
              f"syncready fix --apply {escape(args.out)}")
    if args.markdown or args.html:
        from ..reports.plan_render import plan_html, plan_markdown

        if args.markdown:
            write_text(args.markdown, plan_markdown(saved))
        if args.html:
            write_text(args.html, plan_html(saved))


def write_text(path: str, text: str) -> None:
    with atomic_write(path) as fp:
        fp.write(text)


def run_plan_apply(args) -> int:
    """`fix --apply PLAN`: exactly the saved changes, after its digest, age, domain and tenant are checked;
    a change whose precondition no longer holds is a conflict (the writers check each one), and so is a
    stamping change whose user is no longer clear of every blocker on a fresh read (planfile_stamp)."""
    path = args.apply
    if args.select or args.users or args.unsafe or args.out:
        raise ConfigError("--apply PLAN writes exactly the saved plan: leave out --select, --user, --unsafe and "
                          "--out (they were fixed when the plan was made)")
    saved = planfile.load(path)
    options = from_args(args)
    sources = options.sources
    limit, shown = max_age(args.max_age, sources.config.fix)
    planfile.check_age(saved, path, limit, shown)
    for line in header(saved, path):
        print(line)
    if not saved.changes:
        print("The plan holds no change; nothing to apply.")
        return 0
    if len(saved.changes) > args.max_changes:
        raise ConfigError(f"the plan has {len(saved.changes)} changes, more than --max-changes {args.max_changes}; "
                          "raise --max-changes to apply it")
    targets = {c.target for c in saved.changes}
    writers = open_writers(sources, targets)
    verified = verify_targets(saved, path, sources, writers)
    refused = refusals(saved.changes, fresh_run(sources, options.run), sources.config.fix,
                       bool(saved.options.get("unsafe")))
    if (said := summary(saved.changes, refused)) is not None:
        print(said)
    conflicts = tuple((c, refused[c.id]) for c in saved.changes if c.id in refused)
    writing = [c for c in saved.changes if c.id not in refused]
    if not writing:
        print("Nothing to apply: every change was refused.")
        for line in Report(conflicts=list(conflicts)).lines():
            print(escape(line))
        return 1
    where = ", ".join(f"{t}: {v}" for t, v in (("AD", verified.get("domain")), ("tenant", verified.get("tenant_id")))
                      if v)
    if not confirm(f"Apply the {len(writing)} change(s) of {path} to {where}?", args.yes, required=True):
        print("Nothing was written.")
        return 1
    against = {k: v for k, v in saved.planned_against.items() if k in ("cloud", "onprem")}
    journal_targets = written_targets(sources, writers, verified.get("tenant_id"), verified.get("domain"))
    report = apply_journaled(writing, writers, args, {**against, "plan": str(path), "digest": saved.digest},
                             journal_targets, conflicts)
    select = list(dict.fromkeys(c.check for c in saved.changes))
    try:
        return recheck(sources, options.run, select, saved.changes, report)
    except SyncreadyError as exc:
        print(f"\nNot re-checked: {escape(str(exc))}")
        return 0 if not (report.conflicts or report.failed or report.stopped) else 1


def recheck(sources: SourceOptions, options: RunOptions, select, changes: list[Change], report: Report) -> int:
    """Re-reads the affected subjects from the live sources and says what passes now; a subject none
    of the selected checks applies to is left out (no bare `CN=...:` lines)."""
    users = tuple(sorted({c.subject for c in changes}))
    run = evaluate_all(sources, dataclasses.replace(options, users=users), require_users=False)
    still = 0
    print("\nRe-checked from the sources:")
    for subject in run.subjects:
        states = ", ".join(f"{cid} {subject.results[cid].status}" for cid in select if cid in subject.results)
        if not states:
            continue
        print(f"  {escape(subject.name)}: {states}")
        still += sum(subject.results[cid].status in ("fail", "error") for cid in select if cid in subject.results)
    ok = not (report.conflicts or report.failed or report.stopped or still)
    if report.stopped:
        print(f"the run stopped early: {escape(report.stopped)}", file=sys.stderr)
    return 0 if ok else 1
