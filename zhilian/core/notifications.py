"""In-app notifications and e-mail, and the reminder run the scheduler calls (PLT-06)."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from . import registry
from .models import Notification

log = logging.getLogger(__name__)


def notify(*, recipient, key: str, title: str, body: str = "", url: str = "", level: str = "info") -> Notification | None:
    """Create one notification per (recipient, key); return None if it already exists."""
    if recipient is None or not recipient.is_active:
        return None
    try:
        with transaction.atomic():
            note = Notification.objects.create(recipient=recipient, key=key[:200], title=str(title)[:255],
                                               body=str(body), url=url[:500], level=level)
    except IntegrityError:
        return None
    if settings.ZHILIAN_MAIL_ENABLED and recipient.email:
        try:
            send_mail(f"[{settings.ZHILIAN_SITE_NAME}] {note.title}", f"{note.body}\n\n{note.url}",
                      settings.DEFAULT_FROM_EMAIL, [recipient.email])
            Notification.objects.filter(pk=note.pk).update(emailed_at=timezone.now())
        except Exception:  # noqa: BLE001 - a mail outage must not lose the in-app notice
            log.exception("mail to %s failed", recipient.email)
    return note


def send_due_reminders(today=None) -> int:
    """Ask every registered provider for due work and notify once per reminder key."""
    today = today or timezone.localdate()
    sent = 0
    for name, provider in registry.reminder_providers.items():
        try:
            reminders = list(provider(today))
        except Exception:  # noqa: BLE001 - one broken provider must not stop the others
            log.exception("reminder provider %s failed", name)
            continue
        for reminder in reminders:
            if notify(recipient=reminder.recipient, key=f"{name}:{reminder.key}", title=reminder.title,
                      body=reminder.body, url=reminder.url, level=reminder.level):
                sent += 1
    return sent


def mark_read(user, ids=None) -> int:
    qs = Notification.objects.restrict(user, "view").unread()
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())
