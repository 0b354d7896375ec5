"""How an account signed in reads in the reader's language (SEC-02, PLT-10).

The account page's recent sign-ins showed the stored channel code ("web", "api") as it was,
and the audit record of a sign-in kept "password", "password + TOTP" or "API token" as
English text. The channel stays stored as its code and is translated when shown (rows stored
before are codes too, so they read the same); the audit record keeps a translatable text.
"""

import html
import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from zhilian.accounts.demo import DEMO_PASSWORD
from zhilian.accounts.models import SignInAttempt, User
from zhilian.core.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db


def _recent_signins(client, language) -> list[str]:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = html.unescape(client.get(reverse("accounts:profile")).content.decode())
    table = re.search(r'<table[^>]*id="recent-signins".*?</table>', page, re.S).group()
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>.*?</td>", table, re.S)]


@pytest.mark.req("SEC-02")
@pytest.mark.req("PLT-10")
def test_the_account_pages_sign_ins_name_the_channel_in_the_readers_language(client_as, persona):
    user = persona("owner")
    for channel in ("web", "api", "internal"):  # as stored, before and since
        SignInAttempt.objects.create(user=user, username=user.username, channel=channel,
                                     outcome=SignInAttempt.Outcome.OK, ip_address="10.2.3.4")
    client = client_as("owner")
    chinese = _recent_signins(client, "zh-hans")
    assert {"网页", "API 令牌申请", "其他"} <= set(chinese)
    assert not {"web", "api", "internal"} & set(chinese)
    english = _recent_signins(client, "en")
    assert {"Web page", "API token request", "Other"} <= set(english)
    assert not {"web", "api", "internal"} & set(english)


@pytest.mark.req("SEC-02")
@pytest.mark.req("PLT-10")
def test_the_audit_record_of_a_sign_in_reads_in_the_readers_language():
    owner = User.objects.get(username="owner")
    web = Client(REMOTE_ADDR="10.4.4.4")
    assert web.post(reverse("accounts:login"), {"username": "owner", "password": DEMO_PASSWORD}).status_code == 302
    api = APIClient(REMOTE_ADDR="10.4.4.5")
    assert api.post("/api/v1/auth/token/", {"username": "owner", "password": DEMO_PASSWORD},
                    format="json").status_code == 200
    events = list(AuditEvent.objects.filter(action=AuditAction.LOGIN, content_type__model="user",
                                            object_id=str(owner.pk)).order_by("-pk")[:2])
    shown = {}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            shown[language] = [e.message_shown for e in reversed(events)]
    assert shown == {"zh-hans": ["密码", "API 令牌申请"], "en": ["Password", "API token request"]}
