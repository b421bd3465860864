#!/usr/bin/env bash
# Install what the browser tests need: Chromium from Debian's packages (Playwright cannot download
# its own browser here) and, when the venv lacks it, Playwright from PyPI at the pinned version.
# Fails loudly when either cannot be installed: the browser tests must run, never be skipped.
set -euo pipefail
cd "$(dirname "$0")/../.."
PLAYWRIGHT_PIN="playwright==1.65.2"

if [ ! -x /usr/bin/chromium ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "install_browser.sh: need root or sudo to apt-get install chromium" >&2; exit 1; }
    sudo="sudo"
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium
fi
/usr/bin/chromium --version >/dev/null 2>&1 || { echo "install_browser.sh: /usr/bin/chromium does not run" >&2; exit 1; }

python=.venv/bin/python
[ -x "$python" ] || bin/setup
if ! "$python" -c 'import playwright.sync_api' 2>/dev/null; then
  "$python" -m pip install --quiet --disable-pip-version-check "$PLAYWRIGHT_PIN"
fi
"$python" -c 'import playwright.sync_api' || { echo "install_browser.sh: Playwright did not install" >&2; exit 1; }
echo "Browser tests ready: $(/usr/bin/chromium --version 2>/dev/null), $("$python" -m pip show playwright | grep ^Version)"
