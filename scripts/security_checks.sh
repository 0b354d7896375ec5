#!/usr/bin/env bash
# SEC-13: static analysis (bandit), dependency audit (pip-audit) and API fuzzing
# (schemathesis against /api/v1/schema/, authenticated). Run by .ci/run after the test suite;
# expects the test dependencies in .venv (./scripts/test.sh installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.venv/bin

echo "== bandit (medium and high severity; reviewed findings carry '# nosec <id> - reason')"
"$bin/bandit" -q -r zhilian -x '*/tests/*,*/migrations/*' -ll

echo "== pip-audit (installed dependencies against the PyPI advisory database)"
# A package the advisory service does not know is reported as skipped, not as a failure:
# behind an intranet mirror the service may know none of them (see docs/security.md).
"$bin/pip-audit" --progress-spinner off --skip-editable

echo "== schemathesis (every operation of /api/v1/, authenticated as the city bureau)"
work=$(mktemp -d)
port=$("$bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export ZHILIAN_DATA_DIR="$work" ALLOWED_HOSTS=127.0.0.1,localhost ZHILIAN_DEBUG=0
unset DATABASE_URL  # a scratch SQLite platform: the fuzzer creates and deletes records
"$bin/zhilian" demo --no-serve >/dev/null
"$bin/gunicorn" zhilian.wsgi -b "127.0.0.1:$port" -w 2 --access-logfile /dev/null --error-logfile "$work/server.log" &
server=$!
# Wait for gunicorn to exit before removing its data directory (it writes while stopping);
# cleanup never decides the script's result.
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$work" 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do curl -fsS "http://127.0.0.1:$port/api/v1/schema/" -o /dev/null 2>/dev/null && break; sleep 1; done
# The city bureau signs in with a second factor: the demo authenticator gives the code.
token=$(curl -fsS -X POST "http://127.0.0.1:$port/api/v1/auth/token/" \
  --data-urlencode username=city --data-urlencode password='Zhilian@2026' \
  --data-urlencode otp="$("$bin/zhilian" totp city 2>/dev/null)" |
  "$bin/python" -c 'import json, sys; print(json.load(sys.stdin)["token"])')
# not_a_server_error: no 5xx; response_schema_conformance: every answer matches the schema;
# ignored_auth: every operation refuses a request without the token.
"$bin/st" run "http://127.0.0.1:$port/api/v1/schema/" \
  --header "Authorization: Token $token" \
  --checks not_a_server_error,response_schema_conformance,ignored_auth \
  --phases examples,coverage,fuzzing --max-examples "${ZHILIAN_FUZZ_EXAMPLES:-5}" \
  --workers 2 --seed 20261122 --warnings off
