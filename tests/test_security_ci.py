"""SEC-13: the checks CI runs, and the parts of them that run in seconds inside the suite.

`.ci/run` calls `scripts/security_checks.sh` (bandit, pip-audit, schemathesis against a served
platform). These tests keep that wiring from being dropped, run bandit itself, and prove in
process what schemathesis's ``ignored_auth`` check proves over HTTP: no operation of the API
answers a caller without credentials.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

ROOT = Path(__file__).resolve().parents[1]

# Reachable without a token by design: signing in, and the published API description.
PUBLIC = {"/api/v1/auth/token/", "/api/v1/schema/", "/api/v1/docs/"}


@pytest.mark.req("SEC-13")
def test_ci_runs_static_analysis_dependency_audit_and_api_fuzzing():
    ci = (ROOT / ".ci" / "run").read_text()
    checks = (ROOT / "scripts" / "security_checks.sh").read_text()
    assert "scripts/security_checks.sh" in ci and "set -euo pipefail" in ci
    assert re.search(r"bandit\"? .*-r zhilian", checks)
    assert "pip-audit" in checks
    fuzz = checks[checks.index("schemathesis"):]
    for check in ("not_a_server_error", "response_schema_conformance", "ignored_auth"):
        assert check in fuzz, check
    assert "/api/v1/schema/" in fuzz


def _pip_audit_step(tmp_path, report: dict, offline: str = "") -> subprocess.CompletedProcess:
    """Run the pip-audit step of security_checks.sh with a stand-in pip-audit writing ``report``."""
    import json
    import os

    checks = (ROOT / "scripts" / "security_checks.sh").read_text()
    start = checks.index('echo "== pip-audit')
    end = checks.index("fi\n", checks.index('if [ "$audit_verdict"')) + 3
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python").symlink_to(sys.executable)
    (tmp_path / "report.json").write_text(json.dumps(report))
    fake = bin_dir / "pip-audit"
    fake.write_text('#!/bin/sh\nwhile [ "$1" != "--output" ]; do shift; done\ncp "%s" "$2"\n'
                    'echo "No known vulnerabilities found" >&2\n' % (tmp_path / "report.json"))
    fake.chmod(0o755)
    script = f"set -euo pipefail\nbin={bin_dir}\n" + checks[start:end] + "echo STEP-PASSED\n"
    env = {**os.environ, "ZHILIAN_PIP_AUDIT_OFFLINE": offline}
    return subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env)  # nosec B603 B607


@pytest.mark.req("SEC-13")
def test_a_dependency_audit_that_could_not_reach_the_advisory_service_is_not_a_pass(tmp_path):
    offline = {"dependencies": [{"name": n, "skip_reason": f"Dependency not found on PyPI: {n}"}
                                for n in ("django", "openpyxl")], "fixes": []}
    result = _pip_audit_step(tmp_path, offline)
    assert result.returncode != 0 and "STEP-PASSED" not in result.stdout
    assert "DEPENDENCY AUDIT NOT PERFORMED" in result.stdout and "0 of 2 dependencies audited" in result.stdout
    assert "No known vulnerabilities found" not in result.stdout + result.stderr
    # A build host declared offline goes on, still saying loudly that nothing was audited.
    (tmp_path / "accepted").mkdir()
    accepted = _pip_audit_step(tmp_path / "accepted", offline, offline="accept")
    assert accepted.returncode == 0 and "STEP-PASSED" in accepted.stdout
    assert "DEPENDENCY AUDIT NOT PERFORMED" in accepted.stdout


@pytest.mark.req("SEC-13")
def test_a_known_vulnerability_fails_the_dependency_audit(tmp_path):
    report = {"dependencies": [{"name": "django", "version": "5.2.0", "vulns": [{"id": "PYSEC-2025-1"}]},
                               {"name": "openpyxl", "version": "3.1.5", "vulns": []}], "fixes": []}
    result = _pip_audit_step(tmp_path, report)
    assert result.returncode != 0 and "VULNERABLE django 5.2.0: PYSEC-2025-1" in result.stdout
    (tmp_path / "clean").mkdir()
    report["dependencies"][0]["vulns"] = []
    clean = _pip_audit_step(tmp_path / "clean", report)
    assert clean.returncode == 0 and "2 of 2 dependencies audited" in clean.stdout


@pytest.mark.req("SEC-13")
def test_bandit_reports_no_unreviewed_finding():
    result = subprocess.run(  # nosec B603 - fixed arguments
        [sys.executable, "-m", "bandit", "-q", "-r", "zhilian", "-x", "*/tests/*,*/migrations/*", "-ll", "-f", "txt"],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:]


@pytest.mark.req("SEC-13")
@pytest.mark.django_db
def test_no_api_operation_answers_without_credentials():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    client = APIClient()
    checked = 0
    for path, operations in schema["paths"].items():
        if path in PUBLIC:
            continue
        url = re.sub(r"\{[^}]+\}", "1", path)
        for method in operations:
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            response = getattr(client, method)(url, {}, format="json")
            assert response.status_code in (401, 403), f"{method.upper()} {url} answered {response.status_code}"
            checked += 1
    assert checked > 150  # every operation of every module, not a handful
