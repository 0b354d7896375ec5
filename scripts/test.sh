#!/usr/bin/env bash
# Install the test dependencies and run the whole test suite (README, "Run the tests").
# Uses DATABASE_URL when set (CI sets PostgreSQL); otherwise the embedded SQLite default.
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages: Chromium for the browser tests, CJK fonts and poppler for PDF checks.
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils poppler-data)
command -v msgfmt >/dev/null 2>&1 || need+=(gettext)
fc-list 2>/dev/null | grep -qi "wenquanyi micro hei" || need+=(fonts-wqy-microhei)
fc-list 2>/dev/null | grep -qi "noto sans cjk" || need+=(fonts-noto-cjk)
dpkg -s libpango-1.0-0 >/dev/null 2>&1 || need+=(libpango-1.0-0 libpangoft2-1.0-0)
dpkg -s libcairo2 >/dev/null 2>&1 || need+=(libcairo2)
if [ ${#need[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${need[@]}" >/dev/null
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip >/dev/null
.venv/bin/pip install -q -e '.[test]'
exec .venv/bin/pytest -n "${ZHILIAN_TEST_WORKERS:-2}" --dist load "$@"
