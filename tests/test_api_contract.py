"""The API as an integrating system reads it (PLT-09, PLT-12, PLT-10): answers in the caller's
language, bad filter values refused, unknown body fields refused, one error shape."""

import pytest

from zhilian.directory.models import Expert
from zhilian.projects.models import Project

pytestmark = pytest.mark.django_db


@pytest.mark.req("PLT-09")
@pytest.mark.req("PLT-10")
def test_a_refused_transition_says_why_in_the_callers_language(api_as):
    api = api_as("mgmt")
    project = Project.objects.restrict(_user("mgmt"), "view").first()
    assert project is not None
    url = f"/api/v1/projects/{project.pk}/sign/"
    chinese = api.get(url).json()
    english = api.get(url, HTTP_ACCEPT_LANGUAGE="en").json()
    assert chinese["available"] is False and english["available"] is False
    assert english["reason"] == "Only the units of a draft task book sign it."
    assert chinese["reason"] == "只有项目单位可以签署编制中的任务书。"
    refused = api.post(url, {}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 403 and refused.json()["detail"] == "Only the units of a draft task book sign it."


@pytest.mark.req("PLT-09")
@pytest.mark.req("PLT-10")
def test_a_field_error_of_an_api_view_is_translated(api_as):
    api = api_as("commissioner")
    missing = (Expert.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000
    url = "/api/v1/experts/working-group-check/"
    chinese = api.post(url, {"experts": [missing]}, format="json")
    english = api.post(url, {"experts": [missing]}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert chinese.status_code == english.status_code == 400
    assert chinese.json() == {"experts": [f"专家 {missing} 不存在。"]}
    assert english.json() == {"experts": [f"Unknown expert {missing}."]}


def _user(username):
    from zhilian.accounts.models import User

    return User.objects.get(username=username)
