"""The terminal summary of a results document: what was read, counts per check, the first blocked
subjects, and the people (cloud users first, SPEC §9)."""
from __future__ import annotations

import os
import textwrap
from itertools import islice

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
from syncready.termtext import escape as safe
from syncready.vocab import FAILING, Readiness, Severity

SHOW_BLOCKED = 10
WIDTH = 110          # the header's "Read:" line is wrapped to this


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
    print(f"Config: {safe(coverage.get('config') or 'none (defaults: the whole domain, every check)')}", file=fp)
    print(f"Scope: {safe(scope_text(coverage))}", file=fp)
    read, missing = collection_lines(coverage)
    text = safe(", ".join(read)) if read else "not recorded by the sources"
    print(textwrap.fill(f"Read: {text}", WIDTH, subsequent_indent="      ", break_long_words=False,
                        break_on_hyphens=False), file=fp)
    for line in missing:
        print(paint(f"Not read: {safe(line)}", "33"), file=fp)
    for note in coverage.get("notes") or ():
        print(paint(f"Note: {safe(note)}", "33"), file=fp)
    print(file=fp)


def print_summary(doc: dict, fp, written=(), expired_waivers=()) -> None:
    paint = _paint(fp)
    print_header(doc, fp)
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
    blocked = list(islice((s for s in doc["subjects"] if s["readiness"] == Readiness.BLOCKED), SHOW_BLOCKED))
    if blocked:
        print(f"\nBlocked (first {len(blocked)} of {summary['blocked']}):", file=fp)
        for subject in blocked:
            print(f"  {safe(subject['subject'])}", file=fp)
            for check_id, result in subject["results"].items():
                if result["status"] in FAILING:
                    print(f"    {check_id}: {safe(result.get('message', ''))}", file=fp)
    for waiver in expired_waivers:
        print(paint(f"\nwaiver for {safe(waiver['check'])} ({safe(', '.join(waiver['subjects']))}) expired on "
                    f"{waiver['expires']} and no longer applies", "33"), file=fp)
    baseline = summary.get("baseline")
    if baseline:
        print(f"\nSince {safe(baseline['file'])}: {len(baseline['new'])} new failure(s), "
              f"{len(baseline['fixed'])} fixed", file=fp)
    print_people(doc, fp)
    for line in written:
        print(f"wrote {line}", file=fp)


def print_people(doc: dict, fp) -> None:
    """Cloud users first; AD users that would create new cloud users and the tenant apart."""
    paint = _paint(fp)
    people = people_of(doc)
    cloud, tenant = people["cloud_users"], people["tenant"]
    code = "31;1" if cloud.get("blocked") else "33;1" if cloud.get("at_risk") else "32;1"
    aside = cloud_aside(cloud, doc["summary"].get("out_of_scope"))
    print("\n" + paint(lead_line(cloud), code) + (f"  ({aside})" if aside else ""), file=fp)
    for line in (onprem_line(people["onprem_users"]), groups_line(people["onprem_groups"])):
        if line:
            print(line, file=fp)
    for blocker in tenant.get("blockers") or ():
        print(paint(f"TENANT BLOCKER: {safe(blocker.get('banner') or blocker.get('message'))}", "31;1"), file=fp)
    for note in tenant.get("notes") or ():
        print(f"tenant: {safe(note)}", file=fp)
    for entry in people["unread_checks"]:
        print(paint(safe(unread_line(entry)), "33"), file=fp)
