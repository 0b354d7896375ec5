"""The English pages separate list items and bracket asides in English (PLT-10).

A QA walk of every detail page in English found 、 between the links a problem reaches, its
related problems and concerned enterprises, the roles in the user menu, the links of a chain
node, and （2026Q3） and '2026-10-09：' in fullwidth punctuation between English words.
"""

import re

import pytest

CJK_PUNCTUATION_AMID_ENGLISH = re.compile(r"[A-Za-z)\]] ?[、（）：]|[、（）：] ?[A-Za-z(]")


def _text(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


@pytest.fixture
def english(client_as):
    def make(username):
        client = client_as(username)
        client.cookies["django_language"] = "en"
        return client
    return make


@pytest.mark.req("PLT-10")
def test_problem_page_lists_its_reach_with_english_separators(english, client_as):
    from zhilian.problems.models import Problem

    problem = Problem.objects.get(code="IC-001")
    page = english("mgmt").get(problem.get_absolute_url()).content.decode()
    reach = _text(page[page.index('id="reach"'):page.index('id="reach-on-map"')])
    assert "晶圆制造, 封装测试, 终端应用" in reach and "、" not in reach
    concerned = _text(page[page.index("Enterprises concerned"):page.index('id="reach"')])
    assert "、" not in concerned.split("Next review")[0]
    chinese = client_as("mgmt").get(problem.get_absolute_url()).content.decode()
    assert "晶圆制造</a>、<a" in chinese


@pytest.mark.req("PLT-10")
def test_project_and_achievement_pages_use_english_punctuation(english):
    from zhilian.achievements.models import Achievement
    from zhilian.projects.models import Project

    client = english("mgmt")
    project = client.get(Project.objects.get(code="GG-2025-001").get_absolute_url()).content.decode()
    assert "（2026Q" not in project and re.search(r"\(2026Q\d\)", project)
    achievement = Achievement.objects.exclude(declared_at=None).order_by("pk").first()
    text = _text(client.get(achievement.get_absolute_url()).content.decode())
    assert re.search(r"Declared by the contributor \d{4}-\d\d-\d\d: ", text), text[:2000]
    assert not CJK_PUNCTUATION_AMID_ENGLISH.search(text.split("Declared by the contributor")[1][:40])
