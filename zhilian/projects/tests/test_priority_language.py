"""Why a lead unit has priority (ACH-06, chain guide 5.6.3) reads in the reader's language on the
project page, the list, the API, the history and the approvers' notice, whoever submitted (PLT-10)."""

import html

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from zhilian.core.models import Notification
from zhilian.projects.models import Project

from .helpers import submitted_project

pytestmark = pytest.mark.django_db

PAID_SHARE = "12 英寸单晶炉低氧热屏结构及磁场匹配方法"  # the demo's paid share of 闽硅单晶 (icmember)
ENGLISH = f"Contributor of paid shares (chain guide 5.6.3): {PAID_SHARE}"
CHINESE = f"有偿共享成果贡献方（实施导则 5.6.3）：{PAID_SHARE}"


def _in(client, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def _submitted_in(language):
    with translation.override(language):
        project = submitted_project()
    assert project.priority is True
    return project


def _notice(project):
    return Notification.objects.get(recipient__username="icowner", key__contains=f"project:{project.pk}:submitted")


@pytest.mark.req("PRJ-02")
@pytest.mark.req("ACH-06")
@pytest.mark.req("PLT-10")
def test_a_priority_reason_written_in_chinese_reads_in_english(client_as, api_as):
    project = _submitted_in("zh-hans")

    page = html.unescape(_in(client_as("icmember"), "en").get(project.get_absolute_url()).content.decode())
    assert ENGLISH in page and "有偿共享成果贡献方" not in page

    listing = html.unescape(_in(client_as("icmember"), "en").get(
        reverse("projects:project_list") + f"?q={project.code}").content.decode())
    assert f'title="{ENGLISH}"' in listing

    data = api_as("icmember").get(f"/api/v1/projects/{project.pk}/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert data["priority_reason"] == ENGLISH

    history = html.unescape(_in(client_as("icmember"), "en").get(
        reverse("core:history", args=["projects.project", project.pk])).content.decode())
    assert ENGLISH in history and "有偿共享成果贡献方" not in history

    notices = html.unescape(_in(client_as("icowner"), "en").get("/notifications/").content.decode())
    assert f"Priority applicant: {ENGLISH}" in notices
    with translation.override("en"):
        assert _notice(project).body_shown == f"Priority applicant: {ENGLISH}"


@pytest.mark.req("PRJ-02")
@pytest.mark.req("PLT-10")
def test_a_priority_reason_written_in_english_reads_in_chinese(client_as, api_as):
    project = _submitted_in("en")
    page = html.unescape(_in(client_as("icmember"), "zh-hans").get(project.get_absolute_url()).content.decode())
    assert CHINESE in page and "Contributor of paid shares" not in page
    data = api_as("icmember").get(f"/api/v1/projects/{project.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert data["priority_reason"] == CHINESE
    with translation.override("zh-hans"):
        assert _notice(project).body_shown == f"优先申请：{CHINESE}"


@pytest.mark.req("PLT-10")
def test_a_priority_reason_stored_before_shows_as_written(client_as, api_as):
    project = _submitted_in("zh-hans")
    Project.objects.filter(pk=project.pk).update(priority_reason="有偿共享成果贡献方（实施导则 5.6.3）：旧成果")
    page = html.unescape(_in(client_as("icmember"), "en").get(project.get_absolute_url()).content.decode())
    assert "有偿共享成果贡献方（实施导则 5.6.3）：旧成果" in page
    data = api_as("icmember").get(f"/api/v1/projects/{project.pk}/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert data["priority_reason"] == "有偿共享成果贡献方（实施导则 5.6.3）：旧成果"
