"""A published chain quality map reads in the reader's language (MAP-04, MAP-07, PLT-10): the
publication kept the interface labels of its data (segment names, problem categories and
statuses) rendered in the publisher's language, so everyone reading the published map (the
map page's popups and side panel, which read the map API, and the API itself) read them in
that language. The labels are made again from the codes when the publication is served; what
people entered (links, enterprises, problems) reads as written."""

import pytest
from django.utils import translation

from zhilian.chains import services
from zhilian.chains.models import Chain, ChainSnapshot
from zhilian.chains.selectors import chain_map_for
from zhilian.problems.models import Problem

pytestmark = pytest.mark.django_db

DISPLAY = "光电显示产业链"
ENGLISH_SEGMENTS = ["Upstream", "Midstream", "Downstream"]
CHINESE_SEGMENTS = ["上游", "中游", "下游"]


@pytest.fixture
def display(db):
    return Chain.objects.get(name=DISPLAY)


def _publish(display, persona, language) -> ChainSnapshot:
    city = persona("city")
    with translation.override(language):
        services.chain_submit_for_review(user=city, chain=display, reviewers=[persona("expert")])
        return services.chain_publish(user=city, chain=display, note="")


def _map(api_as, display, language, version=None):
    params = {"version": version} if version else {}
    response = api_as("member").get(f"/api/v1/chains/{display.pk}/map/", params, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.json()


def _labels(language):
    with translation.override(language):
        from zhilian.problems.models import ProblemCategory, ProblemStatus

        return ({code: str(label) for code, label in ProblemCategory.choices},
                {code: str(label) for code, label in ProblemStatus.choices})


@pytest.mark.req("MAP-04")
@pytest.mark.req("MAP-07")
@pytest.mark.req("PLT-10")
def test_a_map_published_in_chinese_reads_in_english(display, persona, api_as):
    snapshot = _publish(display, persona, "zh-hans")
    stored = snapshot.data["problems"]
    assert stored and "质量" in stored[0]["category_label"]  # the publication keeps what it kept
    data = _map(api_as, display, "en")
    assert data["version"] == snapshot.number
    categories, statuses = _labels("en")
    for problem in data["problems"]:
        assert problem["category_label"] == categories[problem["category"]]
        assert problem["status_label"] == statuses[problem["status"]]
    assert [s["name"] for s in data["segments"]] == ENGLISH_SEGMENTS
    # what people entered reads as written
    assert {p["name"] for p in data["problems"]} == {p["name"] for p in stored}
    assert {n["name"] for n in data["nodes"]} == {n["name"] for n in snapshot.data["nodes"]}
    # the kept (cached) answer is kept per language: Chinese to a Chinese reader, English again after
    chinese = _map(api_as, display, "zh-hans")
    assert [s["name"] for s in chinese["segments"]] == CHINESE_SEGMENTS
    chinese_categories, _statuses = _labels("zh-hans")
    assert {p["category_label"] for p in chinese["problems"]} <= set(chinese_categories.values())
    assert [s["name"] for s in _map(api_as, display, "en")["segments"]] == ENGLISH_SEGMENTS


@pytest.mark.req("MAP-07")
@pytest.mark.req("PLT-10")
def test_a_map_published_in_english_reads_in_chinese(display, persona, api_as):
    snapshot = _publish(display, persona, "en")
    assert [s["name"] for s in snapshot.data["segments"]] == ENGLISH_SEGMENTS
    data = _map(api_as, display, "zh-hans", version=snapshot.number)
    assert [s["name"] for s in data["segments"]] == CHINESE_SEGMENTS
    categories, statuses = _labels("zh-hans")
    assert data["problems"]
    for problem in data["problems"]:
        assert problem["category_label"] == categories[problem["category"]]
        assert problem["status_label"] == statuses[problem["status"]]
    # the map page's data is this answer: its popups and side panel show these labels
    with translation.override("zh-hans"):
        assert chain_map_for(persona("member"), display)["segments"][0]["name"] == "上游"


@pytest.mark.req("MAP-07")
@pytest.mark.req("PLT-10")
def test_a_publication_kept_before_still_reads(display, persona):
    """A snapshot written before (its labels as published, a code no longer known) still serves."""
    snapshot = _publish(display, persona, "zh-hans")
    data = dict(snapshot.data)
    problem = Problem.objects.filter(chain=display).first()
    data["problems"] = [*data["problems"], {
        "id": problem.pk, "code": "OLD-1", "name": "旧问题", "node": None, "segment": "upstream",
        "category": "retired", "category_label": "旧分类", "level": None, "stars": 0, "total": "",
        "status": "closed", "status_label": "已关闭", "is_common": False}]
    data["segments"] = [*data["segments"], {"code": "sidestream", "name": "旁游", "node_count": 0,
                                            "enterprise_count": 0, "problem_count": 0}]
    ChainSnapshot.objects.filter(pk=snapshot.pk).update(data=data)
    snapshot.refresh_from_db()
    with translation.override("en"):
        shown = chain_map_for(persona("member"), display, snapshot)
    old = next(p for p in shown["problems"] if p["code"] == "OLD-1")
    assert (old["category_label"], old["status_label"]) == ("旧分类", "已关闭")
    assert [s["name"] for s in shown["segments"]] == [*ENGLISH_SEGMENTS, "旁游"]


@pytest.mark.req("PLT-13")
def test_the_demo_chains_read_in_chinese_without_english_references():
    """The demo's chain texts are what a Chinese regulator reads on the chain page and in the
    exports: a guide is named in Chinese (供应链指南), not as the developers' 'SC guide'."""
    import re

    from zhilian.chains import demo

    for spec in (demo.DISPLAY, demo.SEMICONDUCTOR):
        for field, value in spec.items():
            if isinstance(value, str):
                assert not re.search(r"\b(guide|Appendix|spec)\b", value, re.I), (field, value)


@pytest.mark.req("MAP-04")
@pytest.mark.req("PLT-10")
def test_the_working_copy_reads_in_its_readers_language(display, api_as):
    """The working copy's problems are labelled once, as they are read, in the reader's language
    (a publication's are labelled again); its kept answer is per language too."""
    url = f"/api/v1/chains/{display.pk}/map/"
    for language in ("en", "zh-hans", "en"):
        data = api_as("owner").get(url, HTTP_ACCEPT_LANGUAGE=language).json()
        assert data["version"] is None and data["problems"]
        categories, statuses = _labels(language)
        for problem in data["problems"]:
            assert problem["category_label"] == categories[problem["category"]]
            assert problem["status_label"] == statuses[problem["status"]]
