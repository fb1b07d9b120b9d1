"""The `syncready` command line (SPEC §5). Every failure ends as one line and exit code 2."""
from __future__ import annotations

import argparse
import os
import sys
import textwrap
from pathlib import Path

from . import examples
import syncready

from . import __version__
from .errors import SyncreadyError
from .termtext import one_line, readable_streams

EXAMPLES = Path(examples.__file__).resolve().parent


TRACEBACK_VAR = "SYNCREADY_TRACEBACK"


class Parser(argparse.ArgumentParser):
    """argparse, with a usage mistake as one line and a pointer to --help, exit code 2 (SPEC §5)."""

    def error(self, message: str):
        fail(f"{message} (see `{self.prog} --help`)")
        self.exit(2)


def fail(message) -> None:
    """The one line on stderr that ends a command: URLs redacted, control characters escaped."""
    print(f"syncready: error: {one_line(message)}", file=sys.stderr)


def main(argv=None) -> int:
    readable_streams()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:          # --help, --version, or a usage error already reported
        return exc.code if isinstance(exc.code, int) else 2
    if not getattr(args, "command", None):
        fail("say which command to run, e.g. `syncready check --snapshot DIR` (see `syncready --help`)")
        return 2
    try:
        return args.handler(args)
    except SyncreadyError as exc:
        fail(exc)
        return exc.exit_code
    except OSError as exc:
        if isinstance(exc, BrokenPipeError):
            return 0
        where = f" {exc.filename}" if getattr(exc, "filename", None) else ""
        fail(f"{where.strip()} {exc.strerror or exc}".strip())
        return 2
    except KeyboardInterrupt:
        print("syncready: interrupted", file=sys.stderr)
        return 2
    except Exception as exc:  # a bug: still one line and exit 2, never a traceback a CI reads as a failed check
        if os.environ.get(TRACEBACK_VAR):
            raise
        fail(f"internal error ({type(exc).__name__}: {exc}); please report it, with the traceback that "
             f"{TRACEBACK_VAR}=1 shows")
        return 2


def build_parser() -> argparse.ArgumentParser:
    from . import commands

    parser = Parser(prog="syncready", description=syncready.__doc__.strip())
    parser.add_argument("--version", action="version", version=f"syncready {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for register in commands.REGISTRARS:
        register(sub)
    return parser


def wrap(text: str, indent: str = "  ") -> str:
    return textwrap.fill(text, width=96, initial_indent=indent, subsequent_indent=indent)


if __name__ == "__main__":
    sys.exit(main())
