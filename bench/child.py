"""One child process measured by the kernel: its own CPU (user + sys), wall time and peak RSS.

os.wait4 gives the child's rusage alone, so figures are not mixed with the benchmark's own work.
"""
from __future__ import annotations

import os
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Measured:
    cpu: float
    wall: float
    rss: int
    returncode: int
    stdout: str
    stderr: str


def run_measured(cmd: list[str], env: dict | None = None, cwd: Path | None = None) -> Measured:
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, text=True, env=env, cwd=cwd)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        return Measured(usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss * 1024,
                        os.waitstatus_to_exitcode(status), out.read(), err.read())


def run_or_exit(cmd: list[str], what: str, env: dict | None = None, cwd: Path | None = None) -> Measured:
    """run_measured, ending the benchmark with the child's last words when it fails."""
    child = run_measured(cmd, env, cwd)
    if child.returncode != 0:
        raise SystemExit(f"{what} failed: {child.stderr.strip()[-400:]}")
    return child
