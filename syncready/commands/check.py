"""`syncready check`: read the sources, evaluate, summarize, write reports, gate with the exit code."""
from __future__ import annotations

import sys

from ..baseline import apply_baseline
from ..config import load_config
from ..engine import Engine
from ..errors import ConfigError
from ..fixing import attach_previews
from ..results import results_document, write_json
from ..sources.load import load_directory
from .options import add_report_options, add_selection_options, add_source_options


def register(sub) -> None:
    parser = sub.add_parser("check", help="evaluate the readiness checks")
    add_source_options(parser)
    add_selection_options(parser)
    add_report_options(parser)
    parser.add_argument("--fail-on", choices=("blocker", "warning", "never"), default="blocker",
                        help="exit 1 when a check of this severity (or worse) fails (default blocker)")
    parser.add_argument("--baseline", metavar="PREVIOUS.json", help="mark failures new or fixed since this results file")
    parser.set_defaults(handler=run_check)


def evaluate(args, config=None):
    """Sources → engine → results document; shared by check, demo and fix."""
    config = config or load_config(getattr(args, "config", None))
    directory = load_directory(args, config)
    engine = Engine(directory, config, select=getattr(args, "select", None), ignore=getattr(args, "ignore", None))
    users = getattr(args, "users", None)
    run = engine.run(users=users)
    if users:
        found = {s.name.lower() for s in run.subjects} | {(getattr(s.obj, "upn", None) or "").lower() for s in run.subjects}
        unknown = [u for u in users if u.lower() not in found]
        if unknown:
            raise ConfigError(f"--user {', '.join(unknown)}: no such subject in scope (guests, *.onmicrosoft.com "
                              "UPNs and users outside the sync scope are not subjects)")
    attach_previews(run)
    if getattr(args, "baseline", None):
        apply_baseline(run, args.baseline)
    return run, results_document(run)


def write_outputs(doc: dict, args) -> list[str]:
    written = []
    if getattr(args, "json", None):
        write_json(doc, args.json)
        written.append(f"results JSON: {args.json}")
    if getattr(args, "junit", None):
        from reports.junit import write_junit

        write_junit(doc, args.junit)
        written.append(f"JUnit XML: {args.junit}")
    if getattr(args, "markdown", None):
        from reports.markdown import render_markdown

        with open(args.markdown, "w", encoding="utf-8") as fp:
            fp.write(render_markdown(doc))
        written.append(f"Markdown summary: {args.markdown}")
    if getattr(args, "html", None):
        from reports.html import render_html

        render_html(doc, args.html)
        written.append(f"HTML report: {args.html}")
    return written


def run_check(args) -> int:
    from reports.terminal import print_summary

    run, doc = evaluate(args)
    written = write_outputs(doc, args)
    print_summary(doc, sys.stdout, written=written, expired_waivers=[w for w in doc["waivers"] if w["expired"]])
    return run.exit_code(args.fail_on)
