"""The top bar fits common laptop widths in both languages (PLT-10)."""

import pytest


@pytest.mark.req("PLT-10")
@pytest.mark.parametrize("width", [1280, 1366])
def test_the_top_bar_fits_without_scrolling_sideways_in_both_languages(login, site, shot, width):
    page = login("city")  # one of the roles with the most menus
    page.set_viewport_size({"width": width, "height": 800})
    for language in ("zh-hans", "en"):
        page.context.add_cookies([{"name": "django_language", "value": language, "url": site}])
        page.goto(f"{site}/")
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.documentElement.lang") == language
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= width, f"{language}: the page scrolls sideways ({scroll_width} > {width})"
        # One line: every menu, the search box and the user menu visible inside the window.
        assert page.locator("nav.navbar").bounding_box()["height"] < 70, language
        for selector in ("[data-menu]", "#user-menu", "button[data-language]", "input.zl-search"):
            for box in (page.locator(selector).nth(i).bounding_box() for i in range(page.locator(selector).count())):
                assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, (language, selector, box)
        shot(f"top-bar-{width}-{language}")


# Each ring chart on the page: its size, the top of its legend, the foot of its ring, and its
# labels (the text asked for, the text drawn after ECharts cut it, the box drawn in).
PIE_LABELS = """() => window.Zhilian.charts.filter(c => c.getOption().series.some(s => s.type === 'pie')).map(c => {
  const box = (el) => { el.updateTransform(); const r = el.getBoundingRect().clone();
                        if (el.transform) r.applyTransform(el.transform); return r; };
  const legend = c.getModel().getComponent('legend');
  let ringFoot = 0;
  c.getZr().storage.getDisplayList(true).forEach(e => {
    if (e.type === 'sector') { const r = box(e); ringFoot = Math.max(ringFoot, r.y + r.height); } });
  const data = c.getModel().getSeriesByType('pie')[0].getData(), labels = [];
  data.each(i => { const t = data.getItemGraphicEl(i).getTextContent();
    if (!t || t.ignore || t.invisible) return;
    const r = box(t);
    labels.push({asked: t.style.text, drawn: t.childrenRef().map(s => s.style.text).join(''),
                 left: r.x, right: r.x + r.width, top: r.y, bottom: r.y + r.height}); });
  return {id: c.getDom().id, width: c.getWidth(), height: c.getHeight(), ringFoot: ringFoot,
          legendTop: legend ? box(c.getViewOfComponentModel(legend).group).y : null, labels: labels};
})"""


@pytest.mark.req("PLT-10")
@pytest.mark.req("PLT-11")
def test_the_dashboards_ring_charts_fit_a_phone_uncut_and_clear_of_their_legends(login, site, shot):
    """At 390 px ECharts cut the labels beside the rings to "Te…", "Pai…" or "…" (one ran off the
    canvas) and the rings sat on their legends; at a desktop width the labels stay "name: count"."""
    page = login("mgmt")  # sees all four ring charts: organizations, chains, projects, achievements
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": site}])
    for width, named in ((390, False), (1440, True)):
        page.set_viewport_size({"width": width, "height": 844})
        page.goto(f"{site}/")
        page.wait_for_load_state("networkidle")
        charts = page.evaluate(PIE_LABELS)
        assert {c["id"] for c in charts} >= {"chart-org-kind", "chart-chain-status", "chart-project-status",
                                             "chart-achievement-level"}
        for chart in charts:
            assert chart["labels"], chart["id"]
            for label in chart["labels"]:
                where = (width, chart["id"], label)
                assert label["drawn"] == label["asked"], where
                assert (": " in label["asked"]) is named, where
                assert 0 <= label["left"] and label["right"] <= chart["width"], where
                assert 0 <= label["top"] and label["bottom"] <= chart["legendTop"], where
            assert chart["ringFoot"] <= chart["legendTop"], (width, chart)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        shot(f"dashboard-rings-{width}")


# Elements that stick out of their card (a table inside .table-responsive scrolls in its card).
OUT_OF_CARD = """() => { const out = [];
  document.querySelectorAll('.card').forEach(card => { const edge = card.getBoundingClientRect().right + 1;
    card.querySelectorAll('*').forEach(e => { const r = e.getBoundingClientRect();
      if (r.width && r.right > edge && !e.closest('.table-responsive'))
        out.push(e.tagName + (e.id ? '#' + e.id : '') + ' ' + (e.innerText || '').slice(0, 30)); }); });
  return out.slice(0, 10); }"""


ENTERED_YEAR = 2031  # past chinesecalendar's years: an administrator enters its holidays


