"""Web hardening (SEC-09): no inline script, security headers, CSRF on every state change,
no state change on GET, the production settings pass Django's deployment check."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from tests.test_permission_walk import PK_KWARGS, _model_for, _patterns, _to_path

PACKAGE = Path(__file__).resolve().parents[1] / "zhilian"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
JS_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']\s*javascript:""", re.I)


def templates():
    return [p for p in PACKAGE.rglob("templates/**/*.html")]


@pytest.mark.req("SEC-09")
def test_no_template_has_inline_script_or_event_handler_attributes():
    assert len(templates()) > 20
    offenders = []
    for path in templates():
        text = path.read_text()
        for pattern in (INLINE_SCRIPT, EVENT_HANDLER, JS_URL):
            offenders += [f"{path.relative_to(PACKAGE)}: {m.group(0)[:60]}" for m in pattern.finditer(text)]
    assert offenders == []


@pytest.mark.django_db
@pytest.mark.req("SEC-09")
def test_pages_carry_the_security_headers(client_as):
    response = client_as("city").get("/")
    csp = response["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]+)", csp).group(1)
    assert "'self'" in script_src and "unsafe-inline" not in script_src and "unsafe-eval" not in script_src
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert "no-store" in response["Cache-Control"]  # confidential pages stay out of caches
    anonymous = Client().get("/accounts/login/")
    assert "Content-Security-Policy" in anonymous and anonymous["X-Frame-Options"] == "DENY"


def _settings_with(env_extra: dict, code: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZHILIAN_", "DATABASE_URL", "DJANGO_"))}
    env.update({"ZHILIAN_DATA_DIR": env_extra.pop("ZHILIAN_DATA_DIR"), **env_extra})
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    return result.stdout + result.stderr


PRODUCTION = {"SECRET_KEY": "k" * 20 + "Zh1l1an-Pr0duct10n-K3y-" + "x9" * 20, "ZHILIAN_HTTPS": "1",
              "ALLOWED_HOSTS": "zhilian.example.gov.cn"}


@pytest.mark.req("SEC-09")
def test_the_production_settings_pass_the_deployment_check_at_warning_level(tmp_path):
    run = [sys.executable, "-m", "zhilian.cli", "check", "--deploy", "--fail-level", "WARNING"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZHILIAN_", "DATABASE_URL", "DJANGO_"))}
    ok = subprocess.run(run, env={**env, **PRODUCTION, "ZHILIAN_DATA_DIR": str(tmp_path)},
                        capture_output=True, text=True, timeout=180)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    # Without HTTPS the same check fails: it is really looking.
    plain = subprocess.run(run, env={**env, "ZHILIAN_DATA_DIR": str(tmp_path)}, capture_output=True, text=True,
                           timeout=180)
    assert plain.returncode != 0


@pytest.mark.req("SEC-09")
def test_under_https_cookies_are_secure_host_only_and_samesite(tmp_path):
    out = _settings_with({**PRODUCTION, "ZHILIAN_DATA_DIR": str(tmp_path)}, (
        "import os; os.environ['DJANGO_SETTINGS_MODULE']='zhilian.settings'\n"
        "from django.conf import settings as s\n"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_NAME, s.SESSION_COOKIE_SAMESITE,"
        " s.SECURE_HSTS_SECONDS, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_HTTPONLY,"
        " s.LANGUAGE_COOKIE_SECURE, s.LANGUAGE_COOKIE_HTTPONLY, s.LANGUAGE_COOKIE_SAMESITE)"))
    assert out.split() == ["True", "True", "__Host-zhilian-session", "Lax", "31536000", "True", "True",
                           "True", "True", "Lax"], out


@pytest.mark.django_db
@pytest.mark.req("SEC-09")
def test_the_language_cookie_is_httponly_samesite_and_secure_under_https(settings):
    settings.LANGUAGE_COOKIE_SECURE = True  # what ZHILIAN_HTTPS sets (checked above)
    response = Client().post("/i18n/setlang/", {"language": "en", "next": "/"})
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "en"
    assert cookie["httponly"] and cookie["secure"] and cookie["samesite"] == "Lax"


def _post_routes():
    for route, pattern, name in _patterns():
        keys = set(pattern.pattern.converters) if hasattr(pattern.pattern, "converters") else set()
        if keys or "(?P<" in route or route.startswith("api/"):
            continue
        yield route, name


@pytest.mark.django_db
@pytest.mark.req("SEC-09")
def test_every_state_change_needs_the_csrf_token(persona):
    """A form post without the token is refused on every page; session API calls too."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(persona("city"))
    refused = 0
    for route, name in _post_routes():
        response = client.post(_to_path(route), {"x": "1"})
        assert response.status_code in (403, 405), (route, response.status_code)
        refused += response.status_code == 403
    assert refused > 10
    api = client.post("/api/v1/organizations/", {"name": "x"}, content_type="application/json")
    assert api.status_code == 403


# Tables written by reading, as bookkeeping rather than data (besides those core.versions
# already ignores: the audit log, sessions, sign-in attempts): the achievement usage
# statistics (ACH-05 counts views) and an API token's last use (its idle limit, SEC-03).
READ_BOOKKEEPING = {"achievements_achievementusage", "accounts_tokenuse"}


def tables_written(before: dict, after: dict) -> set[str]:
    """Tables whose version moved between two ``versions.snapshot()``: any INSERT, UPDATE or
    DELETE, whatever it did to the row count."""
    return {t for t in set(before) | set(after) if before.get(t) != after.get(t)} - READ_BOOKKEEPING


@pytest.mark.django_db
@pytest.mark.req("SEC-09")
def test_the_get_check_sees_a_write_that_keeps_the_row_counts():
    """What the check below compares: a table's version moves on an UPDATE (row counts did not)."""
    from zhilian.core import versions
    from zhilian.directory.models import Organization

    before = versions.snapshot()
    Organization.objects.filter(pk=Organization.objects.first().pk).update(address="改过的地址")
    assert tables_written(before, versions.snapshot()) == {"directory_organization"}


@pytest.mark.django_db
@pytest.mark.req("SEC-09")
@pytest.mark.parametrize("username", ["city", "owner", "secadmin"])
def test_no_page_changes_data_on_get(username, client_as, api_as, persona):
    """Every page and API endpoint, requested with GET, writes no table (the audit log, which
    records exports and denials, session bookkeeping and usage counters aside): every write
    gives its table a new version (core.versions), so an UPDATE is seen, not only a new row."""
    from zhilian.core import versions

    user = persona(username)
    web, api = client_as(username), api_as(username)
    before = versions.snapshot()
    requested = 0
    for route, pattern, name in _patterns():
        keys = set(pattern.pattern.converters) if hasattr(pattern.pattern, "converters") else set()
        client = api if route.startswith("api/") else web
        if keys & set(PK_KWARGS):
            model = _model_for(pattern)
            if model is None or not hasattr(model.objects, "restrict") or keys - set(PK_KWARGS):
                continue
            pk = model.objects.restrict(user, "view").values_list("pk", flat=True).first()
            if pk is None:
                continue
            client.get(_to_path(route, pk=pk))
        elif not keys:
            response = client.get(_to_path(route))
            if response.status_code == 200 and b'id="export-xlsx"' in response.content:
                client.get(_to_path(route), {"export": "xlsx"})
        requested += 1
    assert requested > 20
    assert not tables_written(before, versions.snapshot())
