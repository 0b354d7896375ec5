"""A directory-sized choice is searched, not listed (core.lookups): at 100,000 enterprises a new
problem's form was 14.6 MB and took 10.8 s, listing every unit and problem as an <option>.
Above ZHILIAN_LOOKUP_THRESHOLD rows a select renders only its chosen rows; the lookup answers
from the very queryset the form offered (the user's restrict-ed rows); validation is unchanged."""

import re

import pytest

from zhilian.directory.models import Organization
from zhilian.problems.models import Problem

SELECT = r'<select name="{name}"([^>]*)>(.*?)</select>'


def _select(html, name):
    match = re.search(SELECT.format(name=name), html, re.S)
    assert match, name
    return match.group(1), match.group(2)


@pytest.fixture
def few(settings):
    settings.ZHILIAN_LOOKUP_THRESHOLD = 2


@pytest.mark.req("PRB-01")
@pytest.mark.req("PLT-02")
def test_a_large_choice_renders_only_what_is_chosen_and_finds_the_rest(client_as, persona, few):
    owner = persona("owner")
    client = client_as("owner")
    html = client.get("/problems/add/").content.decode()
    attrs, options = _select(html, "concerned_enterprises")
    assert "data-lookup=" in attrs and "<option" not in options
    url = re.search(r'data-lookup="([^"]+)"', attrs).group(1)
    found = client.get(url, {"q": "厦门"}).content.decode()
    offered = set(map(int, re.findall(r'<option value="(\d+)"', found)))
    visible = set(Organization.objects.enterprises().restrict(owner, "view").filter(name__icontains="厦门")
                  .values_list("pk", flat=True))
    hidden = set(Organization.objects.enterprises().filter(name__icontains="厦门").values_list("pk", flat=True)) - visible
    assert offered and offered <= visible and hidden and not offered & hidden
    # Another user's session holds no such key: the lookup answers as a page that does not exist.
    assert client_as("member").get(url, {"q": "厦门"}).status_code == 404


@pytest.mark.req("PRB-01")
def test_a_choice_not_listed_is_still_saved_and_an_unseen_one_refused(client_as, persona, few):
    owner = persona("owner")
    client = client_as("owner")
    client.get("/problems/add/")
    chain = Problem.objects.filter(code__startswith="OD").first().chain
    seen = Organization.objects.enterprises().restrict(owner, "view").exclude(pk=owner.organization_id).first()
    unseen = Organization.objects.enterprises().exclude(
        pk__in=Organization.objects.restrict(owner, "view").values("pk")).first()
    data = {"name": "查找选择测试问题", "chain": chain.pk, "category": "technology", "source": "self_report",
            "description": "描述", "reporter_org": owner.organization_id}
    refused = client.post("/problems/add/", {**data, "concerned_enterprises": [unseen.pk]})
    assert refused.status_code == 200 and not Problem.objects.filter(name="查找选择测试问题").exists()
    assert "concerned_enterprises" in refused.context["form"].errors
    saved = client.post("/problems/add/", {**data, "concerned_enterprises": [seen.pk]})
    assert saved.status_code == 302, saved.content.decode()[:2000]
    problem = Problem.objects.get(name="查找选择测试问题")
    assert list(problem.concerned_enterprises.values_list("pk", flat=True)) == [seen.pk]
    # Its edit form lists the chosen unit, selected, and no other.
    html = client.get(f"/problems/{problem.pk}/edit/").content.decode()
    _attrs, options = _select(html, "concerned_enterprises")
    assert re.findall(r'<option value="(\d+)"[^>]*selected', options) == [str(seen.pk)]
    assert options.count("<option") == 1


@pytest.mark.req("PRB-01")
def test_below_the_threshold_every_choice_is_listed(client_as):
    html = client_as("owner").get("/problems/add/").content.decode()
    attrs, options = _select(html, "concerned_enterprises")
    assert "data-lookup" not in attrs and options.count("<option") >= 3


CHECKS = r'<div id="id_{name}" class="zl-lookup-checks"([^>]*)>(.*?)\n</div>'


def _checks(html, name):
    match = re.search(CHECKS.format(name=name), html, re.S)
    assert match, name
    return match.group(1), match.group(2)


