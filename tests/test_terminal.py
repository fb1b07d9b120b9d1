"""The terminal: a progress line while a snapshot is read (a terminal only, throttled, erased),
long lines wrapped at word boundaries to the terminal's width (controls still escaped), and
"first 10 of 21" saying how to see the rest."""
from __future__ import annotations

import io
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clirun import run_main
from syncready import progress as progress_module
from syncready.cli import EXAMPLES
from syncready.progress import StageProgress, reading_progress
from syncready.results import read_results
from syncready.sources import snapshot as snapshot_module
from syncready.sources.snapshot import AD, USERS, read_snapshot
from syncready.termtext import _UNSAFE, escape, terminal_width, wrap

CONTOSO = EXAMPLES / "contoso"
SYNCREADY = Path(sys.executable).with_name("syncready")


class Tty(io.StringIO):
    def isatty(self):
        return True


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    fake = Clock()
    monkeypatch.setattr(progress_module.time, "perf_counter", fake)
    return fake


def draws(text: str) -> list[str]:
    return [d for d in text.split("\r") if d and d != "\x1b[K"]


# -- the progress line ---------------------------------------------------------------------------

def test_progress_is_drawn_at_a_terminal_and_erased_at_the_end(clock):
    shown = Tty()
    with reading_progress("Reading snapshot", stream=shown) as tick:
        tick(USERS, 0)
        clock.now += 3
        tick(USERS, 42_000)
    text = shown.getvalue()
    assert draws(text)[:2] == ["Reading snapshot: cloud/users.json\x1b[K",
                               "Reading snapshot: cloud/users.json, 42,000 records (3 s)\x1b[K"]
    assert text.endswith("\r\x1b[K"), "the line is erased so the summary starts on a clean line"


def test_progress_is_erased_when_the_read_fails(clock):
    shown = Tty()
    with pytest.raises(RuntimeError), reading_progress("Reading snapshot", stream=shown) as tick:
        tick(USERS, 0)
        raise RuntimeError("malformed")
    assert shown.getvalue().endswith("\r\x1b[K")


@pytest.mark.parametrize("quiet, ci, stream", [(True, None, Tty()), (False, "true", Tty()),
                                               (False, None, io.StringIO())])
def test_no_progress_when_quiet_in_ci_or_redirected(clock, monkeypatch, quiet, ci, stream):
    if ci:
        monkeypatch.setenv("CI", ci)
    with reading_progress("Reading snapshot", quiet=quiet, stream=stream) as tick:
        for n in range(5000):
            clock.now += 0.5
            tick(AD, n)
    assert stream.getvalue() == ""


@given(st.lists(st.tuples(st.sampled_from([USERS, AD, "cloud/groups.json"]), st.floats(0, 0.3)), max_size=400))
def test_progress_never_redraws_more_than_ten_times_a_second(steps):
    clock = Clock()
    shown = Tty()
    saved = progress_module.time.perf_counter
    progress_module.time.perf_counter = clock
    try:
        tick = StageProgress("Reading snapshot", stream=shown)
        tick.enabled = True
        times = []
        for what, step in steps:
            clock.now += step
            before = tick.drawn
            tick(what, 1000)
            if tick.drawn > before:
                times.append(clock.now)
    finally:
        progress_module.time.perf_counter = saved
    assert all(later - earlier >= 0.1 for earlier, later in zip(times, times[1:], strict=False))


