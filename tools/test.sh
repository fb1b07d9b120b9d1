#!/usr/bin/env bash
# The whole test suite from scratch: set up, lint (ruff, mypy), then run pytest on tests/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
bash tools/lint.sh
exec .venv/bin/python -m pytest tests -q "$@"
