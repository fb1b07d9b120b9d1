"""`syncready ARGS` run in the test's own process: the CLI's behaviour without a new interpreter.

A spawned `syncready` costs the unit tier a Python start-up and the imports each time (about 2 s
of wall clock on two busy cores). `main()` is what the entry point calls, and it alone turns every
error into one line and an exit status, so most CLI tests run it here; the tests about the process
boundary itself (the installed script, the real streams' encoding, exit statuses seen by a shell)
still spawn one, and each concern keeps at least one such test.
"""
from __future__ import annotations

import io
import os
import subprocess
from contextlib import redirect_stderr, redirect_stdout
from unittest import mock


def run_main(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """main(args) with stdout, stderr and extra environment variables as a subprocess would have them."""
    from syncready.cli import main

    out, err = io.StringIO(), io.StringIO()
    with mock.patch.dict(os.environ, env or {}), redirect_stdout(out), redirect_stderr(err):
        code = main([str(a) for a in args])
    return subprocess.CompletedProcess(["syncready", *args], code, out.getvalue(), err.getvalue())
