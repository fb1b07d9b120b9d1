"""`syncready check`: read the sources, evaluate, summarize, write reports, gate with the exit code."""
from __future__ import annotations

import gc
import sys
from pathlib import Path

from ..atomic import Staging, replaceable
from ..baseline import apply_baseline
from ..errors import SourceError, SyncreadyError
from ..fixing import attach_previews
from ..gcpause import collector_paused
from ..options import Outputs, RunOptions, SourceOptions, from_args
from ..pipeline import build_run
from ..results import SCHEMA, SCHEMA_2, read_results, results_document, write_json
from ..termtext import escape
from .options import add_report_options, add_selection_options, add_source_options


def register(sub) -> None:
    parser = sub.add_parser("check", help="evaluate the readiness checks")
    add_source_options(parser)
    add_selection_options(parser)
    add_report_options(parser)
    parser.add_argument("--fail-on", choices=("blocker", "warning", "never"), default="blocker",
                        help="exit 1 when a check of this severity (or worse) fails (default blocker)")
    parser.add_argument("--baseline", metavar="PREVIOUS.json",
                        help="mark failures new or fixed since this results file")
    parser.add_argument("--all", action="store_true", dest="show_all",
                        help="list every blocked subject in the terminal summary (default the first 10)")
    parser.set_defaults(handler=run_check)


def evaluate(sources: SourceOptions, options: RunOptions):
    """Sources → engine → results document; shared by check and demo (fix uses build_run too)."""
    run = build_run(sources, options, kept=True)
    with collector_paused():        # the previews are acyclic and kept to the end, as the run (build_run)
        attach_previews(run)
        if options.baseline:
            apply_baseline(run, options.baseline)
        doc = results_document(run)
        gc.freeze()
    return run, doc


def _write_json(doc: dict, path, outputs: Outputs) -> None:
    write_json(doc, path, SCHEMA if outputs.json_schema == 1 else SCHEMA_2)


def _write_markdown(doc: dict, path, outputs: Outputs) -> None:
    from ..reports.markdown import render_markdown

    with open(path, "w", encoding="utf-8") as fp:
        fp.write(render_markdown(doc))


def _write_junit(doc: dict, path, outputs: Outputs) -> None:
    from ..reports.junit import write_junit

    write_junit(doc, path)


def _write_html(doc: dict, path, outputs: Outputs) -> None:
    from ..reports.html import render_html

    render_html(doc, path)


def _write_csv(doc: dict, path, outputs: Outputs) -> None:
    from ..worklist import write_csv

    write_csv(doc, path)


OUTPUTS = (("json", "results JSON", _write_json), ("junit", "JUnit XML", _write_junit),
           ("markdown", "Markdown summary", _write_markdown), ("html", "HTML report", _write_html),
           ("csv", "CSV worklist", _write_csv))


def write_outputs(doc: dict, outputs: Outputs, source: str | None = None) -> list[str]:
    """Every requested output, each rendered to a temporary file beside it; only when all of them
    succeeded are they renamed into place, so a failing run leaves no half-written or mixed set.

    A run's page is rendered from the schema 2 file just written beside it, when there is one: the
    same page (what `syncready report` makes of that file), packed from its tables' rows in about
    half the CPU of packing the run's entries. `source` names the results file a re-rendered
    document came from, for messages."""
    written = []
    tables: Path | None = None          # this run's schema 2 file, as written
    with Staging() as staging:
        for option, label, write in OUTPUTS:
            path = getattr(outputs, option)
            if not path:
                continue
            target = staging.path_for(path)
            try:
                if option == "html" and tables is not None:
                    write(read_results(tables, lazy=True), target, outputs)
                else:
                    write(doc, target, outputs)
                if option == "json" and source is None and outputs.json_schema == 2 and replaceable(path):
                    tables = target
            except (SyncreadyError, OSError, KeyboardInterrupt):
                raise
            except Exception as exc:
                if source is None:
                    raise
                raise SourceError(f"{source}: cannot be rendered as {label} ({type(exc).__name__}: {exc}); "
                                  "is it a complete syncready results file?") from exc
            written.append(f"{label}: {path}")
    return written


def run_check(args) -> int:
    from ..reports.terminal import SHOW_BLOCKED, print_summary

    options = from_args(args)
    run, doc = evaluate(options.sources, options.run)
    with collector_paused():        # the outputs read the run to the end: no collection need walk it
        written = write_outputs(doc, options.run.outputs)
        print_summary(doc, sys.stdout, written=[escape(w) for w in written],
                      expired_waivers=[w for w in doc["waivers"] if w["expired"]],
                      limit=None if args.show_all else SHOW_BLOCKED)
        return run.exit_code(options.run.fail_on)
