"""Chinese working-day calendar (PLT-05).

chinesecalendar knows statutory holidays and adjusted working days for the years the
State Council has published. For a later year the platform uses what an administrator
entered (``CalendarYear`` / ``CalendarDay``); until that year is marked complete it counts
weekends only and flags the result as provisional, so a deadline is never refused.
"""

import datetime
from dataclasses import dataclass

import chinese_calendar


@dataclass(frozen=True)
class WorkingDayResult:
    date: datetime.date
    provisional: bool  # a year without published holidays was crossed: weekends only

    def __str__(self):
        return self.date.isoformat()


def _library_years() -> range:
    years = sorted({d.year for d in chinese_calendar.holidays})
    return range(years[0], years[-1] + 1)


LIBRARY_YEARS = _library_years()

# The years a deadline can start in: 366 working days either side of them stay dates
# (from 9999-12-30 the count ran past the last date there is).
COMPUTABLE_YEARS = range(datetime.MINYEAR + 1, datetime.MAXYEAR)


class _Overrides:
    """Administrator-entered days, loaded once per computation."""

    def __init__(self):
        from .models import CalendarDay, CalendarYear

        self.days = dict(CalendarDay.objects.values_list("date", "is_workday"))
        self.complete_years = set(CalendarYear.objects.filter(complete=True).values_list("year", flat=True))


def _classify(day: datetime.date, overrides: _Overrides) -> tuple[bool, bool]:
    """Return (is_working_day, provisional) for one date."""
    if day in overrides.days:
        return overrides.days[day], False
    if day.year in overrides.complete_years:
        return day.weekday() < 5, False
    if day.year in LIBRARY_YEARS:
        try:
            return chinese_calendar.is_workday(day), False
        except NotImplementedError:
            pass
    return day.weekday() < 5, True


def is_working_day(day: datetime.date) -> bool:
    return _classify(day, _Overrides())[0]


def is_provisional(day: datetime.date) -> bool:
    return _classify(day, _Overrides())[1]


def add_working_days(start: datetime.date, days: int) -> WorkingDayResult:
    """Return the date ``days`` working days after ``start`` (before it when negative).

    ``start`` itself is not counted: 5 working days after Wednesday 2026-09-30 is
    Tuesday 2026-10-13, past the National Day holiday and with the adjusted Saturday
    2026-10-10 counted as a working day.
    """
    if isinstance(start, datetime.datetime):
        start = start.date()
    overrides = _Overrides()
    step = 1 if days >= 0 else -1
    remaining = abs(days)
    current = start
    provisional = False
    while remaining:
        current += datetime.timedelta(days=step)
        working, guessed = _classify(current, overrides)
        provisional = provisional or guessed
        if working:
            remaining -= 1
    return WorkingDayResult(current, provisional)


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Count working days after ``start`` up to and including ``end``."""
    overrides = _Overrides()
    count, current = 0, start
    while current < end:
        current += datetime.timedelta(days=1)
        if _classify(current, overrides)[0]:
            count += 1
    return count
