"""Scheduled jobs of the project library (huey: SqliteHuey embedded, RedisHuey at scale)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from zhilian.core import context

from . import services


@db_periodic_task(crontab(hour="6", minute="10"))
def scan_project_risks():
    """Raise automatic risk warnings every morning: overdue milestones, missing quarterly
    updates, budget overruns (chain guide 5.5.4 d; PRJ-07)."""
    with context.acting_as(None, path="job:scan_project_risks"):
        return services.project_risk_scan()
