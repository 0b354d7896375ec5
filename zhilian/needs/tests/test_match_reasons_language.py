"""Why a provider matched a need reads in the reader's language (DIR-05, PLT-10)."""

import re

import pytest
from django.conf import settings
from django.utils import translation

from zhilian.directory.models import Organization
from zhilian.needs import selectors, services
from zhilian.needs.models import NeedAssignment

pytestmark = pytest.mark.django_db

LUJIAN = "厦门鹭检检测技术有限公司"
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def _need(persona):
    owner = persona("owner")
    return services.need_file(user=owner, enterprise=owner.organization, category="testing",
                              title="面板色域复测", description="需第三方报告。", product="液晶显示面板",
                              contact_name="刘工", contact_phone="13906050006")


@pytest.mark.req("DIR-05")
@pytest.mark.req("PLT-10")
def test_match_reasons_kept_with_an_assignment_read_in_the_readers_language(persona, client_as, api_as):
    """A commissioner working in Chinese assigns an institution: the reasons kept with the
    assignment (capability lines, the service domain, valid certificates, same district) read
    in English to an English reader on the page and in the API, and in Chinese to a Chinese
    one. Before, they were stored as the commissioner read them ('4 条匹配的检测能力；服务…')."""
    commissioner = persona("commissioner")
    need = _need(persona)
    services.need_take(user=commissioner, need=need)
    lujian = Organization.objects.get(name=LUJIAN)
    with translation.override("zh-hans"):
        services.need_assign(user=commissioner, need=need, institutions=[lujian])
    assignment = NeedAssignment.objects.get(need=need, institution=lujian)
    with translation.override("en"):
        english = assignment.match_reasons_shown
        live = selectors.need_matches(need, commissioner)  # (lujian is assigned: the others)
    with translation.override("zh-hans"):
        chinese = assignment.match_reasons_shown
    assert "matching capability lines: " in english and "Inspection and testing" in english, english
    assert not re.search(r"\b1 matching capability lines", english), english  # no "1 … lines"
    assert not CJK.search(english), english
    assert "；" in chinese and CJK.search(chinese) and "matching" not in chinese, chinese
    # The suggestions themselves: English words and punctuation around the data they name.
    assert live.institutions and live.experts
    for match in live.institutions:
        assert not any(CJK.search(reason) for reason in match.reasons), match.reasons
    for match in live.experts:
        for reason in match.reasons:
            for keyword in live.keywords:
                reason = reason.replace(keyword, "")
            assert not CJK.search(reason), match.reasons

    page = client_as("commissioner")
    page.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = page.get(need.get_absolute_url()).content.decode()
    assert english in html.replace("&#x27;", "'")
    page.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    assert chinese in page.get(need.get_absolute_url()).content.decode()
    api = api_as("commissioner")
    rows = api.get(f"/api/v1/needs/{need.pk}/", HTTP_ACCEPT_LANGUAGE="en").json()["assignments"]
    assert [r["match_reasons"] for r in rows] == [english]


@pytest.mark.req("DIR-05")
@pytest.mark.req("PLT-10")
def test_the_api_keeps_why_a_provider_matched_as_the_page_does(persona, api_as):
    """Assigning through the API keeps the suggestions' reasons too (it kept none)."""
    commissioner = persona("commissioner")
    need = _need(persona)
    services.need_take(user=commissioner, need=need)
    lujian = Organization.objects.get(name=LUJIAN)
    response = api_as("commissioner").post(f"/api/v1/needs/{need.pk}/assign/", {"institutions": [lujian.pk]},
                                           format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    reasons = response.json()["assignments"][0]["match_reasons"]
    assert "matching capability lines" in reasons and not CJK.search(reasons), reasons


@pytest.mark.req("DIR-05")
@pytest.mark.req("PLT-10")
def test_refused_experts_are_listed_in_the_readers_language(persona):
    """Assigning two ineligible experts named each with its reasons joined by a bare 、, ； and
    （）, in English too."""
    from django.core.exceptions import ValidationError

    from zhilian.directory.models import Expert

    commissioner = persona("commissioner")
    need = _need(persona)
    services.need_take(user=commissioner, need=need)
    experts = [Expert.objects.get(name="杨帆"), Expert.objects.get(name="郑美玲")]
    messages = {}
    for language in ("en", "zh-hans"):
        with translation.override(language), pytest.raises(ValidationError) as exc:
            services.need_assign(user=commissioner, need=need, experts=experts)
        [messages[language]] = exc.value.message_dict["experts"]
    english = messages["en"]
    assert "杨帆 (" in english and "), 郑美玲 (" in english and "; " in english, english
    assert not re.search(r"[、；（）]", english), english
    chinese = messages["zh-hans"]
    assert "杨帆（" in chinese and "）、郑美玲（" in chinese and "；" in chinese, chinese
    assert not need.assignments.exists()