def test_progress_line_fits_the_terminal_and_escapes_names(clock, monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    shown = Tty()
    tick = StageProgress("Reading snapshot", stream=shown)
    tick("c/\x1b]0;own\x07" + "x" * 80, 0)
    drawn = draws(shown.getvalue())[0].removesuffix("\x1b[K")
    assert "\x1b" not in drawn and "c/\\x1b]0;own\\x07x" in drawn
    assert len(drawn) == 39


def test_the_snapshot_reader_tells_each_file_and_every_thousandth_record(monkeypatch):
    monkeypatch.setattr(snapshot_module, "_TICK_EVERY", 10)
    told: list[tuple[str, int]] = []
    directory = read_snapshot(CONTOSO, progress=lambda what, count: told.append((what, count)))
    files = [what for what, count in told if count == 0]
    assert files[0] == USERS and AD in files and "cloud/domains.json" in files
    users = [count for what, count in told if what == USERS and count]
    assert users == list(range(10, len(directory.cloud_users) + 1, 10))
    assert [count for what, count in told if what == AD and count][:2] == [10, 20]


def _check_with_stderr(stderr_tty: bool, tmp_path: Path) -> tuple[str, str]:
    """`syncready check` spawned with stdout in a file and stderr a pseudo-terminal or a file."""
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    out = tmp_path / "out.txt"
    with open(out, "w") as stdout:
        if stderr_tty:
            leader, follower = pty.openpty()
            try:
                subprocess.run([str(SYNCREADY), "check", "--snapshot", str(CONTOSO)], stdout=stdout,
                               stderr=follower, env=env, timeout=120)
                os.close(follower)
                follower = -1
                err = b""
                while True:
                    try:
                        chunk = os.read(leader, 65536)
                    except OSError:
                        break
                    if not chunk:
                        break
                    err += chunk
            finally:
                os.close(leader)
                if follower >= 0:
                    os.close(follower)
            return out.read_text(), err.decode()
        errfile = tmp_path / "err.txt"
        with open(errfile, "w") as stderr:
            subprocess.run([str(SYNCREADY), "check", "--snapshot", str(CONTOSO)], stdout=stdout, stderr=stderr,
                           env=env, timeout=120)
        return out.read_text(), errfile.read_text()


def test_check_shows_progress_on_a_terminal_only(tmp_path):
    """The process boundary: the real stderr a terminal (a pty), stdout redirected; then both files."""
    out, err = _check_with_stderr(True, tmp_path)
    assert "Reading snapshot: cloud/users.json" in err and err.endswith("\r\x1b[K")
    assert "\r" not in out and "Reading snapshot" not in out
    out, err = _check_with_stderr(False, tmp_path)
    assert err == "" and "\r" not in out and "cloud users ready" in out


# -- wrapping --------------------------------------------------------------------------------------

WORD = st.text(st.characters(blacklist_categories=("Zs",), blacklist_characters=" \n\t\r"), min_size=1, max_size=30)


@given(st.lists(WORD, min_size=1, max_size=40), st.integers(20, 120), st.sampled_from(["", "  ", "    "]))
def test_wrap_breaks_at_word_boundaries_and_keeps_controls_escaped(words, width, indent):
    text = " ".join(words)
    lines = wrap(text, width, indent).split("\n")
    assert " ".join(part for line in lines for part in line.split()) == " ".join(escape(w) for w in words)
    for line in lines:
        assert not _UNSAFE.search(line), "a control character from a directory value never reaches the terminal"
        assert len(line) <= width or " " not in line.strip(), "only a single over-long word may exceed the width"
    assert wrap(text, None, indent) == indent + escape(text)


def test_terminal_width_only_for_a_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "72")
    assert terminal_width(Tty()) == 72
    assert terminal_width(io.StringIO()) is None


def _summary(doc: dict, stream, **kwargs) -> str:
    from syncready.reports.terminal import print_summary

    print_summary(doc, stream, **kwargs)
    return stream.getvalue()


@pytest.fixture(scope="module")
def contoso_doc(tmp_path_factory) -> dict:
    results = tmp_path_factory.mktemp("run") / "results.json"
    run_main("check", "--snapshot", CONTOSO, "--json", results)
    return read_results(results)


def test_summary_wraps_to_the_terminal_width_and_not_when_redirected(contoso_doc, monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    monkeypatch.setenv("NO_COLOR", "1")
    at_terminal = _summary(contoso_doc, Tty())
    blocked_and_people = at_terminal[at_terminal.index("\nBlocked ("):]
    for line in [*at_terminal.split("\n\n")[0].splitlines(), *blocked_and_people.splitlines()]:
        assert len(line) <= 60 or " " not in line.strip(), line
    redirected = _summary(contoso_doc, io.StringIO())
    longest = max(len(line) for line in redirected.splitlines())
    assert longest > 60, "redirected output keeps each message on one line"
    words = re.compile(r"\s+")
    assert words.sub(" ", at_terminal) == words.sub(" ", redirected), "wrapping changes only the whitespace"


def test_first_ten_says_how_to_see_the_rest(contoso_doc):
    blocked = contoso_doc["summary"]["blocked"]
    assert blocked > 10, "the demo has more blocked subjects than the summary lists"
    text = _summary(contoso_doc, io.StringIO())
    assert f"Blocked (first 10 of {blocked}; --all lists every one):" in text
    result = run_main("check", "--snapshot", CONTOSO, "--all")
    assert f"Blocked ({blocked}):" in result.stdout
    listed = re.findall(r"^  (\S.*)$", result.stdout.split(f"Blocked ({blocked}):")[1].split("\n\n")[0], re.M)
    assert len(listed) == blocked


def test_demo_all_lists_every_blocked_subject(tmp_path):
    result = run_main("demo", "--out", tmp_path, "--all")
    assert result.returncode == 0 and "--all lists" not in result.stdout
    assert re.search(r"^Blocked \(\d+\):$", result.stdout, re.M)
