#!/usr/bin/env bash
# Installs only the Python package into .venv (no Samba, no Chromium: those are tools/setup.sh's, for the
# test suite), then checks the bundled example directories and writes readiness.html. Safe to rerun.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check -e .
exec .venv/bin/syncready demo "$@"
