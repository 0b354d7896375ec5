import datetime

import pytest

from zhilian.core import calendar
from zhilian.core.models import CalendarDay, CalendarYear

D = datetime.date


@pytest.mark.req("PLT-05")
@pytest.mark.django_db
def test_five_working_days_after_national_day_eve_skip_the_holiday_and_count_the_adjusted_saturday():
    result = calendar.add_working_days(D(2026, 9, 30), 5)
    # 10-01…07 are holidays; Saturday 10-10 is an adjusted working day.
    assert result.date == D(2026, 10, 13)
    assert result.provisional is False
    assert calendar.is_working_day(D(2026, 10, 10)) is True
    assert calendar.is_working_day(D(2026, 10, 5)) is False


@pytest.mark.req("PLT-05")
@pytest.mark.django_db
def test_counting_backwards_for_due_date_reminders():
    # "15 days before the due date" style deadlines count backwards; Friday 2026-10-09 is
    # one working day before Saturday's adjusted working day 2026-10-10.
    assert calendar.add_working_days(D(2026, 10, 12), -1).date == D(2026, 10, 10)
    assert calendar.add_working_days(D(2026, 10, 10), -1).date == D(2026, 10, 9)


@pytest.mark.req("PLT-05")
@pytest.mark.django_db
def test_past_the_published_years_deadlines_count_weekends_only_and_are_flagged():
    last = max(calendar.LIBRARY_YEARS)
    start = D(last + 1, 1, 4)  # beyond chinesecalendar's data
    result = calendar.add_working_days(start, 5)
    expected = start
    counted = 0
    while counted < 5:
        expected += datetime.timedelta(days=1)
        if expected.weekday() < 5:
            counted += 1
    assert result.date == expected
    assert result.provisional is True


@pytest.mark.req("PLT-05")
@pytest.mark.django_db
def test_administrator_entered_holidays_make_a_future_year_final():
    year = max(calendar.LIBRARY_YEARS) + 1
    # An administrator enters the next year's New Year holiday and marks the year complete.
    CalendarDay.objects.create(date=D(year, 1, 1), is_workday=False, name="元旦")
    first_weekday = next(D(year, 1, d) for d in range(2, 9) if D(year, 1, d).weekday() < 5)
    before = calendar.add_working_days(D(year - 1, 12, 31), 1)
    assert before.date == first_weekday  # 1 January skipped
    assert before.provisional is True
    CalendarYear.objects.create(year=year, complete=True)
    after = calendar.add_working_days(D(year - 1, 12, 31), 1)
    assert after.date == first_weekday
    assert after.provisional is False


@pytest.mark.req("PLT-05")
def test_working_day_api(api_as):
    response = api_as("city").get("/api/v1/calendar/add-working-days/", {"start": "2026-09-30", "days": 5})
    assert response.status_code == 200
    assert response.json() == {"date": "2026-10-13", "provisional": False}
    bad = api_as("city").get("/api/v1/calendar/add-working-days/", {"start": "2026-13-01", "days": 5})
    assert bad.status_code == 400 and "start" in bad.json()


@pytest.mark.req("PLT-05")
@pytest.mark.django_db
@pytest.mark.parametrize("username", ["mgmt", "city", "commissioner", "owner"])
def test_a_readers_post_to_the_calendar_is_refused_and_changes_nothing(username, client_as):
    from django.urls import reverse

    url = reverse("core:calendar")
    day = CalendarDay.objects.create(date=D(2031, 1, 1), is_workday=False, name="元旦")
    before = (set(CalendarDay.objects.values_list("date", "is_workday", "name")),
              set(CalendarYear.objects.values_list("year", "complete")))
    client = client_as(username)
    assert client.get(url).status_code == 200
    for data in ({"delete_day": day.pk}, {"add_day": "1", "date": "2031-01-02", "name": "调休"},
                 {"save_year": "1", "year": 2031, "complete": "on"}):
        assert client.post(url, data).status_code == 403, data
    assert (set(CalendarDay.objects.values_list("date", "is_workday", "name")),
            set(CalendarYear.objects.values_list("year", "complete"))) == before
    # The system administrator edits it.
    assert client_as("sysadmin").post(url, {"delete_day": day.pk}).status_code == 302
    assert not CalendarDay.objects.filter(pk=day.pk).exists()
