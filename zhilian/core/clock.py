"""The time services take as now: the real one, or the moment work happened when it is recorded later.

Paper records entered afterwards and the demo's history are recorded ``with
clock.recorded_at(moment):`` (or ``clock.recorded_on(day)``, 10:00 that day). Inside the
block everything that reads :func:`now` and :func:`today` checks dates, computes
deadlines and stamps records as of that moment: the services, the audit trail
(``audit.write``), notifications and every model's ``created_at`` / ``updated_at``
(``core.models.RecordedTimeField``), so a recorded step looks as if it happened then.
Elsewhere they are ``timezone.now()`` and ``timezone.localdate()``.
"""

import contextlib
import contextvars
import datetime

from django.utils import timezone

_moment: contextvars.ContextVar[datetime.datetime | None] = contextvars.ContextVar("zhilian_recorded_at",
                                                                                   default=None)


@contextlib.contextmanager
def recorded_at(moment: datetime.datetime):
    """Record work that happened at ``moment`` (an aware time): it is now for checks and time stamps."""
    if timezone.is_naive(moment):
        raise ValueError("recorded_at needs an aware datetime")
    token = _moment.set(moment)
    try:
        yield
    finally:
        _moment.reset(token)


def recorded_on(day: datetime.date):
    """Record work that happened on ``day``: at 10:00 local time that day."""
    return recorded_at(timezone.make_aware(datetime.datetime.combine(day, datetime.time(10))))


def recorded_moment() -> datetime.datetime | None:
    """The moment being recorded, or None when work happens now."""
    return _moment.get()


def now() -> datetime.datetime:
    """The current time, or the moment being recorded."""
    moment = _moment.get()
    return timezone.now() if moment is None else moment


def today() -> datetime.date:
    """Today's local date, or the local date of the moment being recorded."""
    moment = _moment.get()
    return timezone.localdate() if moment is None else timezone.localdate(moment)
