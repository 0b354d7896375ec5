import pytest


@pytest.mark.req("PLT-11")
@pytest.mark.req("PLT-10")
def test_dashboard_renders_charts_from_local_assets(login, site, shot):
    requests = []
    page = login("city")
    page.on("request", lambda r: requests.append(r.url))
    page.goto(f"{site}/")
    page.wait_for_selector(".zl-chart canvas")
    assert page.locator("[data-widget=directory-by-kind] canvas").count() == 1
    page.wait_for_timeout(1200)  # let ECharts finish its entry animation
    shot("dashboard-city")
    assert all(url.startswith(site) for url in requests), [u for u in requests if not u.startswith(site)]
