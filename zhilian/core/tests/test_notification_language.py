"""Notifications read in the reader's language, not in the sender's (PLT-06, PLT-10)."""

import pytest
from django.conf import settings
from django.core import mail
from django.utils import translation

from zhilian.core import i18n, notifications
from zhilian.core.models import Notification

pytestmark = pytest.mark.django_db

# The services' ``_``, by another name: the messages are the projects' and problems' catalogues',
# not core's (makemessages would take them for core's).
kept_text = i18n.gettext


def _in_language(client, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def _notify(recipient, language, key="language-test"):
    """A notification sent by an action taken in ``language`` (a project's mid-term check: the
    result is a choice label, itself translated)."""
    from zhilian.projects.choices import MidtermResult

    with translation.override(language):
        return notifications.notify(
            recipient=recipient, key=key,
            title=kept_text("Mid-term check of %(p)s: %(r)s") % {"p": "XM-2026-001", "r": MidtermResult.RECTIFY.label},
            body=kept_text("Review due on %(d)s.") % {"d": "2026-12-31"})


@pytest.mark.req("PLT-06")
@pytest.mark.req("PLT-10")
def test_a_notification_sent_in_chinese_reads_in_english_on_the_list_and_the_api(persona, client_as, api_as):
    note = _notify(persona("owner"), "zh-hans")
    assert note.title_shown == "XM-2026-001 中期检查：需整改"  # the writer's language, the default

    page = _in_language(client_as("owner"), "en").get("/notifications/").content.decode()
    assert "Mid-term check of XM-2026-001: Rectification required" in page
    assert "Review due on 2026-12-31." in page
    assert "中期检查" not in page

    rows = api_as("owner").get("/api/v1/notifications/", HTTP_ACCEPT_LANGUAGE="en").json()
    rows = rows.get("results", rows)
    mine = next(r for r in rows if r["id"] == note.pk)
    assert (mine["title"], mine["body"]) == ("Mid-term check of XM-2026-001: Rectification required",
                                             "Review due on 2026-12-31.")


@pytest.mark.req("PLT-06")
@pytest.mark.req("PLT-10")
def test_a_notification_sent_in_english_reads_in_chinese(persona, client_as, api_as):
    note = _notify(persona("owner"), "en")
    page = _in_language(client_as("owner"), "zh-hans").get("/notifications/").content.decode()
    assert "XM-2026-001 中期检查：需整改" in page
    assert "Rectification required" not in page

    rows = api_as("owner").get("/api/v1/notifications/", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    mine = next(r for r in rows.get("results", rows) if r["id"] == note.pk)
    assert mine["title"] == "XM-2026-001 中期检查：需整改"


@pytest.mark.req("PLT-06")
def test_mail_goes_in_the_recipients_language_whoever_sent_it(persona):
    owner = persona("owner")
    owner.email = "owner@example.cn"
    owner.save()
    mail.outbox.clear()
    _notify(owner, "en", key="mail-default")  # no preferred language: the platform's default
    assert mail.outbox[-1].subject.endswith("XM-2026-001 中期检查：需整改")
    owner.language = "en"  # an account that names its preferred language
    _notify(owner, "zh-hans", key="mail-preferred")
    assert mail.outbox[-1].subject.endswith("Mid-term check of XM-2026-001: Rectification required")
    assert mail.outbox[-1].body.startswith("Review due on 2026-12-31.")


@pytest.mark.req("PLT-06")
def test_notifications_stored_before_as_plain_text_show_as_written(persona, client_as, api_as):
    owner = persona("owner")
    Notification.objects.create(recipient=owner, key="legacy", title="旧的提醒：请复核", body="写于改版之前")
    page = _in_language(client_as("owner"), "en").get("/notifications/").content.decode()
    assert "旧的提醒：请复核" in page and "写于改版之前" in page
    rows = api_as("owner").get("/api/v1/notifications/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert any(r["title"] == "旧的提醒：请复核" for r in rows.get("results", rows))


def test_a_long_recorded_title_is_kept_whole():
    text = kept_text("Review due on %(d)s.") % {"d": "x" * 300}
    kept = notifications._kept(text, 255)
    assert i18n.shown(kept) == text
    assert notifications._kept("y" * 300, 255) == "y" * 255
