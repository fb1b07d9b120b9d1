"""The terminal summary of a results document: what was read, counts per check, the first blocked
subjects, and the people (cloud users first, SPEC §9)."""
from __future__ import annotations

import os
import textwrap
from itertools import islice

from syncready.checklist import StepKind, build_checklist
from syncready.summary import (
    cloud_aside,
    collection_lines,
    coverage_of,
    groups_line,
    lead_line,
    onprem_line,
    people_of,
    scope_text,
    unread_line,
)
from syncready.results import without_facts
from syncready.termtext import escape as safe
from syncready.termtext import terminal_width, wrap
from syncready.vocab import FAILING, Readiness, Severity

SHOW_BLOCKED = 10
WIDTH = 110          # the header's "Read:" line is wrapped to this when not at a terminal
SHOW_ALL_HINT = "--all lists every one"


def _paint(fp):
    use = hasattr(fp, "isatty") and fp.isatty() and not os.environ.get("NO_COLOR")

    def paint(text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if use else text
    return paint


def print_header(doc: dict, fp) -> None:
    """Config used, scope in force, what was read and what was not, and the run's notes (SPEC §8)."""
    coverage = coverage_of(doc)
    if coverage is None:
        print("Coverage: not recorded (results from an older syncready)", file=fp)
        return
    paint = _paint(fp)
    width = terminal_width(fp)
    print(wrap(f"Config: {coverage.get('config') or 'none (defaults: the whole domain, every check)'}", width),
          file=fp)
    print(wrap(f"Scope: {scope_text(coverage)}", width), file=fp)
    read, missing = collection_lines(coverage)
    text = safe(", ".join(read)) if read else "not recorded by the sources"
    print(textwrap.fill(f"Read: {text}", width or WIDTH, subsequent_indent="      ", break_long_words=False,
                        break_on_hyphens=False), file=fp)
    for line in missing:
        print(paint(wrap(f"Not read: {line}", width), "33"), file=fp)
    for note in coverage.get("notes") or ():
        print(paint(wrap(f"Note: {note}", width), "33"), file=fp)
    print(file=fp)


def print_summary(doc: dict, fp, written=(), expired_waivers=(), limit: int | None = SHOW_BLOCKED,
                  show_all: str = SHOW_ALL_HINT) -> None:
    """`limit` blocked subjects are listed (None: all); `show_all` says how to see the rest."""
    paint = _paint(fp)
    columns = terminal_width(fp)
    print_header(doc, fp)
    print_checklist(doc, fp, columns)
    summary = doc["summary"]
    checks = doc["checks"]
    width = max([len(c["id"]) for c in checks] + [5])
    print(f"{'CHECK':<{width}}  {'SEVERITY':<8}  {'PASS':>6}  {'FAIL':>6}  {'ERROR':>5}  "
          f"{'SKIP':>6}  {'WAIVED':>6}", file=fp)
    for check in checks:
        counts = summary["by_check"][check["id"]]
        bad = counts["fail"] + counts["error"]
        line = (f"{check['id']:<{width}}  {check['severity']:<8}  {counts['pass']:>6}  {counts['fail']:>6}  "
                f"{counts['error']:>5}  {counts['skip']:>6}  {counts['waived']:>6}")
        print(paint(line, "31" if bad and check["severity"] == Severity.BLOCKER else "33") if bad else line, file=fp)
    blocked = list(islice((s for s in without_facts(doc) if s["readiness"] == Readiness.BLOCKED), limit))
    if blocked:
        shown = (f"first {len(blocked)} of {summary['blocked']}; {show_all}" if len(blocked) < summary["blocked"]
                 else f"{len(blocked)}")
        print(f"\nBlocked ({shown}):", file=fp)
        for subject in blocked:
            print(wrap(subject["subject"], columns, "  "), file=fp)
            for check_id, result in subject["results"].items():
                if result["status"] in FAILING:
                    print(wrap(f"{check_id}: {result.get('message', '')}", columns, "    ", "      "), file=fp)
    for waiver in expired_waivers:
        print("\n" + paint(wrap(f"waiver for {waiver['check']} ({', '.join(waiver['subjects'])}) expired on "
                               f"{waiver['expires']} and no longer applies", columns), "33"), file=fp)
    baseline = summary.get("baseline")
    if baseline:
        print(f"\nSince {safe(baseline['file'])}: {len(baseline['new'])} new failure(s), "
              f"{len(baseline['fixed'])} fixed", file=fp)
    print_people(doc, fp, columns)
    for line in written:
        print(f"wrote {line}", file=fp)


def print_people(doc: dict, fp, width: int | None = None) -> None:
    """Cloud users first; AD users that would create new cloud users and the tenant apart."""
    paint = _paint(fp)
    people = people_of(doc)
    cloud, tenant = people["cloud_users"], people["tenant"]
    code = "31;1" if cloud.get("blocked") else "33;1" if cloud.get("at_risk") else "32;1"
    aside = cloud_aside(cloud, doc["summary"].get("out_of_scope"))
    lead = lead_line(cloud)
    wrapped = wrap(lead + (f"  ({aside})" if aside else ""), width)
    print("\n" + paint(wrapped[:len(lead)], code) + wrapped[len(lead):], file=fp)
    for line in (onprem_line(people["onprem_users"]), groups_line(people["onprem_groups"])):
        if line:
            print(wrap(line, width), file=fp)
    for blocker in tenant.get("blockers") or ():
        print(paint(wrap(f"TENANT BLOCKER: {blocker.get('banner') or blocker.get('message')}", width), "31;1"),
              file=fp)
    for note in tenant.get("notes") or ():
        print(wrap(f"tenant: {note}", width), file=fp)
    for entry in people["unread_checks"]:
        print(paint(wrap(unread_line(entry), width), "33"), file=fp)


CHECKLIST_ITEMS = 2      # per manual step; the HTML report, Markdown and --csv list every one
CHECKLIST_TEXT = 160     # characters of an item's text shown


def print_checklist(doc: dict, fp, width: int | None = None, items: int | None = CHECKLIST_ITEMS) -> None:
    """The cutover checklist (syncready/checklist.py): numbered steps, the first `items` subjects of
    each manual one, cut to a line (None: every subject of every step, whole)."""
    steps = build_checklist(doc).steps
    if not steps:
        return
    print("Cutover checklist:", file=fp)
    for number, step in enumerate(steps, 1):
        head = f"{number:>2}. "
        print(wrap(step.text(), width, head, " " * len(head)), file=fp)
        if items is None:
            shown = step.items
        elif step.kind == StepKind.READ_FIRST:
            shown = step.items
        else:
            shown = step.items[:items] if step.kind == StepKind.MANUAL else []
        for item in shown:
            text = f"{item.subject}: {item.text}" if item.subject else item.text
            if items is not None and len(text) > CHECKLIST_TEXT and step.kind == StepKind.MANUAL:
                text = text[:CHECKLIST_TEXT - 1] + "…"
            print(wrap(text, width, "      - ", "        "), file=fp)
        if shown and step.total_items > len(shown):
            rest = "--csv lists every one" if items is None else "--all, --markdown, --html or --csv list every one"
            print(f"      (first {len(shown):,} of {step.total_items:,}; {rest})", file=fp)
    print(file=fp)
