#!/usr/bin/env bash
# Set up, then check the bundled example directories and write readiness.html.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
exec .venv/bin/syncready demo "$@"
