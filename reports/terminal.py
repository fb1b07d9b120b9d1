"""The terminal summary of a results document: counts per check, readiness, the first blocked users."""
from __future__ import annotations

import os
from itertools import islice

SHOW_BLOCKED = 10


def _paint(fp):
    use = hasattr(fp, "isatty") and fp.isatty() and not os.environ.get("NO_COLOR")

    def paint(text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if use else text
    return paint


def print_summary(doc: dict, fp, written=(), expired_waivers=()) -> None:
    paint = _paint(fp)
    summary = doc["summary"]
    checks = doc["checks"]
    width = max([len(c["id"]) for c in checks] + [5])
    print(f"{'CHECK':<{width}}  {'SEVERITY':<8}  {'PASS':>6}  {'FAIL':>6}  {'ERROR':>5}  {'SKIP':>6}  {'WAIVED':>6}", file=fp)
    for check in checks:
        counts = summary["by_check"][check["id"]]
        bad = counts["fail"] + counts["error"]
        line = (f"{check['id']:<{width}}  {check['severity']:<8}  {counts['pass']:>6}  {counts['fail']:>6}  "
                f"{counts['error']:>5}  {counts['skip']:>6}  {counts['waived']:>6}")
        print(paint(line, "31" if bad and check["severity"] == "blocker" else "33") if bad else line, file=fp)
    blocked = list(islice((s for s in doc["subjects"] if s["readiness"] == "blocked"), SHOW_BLOCKED))
    if blocked:
        print(f"\nBlocked subjects (first {len(blocked)} of {summary['blocked']}):", file=fp)
        for subject in blocked:
            print(f"  {subject['subject']}", file=fp)
            for check_id, result in subject["results"].items():
                if result["status"] in ("fail", "error"):
                    print(f"    {check_id}: {result.get('message', '')}", file=fp)
    for waiver in expired_waivers:
        print(paint(f"\nwaiver for {waiver['check']} ({', '.join(waiver['subjects'])}) expired on "
                    f"{waiver['expires']} and no longer applies", "33"), file=fp)
    baseline = summary.get("baseline")
    if baseline:
        print(f"\nSince {baseline['file']}: {len(baseline['new'])} new failure(s), {len(baseline['fixed'])} fixed", file=fp)
    out = summary.get("out_of_scope") or {}
    extra = f", {summary.get('already_synchronized', 0)} already synchronized" if summary.get("already_synchronized") else ""
    skipped = ", ".join(f"{n} {reason}" for reason, n in sorted(out.items()))
    print("\n" + paint(f"{summary['blocked']} blocked", "31;1") + ", " + paint(f"{summary['at_risk']} at-risk", "33;1")
          + ", " + paint(f"{summary['ready']} ready", "32;1") + extra
          + (f"  (not in scope: {skipped})" if skipped else ""), file=fp)
    for line in written:
        print(f"wrote {line}", file=fp)
