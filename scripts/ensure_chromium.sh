#!/usr/bin/env bash
# Make a headless Chromium available for the HTML report test (tests/test_report_*.py).
#
# Uses Debian's `chromium` package. Installs it only when no chromium binary is on PATH and we
# are root with apt-get; otherwise it says why and exits 0, and the report test then skips
# (outside CI) or fails (CI=true) with that reason.
set -uo pipefail

for bin in chromium chromium-browser google-chrome; do
  if command -v "$bin" >/dev/null 2>&1; then
    exit 0
  fi
done

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure_chromium: no chromium on PATH and cannot install it (need root + apt-get)" >&2
  exit 0
fi

echo "ensure_chromium: installing Debian's chromium package" >&2
(apt-get update -qq && DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -qq chromium >/dev/null) \
  || echo "ensure_chromium: apt-get install chromium failed" >&2
exit 0
