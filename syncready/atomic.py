"""Output files written whole or not at all: a temporary file beside the target, then a rename.

A run that fails (or is killed) half way must not leave a truncated report that a CI job or an
auditor would read as the result, nor damage the report of the previous run. Also here: the files
only their owner may read (the fix journal, the password file), and what that means on Windows.
"""
from __future__ import annotations

import errno
import os
import stat
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Self


def replaceable(path) -> bool:
    """Whether `path` can be written by rename: a regular file or nothing yet. A device, pipe or
    terminal (/dev/stdout, a FIFO) is written in place: renaming onto it would replace the node."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return True
    except OSError:
        return False
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, "is a folder, not a file", str(path))
    return stat.S_ISREG(mode)


def final_path(path) -> Path:
    """Where the bytes end up: through a symbolic link to its target, which the rename replaces."""
    target = Path(path)
    return target.resolve() if target.is_symlink() else target


def temporary_beside(path, owner_only: bool = False) -> Path:
    """A new, empty file in the target's folder (same file system, so the rename is atomic);
    `owner_only`: mode 600 whatever the old file's mode was (mkstemp creates it so)."""
    target = final_path(path)
    try:
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    os.close(fd)
    if POSIX_MODES and not owner_only:
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


# Owner-only files -------------------------------------------------------------------------------
POSIX_MODES = os.name == "posix"
"""Whether permission bits are access control here. On Windows a mode only sets the read-only
attribute: a new file takes the ACL its folder passes on (in the user's profile, the user, SYSTEM
and Administrators), and os.stat reports 0o666 for every writable file, whoever may read it."""


def open_owner_only(path, what: str) -> int:
    """A descriptor appending to `path`, created readable by its owner only (mode 600) on POSIX.

    On Windows owner-only access is not enforced: the file gets its folder's ACL, and a warning on
    stderr says so (naming `what`), so the user keeps it in their profile or sets the ACL.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_BINARY", 0), 0o600)
    if not POSIX_MODES:
        print(f"syncready: warning: {what} {path}: owner-only access is not enforced on Windows; the file "
              "takes the permissions of its folder (keep it in your user profile, or restrict it with icacls)",
              file=sys.stderr)
    return fd


def readable_by_others(fd: int) -> bool:
    """Whether group or others may read the open file; always False where modes are not access control."""
    return POSIX_MODES and bool(os.fstat(fd).st_mode & 0o077)


def commit(temporary: Path, path) -> None:
    try:
        os.replace(temporary, final_path(path))
    except OSError as exc:
        discard(temporary)
        raise OSError(exc.errno, exc.strerror, str(path)) from None


def discard(temporary: Path) -> None:
    try:
        os.unlink(temporary)
    except FileNotFoundError:
        pass


@contextmanager
def atomic_write(path, encoding: str = "utf-8", newline: str | None = None,
                 owner_only: bool = False) -> Iterator[IO[str]]:
    """Open a temporary text file for writing; on success it replaces `path`, on any error it is
    removed. A target that is not a regular file (/dev/stdout) is written directly. `owner_only`
    files (a snapshot's directory data) are mode 600 on POSIX, as open_owner_only's."""
    if not replaceable(path):
        with open(path, "w", encoding=encoding, newline=newline) as fp:
            yield fp
        return
    temporary = temporary_beside(path, owner_only)
    try:
        with open(temporary, "w", encoding=encoding, newline=newline) as fp:
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
        """Where to write the output for `path`: a temporary file, or `path` itself when it is not a
        regular file (a device or pipe cannot be replaced by a rename)."""
        if not replaceable(path):
            return Path(path)
        temporary = temporary_beside(path)
        self._pending.append((temporary, str(path)))
        return temporary

    def commit(self) -> None:
        try:
            while self._pending:
                temporary, path = self._pending[0]
                commit(temporary, path)
                self._pending.pop(0)
        finally:
            self.discard()

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
