"""Every `syncready ...` command in the README's shell blocks runs as written on the demo data.

The commands run in order, in a folder holding a copy of the demo tenant (`examples/contoso`), so a
command may read what an earlier one wrote (results.json, week1.json, before.json); under pytest-xdist
a worker first runs, once, the earlier commands another worker took. A command marked
`# live:` needs a tenant or a DC: it is parsed by syncready's own parser (every option and value
must exist), not run.
"""
from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest

from clirun import run_main
from syncready.cli import EXAMPLES, build_parser

README = Path(__file__).resolve().parents[1] / "README.md"
SHELLS = ("sh", "bash", "powershell", "cmd", "console")
LIVE = "# live:"


def readme_commands(text: str) -> list[tuple[int, str, bool]]:
    """(line number, command, live) for each `syncready` line of a shell block, continuations joined."""
    found = []
    fence = None
    pending = ""
    start = 0
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("```"):
            fence = None if fence is not None else stripped[3:].strip()
            continue
        if fence not in SHELLS:
            continue
        if pending:
            pending += " " + stripped
        elif stripped.startswith("syncready "):
            pending, start = stripped, number
        else:
            continue
        if pending.endswith("\\"):
            pending = pending[:-1].rstrip()
            continue
        found.append((start, pending, LIVE in pending))
        pending = ""
    return found


COMMANDS = readme_commands(README.read_text(encoding="utf-8"))


def argv_of(command: str) -> list[str]:
    words = shlex.split(command, comments=True)
    assert words[0] == "syncready"
    return words[1:]


def test_the_readme_has_commands_of_both_kinds():
    assert len([c for c in COMMANDS if not c[2]]) >= 15 and any(c[2] for c in COMMANDS)
    assert not any(re.search(r"\b(DIR|UPN|FILE|TENANT)\b|\[|\.\.\.", cmd.split(" #")[0]) for _, cmd, _ in COMMANDS), \
        "a command in a shell block is runnable as written: placeholders belong in text blocks"


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory) -> tuple[Path, set[int]]:
    """The folder the commands run in, and the README lines already run there."""
    folder = tmp_path_factory.mktemp("readme")
    shutil.copytree(EXAMPLES / "contoso", folder / "examples" / "contoso")
    return folder, set()


@pytest.mark.parametrize("line, command, live", COMMANDS, ids=[f"README:{n}" for n, _, _ in COMMANDS])
def test_readme_command_runs_as_written(line, command, live, demo_folder, monkeypatch):
    argv = argv_of(command)
    if live:
        build_parser().parse_args(argv)          # an unknown option or value exits 2 here
        return
    folder, ran = demo_folder
    monkeypatch.chdir(folder)
    monkeypatch.delenv("CI", raising=False)
    for earlier, text, earlier_live in COMMANDS:
        if earlier < line and not earlier_live and earlier not in ran:
            run_main(*argv_of(text))        # what this command may read (its own test asserts it)
            ran.add(earlier)
    ran.add(line)
    result = run_main(*argv)
    assert result.returncode in (0, 1), f"README line {line}: {command}\n{result.stderr}"
    assert "Traceback" not in result.stderr and "error" not in result.stderr.lower(), result.stderr
    assert result.stdout.strip(), f"README line {line} printed nothing"
