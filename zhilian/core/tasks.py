"""Scheduled jobs run by huey: SqliteHuey in the embedded default, RedisHuey at scale."""

from django.conf import settings
from huey import crontab, signals
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task

from . import notifications


@db_periodic_task(crontab(minute=f"*/{max(1, settings.ZHILIAN_REMINDER_INTERVAL_MINUTES)}"))
def send_reminders():
    """Notify users about due and overdue work (every provider registered in core.registry)."""
    return notifications.send_due_reminders()


@db_task()
def send_reminders_now():
    return notifications.send_due_reminders()


@HUEY.signal(signals.SIGNAL_COMPLETE, signals.SIGNAL_ERROR)
def _settle_table_versions(signal, task, exc=None):
    # A job's last autocommit write (SQLite) is otherwise only reflected at its next query.
    from . import versions

    versions._settle_all()
