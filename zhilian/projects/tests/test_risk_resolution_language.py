"""A warning the acceptance closed says so in the reader's language (PRJ-07, PRJ-08, PLT-10): the
acceptance stored 'Closed with the acceptance of the project: …' rendered in the expert panel's
language, so the team read it in that language on the project page, in the API and the history."""

import html

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from zhilian.core import i18n
from zhilian.projects import services
from zhilian.projects.choices import RiskKind, RiskLevel, RiskSource, RiskStatus
from zhilian.projects.models import RiskWarning

from .helpers import D, attach_material, complete_milestones, running_project, user
from .test_projects import experts

pytestmark = pytest.mark.django_db

ENGLISH = "Closed with the acceptance of the project: 通过验收。"
CHINESE = "随项目验收关闭：通过验收。"


def _in(client, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def _accepted_with_an_open_warning(language):
    project = running_project()
    with translation.override(language):
        risk = RiskWarning.objects.create(
            project=project, source=RiskSource.AUTOMATIC, kind=RiskKind.OVERDUE_MILESTONE, level=RiskLevel.MEDIUM,
            key="test:overdue", title=i18n.stored(i18n.gettext("Milestone overdue: %(m)s") % {"m": "退火工艺窗口模型"}))
        day = D(2026, 11, 20)
        complete_milestones(project, on=day)
        with services.recorded_on(day):
            acceptance = services.acceptance_apply(
                user=user("icmember"), project=project, summary="完成。", results="专利 1 项。",
                achieved={t.pk: ("1", "") for t in project.targets.all() if t.is_quantified})
            attach_material(acceptance)
            services.acceptance_submit(user=user("icmember"), acceptance=acceptance)
            services.acceptance_decide(user=user("mgmt"), acceptance=acceptance, passed=True, experts=experts(),
                                       accepted_on=day, conclusion="通过验收。")
    risk.refresh_from_db()
    assert risk.status == RiskStatus.RESOLVED
    return project, risk


@pytest.mark.req("PRJ-08")
@pytest.mark.req("PLT-10")
def test_a_warning_closed_by_an_acceptance_in_chinese_reads_in_english(client_as, api_as):
    project, risk = _accepted_with_an_open_warning("zh-hans")
    page = html.unescape(_in(client_as("icmember"), "en").get(project.get_absolute_url()).content.decode())
    assert ENGLISH in page and CHINESE not in page
    rows = api_as("icmember").get(f"/api/v1/risk-warnings/{risk.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert rows.status_code == 200 and rows.json()["resolution"] == ENGLISH
    history = html.unescape(_in(client_as("icmember"), "en").get(
        reverse("core:history", args=["projects.project", project.pk])).content.decode())
    assert CHINESE not in history


@pytest.mark.req("PLT-10")
def test_a_warning_closed_by_an_acceptance_in_english_reads_in_chinese(client_as):
    project, _risk = _accepted_with_an_open_warning("en")
    page = html.unescape(_in(client_as("icmember"), "zh-hans").get(project.get_absolute_url()).content.decode())
    assert CHINESE in page and ENGLISH not in page
