"""`syncready verify --expected RESULTS.json`: after the first sync, each prediction against the tenant now.

Exit codes: 0 every prediction held (users not exported yet are allowed unless --fail-on pending);
1 a wrong merge, a duplicate, a cloud-only user taken over, a provisioning error, or a value lost
that the run did not warn about; 2 usage, configuration or source error (one line, no traceback).
"""
from __future__ import annotations

import sys

from ..atomic import Staging
from ..errors import ConfigError, SourceError
from ..options import from_args
from ..results import read_results
from ..sources.load import load_directory
from ..termtext import escape
from ..verify import Tenant, exit_code, required_unread, verification_document, verify
from ..verifyexpect import read_expected
from ..verifyrules import FailOn
from .options import add_source_options


def register(sub) -> None:
    parser = sub.add_parser("verify", help="after the first sync: check every prediction of a saved run")
    parser.add_argument("--expected", metavar="RESULTS.json", required=True,
                        help="the results JSON of the pre-cutover `syncready check` run")
    add_source_options(parser)
    parser.add_argument("--json", metavar="FILE", help="write the verification JSON")
    parser.add_argument("--junit", metavar="FILE", help="write JUnit XML (one suite per outcome)")
    parser.add_argument("--markdown", metavar="FILE", help="write a Markdown summary")
    parser.add_argument("--csv", metavar="FILE", help="write one row per finding")
    parser.add_argument("--html", metavar="FILE", help="write the HTML verification view")
    parser.add_argument("--fail-on", choices=[f.value for f in FailOn], default=FailOn.FAILURE.value,
                        help="exit 1 on failing outcomes (default), also on users not exported yet (pending), or never")
    parser.set_defaults(handler=run_verify)


def _json(doc, path) -> None:
    import json

    with open(path, "w", encoding="utf-8") as fp:
        json.dump(doc, fp, ensure_ascii=False, indent=1)
        fp.write("\n")


def _text(render):
    def write(doc, path) -> None:
        with open(path, "w", encoding="utf-8", newline="") as fp:
            fp.write(render(doc))
    return write


def _outputs():
    from ..reports.verify_formats import render_csv, render_markdown, write_junit
    from ..reports.verify_html import render_verify_html

    return (("json", "verification JSON", _json), ("junit", "JUnit XML", write_junit),
            ("markdown", "Markdown summary", _text(render_markdown)), ("csv", "CSV", _text(render_csv)),
            ("html", "HTML verification view", render_verify_html))


def run_verify(args) -> int:
    from ..reports.verify_formats import print_verify_summary

    options = from_args(args)
    try:
        expected = read_expected(read_results(args.expected), args.expected)
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise SourceError(f"{args.expected}: not a complete syncready results file ({type(exc).__name__}: "
                          f"{exc})") from exc
    directory = load_directory(options.sources)
    missing = required_unread(directory)
    if missing:
        raise SourceError(f"cannot verify without {'; '.join(missing)}: Entra's join shows only in "
                          "onPremisesSyncEnabled and onPremisesImmutableId of the users and the AD users' anchors")
    tenant = Tenant(directory, options.sources.config)
    doc = verification_document(expected, tenant, verify(expected, tenant), args.expected)
    written = []
    with Staging() as staging:
        for option, label, write in _outputs():
            path = getattr(args, option)
            if path:
                write(doc, staging.path_for(path))
                written.append(f"{label}: {escape(path)}")
    print_verify_summary(doc, sys.stdout, written)
    if args.fail_on not in {f.value for f in FailOn}:
        raise ConfigError(f"--fail-on {args.fail_on}: expected failure, pending or never")
    return exit_code(doc, args.fail_on)
