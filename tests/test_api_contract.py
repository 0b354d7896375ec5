"""The API as an integrating system reads it (PLT-09, PLT-12, PLT-10): answers in the caller's
language, bad filter values refused, unknown body fields refused, one error shape."""

import django_filters
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


@pytest.mark.req("PLT-09")
@pytest.mark.req("PLT-12")
@pytest.mark.parametrize("user, url, name", [
    ("mgmt", "/api/v1/problems/?is_common=maybe", "is_common"),
    ("mgmt", "/api/v1/needs/?overdue=xyz", "overdue"),
    ("mgmt", "/api/v1/organizations/?is_active=yes", "is_active"),
    ("mgmt", "/api/v1/users/?is_active=maybe", "is_active"),             # from filterset_fields
    ("mgmt", "/api/v1/consortium-members/?cross_region=2", "cross_region"),  # from filterset_fields
])
def test_a_yes_no_filter_refuses_a_value_that_is_neither(api_as, user, url, name):
    api = api_as(user)
    response = api.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400, response.content
    assert response.json() == {name: ["Enter true or false."]}
    assert api.get(url).json() == {name: ["请输入 true 或 false。"]}
    base = url.split("?")[0]
    everything = api.get(base).json()["count"]
    yes, no = (api.get(f"{base}?{name}={v}").json()["count"] for v in ("true", "false"))
    assert yes + no == everything and api.get(f"{base}?{name}=").json()["count"] == everything
    assert api.get(f"{base}?{name}=1").json()["count"] == yes


@pytest.mark.req("PLT-09")
def test_every_api_yes_no_filter_is_strict():
    from drf_spectacular.generators import SchemaGenerator

    from zhilian.core.filters import BooleanFilter

    checked = 0
    generator = SchemaGenerator()
    generator._initialise_endpoints()
    for path, _pattern, _method, view in generator._get_paths_and_endpoints():
        for backend in getattr(view, "filter_backends", []) or []:
            get_class = getattr(backend(), "get_filterset_class", None)
            if get_class is None or not hasattr(view, "get_queryset"):
                continue
            filterset = get_class(view, view.queryset)
            for name, flt in (filterset.base_filters.items() if filterset else ()):
                if isinstance(flt, django_filters.BooleanFilter):
                    checked += 1
                    assert isinstance(flt, BooleanFilter), (path, name)
    assert checked >= 8


@pytest.mark.req("PLT-09")
def test_every_parameter_of_the_schema_says_what_it_does():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    bare = [(path, parameter["name"]) for path, operations in schema["paths"].items()
            for method, operation in operations.items() if method != "parameters"
            for parameter in operation.get("parameters", []) if not parameter.get("description")]
    assert bare == []
