"""Output files written whole or not at all: a temporary file beside the target, then a rename.

A run that fails (or is killed) half way must not leave a truncated report that a CI job or an
auditor would read as the result, nor damage the report of the previous run.
"""
from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Self


def temporary_beside(path) -> Path:
    """A new, empty file in the target's folder (same file system, so the rename is atomic)."""
    target = Path(path)
    try:
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(target)) from None
    os.close(fd)
    os.chmod(name, _mode_for(target))
    return Path(name)


def _mode_for(target: Path) -> int:
    """The existing file's permissions, else what a plain open() would give under the umask."""
    try:
        return target.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0o022)
        os.umask(umask)
        return 0o666 & ~umask


def commit(temporary: Path, path) -> None:
    os.replace(temporary, path)


def discard(temporary: Path) -> None:
    try:
        os.unlink(temporary)
    except FileNotFoundError:
        pass


@contextmanager
def atomic_write(path, mode: str = "w", encoding: str | None = "utf-8", newline: str | None = None) -> Iterator[IO]:
    """Open a temporary file for writing; on success it replaces `path`, on any error it is removed."""
    temporary = temporary_beside(path)
    try:
        with open(temporary, mode, encoding=None if "b" in mode else encoding,
                  newline=None if "b" in mode else newline) as fp:
            yield fp
        commit(temporary, path)
    except BaseException:
        discard(temporary)
        raise


class Staging:
    """Several outputs of one run: each written to its temporary file, all renamed only when every
    one succeeded, so a failing run leaves neither a new file nor a changed old one."""

    def __init__(self) -> None:
        self._pending: list[tuple[Path, str]] = []

    def path_for(self, path) -> Path:
        temporary = temporary_beside(path)
        self._pending.append((temporary, str(path)))
        return temporary

    def commit(self) -> None:
        for temporary, path in self._pending:
            commit(temporary, path)
        self._pending.clear()

    def discard(self) -> None:
        for temporary, _ in self._pending:
            discard(temporary)
        self._pending.clear()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is None:
            self.commit()
        else:
            self.discard()
