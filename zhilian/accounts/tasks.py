"""Scheduled account housekeeping (huey)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import signin


@db_periodic_task(crontab(minute="17", hour="3"))
def prune_signin_attempts():
    """Sign-in attempts only feed the lockout and rate limits, which look back minutes; the
    audit log keeps the lasting record of each sign-in."""
    return signin.prune(days=1)
