"""Playwright with Debian's Chromium against a live server loaded with the demo data.

Screenshots go to ``test-artifacts/screenshots/`` (kept by CI as artifacts). Never run
``playwright install``: the browser is /usr/bin/chromium from Debian.
"""

import os
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "1")  # Playwright's sync API runs an event loop

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM = os.environ.get("ZHILIAN_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def site(live_server, demo_data_tx):
    """The live server's base URL, with the demo data loaded."""
    return live_server.url


@pytest.fixture
def page(browser, site):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN", accept_downloads=True)
    pg = context.new_page()
    pg.set_default_timeout(15000)
    yield pg
    context.close()


def totp_code_for_secret(secret_base32: str) -> str:
    """What an authenticator app shows now for a base32 secret."""
    import base64
    import time

    from django_otp.oath import TOTP

    return f"{TOTP(base64.b32decode(secret_base32 + '=' * (-len(secret_base32) % 8))).token():06d}"


@pytest.fixture
def login(page, site):
    """``login("city")`` signs the page in as a demo persona and returns the page.

    Personas that sign in with a second factor (SEC-04) get the code of their demo
    authenticator typed in, as a user would from the app; a persona that must still set
    one up is enrolled with the secret the page shows.
    """
    from zhilian.accounts.demo import DEMO_PASSWORD
    from zhilian.accounts.twofactor import next_code_for

    def do(username, password=DEMO_PASSWORD):
        page.goto(f"{site}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("#login-submit")
        page.wait_for_load_state("networkidle")
        if "/accounts/login/verify/" in page.url:
            page.fill("#id_code", next_code_for(username))
            page.click("#otp-submit")
            page.wait_for_load_state("networkidle")
        elif "/accounts/login/two-factor/" in page.url:
            page.fill("#id_code", totp_code_for_secret(page.get_attribute("#totp-secret", "data-secret")))
            page.click("#enrol-submit")
            page.wait_for_load_state("networkidle")
        return page

    return do


@pytest.fixture
def shot(page):
    """``shot("name")`` saves a full-page screenshot under test-artifacts/screenshots/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(name, target=None):
        path = ARTIFACTS / f"{name}.png"
        (target or page).screenshot(path=str(path), full_page=True)
        return path

    return take
