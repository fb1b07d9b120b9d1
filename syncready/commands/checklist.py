"""`syncready checklist RESULTS.json`: the cutover checklist of a saved run, without the sources."""
from __future__ import annotations

import json
import sys

from ..checklist import build_checklist
from ..results import read_results
from ..termtext import terminal_width


def register(sub) -> None:
    parser = sub.add_parser("checklist", help="print the cutover checklist of a saved results JSON")
    parser.add_argument("results", metavar="RESULTS.json")
    parser.add_argument("--all", action="store_true", dest="show_all",
                        help="list every subject of each step (default the first few)")
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="text (default) or the steps as JSON, for scripts")
    parser.set_defaults(handler=run_checklist)


def run_checklist(args) -> int:
    from ..reports.terminal import CHECKLIST_ITEMS, print_checklist

    doc = read_results(args.results)
    if args.format == "json":
        print(json.dumps(build_checklist(doc).to_json(), ensure_ascii=False, indent=1))
        return 0
    print_checklist(doc, sys.stdout, terminal_width(sys.stdout), items=None if args.show_all else CHECKLIST_ITEMS)
    return 0
