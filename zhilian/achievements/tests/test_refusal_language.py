"""A licence request the library refused (the achievement taken down, its right ended) says why in
the reader's language (ACH-03, ACH-04, PLT-10): the refusal stored its note rendered in the
contributor's language, so the requester read it in that language on the licence page, in the API
and the history."""

import datetime
import html
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from zhilian.achievements import services
from zhilian.achievements.choices import LicenseMode, LicenseStatus, RightStatus, ShareLevel
from zhilian.achievements.models import Achievement, License

pytestmark = pytest.mark.django_db

PAID = "12 英寸单晶炉低氧热屏结构及磁场匹配方法"  # the demo's paid share of 闽硅单晶 (icmember)


def _in(client, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def _requested(persona):
    achievement = Achievement.objects.get(name=PAID, share_level=ShareLevel.PAID)
    licence = services.license_request(user=persona("owner"), achievement=achievement, data={
        "mode": LicenseMode.ORDINARY, "territories": ["广东省"], "field_of_use": "显示驱动",
        "start_date": datetime.date(2027, 1, 1), "end_date": datetime.date(2028, 12, 31),
        "fee_amount": Decimal("10.00"), "fee_terms": "一次性支付", "purpose": "来料改进", "obligations": "保密",
        "breach": "赔偿", "dispute_resolution": "仲裁"})
    return achievement, licence


def _page(client_as, licence, language):
    return html.unescape(_in(client_as("owner"), language).get(licence.get_absolute_url()).content.decode())


@pytest.mark.req("ACH-03")
@pytest.mark.req("PLT-10")
def test_a_request_refused_by_a_takedown_in_chinese_reads_in_english(persona, client_as, api_as):
    achievement, licence = _requested(persona)
    with translation.override("zh-hans"):
        services.achievement_delist(user=persona("icmember"), achievement=achievement, reason="专利失效，不再适用")
    licence.refresh_from_db()
    assert licence.status == LicenseStatus.REJECTED
    english = "The achievement was taken down from the library: 专利失效，不再适用"
    page = _page(client_as, licence, "en")
    assert english in page and "成果已从共享库下架" not in page
    data = api_as("owner").get(f"/api/v1/licenses/{licence.pk}/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert data["decision_note"] == english
    history = html.unescape(_in(client_as("icmember"), "en").get(
        reverse("core:history", args=["achievements.achievement", achievement.pk])).content.decode())
    assert "成果已从共享库下架" not in history
    assert "成果已从共享库下架：专利失效，不再适用" in _page(client_as, licence, "zh-hans")


@pytest.mark.req("ACH-04")
@pytest.mark.req("PLT-10")
def test_a_request_refused_by_a_lapsed_right_in_english_reads_in_chinese(persona, client_as):
    achievement, licence = _requested(persona)
    with translation.override("en"):
        services.achievement_maintain_right(user=persona("icmember"), achievement=achievement,
                                            right_status=RightStatus.LAPSED, effective_on=timezone.localdate(),
                                            note="未缴年费")
    licence.refresh_from_db()
    assert licence.status == LicenseStatus.REJECTED
    page = _page(client_as, licence, "zh-hans")
    assert "no licence is granted on it" not in page
    with translation.override("zh-hans"):
        assert licence.decision_note_shown in page and str(RightStatus.LAPSED.label) in licence.decision_note_shown


@pytest.mark.req("PLT-10")
def test_a_note_the_contributor_wrote_reads_as_written(persona, client_as, api_as):
    _achievement, licence = _requested(persona)
    services.license_decide(user=persona("icmember"), licence=licence, approve=True, note="同意普通许可。")
    License.objects.filter(pk=licence.pk).update(decision_note="旧的说明：写于改版之前")
    assert "旧的说明：写于改版之前" in _page(client_as, licence, "en")
    data = api_as("owner").get(f"/api/v1/licenses/{licence.pk}/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert data["decision_note"] == "旧的说明：写于改版之前"