@pytest.mark.req("PRJ-05")
@pytest.mark.req("PLT-02")
def test_a_large_checkbox_list_ticks_only_what_is_chosen_and_finds_the_rest(client_as, few):
    """At bench scale the mid-term check listed 20,000 experts as boxes to tick."""
    from django.urls import reverse

    from zhilian.directory.models import Expert
    from zhilian.projects.models import MidtermCheck
    from zhilian.projects.tests.helpers import running_project

    project = running_project()
    client = client_as("mgmt")
    url = reverse("projects:midterm_add", args=[project.pk])
    attrs, boxes = _checks(client.get(url).content.decode(), "experts")
    assert 'data-lookup-name="experts"' in attrs and 'type="checkbox"' not in boxes
    lookup = re.search(r'data-lookup="([^"]+)"', attrs).group(1)

    # Found by name or employer, among the active experts the form offers.
    inactive = Expert.objects.filter(employer__contains="厦门").first()
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])
    found = client.get(lookup, {"q": "厦门"}).content.decode()
    offered = dict(re.findall(r'<option value="(\d+)">([^<]*)</option>', found))
    active = Expert.objects.filter(employer__contains="厦门", is_active=True)
    assert offered and set(map(int, offered)) == set(active.values_list("pk", flat=True))
    # A row found reads as a row listed: name, title and employer.
    expert = active.first()
    assert offered[str(expert.pk)] == expert.choice_label() and "（" in offered[str(expert.pk)]

    # Chosen through the lookup, sent back with an error: the boxes ticked stay, nothing else is listed.
    missing_opinion = client.post(url, {"checked_on": "2026-11-20", "experts": [expert.pk], "result": "pass"})
    _attrs, boxes = _checks(missing_opinion.content.decode(), "experts")
    assert re.findall(r'value="(\d+)"', boxes) == [str(expert.pk)] and "checked" in boxes
    assert not MidtermCheck.objects.filter(project=project).exists()
    refused = client.post(url, {"checked_on": "2026-11-20", "experts": [inactive.pk], "result": "pass",
                                "opinion": "通过"})
    assert "experts" in refused.context["form"].errors and not MidtermCheck.objects.filter(project=project).exists()
    client.post(url, {"checked_on": "2026-11-20", "experts": [expert.pk], "result": "pass", "opinion": "通过",
                      "rectification_working_days": "20"})
    assert list(MidtermCheck.objects.get(project=project).experts.all()) == [expert]


@pytest.mark.req("PRJ-01")
def test_a_new_projects_source_problems_are_found_among_those_it_may_originate_from(client_as, settings):
    from zhilian.problems.models import Problem
    from zhilian.projects.services import problems_for_new_project
    from zhilian.projects.tests.helpers import new_problem, user

    settings.ZHILIAN_LOOKUP_THRESHOLD = 1
    problem = new_problem()
    client = client_as("icmember")
    attrs, boxes = _checks(client.get("/projects/add/").content.decode(), "problems")
    assert 'type="checkbox"' not in boxes
    lookup = re.search(r'data-lookup="([^"]+)"', attrs).group(1)
    found = client.get(lookup, {"q": problem.code}).content.decode()
    assert re.findall(r'<option value="(\d+)">([^<]*)</option>', found) == [(str(problem.pk), problem.choice_label())]
    allowed = set(problems_for_new_project(user("icmember")).values_list("pk", flat=True))
    outside = Problem.objects.exclude(pk__in=allowed).exclude(code="").first()
    assert outside is not None and "<option" not in client.get(lookup, {"q": outside.code}).content.decode()


@pytest.mark.req("MAP-01")
def test_a_links_supplies_are_found_and_labelled_by_segment_as_listed(client_as, settings):
    """A chain of 2,000 links lists no link to tick: the ones found read "segment · name", as the
    form's own labeller writes them (found again by its name, chains.forms._node_in_segment)."""
    from zhilian.chains.forms import _node_in_segment
    from zhilian.chains.models import ChainNode

    settings.ZHILIAN_LOOKUP_THRESHOLD = 1
    node = ChainNode.objects.filter(chain__name="光电显示产业链", segment="midstream").first()
    client = client_as("mgmt")
    html = client.get(f"/chains/nodes/{node.pk}/edit/").content.decode()
    attrs, boxes = _checks(html, "supplies")
    ticked = set(node.supplies.values_list("pk", flat=True))
    assert set(map(int, re.findall(r'value="(\d+)"', boxes))) == ticked
    lookup = re.search(r'data-lookup="([^"]+)"', attrs).group(1)
    other = ChainNode.objects.filter(chain=node.chain).exclude(pk=node.pk).exclude(pk__in=ticked).first()
    found = dict(re.findall(r'<option value="(\d+)">([^<]*)</option>',
                            client.get(lookup, {"q": other.name}).content.decode()))
    assert found[str(other.pk)] == _node_in_segment(other)
    assert all(ChainNode.objects.get(pk=pk).chain_id == node.chain_id for pk in found)


@pytest.mark.req("PLT-10")
def test_choice_labels_follow_the_language(db):
    """An expert and a problem are offered with the language's brackets and comma: full-width in
    Chinese, ASCII in English (the English UI showed （，）)."""
    from django.utils import translation

    from zhilian.directory.models import Expert

    expert = Expert.objects.exclude(title="").exclude(employer="").first()
    problem = Problem.objects.select_related("chain").first()
    with translation.override("zh-hans"):
        assert expert.choice_label() == f"{expert.name}（{expert.title}，{expert.employer}）"
        assert problem.choice_label() == f"{problem.code} {problem.name}（{problem.chain}）"
    with translation.override("en"):
        assert expert.choice_label() == f"{expert.name} ({expert.title}, {expert.employer})"
        assert problem.choice_label().endswith(f" ({problem.chain})") and "（" not in problem.choice_label()
