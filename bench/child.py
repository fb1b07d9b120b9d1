"""One child process measured by the kernel: its own CPU (user + sys), wall time and peak RSS.

The command runs under a small launcher process that waits for it with os.wait4 and hands its
rusage back: Linux copies a parent's RSS high-water mark into a child at exec (fs/exec.c:
exec_mmap), so a command started straight from this benchmark — which may have just generated a
million users or json.load-ed them for the floor — reported at least the benchmark's own peak
(measured: a 1 GB parent's `python -c pass` "peaked" at 965–1,015 MB). The launcher is a fresh process
of a few MB, so its child's peak is the child's own.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

# argv: the report file, then the command. Writes {"cpu", "wall", "rss" (bytes), "status"}.
_LAUNCHER = """
import json, os, subprocess, sys, time
start = time.perf_counter()
proc = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(proc.pid, 0)
wall = time.perf_counter() - start
with open(sys.argv[1], "w") as fp:
    json.dump({"cpu": usage.ru_utime + usage.ru_stime, "wall": wall, "rss": usage.ru_maxrss * 1024,
               "status": os.waitstatus_to_exitcode(status)}, fp)
"""


@dataclass(frozen=True)
class Measured:
    cpu: float
    wall: float
    rss: int
    returncode: int
    stdout: str
    stderr: str


def run_measured(cmd: list[str], env: dict | None = None, cwd: Path | None = None) -> Measured:
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err, \
            tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "rusage.json"
        launcher = subprocess.run([sys.executable, "-I", "-c", _LAUNCHER, str(report), *cmd], stdout=out,
                                  stderr=err, text=True, env=env, cwd=cwd, check=False)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
        if launcher.returncode != 0 or not report.is_file():
            return Measured(0.0, 0.0, 0, launcher.returncode or 1, stdout, stderr)
        found = json.loads(report.read_text())
        return Measured(found["cpu"], found["wall"], found["rss"], found["status"], stdout, stderr)


def run_or_exit(cmd: list[str], what: str, env: dict | None = None, cwd: Path | None = None) -> Measured:
    """run_measured, ending the benchmark with the child's last words when it fails."""
    child = run_measured(cmd, env, cwd)
    if child.returncode != 0:
        raise SystemExit(f"{what} failed: {child.stderr.strip()[-400:]}")
    return child


def _own_peak_is_measured() -> None:
    """`python -m bench.child`: a child's peak measured from a parent holding 1 GB, directly and here."""
    held = bytearray(1_000_000_000)
    held[::4096] = b"x" * len(held[::4096])
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    _, _, usage = os.wait4(proc.pid, 0)
    direct = usage.ru_maxrss * 1024
    here = run_measured([sys.executable, "-c", "pass"]).rss
    print(f"`python -c pass` from a parent holding {len(held) / 1e9:.0f} GB: wait4 straight {direct / 1e6:,.0f} MB, "
          f"through the launcher {here / 1e6:,.0f} MB ({time.perf_counter() - start:.2f} s)")


if __name__ == "__main__":
    _own_peak_is_measured()
