#!/usr/bin/env bash
# Runs before `npm test`: the browser tests drive Debian's Chromium through playwright-core (no browser
# download). On a fresh machine it is installed from Debian's packages when we are allowed to; otherwise
# the message says how.
set -euo pipefail
browser="${CHROMIUM_PATH:-/usr/bin/chromium}"
[ -x "$browser" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "pretest: installing Debian's chromium for the browser tests (once)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  exit 0
fi
echo "pretest: the browser tests need Chromium at $browser: install it (sudo apt-get install -y chromium) or set CHROMIUM_PATH" >&2
exit 1
