"""`syncready report RESULTS.json`: re-render a saved results file, without the sources."""
from __future__ import annotations

from ..errors import ConfigError
from ..gcpause import collector_paused
from ..options import Outputs
from ..results import read_results
from ..termtext import escape
from .check import write_outputs
from .options import add_report_options


def register(sub) -> None:
    parser = sub.add_parser("report", help="render a saved results JSON as HTML, Markdown, JUnit, CSV, "
                                                  "or as results JSON of either schema")
    parser.add_argument("results", metavar="RESULTS.json")
    add_report_options(parser)
    parser.set_defaults(handler=run_report)


def run_report(args) -> int:
    if not (args.html or args.markdown or args.junit or args.csv or args.json):
        raise ConfigError("say what to write: --html FILE, --markdown FILE, --junit FILE, --csv FILE or --json FILE")
    outputs = Outputs(json=args.json, junit=args.junit, markdown=args.markdown, html=args.html, csv=args.csv,
                      json_schema=args.json_schema)
    with collector_paused():            # a results file is millions of objects made once and kept to the end
        # the page alone is packed from a schema 2 file's rows; other outputs read entries, made once
        doc = read_results(args.results, lazy=not (args.markdown or args.junit or args.csv or args.json))
        written = write_outputs(doc, outputs, source=args.results)
    for line in written:
        print(f"wrote {escape(line)}")
    return 0
