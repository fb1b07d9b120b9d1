"""Progress lines and request logging for the readers (LDAP, Graph, snapshot files).

Reading 100k objects takes minutes, so an administrator at a terminal sees a live count; CI logs
and pipes get nothing (a carriage-return line would fill them with noise). The line is redrawn at
most five times a second and erased when the read ends, so the summary that follows stands alone.
`--verbose` logs each request through the `logging` module; callers log endpoints and timings,
never credentials. The snapshot reader prints nothing itself: the command layer hands it the
callback of `reading_progress`.
"""
from __future__ import annotations

import logging
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from .termtext import escape

LOGGER_NAME = "syncready"
_HANDLER_MARK = "_syncready_verbose"
_MIN_INTERVAL = 0.2                 # at most five redraws a second
_ERASE = "\r\x1b[K"                  # back to the line's start, erase to its end

# What a reader calls while it reads: (what is being read, e.g. "cloud/users.json"; records so far).
ProgressCallback = Callable[[str, int], None]


def configure_logging(verbose: bool) -> None:
    """Send the `syncready.*` loggers to stderr at DEBUG level when verbose; safe to call repeatedly."""
    if not verbose:
        return
    logger = logging.getLogger(LOGGER_NAME)
    if any(getattr(h, _HANDLER_MARK, False) for h in logger.handlers):
        return
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter("syncready: %(message)s"))
    setattr(handler, _HANDLER_MARK, True)
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time of each record (it may be replaced later)."""

    def __init__(self):
        super().__init__(sys.stderr)

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):
        pass


@contextmanager
def timed(logger: logging.Logger, what: str) -> Iterator[None]:
    """Log `what` and its duration at DEBUG when the block ends, also when it raises."""
    started = time.perf_counter()
    outcome = "failed after"
    try:
        yield
        outcome = "in"
    finally:
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("%s %s %.3fs", what, outcome, time.perf_counter() - started)


class Progress:
    """A one-line live counter on stderr, shown only to a person at a terminal.

    Silent when `quiet`, when the CI environment variable is set, or when stderr is not a TTY.
    """

    def __init__(self, label: str, quiet: bool = False, stream: TextIO | None = None):
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = not quiet and not os.environ.get("CI") and _isatty(self.stream)
        self.objects = 0
        self.pages = 0
        self._started = time.perf_counter()
        self._last = 0.0

    def update(self, objects: int, pages: int | None = None) -> None:
        """Record the totals so far (not increments); redrawn at most five times a second."""
        self.objects = objects
        if pages is not None:
            self.pages = pages
        if not self.enabled:
            return
        now = time.perf_counter()
        if now - self._last >= _MIN_INTERVAL:
            self._last = now
            self._draw("\r")

    def done(self) -> None:
        """Erase the line: the totals are in the summary's "Read:" line."""
        if self.enabled and self._last:
            self.stream.write(_ERASE)
            self.stream.flush()

    def _draw(self, prefix: str) -> None:
        elapsed = time.perf_counter() - self._started
        rate = f", {self.objects / elapsed:,.0f}/s" if elapsed > 0.5 else ""
        pages = f" in {self.pages:,} page{'s' if self.pages != 1 else ''}" if self.pages else ""
        self.stream.write(f"{prefix}{self.label}: {self.objects:,} objects{pages}{rate}\x1b[K")
        self.stream.flush()


class StageProgress:
    """The callback a reader reports to: "Reading snapshot: cloud/users.json, 42,000 records (12 s)".

    Drawn only at a terminal (as Progress), never more than ten times a second, erased by `done`.
    """

    def __init__(self, label: str, quiet: bool = False, stream: TextIO | None = None):
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = not quiet and not os.environ.get("CI") and _isatty(self.stream)
        self._started = time.perf_counter()
        self._last = -1.0e9
        self._what = ""
        self.drawn = 0

    def __call__(self, what: str, count: int) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        # The same file: five redraws a second; the next file at once, yet never ten a second.
        if now - self._last < (_MIN_INTERVAL if what == self._what else _MIN_INTERVAL / 2):
            return
        self._what, self._last = what, now
        records = f", {count:,} records" if count else ""
        elapsed = f" ({now - self._started:.0f} s)" if now - self._started >= 1 else ""
        line = f"{self.label}: {escape(what)}{records}{elapsed}"
        width = shutil.get_terminal_size().columns - 1      # a line that wraps cannot be redrawn with \r
        self.stream.write(f"\r{line[:width]}\x1b[K")
        self.stream.flush()
        self.drawn += 1

    def done(self) -> None:
        if self.enabled and self.drawn:
            self.stream.write(_ERASE)
            self.stream.flush()


@contextmanager
def reading_progress(label: str, quiet: bool = False, stream: TextIO | None = None) -> Iterator[StageProgress]:
    """A StageProgress erased when the block ends, also when it raises (the error line stands alone)."""
    progress = StageProgress(label, quiet, stream)
    try:
        yield progress
    finally:
        progress.done()


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
