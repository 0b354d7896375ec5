"""core.clock: work recorded afterwards is checked and stamped as of the moment it happened."""

import datetime

import pytest
from django.utils import timezone

from zhilian.core import clock, notifications
from zhilian.core.models import AuditAction, AuditEvent, CalendarYear

pytestmark = pytest.mark.django_db


def _moment(text):
    return timezone.make_aware(datetime.datetime.fromisoformat(text))


def _events(obj):
    return AuditEvent.objects.for_object(obj).order_by("id")


@pytest.mark.req("PLT-03")
def test_a_recorded_step_looks_as_if_it_happened_then(persona):
    filed, edited = _moment("2026-11-27 16:00"), _moment("2026-11-30 09:15")
    with clock.recorded_at(filed):
        assert clock.now() == filed and clock.today() == datetime.date(2026, 11, 27)
        year = CalendarYear.objects.create(year=2031, note="recorded")
        note = notifications.notify(recipient=persona("mgmt"), key="clock-test", title="recorded")
    year.refresh_from_db()
    assert year.created_at == year.updated_at == filed
    assert note.created_at == filed
    created = _events(year).get(action=AuditAction.CREATE)
    assert created.timestamp == filed

    with clock.recorded_at(edited):
        year.note = "edited"
        year.save()
    year.refresh_from_db()
    assert year.created_at == filed and year.updated_at == edited
    assert _events(year).last().timestamp == edited

    # Outside a recorded step everything is stamped now.
    year.note = "today"
    year.save()
    year.refresh_from_db()
    assert abs(year.updated_at - timezone.now()) < datetime.timedelta(minutes=1)
    assert abs(_events(year).last().timestamp - timezone.now()) < datetime.timedelta(minutes=1)
    assert clock.now() != edited and clock.today() == timezone.localdate()


def test_a_recorded_day_is_ten_in_the_morning_and_explicit_times_stay():
    with clock.recorded_on(datetime.date(2025, 6, 10)):
        assert timezone.localtime(clock.now()) == timezone.localtime(_moment("2025-06-10 10:00"))
        assert clock.today() == datetime.date(2025, 6, 10)
        given = _moment("2025-06-01 08:00")
        year = CalendarYear.objects.create(year=2032, created_at=given)
    year.refresh_from_db()
    assert year.created_at == given and year.updated_at == _moment("2025-06-10 10:00")
    with pytest.raises(ValueError):
        with clock.recorded_at(datetime.datetime(2025, 6, 10, 10)):  # naive: which time zone?
            pass
