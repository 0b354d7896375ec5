"""Playwright with Debian's Chromium against a live server loaded with the demo data.

Screenshots go to ``test-artifacts/screenshots/`` (kept by CI as artifacts). Never run
``playwright install``: the browser is /usr/bin/chromium from Debian.
"""

import collections
import os
import time
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


# Each document gets an id, and a click or key press that the page does not cancel and
# that leaves the document (a link, a form submission) is noted. Playwright's click
# returns once the event is dispatched, not when the next page has loaded, so a test that
# reads the page right after submitting a form could read the old page: that made two
# browser tests fail now and then. ``_settled`` waits for the next document instead.
SETTLE_SCRIPT = """
(() => {
  window.__zlDoc = Math.random().toString(36).slice(2) + Date.now();
  window.__zlNav = false;
  window.addEventListener('click', (e) => {
    if (e.defaultPrevented || !e.target.closest) return;
    const a = e.target.closest('a[href]');
    if (!a || a.hasAttribute('download') || (a.target && a.target !== '_self')) return;
    if (a.closest('[hx-get],[hx-post],[hx-boost]')) return;
    const href = a.getAttribute('href');
    if (href.startsWith('#') || href.startsWith('javascript:')) return;
    window.__zlNav = true;
  });
  window.addEventListener('submit', (e) => {
    if (e.defaultPrevented) return;
    const form = e.target;
    if (form.target && form.target !== '_self') return;
    window.__zlNav = true;
  });
})();
"""
SETTLE_TIMEOUT_S = 20


def _settled(action, page_of):
    """Wrap a Playwright action so that it returns after the navigation it started has loaded."""

    from playwright.sync_api import Error

    def run(self, *args, **kwargs):
        page = page_of(self)
        try:
            before = page.evaluate("() => { window.__zlNav = false; return window.__zlDoc || null; }")
        except Error:  # a document is being replaced right now
            before = None
        downloads = []

        def noted(download):
            downloads.append(download)

        page.on("download", noted)
        try:
            result = action(self, *args, **kwargs)
            try:
                doc, navigating = page.evaluate("() => [window.__zlDoc || null, !!window.__zlNav]")
                navigating = navigating or doc != before
            except Error:  # the old document is already gone
                navigating = True
            deadline = time.monotonic() + SETTLE_TIMEOUT_S
            while navigating and not downloads:
                try:
                    if page.evaluate("(old) => !!window.__zlDoc && window.__zlDoc !== old"
                                     " && document.readyState === 'complete'", before):
                        break
                except Error:
                    pass
                if time.monotonic() > deadline:
                    raise AssertionError(f"the page did not finish loading after {action.__name__}{args}")
                page.wait_for_timeout(50)
            return result
        finally:
            page.remove_listener("download", noted)

    run.__name__ = action.__name__
    return run


def _install_settling():
    from playwright.sync_api import Browser, Locator, Page

    if getattr(Page, "_zhilian_settled", False):
        return
    for name in ("click", "press", "select_option", "check"):
        setattr(Page, name, _settled(getattr(Page, name), lambda page: page))
        setattr(Locator, name, _settled(getattr(Locator, name), lambda locator: locator.page))
    new_context = Browser.new_context

    def new_context_with_script(self, *args, **kwargs):
        context = new_context(self, *args, **kwargs)
        context.add_init_script(SETTLE_SCRIPT)
        return context

    Browser.new_context = new_context_with_script
    Page._zhilian_settled = True  # pages from context.new_page() share their context's script


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    _install_settling()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def site(live_server, demo_data_tx):
    """The live server's base URL, with the demo data loaded."""
    return live_server.url


@pytest.fixture
def page(browser, site, request):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN", accept_downloads=True)
    pg = context.new_page()
    # Generous: the suite runs the browser tests beside the others on two cores, and a slow machine
    # once waited over 15 s for the page after saving a project's task book (the test passes alone).
    pg.set_default_timeout(30000)
    in_flight = {}
    # The last pages and form posts answered: whether a submit reached the server, and what came back.
    answered = collections.deque(maxlen=8)
    pg.on("request", lambda r: in_flight.__setitem__(r, time.monotonic()))
    pg.on("requestfinished", lambda r: in_flight.pop(r, None))
    pg.on("requestfailed", lambda r: in_flight.pop(r, None))
    pg.on("response", lambda r: answered.append((time.monotonic(), r.request.method, r.url, r.status))
          if r.request.resource_type == "document" or r.request.method != "GET" else None)
    yield pg
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        _report_failure(request.node.name, pg, in_flight, answered)
    context.close()


def _report_failure(name, pg, in_flight, answered=()):
    """What a failed browser test left behind, for failures seen only under load: where the
    page is, the last pages and posts answered, the requests still unanswered and, on
    PostgreSQL, what the database sessions wait on."""
    from django.db import connection

    now = time.monotonic()
    print(f"[browser failure] page at {pg.url}")
    for at, method, url, status in answered:
        print(f"[browser failure] answered {now - at:.1f} s ago: {method} {url} → {status}")
    try:  # a form that refused the input, or an error page, says why here
        title, problems = pg.evaluate(
            "() => [document.title, Array.from(document.querySelectorAll("
            "'.alert-danger, .invalid-feedback, .errorlist, h1'))"
            ".map((e) => { let a = e.matches('.invalid-feedback') ? e.parentElement : null, f = null;"
            " while (a && !(f = a.querySelector('[name]:not([type=hidden])'))) a = a.parentElement;"
            " return (f ? f.name + ': ' : '') + e.innerText.trim(); }).filter(Boolean).slice(0, 20)]")
        print(f"[browser failure] title: {title}")
        for text in problems:
            print(f"[browser failure] shows: {text[:300]}")
    except Exception as exc:  # noqa: BLE001 - a report, never a second failure
        print(f"[browser failure] page not readable: {exc}")
    for r, started in in_flight.items():
        print(f"[browser failure] unanswered for {now - started:.1f} s: {r.method} {r.url}")
    try:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        pg.screenshot(path=str(ARTIFACTS / f"FAILED-{name}.png"), full_page=True)
    except Exception as exc:  # noqa: BLE001 - a report, never a second failure
        print(f"[browser failure] no screenshot: {exc}")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pid, state, wait_event_type, wait_event, now() - xact_start, left(query, 160) "
                           "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
            for row in cursor.fetchall():
                print("[browser failure] database session", row)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def totp_code_for_secret(secret_base32: str) -> str:
    """What an authenticator app shows now for a base32 secret."""
    import base64

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
        # A full-page screenshot stretches the viewport to the page's height and then restores
        # it; on a loaded machine the restore can land after the next action has computed where
        # to click, and the click hits blank page (a task book's save button at the foot of a
        # 2,300 px form: no submit, the test waited 30 s for a page that never came). Wait until
        # the viewport is back and laid out.
        page.wait_for_function("([w, h]) => window.innerWidth === w && window.innerHeight === h",
                               arg=[page.viewport_size["width"], page.viewport_size["height"]])
        page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        return path

    return take
