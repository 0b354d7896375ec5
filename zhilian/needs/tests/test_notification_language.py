"""A need's notifications read in the recipient's language, whoever's action sent them (PLT-10)."""

import pytest
from django.conf import settings
from django.utils import translation

from zhilian.core.models import Notification
from zhilian.needs import services
from zhilian.needs.choices import NeedCategory
from zhilian.needs.tests.helpers import file_need

pytestmark = pytest.mark.django_db


@pytest.mark.req("DIR-05")
@pytest.mark.req("PLT-10")
def test_notifications_of_a_need_read_in_the_recipients_language(persona, client_as):
    """A commissioner working in Chinese declines a need: the enterprise reading in English gets
    the notice in English; a need filed in English reaches the commissioner in Chinese."""
    owner, commissioner = persona("owner"), persona("commissioner")
    with translation.override("en"):
        need = file_need(owner, title="色度计校准")
    with translation.override("zh-hans"):
        services.need_reject(user=commissioner, need=need, reason="不属于 NQI 服务范围")

    def page(username, language):
        client = client_as(username)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        return client.get("/notifications/").content.decode()

    english = page("owner", "en")
    assert f"Your need {need.code} was not accepted" in english
    assert f"您的需求 {need.code} 不予受理" not in english
    chinese = page("commissioner", "zh-hans")
    assert "新的 NQI 需求：色度计校准" in chinese and "New NQI need" not in chinese
    filed = Notification.objects.get(recipient=commissioner, key=f"need{need.pk}:filed")
    with translation.override("zh-hans"):
        category = str(NeedCategory.TESTING.label)
        assert f"提交了{category}需求" in filed.body_shown and "Inspection and testing" not in filed.body_shown
    with translation.override("en"):
        assert "filed a Inspection and testing need; respond by" in filed.body_shown

