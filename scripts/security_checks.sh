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
# pip-audit calls a dependency it cannot look up "skipped" and still exits 0, so an audit
# that could not reach the advisory service at all looked like a pass. Count what was really
# audited: a known vulnerability fails; so does an audit that checked nothing, unless the
# build host is declared offline with ZHILIAN_PIP_AUDIT_OFFLINE=accept (docs/security.md §8).
audit_json=$(mktemp)
audit_rc=0
# Its own closing line ("No known vulnerabilities found") is said even when nothing was
# audited: kept out of the log unless pip-audit itself fails.
"$bin/pip-audit" --progress-spinner off --skip-editable --format json --output "$audit_json" \
  2>"$audit_json.err" || { audit_rc=$?; cat "$audit_json.err" >&2; }
audit_verdict=0
"$bin/python" - "$audit_json" "$audit_rc" "${ZHILIAN_PIP_AUDIT_OFFLINE:-}" <<'PY' || audit_verdict=$?
import json, sys

path, rc, offline = sys.argv[1], int(sys.argv[2]), sys.argv[3]
try:
    deps = json.load(open(path))["dependencies"]
except (OSError, ValueError, KeyError):
    print(f"pip-audit FAILED to run (exit {rc}); no report was written.")
    sys.exit(1)
skipped = [d for d in deps if "skip_reason" in d]
audited = [d for d in deps if "skip_reason" not in d]
vulnerable = [d for d in audited if d.get("vulns")]
for d in vulnerable:
    ids = ", ".join(v["id"] for v in d["vulns"])
    print(f"VULNERABLE {d['name']} {d['version']}: {ids}")
print(f"pip-audit: {len(audited)} of {len(deps)} dependencies audited, {len(vulnerable)} with known "
      f"vulnerabilities, {len(skipped)} not audited.")
if vulnerable or (rc and not skipped):
    sys.exit(1)
if not audited and deps:
    print("!" * 78)
    print("!! DEPENDENCY AUDIT NOT PERFORMED: the advisory service could not be reached (every")
    print(f"!! dependency was skipped, e.g. {skipped[0]['skip_reason']}).")
    print("!! Nothing is known about vulnerabilities in the installed packages.")
    print("!! Run ./scripts/security_checks.sh (or pip-audit) on a host that reaches pypi.org.")
    print("!" * 78)
    if offline != "accept":
        print("Failing: set ZHILIAN_PIP_AUDIT_OFFLINE=accept only on a build host known to be offline.")
        sys.exit(1)
    print("ZHILIAN_PIP_AUDIT_OFFLINE=accept: this build host is declared offline; continuing.")
elif skipped:
    print("Not audited: " + ", ".join(sorted(d["name"] for d in skipped)))
PY
rm -f "$audit_json" "$audit_json.err"
if [ "$audit_verdict" -ne 0 ]; then exit "$audit_verdict"; fi

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
# One worker: with two, hypothesis describes its filter lambdas with ast.parse in both threads
# at once, and CPython 3.11's AST constructor is not thread-safe (python/cpython#106905:
# "SystemError: AST constructor recursion depth mismatch" failed a CI run, not the API).
"$bin/st" run "http://127.0.0.1:$port/api/v1/schema/" \
  --header "Authorization: Token $token" \
  --checks not_a_server_error,response_schema_conformance,ignored_auth \
  --phases examples,coverage,fuzzing --max-examples "${ZHILIAN_FUZZ_EXAMPLES:-5}" \
  --workers 1 --seed 20261122 --warnings off
