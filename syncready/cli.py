"""The `syncready` command line (SPEC §5). Every failure ends as one line and exit code 2."""
from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

import examples
import syncready

from . import __version__
from .errors import SyncreadyError

EXAMPLES = Path(examples.__file__).resolve().parent


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        return args.handler(args)
    except SyncreadyError as exc:
        print(f"syncready: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except OSError as exc:
        where = f" {exc.filename}" if getattr(exc, "filename", None) else ""
        print(f"syncready: error:{where} {exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("syncready: interrupted", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0


def build_parser() -> argparse.ArgumentParser:
    from . import commands

    parser = argparse.ArgumentParser(prog="syncready", description=syncready.__doc__.strip())
    parser.add_argument("--version", action="version", version=f"syncready {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for register in commands.REGISTRARS:
        register(sub)
    return parser


def wrap(text: str, indent: str = "  ") -> str:
    return textwrap.fill(text, width=96, initial_indent=indent, subsequent_indent=indent)


if __name__ == "__main__":
    sys.exit(main())
