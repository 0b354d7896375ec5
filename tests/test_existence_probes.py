"""A write that names a record the caller may not see is answered as one naming no record at all
(PLT-02): a refusal that told "that unit is not an institution" or "that link is on another chain"
would let a caller learn, id by id, which records exist and what they are."""

import pytest

from zhilian.chains.models import Chain, ChainNode, MonitoredEvent
from zhilian.directory.models import EnterpriseTalent, Organization, TestingCapability

DISPLAY = "光电显示产业链"


def _invisible(model, user, action="view", **filters):
    row = model.objects.filter(**filters).exclude(pk__in=model.objects.restrict(user, action).values("pk")).first()
    assert row is not None, f"the demo has no {model.__name__} hidden from {user}"
    return row


def _same_answer(api, url, body, field, hidden_id, model):
    """POST with ``field`` naming the hidden row, then a made-up id: same status, same errors."""
    made_up = model.objects.order_by("-pk").first().pk + 1000

    def answer(value):
        response = api.post(url, {**body, field: value}, format="json")
        text = response.content.decode().replace(str(value), "ID")
        return response.status_code, text

    hidden, missing = answer(hidden_id), answer(made_up)
    assert hidden == missing
    assert hidden[0] == 400 and field in hidden[1]


@pytest.mark.req("PLT-02", "DIR-04")
def test_a_capability_line_for_an_unseen_unit_answers_as_an_unknown_id(api_as, persona):
    user = persona("institution")
    hidden = _invisible(Organization, user, kind="enterprise")
    before = TestingCapability.objects.count()
    _same_answer(api_as("institution"), "/api/v1/capabilities/",
                 {"product": "探测产品", "parameter": "探测参数", "method": "探测方法"}, "institution", hidden.pk,
                 Organization)
    assert TestingCapability.objects.count() == before


@pytest.mark.req("PLT-02", "DIR-03")
def test_a_talent_for_an_unseen_enterprise_answers_as_an_unknown_id(api_as, persona):
    user = persona("owner")
    hidden = _invisible(Organization, user, kind="enterprise")
    before = EnterpriseTalent.objects.count()
    _same_answer(api_as("owner"), "/api/v1/talents/", {"name": "探测人员", "talent_type": "quality_manager"},
                 "enterprise", hidden.pk, Organization)
    assert EnterpriseTalent.objects.count() == before


@pytest.mark.req("PLT-02", "MAP-07")
def test_a_monitored_event_on_a_link_or_chain_the_caller_may_not_edit_answers_as_an_unknown_id(api_as, persona):
    user = persona("owner")
    display = Chain.objects.get(name=DISPLAY)
    assert Chain.objects.restrict(user, "change").filter(pk=display.pk).exists()
    body = {"chain": display.pk, "dimension": "technology", "occurred_on": "2026-11-20", "title": "探测事件"}
    api = api_as("owner")
    before = MonitoredEvent.objects.count()
    other_link = _invisible(ChainNode, user, "change")
    _same_answer(api, "/api/v1/monitored-events/", body, "node", other_link.pk, ChainNode)
    other_chain = _invisible(Chain, user, "change")
    _same_answer(api, "/api/v1/monitored-events/", body, "chain", other_chain.pk, Chain)
    assert MonitoredEvent.objects.count() == before


@pytest.mark.req("MAP-07")
def test_a_monitored_event_stays_on_its_own_chains_links(api_as, persona):
    """The city edits every chain, so it names a link of another chain it may see: refused plainly."""
    display = Chain.objects.get(name=DISPLAY)
    other_link = ChainNode.objects.exclude(chain=display).first()
    api = api_as("city")
    body = {"chain": display.pk, "node": other_link.pk, "dimension": "technology", "occurred_on": "2026-11-20",
            "title": "跨链事件"}
    refused = api.post("/api/v1/monitored-events/", body, format="json")
    assert refused.status_code == 400 and "node" in refused.json()
    event = MonitoredEvent.objects.filter(chain=display).first()
    patched = api.patch(f"/api/v1/monitored-events/{event.pk}/", {"node": other_link.pk}, format="json")
    assert patched.status_code == 400 and "node" in patched.json()
    event.refresh_from_db()
    assert event.node_id != other_link.pk
