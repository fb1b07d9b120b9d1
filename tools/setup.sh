#!/usr/bin/env bash
# Installs everything syncready and its tests need: Samba AD DC and Chromium from Debian, and a
# virtual environment in .venv with syncready and its test dependencies. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v samba >/dev/null 2>&1 || need+=(samba samba-ad-dc samba-ad-provision samba-dsdb-modules winbind ldb-tools)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check -e '.[test]'
