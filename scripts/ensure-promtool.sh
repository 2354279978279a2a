#!/usr/bin/env bash
# Runs before `npm test`: the metrics test checks GET /metrics with Prometheus's own linter, `promtool check
# metrics`, from Debian's prometheus package. On a fresh machine it is installed when we are allowed to;
# otherwise the message says how.
set -euo pipefail
tool="${PROMTOOL_PATH:-promtool}"
command -v "$tool" >/dev/null 2>&1 && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "pretest: installing Debian's prometheus package for promtool (once)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
  exit 0
fi
echo "pretest: the metrics test needs promtool: install it (sudo apt-get install -y prometheus) or set PROMTOOL_PATH" >&2
exit 1
