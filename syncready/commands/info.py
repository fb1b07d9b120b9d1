"""`syncready list` and `syncready explain CHECK_ID`."""
from __future__ import annotations

from ..cli import wrap
from ..registry import all_checks, fixer_module, get_check


def register_list(sub) -> None:
    parser = sub.add_parser("list", help="the checks, one a line, with severity and fix availability")
    parser.set_defaults(handler=run_list)


def register_explain(sub) -> None:
    parser = sub.add_parser("explain", help="what a check checks, why, how to fix, references")
    parser.add_argument("check_id", metavar="CHECK_ID")
    parser.set_defaults(handler=run_explain)


def fix_label(meta) -> str:
    if meta.fix == "manual":
        return "manual"
    return f"{meta.fix} ({meta.safety or 'safe'})"


def run_list(args) -> int:
    checks = all_checks()
    width = max(len(c.id) for c in checks)
    print(f"{'ID':<{width}}  {'SUBJECT':<11}  {'SEVERITY':<8}  {'FIX':<18}  TITLE")
    for check in checks:
        meta = check.meta
        print(f"{meta.id:<{width}}  {meta.subject:<11}  {meta.severity:<8}  {fix_label(meta):<18}  {meta.title}")
    return 0


def run_explain(args) -> int:
    meta = get_check(args.check_id).meta
    print(f"{meta.id}: {meta.title}")
    print(f"  subject: {meta.subject}   severity: {meta.severity}   fix: {fix_label(meta)}")
    for heading, text in (("What it checks", meta.description), ("Why it matters", meta.why),
                          ("How to fix", meta.how_to_fix)):
        print(f"\n{heading}:")
        print(wrap(text))
    if meta.fix != "manual" and fixer_module(meta.id) is not None:
        unsafe = " --unsafe" if meta.safety == "unsafe" else ""
        print(f"\nFix command:\n  syncready fix --select {meta.id}{unsafe}          (plan; add --apply to write)")
    if meta.references:
        print("\nReferences (Microsoft Learn):")
        for ref in meta.references:
            print(f"  - {ref.title}\n    {ref.url}")
    return 0
