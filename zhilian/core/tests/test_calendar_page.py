"""The working-day calendar page and API refuse what is not a year or a date they can count (PLT-05)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from zhilian.core.models import CalendarDay, CalendarYear


@pytest.mark.req("PLT-05")
@pytest.mark.parametrize("year", ["abc", "", "0", "-1", "99999", "²", "9" * 30])
def test_a_year_the_calendar_cannot_show_opens_this_years_page(client_as, year):
    """?year=abc, 0 or 99999 was a 500 (int() and the year lookup's date bounds)."""
    response = client_as("city").get(reverse("core:calendar"), {"year": year})
    assert response.status_code == 200
    assert response.context["year"] == timezone.localdate().year


@pytest.mark.req("PLT-05")
def test_a_deadline_from_the_last_dates_there_are_is_refused_at_the_start_date(client_as, api_as):
    """Counting 5 working days from 9999-12-30 ran past the last date (OverflowError: a 500)."""
    client = client_as("city")
    for start, days in (("9999-12-30", 5), ("0001-01-02", -5)):
        response = client.get(reverse("core:calendar"), {"start": start, "days": days})
        assert response.status_code == 200
        assert response.context["compute"] is None and "start" in response.context["calc_form"].errors
        api = api_as("city").get("/api/v1/calendar/add-working-days/", {"start": start, "days": days})
        assert api.status_code == 400 and "start" in api.json()
    ok = client.get(reverse("core:calendar"), {"start": "2026-09-30", "days": 5})
    assert ok.context["compute"].date == datetime.date(2026, 10, 13)


@pytest.mark.req("PLT-05")
@pytest.mark.django_db
def test_the_administrator_enters_next_years_holidays_and_sees_the_year_among_the_years(client_as):
    client = client_as("sysadmin")
    url = reverse("core:calendar")
    year = timezone.localdate().year + 2  # not this year nor the next, which are always offered
    response = client.post(url, {"add_day": "1", "date": f"{year}-01-01", "name": "元旦"})
    assert response.status_code == 302 and response["Location"].endswith(f"?year={year}")
    page = client.get(response["Location"])
    assert year in page.context["years"]  # the button of the year just entered (it was missing)
    assert f'href="?year={year}"' in page.content.decode()
    # a year the page cannot show is refused, not saved (year 0 was saved, then its page failed)
    for bad in (0, 10000):
        refused = client.post(url, {"save_year": "1", "year": bad, "complete": "on"})
        assert refused.status_code == 200 and "year" in refused.context["year_form"].errors
        assert not CalendarYear.objects.filter(year=bad).exists()
    assert client.post(url, {"save_year": "1", "year": year, "complete": "on"}).status_code == 302
    assert CalendarYear.objects.get(year=year).complete
    # removing with a bad id changes nothing and is no 500
    assert client.post(url, {"delete_day": "abc"}).status_code == 302
    assert CalendarDay.objects.filter(date=datetime.date(year, 1, 1)).exists()
