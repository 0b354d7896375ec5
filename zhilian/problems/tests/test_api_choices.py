"""The API problem serializer's choices (chains, links, related problems, organizations) are
narrowed to the caller's scope when a write is checked and when the browsable API offers its
form, and not built at all for a read (core.api.fields.reads_input)."""

from unittest import mock

import pytest

from zhilian.chains.models import ChainNodeQuerySet, Segment
from zhilian.chains.services import chain_create, node_add
from zhilian.core.permissions import RestrictedQuerySet
from zhilian.problems.models import Problem


@pytest.fixture
def draft(persona):
    """A chain the city bureau is still building, with one link: no enterprise sees it."""
    chain = chain_create(user=persona("city"), name="测试草稿产业链（接口选项）", industry="测试")
    node = node_add(user=persona("city"), chain=chain, name="草稿环节（接口选项）", segment=Segment.UPSTREAM)
    return chain, node


@pytest.mark.req("PLT-02")
@pytest.mark.req("PLT-09")
def test_a_read_builds_no_choice_scopes(api_as):
    with mock.patch.object(ChainNodeQuerySet, "restrict", autospec=True,
                           side_effect=RestrictedQuerySet.restrict) as restricted:
        listed = api_as("expert").get("/api/v1/problems/")
        one = api_as("expert").get(f"/api/v1/problems/{listed.json()['results'][0]['id']}/")
    assert listed.status_code == 200 and one.status_code == 200
    assert restricted.call_count == 0  # the links' scope is a choice of the write only


@pytest.mark.req("PLT-02")
def test_a_write_is_checked_against_the_callers_scope(api_as, draft):
    chain, node = draft
    before = Problem.objects.count()
    refused = api_as("member").post("/api/v1/problems/", {
        "name": "草稿链上的问题", "chain": chain.pk, "node": node.pk, "category": "technology",
        "description": "不良率 1%", "status": "identified"}, format="json")
    assert refused.status_code == 400 and {"chain", "node"} <= set(refused.json())
    assert Problem.objects.count() == before


@pytest.mark.req("PLT-02")
def test_the_browsable_apis_form_offers_only_the_callers_chains(api_as, draft):
    chain, node = draft
    page = api_as("member").get("/api/v1/problems/", HTTP_ACCEPT="text/html")
    html = page.content.decode()
    assert page.status_code == 200 and "<select" in html
    assert "光电显示产业链" in html  # a published chain is offered: the form is there
    assert chain.name not in html and node.name not in html
