"""`syncready demo`: check the bundled example directories and write the reports."""
from __future__ import annotations

import sys
from pathlib import Path

from ..cli import EXAMPLES
from ..config import load_config
from ..errors import ConfigError
from ..options import Outputs, RunOptions, SourceOptions
from .check import evaluate, write_outputs


def register(sub) -> None:
    parser = sub.add_parser("demo", help="check the bundled example directories and write readiness.html")
    parser.add_argument("--out", metavar="DIR", default=".", help="where to write readiness.html and results.json")
    parser.add_argument("--all", action="store_true", dest="show_all",
                        help="list every blocked subject in the terminal summary (default the first 10)")
    parser.set_defaults(handler=run_demo)


def run_demo(args) -> int:
    from ..reports.terminal import SHOW_BLOCKED, print_summary

    folder = EXAMPLES / "contoso"
    if not (folder / "cloud").is_dir():
        raise ConfigError(f"the bundled example is missing at {folder}; run from a syncready checkout")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    config = folder / "syncready.toml"
    sources = SourceOptions(snapshot=str(folder),
                            config=load_config(str(config) if config.is_file() else None, snapshot=str(folder)))
    outputs = Outputs(json=str(out / "results.json"), html=str(out / "readiness.html"))
    print(f"Checking the example tenant in {folder}\n")
    run, doc = evaluate(sources, RunOptions(outputs=outputs))
    written = write_outputs(doc, outputs)
    print_summary(doc, sys.stdout, written=written, limit=None if args.show_all else SHOW_BLOCKED)
    return 0
