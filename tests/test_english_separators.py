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


@pytest.mark.req("PLT-10")
@pytest.mark.req("EVA-01")
def test_chain_summary_and_consortium_review_asides_follow_the_language(english, client_as):
    """（of which SMEs 2）and （N approved projects in all）on a chain's summary, （cross-region）
    on a consortium's review page: fullwidth brackets between English words."""
    from django.urls import reverse

    from zhilian.chains.models import Chain
    from zhilian.consortia.models import Consortium

    chain = Chain.objects.get(name="集成电路产业链")
    url = reverse("evaluation:chain_summary", args=[chain.pk])
    text = _text(english("city").get(url).content.decode())
    assert re.search(r"\(of which SMEs: \d+\)", text) and re.search(r"\(\d+ approved projects in all\)", text)
    assert "（" not in text and "）" not in text
    chinese = _text(client_as("city").get(url).content.decode())
    assert re.search(r"（其中中小微企业 \d+）", chinese) and re.search(r"（已立项项目共 \d+ 个）", chinese)

    from zhilian.accounts.models import User
    from zhilian.consortia.selectors import consortium_review_step

    pending = Consortium.objects.get(status="district_review", members__cross_region=True)
    reviewer = next(u for u in User.objects.filter(username__in=["district", "haicang", "city"])
                    if consortium_review_step(u, pending))
    page = english(reviewer.username).get(reverse("consortia:consortium_review", args=[pending.pk]))
    members = _text(page.content.decode()).split("Member units")[1][:300]
    assert "(cross-region)" in members and "（" not in members
    chinese = _text(client_as(reviewer.username).get(reverse("consortia:consortium_review", args=[pending.pk]))
                    .content.decode())
    assert "（跨区域）" in chinese


@pytest.mark.req("PLT-10")
@pytest.mark.req("DIR-02")
def test_working_group_reasons_and_buttons_read_in_the_readers_language(english, client_as):
    """An ineligible expert's reasons were joined with a bare ；, in English too, and the
    button that adds an expert to the group read 新增 (create) instead of 加入 (join)."""
    from django.urls import reverse

    from zhilian.directory.models import Expert

    yang = Expert.objects.get(name="杨帆")
    reasons = yang.eligibility()[1]
    assert len(reasons) >= 2
    url = reverse("directory:working_group")
    chinese = client_as("city").get(url, {"experts": [yang.pk], "q": "质量"}).content.decode()
    assert "；".join(reasons) in chinese
    assert re.search(r'class="btn btn-sm btn-outline-primary zl-add-expert"[^>]*>\s*<i[^>]*></i> 加入</a>', chinese)
    page = english("city").get(url, {"experts": [yang.pk], "q": "质量"}).content.decode()
    reasons_block = _text(page[page.index("Not eligible", page.index("<thead")):])[:400]
    assert "；" not in reasons_block and "; " in reasons_block


@pytest.mark.req("PLT-10")
@pytest.mark.req("ACH-05")
def test_promotion_events_count_their_attendees_in_a_sentence(client_as, english):
    """The statistics page read '41 参加人数' (41 number of attendees)."""
    from django.urls import reverse

    chinese = _text(client_as("icowner").get(reverse("achievements:statistics")).content.decode())
    assert re.search(r"参加 \d+ 人", chinese) and "参加人数" not in chinese
    page = _text(english("icowner").get(reverse("achievements:statistics")).content.decode())
    assert re.search(r"\d+ attendees", page)


@pytest.mark.req("PLT-10")
@pytest.mark.req("ACH-03")
def test_a_licences_territories_and_fields_are_listed_in_the_readers_language(english, client_as, persona):
    """Typed '科研, 中试' the fields of use showed as typed; territories were joined with 、 in
    English too. Both are lists now, shown with the reader's separator."""
    from zhilian.achievements.models import License

    licence = License.objects.filter(status="signed").first()
    licence.territories, licence.field_of_use = ["福建省", "广东省"], "科研, 中试；量产"
    licence.save(update_fields=["territories", "field_of_use"])
    assert licence.fields_of_use == ["科研", "中试", "量产"]
    viewer = next(login for login in ("icowner", "icmember", "mgmt")
                  if License.objects.restrict(persona(login), "view").filter(pk=licence.pk).exists())
    chinese = _text(client_as(viewer).get(licence.get_absolute_url()).content.decode())
    assert "科研、中试、量产" in chinese and "福建省、广东省" in chinese
    page = _text(english(viewer).get(licence.get_absolute_url()).content.decode())
    assert "科研, 中试, 量产" in page and "福建省, 广东省" in page
