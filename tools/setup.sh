#!/usr/bin/env bash
# Installs everything syncready and its tests need: Samba AD DC, Kerberos client and Chromium from
# Debian, a virtual environment in .venv with syncready and its test dependencies, and axe-core from the
# npm registry in build/npm. Safe to rerun.
set -euo pipefail
cd "$(dirname "$0")/.."
packages=(samba samba-ad-dc samba-ad-provision samba-dsdb-modules winbind ldb-tools python3-samba
          krb5-user libkrb5-dev chromium)
command -v npm >/dev/null || packages+=(nodejs npm)
need=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || need+=("$package")
done
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check -e '.[test]'
# axe-core (npm registry) for the HTML report's accessibility tests in Chromium, project-local in build/npm.
AXE_VERSION=4.14.1
if ! grep -qs "\"version\": \"$AXE_VERSION\"" build/npm/node_modules/axe-core/package.json; then
  npm install --prefix build/npm --no-audit --no-fund --loglevel=error "axe-core@$AXE_VERSION" >/dev/null
fi
