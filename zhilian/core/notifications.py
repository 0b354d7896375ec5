"""In-app notifications and e-mail, and the reminder run the scheduler calls (PLT-06).

A title or body made with ``core.i18n.gettext`` (the services' ``_``) is kept as its message
ids and parameters, like the audit trail's messages: the list, the API and the e-mail show it
in the reader's language, not in the language of whoever's action sent it (PLT-10).
"""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from . import i18n, registry
from .models import Notification

log = logging.getLogger(__name__)


def notify(*, recipient, key: str, title: str, body: str = "", url: str = "", level: str = "info") -> Notification | None:
    """Create one notification per (recipient, key); return None if it already exists."""
    if recipient is None or not recipient.is_active:
        return None
    try:
        with transaction.atomic():
            note = Notification.objects.create(recipient=recipient, key=key[:200], title=_kept(title, 255),
                                               body=_kept(body), url=url[:500], level=level)
    except IntegrityError:
        return None
    if settings.ZHILIAN_MAIL_ENABLED and recipient.email:
        try:
            with translation.override(preferred_language(recipient)):
                subject, text = note.title_shown, note.body_shown
            send_mail(f"[{settings.ZHILIAN_SITE_NAME}] {subject}", f"{text}\n\n{note.url}",
                      settings.DEFAULT_FROM_EMAIL, [recipient.email])
            Notification.objects.filter(pk=note.pk).update(emailed_at=timezone.now())
        except Exception:  # noqa: BLE001 - a mail outage must not lose the in-app notice
            log.exception("mail to %s failed", recipient.email)
    return note


def _kept(text, limit: int | None = None) -> str:
    """``text`` as a notification keeps it (``core.i18n.stored``); plain text cut at ``limit``."""
    kept = i18n.stored(text or "")
    return kept[:limit] if limit is not None and kept == str(text or "") else kept


def preferred_language(user) -> str:
    """The language ``user`` reads mail in: the account's preferred language if it has one the
    platform offers, else the platform's default (zh-Hans)."""
    chosen = getattr(user, "language", "") or getattr(user, "preferred_language", "") or ""
    if chosen:
        try:
            return translation.get_supported_language_variant(chosen)
        except LookupError:
            pass
    return settings.LANGUAGE_CODE


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
