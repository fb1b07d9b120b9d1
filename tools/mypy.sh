#!/usr/bin/env bash
# mypy over the installed layout: syncready and the repo's checks/ fixers/ reports/ examples/ as
# syncready.checks etc. mypy cannot follow setuptools' package-dir mapping (nor the editable install's
# import hook), so build/mypy/syncready/<folder> links to each folder and pyproject's mypy_path points
# there; messages name the repo's paths again. Configuration: [tool.mypy] in pyproject.toml.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p build/mypy/syncready
for folder in checks fixers reports examples; do
  ln -sfn "../../../$folder" "build/mypy/syncready/$folder"
done
.venv/bin/mypy "$@" | sed -E 's#^build/mypy/syncready/(checks|fixers|reports|examples)/#\1/#'
