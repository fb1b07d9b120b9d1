#!/usr/bin/env bash
# The habits: ruff and mypy ([tool.ruff] and [tool.mypy] in pyproject.toml); fails on either.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
.venv/bin/ruff check . || status=1
bash tools/mypy.sh || status=1
exit "$status"
