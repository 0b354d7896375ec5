"""What a QA walk of a project's later stages found: the targets read in the order of Appendix F
二 (技术指标, 质量指标, 产业应用目标) wherever they are listed, and the quarterly update form
asks for the quarter whose update is due, not the quarter just begun."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from zhilian.projects import selectors

from .helpers import D, complete_milestones, running_project

pytestmark = pytest.mark.django_db

# Entered in the order of Appendix F 二; the codes sort the other way round.
TARGETS = [
    {"kind": "technical", "indicator": "翘曲度", "unit": "μm", "baseline": "40", "target": "20", "description": ""},
    {"kind": "quality", "indicator": "翘曲度合格率", "unit": "%", "baseline": "85", "target": "97",
     "description": ""},
    {"kind": "application", "indicator": "示范应用企业", "unit": "家", "baseline": None, "target": "3",
     "description": ""},
]
APPENDIX_F_ORDER = ["翘曲度", "翘曲度合格率", "示范应用企业"]


@pytest.mark.req("PRJ-02")
@pytest.mark.req("PRJ-08")
def test_targets_are_listed_in_the_order_of_appendix_f(client_as, api_as):
    project = running_project(targets=TARGETS)
    assert [t.indicator for t in project.targets.all()] == APPENDIX_F_ORDER

    # The task book's edit form and the target change request start from the rows in that order.
    owner = client_as("icmember")
    html = owner.get(reverse("projects:change_add", args=[project.pk]) + "?kind=targets").content.decode()
    shown = re.findall(r'name="targets-\d+-indicator"[^>]*value="([^"]*)"', html)
    assert shown == APPENDIX_F_ORDER

    # The acceptance application and its page.
    complete_milestones(project)
    html = owner.get(reverse("projects:acceptance_add", args=[project.pk])).content.decode()
    assert re.findall(r'<tr data-target-row="([^"]+)">', html) == APPENDIX_F_ORDER

    # The API's task book.
    body = api_as("icmember").get(f"/api/v1/projects/{project.pk}/").json()
    assert [t["indicator"] for t in body["targets"]] == APPENDIX_F_ORDER


@pytest.mark.req("PRJ-04")
@pytest.mark.req("PRJ-07")
def test_the_update_form_asks_for_the_finished_quarter_while_its_update_is_missing(client_as, monkeypatch):
    project = running_project(approved_on=D(2026, 10, 9))  # runs from Q4 2026
    assert selectors.quarter_to_report(project, D(2026, 12, 4)) == (2026, 4)   # Q3 ended before approval
    assert selectors.quarter_to_report(project, D(2027, 1, 5)) == (2026, 4)    # Q4 is due
    assert selectors.quarter_to_report(project, D(2027, 2, 20)) == (2026, 4)   # ... and overdue

    real_localdate = timezone.localdate

    def on_20_february(*args, **kwargs):
        return D(2027, 2, 20) if not args and not kwargs else real_localdate(*args, **kwargs)

    monkeypatch.setattr(timezone, "localdate", on_20_february)
    page = client_as("icmember").get(reverse("projects:progress_add", args=[project.pk])).content.decode()
    assert re.search(r'name="year"[^>]*value="2026"', page)
    assert re.search(r'<option value="4" selected>', page)

    complete_milestones(project, year=2026, quarter=4, on=D(2027, 1, 8))
    assert selectors.quarter_to_report(project, D(2027, 2, 20)) == (2027, 1)   # filed: the current quarter


@pytest.mark.req("PRJ-07")
@pytest.mark.req("PRJ-04")
def test_no_update_is_asked_for_a_quarter_before_the_project_period_begins():
    """Approved on 2026-12-04 for a period from 2027-01-01 (the demo's GG-2027-001): an update for
    2026 Q4 is refused, so the scheduler does not warn that it is missing."""
    from django.core.exceptions import ValidationError

    from zhilian.projects import services
    from zhilian.projects.choices import RiskKind

    from .helpers import user

    project = running_project(approved_on=D(2026, 12, 4), start_date=D(2027, 1, 1), end_date=D(2027, 12, 31))
    with pytest.raises(ValidationError) as refused, services.recorded_on(D(2027, 1, 20)):
        services.progress_report_submit(user=user("icmember"), project=project, year=2026, quarter=4,
                                        summary="尚未开始。", spent_to_date=0)
    assert "quarter" in refused.value.message_dict

    assert selectors.missing_report_quarter(project, D(2027, 1, 20)) is None
    assert not [r for r in services.project_risk_check(project=project, today=D(2027, 1, 20))
                if r.kind == RiskKind.MISSING_UPDATE]
    assert selectors.quarter_to_report(project, D(2027, 1, 20)) == (2027, 1)

    # The first quarter of the period is asked for, and warned about once overdue.
    assert selectors.missing_report_quarter(project, D(2027, 4, 28)) == (2027, 1)
    assert [r.key for r in services.project_risk_check(project=project, today=D(2027, 4, 28))
            if r.kind == RiskKind.MISSING_UPDATE] == ["report:2027Q1"]


@pytest.mark.req("PRJ-04")
@pytest.mark.req("PLT-06")
def test_no_reminder_asks_for_an_update_of_a_quarter_before_the_project_period_begins():
    from zhilian.projects.reminders import project_reminders

    project = running_project(approved_on=D(2026, 12, 4), start_date=D(2027, 1, 1), end_date=D(2027, 12, 31))
    keys = [r.key for r in project_reminders(D(2027, 1, 8))]
    assert f"report:{project.pk}:2026Q4" not in keys
    keys = [r.key for r in project_reminders(D(2027, 4, 8))]
    assert f"report:{project.pk}:2027Q1" in keys


@pytest.mark.req("PRJ-04")
def test_no_update_form_is_offered_before_the_quarter_the_period_begins(client_as, monkeypatch):
    """Approved in December for a period from January: every quarter the form could offer is
    refused, so the page offers no update until January and the form says why."""
    project = running_project(approved_on=D(2026, 12, 4), start_date=D(2027, 1, 1), end_date=D(2027, 12, 31))
    real_localdate = timezone.localdate
    today = {"day": D(2026, 12, 4)}
    monkeypatch.setattr(timezone, "localdate",
                        lambda *a, **k: today["day"] if not a and not k else real_localdate(*a, **k))
    client = client_as("icmember")
    assert 'id="report-progress"' not in client.get(project.get_absolute_url()).content.decode()
    form_page = client.get(reverse("projects:progress_add", args=[project.pk]), follow=True).content.decode()
    assert "（2027-01-01）所在季度起报送进度" in form_page and 'name="summary"' not in form_page
    today["day"] = D(2027, 1, 5)
    assert 'id="report-progress"' in client.get(project.get_absolute_url()).content.decode()
    assert 'name="summary"' in client.get(reverse("projects:progress_add", args=[project.pk])).content.decode()
