"""The chain widgets on the dashboard (PLT-11): each figure opens the list of what it counts."""

import re

import pytest

pytestmark = pytest.mark.django_db


def _figure(home: str, label: str):
    """(href, number) of the linked figure captioned ``label`` in the chain-map widget."""
    widget = home[home.index('data-widget="chains-stats"'):]
    for href, number, caption in re.findall(
            r'<a href="([^"]+)"[^>]*zl-figure[^>]*>\s*(\d+)\s*</a>\s*</div>\s*<div[^>]*>([^<]*)</div>', widget):
        if caption.strip() == label:
            return href.replace("&amp;", "&"), int(number)
    raise AssertionError(f"no figure {label}")


def _listed(client, url) -> int:
    """The number of rows the list page says it shows."""
    response = client.get(url)
    assert response.status_code == 200, url
    return int(re.search(r'id="result-count">\D*(\d+)', response.content.decode()).group(1))


@pytest.mark.req("MAP-02")
@pytest.mark.req("PLT-11")
@pytest.mark.parametrize("username", ["mgmt", "city", "district", "owner", "institution"])
def test_the_placed_enterprises_figure_opens_exactly_those_enterprises(username, client_as, persona):
    """上图企业 opened the whole enterprise list; it opens the enterprises placed on a chain
    map the user sees, as many as the figure counts."""
    from zhilian.chains.models import Placement
    from zhilian.directory.models import Organization

    user = persona(username)
    # The demo places every enterprise: one taken off its chain is an enterprise not placed.
    Placement.objects.filter(enterprise=Placement.objects.order_by("pk").first().enterprise).delete()
    client = client_as(username)
    home = client.get("/").content.decode()
    if 'data-widget="chains-stats"' not in home:
        pytest.skip(f"{username} has no chain widget")
    url, shown = _figure(home, "上图企业")
    placed = set(Organization.objects.restrict(user).filter(
        pk__in=Placement.objects.restrict(user).values("enterprise")).values_list("pk", flat=True))
    assert shown == len(placed) == _listed(client, url)
    if username == "mgmt":
        assert placed and Organization.objects.restrict(user).enterprises().count() > len(placed)
    api = client.get("/api/v1/organizations/", {"placed": "true", "page_size": 200}).json()
    assert {row["id"] for row in api["results"]} == placed
    others = client.get("/api/v1/organizations/", {"placed": "false", "page_size": 1}).json()["count"]
    assert others == Organization.objects.restrict(user).count() - len(placed)
