"""The day services take as today: the real one, or the day work happened when it is recorded later.

Paper records entered afterwards and the demo's history are recorded ``with
clock.recorded_on(day):``; inside the block the services that read :func:`today` and
:func:`now` check dates and stamp records as of that day. Elsewhere they are
``timezone.localdate()`` and ``timezone.now()``.
"""

import contextlib
import contextvars
import datetime

from django.utils import timezone

_as_of: contextvars.ContextVar[datetime.date | None] = contextvars.ContextVar("zhilian_recorded_on", default=None)


@contextlib.contextmanager
def recorded_on(day: datetime.date):
    """Record work that happened on ``day``: services take it as today for checks and time stamps."""
    token = _as_of.set(day)
    try:
        yield
    finally:
        _as_of.reset(token)


def today() -> datetime.date:
    return _as_of.get() or timezone.localdate()


def now() -> datetime.datetime:
    """The current time, or 10:00 local time on the day being recorded."""
    day = _as_of.get()
    if day is None:
        return timezone.now()
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))