def _phone_pages():
    from zhilian.needs.models import Need
    from zhilian.problems.models import Problem

    need = Need.objects.order_by("pk").first()
    problem = Problem.objects.get(code="IC-001")
    return [("sysadmin", "/calendar/?start=2026-12-30&days=5"),  # the Compute button stuck out of its card
            ("sysadmin", f"/calendar/?year={ENTERED_YEAR}"),  # an entered year's five columns widened the page
            ("mgmt", f"/history/needs.need/{need.pk}/"),  # five columns, 28rem of them fixed
            ("mgmt", f"/history/problems.problem/{problem.pk}/"),
            ("mgmt", "/accounts/profile/")]


def _signed_in_from_afar(username):
    """Recent sign-ins as the account page lists them: an IPv6 address, a pending second factor
    and the API (the four columns widened the page to 474 px at 390)."""
    from zhilian.accounts.models import SignInAttempt, User

    user = User.objects.get(username=username)
    for outcome, channel in ((SignInAttempt.Outcome.PASSWORD_OK, "web"), (SignInAttempt.Outcome.BAD_OTP, "web"),
                             (SignInAttempt.Outcome.OK, "api")):
        SignInAttempt.objects.create(user=user, username=username, channel=channel, outcome=outcome,
                                     ip_address="2001:db8:85a3:1234:5678:8a2e:370:7334")


@pytest.mark.req("PLT-10")
@pytest.mark.parametrize("persona", ["sysadmin", "mgmt"])
def test_the_calendar_history_and_account_pages_fit_a_phone(login, site, shot, persona):
    import datetime

    from zhilian.core.models import CalendarDay

    for day, workday, name in ((1, False, "New Year's Day"), (6, True, "Spring Festival (adjusted)")):
        CalendarDay.objects.create(date=datetime.date(ENTERED_YEAR, 1, day), is_workday=workday, name=name)
    _signed_in_from_afar(persona)
    page = login(persona)
    page.set_viewport_size({"width": 390, "height": 844})
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": site}])
    pages = [path for who, path in _phone_pages() if who == persona]
    for number, path in enumerate(pages):
        response = page.goto(f"{site}{path}")
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
        assert page.evaluate(OUT_OF_CARD) == [], path
        if path == "/accounts/profile/":  # the sign-ins fit their card: no scrolling to see the address
            widths = page.evaluate("""() => { const t = document.querySelector('#recent-signins');
              return [t.getBoundingClientRect().width, t.closest('.card').getBoundingClientRect().width]; }""")
            assert widths[0] <= widths[1], widths
        shot(f"phone-{persona}-{number}")


# Table cells squeezed to a sliver: text of four characters or more over four lines or more in a
# cell narrower than four and a half characters (a Chinese name one character per line).
CRUSHED_CELLS = """() => { const out = [];
  document.querySelectorAll('table td, table th').forEach(c => { const r = c.getBoundingClientRect();
    const text = c.innerText.trim(), size = parseFloat(getComputedStyle(c).fontSize);
    if (r.width && text.length >= 4 && r.height / (size * 1.5) >= 4 && r.width < size * 4.5)
      out.push((c.closest('table').id || '?') + ': ' + text.slice(0, 12)); });
  return out.slice(0, 10); }"""


def _phone_lists_and_details():
    from zhilian.needs.models import Need
    from zhilian.projects.models import Project

    project = Project.objects.get(code="GG-2025-001")
    need = Need.objects.order_by("pk").first()
    return ["/problems/", "/needs/", "/directory/organizations/", "/directory/experts/", "/achievements/",
            "/consortia/", "/problems/severity-models/", project.get_absolute_url(), need.get_absolute_url()]


@pytest.mark.req("PLT-10")
def test_lists_and_detail_pages_read_on_a_phone(login, site, shot):
    """At 375 px the problem library wrapped 光电显示产业链 one character per line, as did the
    needs, organizations and experts lists and the task book's targets, units and milestones on
    a project's page (QA walk): cells keep a width to read in and the table scrolls within its
    container; the page itself never scrolls sideways."""
    from zhilian.problems.models import Problem

    pages = _phone_lists_and_details() + [Problem.objects.get(code="IC-001").get_absolute_url()]
    page = login("mgmt")
    page.set_viewport_size({"width": 375, "height": 740})
    for number, path in enumerate(pages):
        assert page.goto(f"{site}{path}").status == 200, path
        page.wait_for_load_state("networkidle")
        assert page.evaluate(CRUSHED_CELLS) == [], path
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, path
        assert page.evaluate(OUT_OF_CARD) == [], path
        shot(f"phone-page-{number}")
