"""The home dashboard's figures and chart items open the list of exactly the records they count (PLT-11)."""

import json
import re
from html.parser import HTMLParser

import pytest

pytestmark = pytest.mark.django_db

# Roles of different reach: the whole city, one district, an institution, an enterprise, a person.
ROLES = ["city", "mgmt", "district", "institution", "owner", "expert", "commissioner"]

class _Figures(HTMLParser):
    """Per widget card: the figures linked (``a.zl-figure``) and the stat figures left as text."""

    def __init__(self):
        super().__init__()
        self.linked, self.unlinked = [], []
        self._widget = None
        self._link = None
        self._stat_depth = 0
        self._stat_text = ""
        self._stat_linked = False
        self._depth = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag == "div":
            self._depth += 1
            if "data-widget" in attrs:
                self._widget = attrs["data-widget"]
            if "zl-stat" in classes:
                self._stat_depth, self._stat_text, self._stat_linked = self._depth, "", False
        if tag == "a" and self._stat_depth:
            self._stat_linked = True
        if tag == "a" and "zl-figure" in classes:
            self._link = {"widget": self._widget, "href": attrs["href"], "text": ""}
            self.linked.append(self._link)

    def handle_endtag(self, tag):
        if tag == "a":
            self._link = None
        if tag == "div":
            if self._stat_depth and self._depth == self._stat_depth:
                if not self._stat_linked and re.search(r"\d", self._stat_text):
                    self.unlinked.append((self._widget, self._stat_text.strip()))
                self._stat_depth = 0
            self._depth -= 1

    def handle_data(self, data):
        if self._link is not None:
            self._link["text"] += data
        if self._stat_depth:
            self._stat_text += data


def _figures(html):
    parser = _Figures()
    parser.feed(html)
    return parser


def _listed(client, url) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    match = re.search(r'id="result-count">\D*(\d+)', response.content.decode())
    assert match, f"{url} shows no count of its rows"
    return int(match.group(1))


@pytest.mark.req("PLT-11")
@pytest.mark.parametrize("username", ROLES)
def test_every_figure_opens_the_list_of_the_records_it_counts(username, client_as):
    """A figure and its list both go through ``restrict``: the number the dashboard shows is the
    number of rows its link lists, for every role. Testing capabilities, experts and overdue
    needs were plain numbers; the open / overdue needs and the project and achievement totals
    were text."""
    client = client_as(username)
    home = client.get("/").content.decode()
    figures = _figures(home)
    assert not figures.unlinked, f"figures without a link: {figures.unlinked}"
    assert figures.linked
    compared = 0
    for figure in figures.linked:
        shown = int(re.search(r"\d+", figure["text"]).group())
        assert _listed(client, figure["href"]) == shown, (figure["widget"], figure["href"], figure["text"])
        compared += 1
    assert compared
    if 'data-widget="needs-open-by-status"' in home:
        assert 'id="needs-open-count"' in home and 'id="needs-overdue-count"' in home
    if 'data-widget="directory-stats"' in home:
        assert "/directory/capabilities/" in {f["href"] for f in figures.linked}


@pytest.mark.req("PLT-11")
def test_overdue_figures_count_what_their_lists_show(client_as, persona):
    """The overdue figures are not zero in the demo, so the comparison above means something
    for them: overdue needs, and the projects holding overdue milestones."""
    from zhilian.chains.models import Chain
    from zhilian.needs.selectors import needs_overdue
    from zhilian.projects import selectors as projects
    from zhilian.projects.models import Project

    user = persona("mgmt")
    client = client_as("mgmt")
    overdue_needs = needs_overdue(user).count()
    late_projects = projects.with_overdue_milestones(Project.objects.restrict(user)).count()
    assert _listed(client, "/needs/?overdue=true") == overdue_needs
    assert _listed(client, "/projects/?overdue=true") == late_projects
    assert _listed(client, "/chains/?published=true") == (
        Chain.objects.restrict(user).filter(published_at__isnull=False).count())
    home = client.get("/").content.decode()
    if projects.overdue_milestones(user).exists():
        assert late_projects and 'id="overdue-projects"' in home
    assert overdue_needs, "the demo has an overdue need"


# The charts whose items count the rows of a list: each item opens that list filtered to it.
LINKED_CHARTS = {"chart-org-kind", "chart-org-district", "chart-chain-status", "chart-problem-category",
                 "chart-needs-status", "chart-project-status", "chart-project-direction",
                 "chart-achievement-type", "chart-achievement-level"}
CHART_ROLES = ["mgmt", "district", "institution", "owner"]


def _chart_items(html):
    """{chart id: [data items of every series]} from the options the charts carry as JSON."""
    charts = {}
    for chart_id, text in re.findall(r'<script type="application/json" id="(chart-[\w-]+)-data">(.*?)</script>',
                                     html, re.DOTALL):
        option = json.loads(text)
        series = option.get("series") or option.get("baseOption", {}).get("series") or []
        charts[chart_id] = [item for s in series for item in s.get("data", [])]
    return charts


@pytest.mark.req("PLT-11")
@pytest.mark.parametrize("username", CHART_ROLES)
def test_every_chart_item_opens_the_list_of_the_records_it_counts(username, client_as):
    """Each bar, slice and segment that counts records carries the list's filter as codes and the
    list's URL; the count it shows is the number of rows that list shows, for every role (both
    restricted). The click hook built a URL from the translated label shown, which no list reads
    (and no chart asked for it)."""
    from urllib.parse import parse_qsl, urlsplit

    client = client_as(username)
    charts = _chart_items(client.get("/").content.decode())
    assert charts
    compared = 0
    for chart_id, items in charts.items():
        assert chart_id in LINKED_CHARTS, f"{chart_id}: a new chart, say whether its items open a list"
        linked = [item for item in items if isinstance(item, dict) and "url" in item]
        assert len(linked) == len(items), chart_id  # the problems not assessed too (?level=0)
        for item in linked:
            url = urlsplit(item["url"])
            # the filter travels as codes: the URL's query is exactly the item's filter
            assert dict(parse_qsl(url.query)) == {k: str(v) for k, v in item["filter"].items()}, item
            assert _listed(client, item["url"]) == item["value"], (username, chart_id, item)
            compared += 1
    assert compared


@pytest.mark.req("PLT-11")
def test_the_kept_dashboard_follows_the_records(client_as, persona):
    """The dashboard is kept per user (25 restricted counts took 0.3-0.5 s for an enterprise at
    bench scale) and computed again once a table it counts changes."""
    from zhilian.needs import services

    owner = persona("owner")
    client = client_as("owner")

    def needs_figures():
        return {f["href"]: int(re.sub(r"\D", "", f["text"]) or 0)
                for f in _figures(client.get("/").content.decode()).linked if f["href"].startswith("/needs/")}

    before = needs_figures()
    assert before == needs_figures()  # the second answer is the kept one
    services.need_file(user=owner, enterprise=owner.organization, category="testing", title="看板测试需求",
                       description="检测服务需求", contact_name="张工", contact_phone="13906011111")
    after = needs_figures()
    assert before and after.keys() == before.keys(), before
    grown = {href for href in after if after[href] == before[href] + 1}
    assert grown and all(after[href] >= before[href] for href in after), (before, after)
