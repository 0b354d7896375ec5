import datetime

import pytest
from django.core import mail

from zhilian.core import notifications, registry
from zhilian.core.models import Notification


@pytest.fixture
def provider(persona):
    user = persona("commissioner")
    user.email = "commissioner@example.cn"
    user.save()

    def due(today):
        yield registry.Reminder(recipient=user, key=f"need-42:{today}", title="需求 XQ-42 将于 2 个工作日内到期",
                                url="/needs/42/")

    registry.reminder_provider("test-due", due)
    yield user
    registry.reminder_providers.pop("test-due", None)


@pytest.mark.req("PLT-06")
def test_scheduler_run_notifies_in_app_and_by_mail_once_per_key(provider):
    today = datetime.date(2026, 11, 23)
    sent = notifications.send_due_reminders(today)
    assert sent >= 1
    note = Notification.objects.get(recipient=provider, key=f"test-due:need-42:{today}")
    assert note.url == "/needs/42/"
    assert any("XQ-42" in m.subject for m in mail.outbox)
    assert notifications.send_due_reminders(today) == 0 or not Notification.objects.filter(
        recipient=provider, key__startswith="test-due").exclude(pk=note.pk).exists()


@pytest.mark.req("PLT-06")
def test_periodic_task_is_registered_with_huey(provider):
    from huey.contrib.djhuey import HUEY

    from zhilian.core import tasks

    import datetime as dt

    periodic = [t.name for t in HUEY._registry.periodic_tasks]
    assert any("send_reminders" in name for name in periodic)
    # It is due at the top of every hour (and every interval minutes in between).
    assert any("send_reminders" in t.name for t in HUEY.read_periodic(dt.datetime(2026, 11, 23, 9, 0)))
    # In tests huey runs immediately: calling the task runs the reminders.
    tasks.send_reminders_now()
    assert Notification.objects.filter(recipient=provider).exists()


@pytest.mark.req("PLT-06")
def test_notification_page_shows_only_my_notifications(provider, client_as):
    notifications.send_due_reminders(datetime.date(2026, 11, 23))
    assert "XQ-42" in client_as("commissioner").get("/notifications/").content.decode()
    assert "XQ-42" not in client_as("city").get("/notifications/").content.decode()
