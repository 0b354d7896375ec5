"""An expert's problem scope names the chains it may read as kept id lists, not subqueries
(core.resultcache.kept_ids): PostgreSQL planned those subqueries again in every statement of
a search. The lists follow the tables they were read from, so publishing, unpublishing and
reviewing a chain change what the expert sees at once (PLT-02, chain guide 5.4)."""

import pytest
from django.utils import timezone

from zhilian.chains.models import Chain
from zhilian.problems.models import Problem

pytestmark = pytest.mark.django_db


@pytest.fixture
def unpublished(persona):
    """A draft chain with one problem, which the expert may not see yet."""
    template = Problem.objects.get(code="OD-002")
    chain = Chain.objects.create(name="测试草稿产业链", created_by=persona("mgmt"))
    problem = Problem.objects.create(code="KI-001", name="草稿链专有问题", chain=chain, category=template.category,
                                     description="只在草稿链上", reported_on=template.reported_on)
    return chain, problem


def _codes(api):
    return {row["code"] for row in api.get("/api/v1/problems/", {"q": "草稿链专有", "page_size": 50}).json()["results"]}


@pytest.mark.req("PLT-02")
@pytest.mark.req("PRB-01")
def test_an_experts_scope_lists_its_chains_and_follows_publishing_and_reviewing(unpublished, persona, api_as):
    chain, problem = unpublished
    expert = persona("expert")
    sql = str(Problem.objects.restrict(expert).query)
    assert '"chains_chain"' not in sql and '"chains_chain_reviewers"' not in sql, "the chains as ids, not subqueries"
    assert '"projects_midtermcheck_experts"' not in sql and '"projects_acceptance_experts"' not in sql
    api = api_as("expert")
    assert _codes(api) == set()
    chain.published_at = timezone.now()
    chain.save(update_fields=["published_at"])
    assert _codes(api) == {problem.code}
    chain.published_at = None
    chain.save(update_fields=["published_at"])
    assert _codes(api) == set()
    chain.reviewers.add(expert)
    assert _codes(api) == {problem.code}
    chain.reviewers.remove(expert)
    assert _codes(api) == set()
    # An enterprise sees a problem that concerns it as soon as it is named (its id list too).
    assert _codes(api_as("owner")) == set()
    problem.concerned_enterprises.add(persona("owner").organization_id)
    assert _codes(api_as("owner")) == {problem.code}


@pytest.mark.req("PLT-02")
def test_a_list_of_related_ids_is_looked_up_on_the_foreign_key_as_on_any_field(unpublished):
    from zhilian.core.permissions import IdList

    chains = sorted(Chain.objects.values_list("pk", flat=True))
    assert len(chains) >= 2
    expected = set(Problem.objects.filter(chain__in=chains[:-1]).values_list("pk", flat=True))
    assert expected
    for lookup, value in (("chain__zl_in_ids", IdList(chains[:-1])), ("chain__zl_in_array", chains[:-1])):
        assert set(Problem.objects.filter(**{lookup: value}).values_list("pk", flat=True)) == expected, lookup
