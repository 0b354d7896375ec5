"""The API as an integrating system reads it (PLT-09, PLT-12, PLT-10): answers in the caller's
language, bad filter values refused, unknown body fields refused, one error shape."""

import re

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


# Lists the ordering filter did not reach (their views set their own filter backends): each
# answered its default order to any ?ordering=, a misspelled name included.
ORDERED_LISTS = [
    ("city", "/api/v1/problems/", ["severity_total", "severity_level", "reported_on", "name", "status"]),
    ("city", "/api/v1/needs/", ["filed_at", "expected_date", "response_due", "status", "enterprise_name"]),
    ("city", "/api/v1/capabilities/", ["product", "parameter", "institution_name"]),
    ("city", "/api/v1/chain-summaries/", ["chain", "id"]),
    ("auditor", "/api/v1/audit-events/", ["timestamp", "id"]),
]


def _rows(body):
    return body["results"] if isinstance(body, dict) else body


@pytest.mark.req("PLT-09")
@pytest.mark.parametrize("user, path, names", ORDERED_LISTS)
def test_a_list_that_ignored_ordering_refuses_an_unknown_name_and_documents_its_names(api_as, client, user, path,
                                                                                     names):
    api = api_as(user)
    response = api.get(path, {"ordering": "nmae"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400, (path, response.status_code)
    [message] = response.json()["ordering"]
    assert message.startswith("Cannot order by nmae. Order by one of: ")
    assert all(name in message for name in names), message
    for name in names:
        for value in (name, f"-{name}"):
            assert api.get(path, {"ordering": value}).status_code == 200, (path, value)
    parameters = client.get("/api/v1/schema/", {"format": "json"}, HTTP_ACCEPT_LANGUAGE="en").json()[
        "paths"][path]["get"]["parameters"]
    ordering = next(p for p in parameters if p["name"] == "ordering")
    assert all(f"`{name}`" in ordering["description"] and f"`-{name}`" in ordering["description"] for name in names)


@pytest.mark.req("PLT-09")
def test_every_list_of_the_schema_takes_ordering(client):
    """A list whose view sets its own filter backends lost the ordering filter without a word."""
    schema = client.get("/api/v1/schema/", {"format": "json"}, HTTP_ACCEPT_LANGUAGE="en").json()
    lists = []
    for path, operations in schema["paths"].items():
        get = operations.get("get")
        content = ((get or {}).get("responses", {}).get("200", {}).get("content") or {}).get("application/json")
        if not content:
            continue
        answer = content["schema"]
        if answer.get("type") == "array" or answer.get("$ref", "").startswith("#/components/schemas/Paginated"):
            lists.append(path)
            assert any(p["name"] == "ordering" for p in get.get("parameters", [])), path
    assert {path for _user, path, _names in ORDERED_LISTS} <= set(lists)


@pytest.mark.req("PLT-09")
def test_problems_sort_by_severity_with_the_unassessed_last_either_way(api_as):
    from zhilian.problems.models import Problem
    from zhilian.projects.tests.helpers import new_problem

    new_problem(), new_problem()  # just entered, not assessed
    api = api_as("city")
    assessed = Problem.objects.filter(severity_total__isnull=False).count()
    assert 1 < assessed < Problem.objects.count()
    for value in ("-severity_total", "severity_total"):
        rows = api.get("/api/v1/problems/", {"ordering": value, "page_size": 500}).json()["results"]
        totals = [row["severity_total"] for row in rows]
        assert None not in totals[:assessed] and set(totals[assessed:]) == {None}, (value, totals)
        numbers = [float(total) for total in totals[:assessed]]
        assert numbers == sorted(numbers, reverse=value.startswith("-")), (value, numbers)
    # Without ?ordering= the library's order is unchanged: newest reported first.
    rows = api.get("/api/v1/problems/", {"page_size": 500}).json()["results"]
    assert [row["id"] for row in rows] == list(Problem.objects.order_by("-reported_on", "-id")
                                               .values_list("pk", flat=True))


@pytest.mark.req("PLT-09")
def test_needs_and_capabilities_sort_by_the_names_a_user_reads(api_as):
    from zhilian.directory.models import TestingCapability
    from zhilian.needs.models import Need

    api = api_as("city")
    rows = api.get("/api/v1/needs/", {"ordering": "enterprise_name,-filed_at", "page_size": 500}).json()["results"]
    assert [row["id"] for row in rows] == list(Need.objects.order_by("enterprise__name_sort", "-filed_at", "pk")
                                               .values_list("pk", flat=True))
    rows = api.get("/api/v1/needs/", {"page_size": 500}).json()["results"]
    assert [row["id"] for row in rows] == list(Need.objects.order_by("-filed_at", "-id").values_list("pk", flat=True))
    rows = api.get("/api/v1/capabilities/", {"ordering": "-institution_name", "page_size": 500}).json()["results"]
    assert [row["id"] for row in rows] == list(TestingCapability.objects.order_by("-institution__name_sort", "pk")
                                               .values_list("pk", flat=True))
    assert len({row["institution_name"] for row in rows}) > 1
    rows = api.get("/api/v1/capabilities/", {"page_size": 500}).json()["results"]
    assert [row["id"] for row in rows] == list(TestingCapability.objects.values_list("pk", flat=True))


MAIN_RESOURCES = ("Organization", "Expert", "TestingCapability", "Need", "Chain", "Problem", "Project", "Achievement",
                  "License", "Consortium")


def _schema(client, language="en"):
    return client.get("/api/v1/schema/", {"format": "json"}, HTTP_ACCEPT_LANGUAGE=language).json()


def _operations(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method != "parameters":
                yield path, method, operation


def _error_schema(schema, path, method, code):
    return schema["paths"][path][method]["responses"][code]["content"]["application/json"]["schema"]


@pytest.mark.req("PLT-09")
def test_every_operation_documents_the_refusals_it_may_answer(client):
    """The schema named a 4xx on four operations of 203: a client learned the 400 body's shape,
    the 401 / 403 / 404 answers from the description's prose alone."""
    schema = _schema(client)
    components = schema["components"]["schemas"]
    assert {"ValidationError", "Error"} <= set(components)
    conventions = schema["info"]["description"].split("## Conventions")[1]
    assert "`ValidationError`" in conventions and "`Error`" in conventions
    assert components["Error"]["required"] == ["detail"]
    for path, method, operation in _operations(schema):
        responses = operation["responses"]
        parameters = operation.get("parameters", [])
        if "requestBody" in operation or method in ("post", "put", "patch") or any(
                p["in"] == "query" for p in parameters):
            assert "400" in responses, (path, method)
        if operation.get("security"):
            assert {"401", "403"} <= set(responses), (path, method)
        if any(p["in"] == "path" for p in parameters) or any(p["name"] == "page" for p in parameters):
            assert "404" in responses, (path, method)
        for code, response in responses.items():
            if code.startswith("4"):
                assert response["description"] and response["content"]["application/json"]["schema"], (path, code)
    ref = "#/components/schemas/"
    assert _error_schema(schema, "/api/v1/problems/", "get", "400") == {"$ref": ref + "ValidationError"}
    assert _error_schema(schema, "/api/v1/problems/{id}/", "put", "404") == {"$ref": ref + "Error"}
    assert "page after the last" in schema["paths"]["/api/v1/problems/"]["get"]["responses"]["404"]["description"]
    # What an operation declares itself is kept: the token endpoint's shape, the import's row report.
    assert _error_schema(schema, "/api/v1/auth/token/", "post", "400") == {"$ref": ref + "TokenError"}
    assert "401" not in schema["paths"]["/api/v1/auth/token/"]["post"]["responses"]
    chinese = _schema(client, "zh-hans")["paths"]["/api/v1/problems/{id}/"]["get"]["responses"]["404"]
    assert chinese["description"] == "记录不存在，或调用方无权查看。"


@pytest.mark.req("PLT-09")
@pytest.mark.req("PLT-12")
def test_the_refusals_answered_match_the_documented_error_bodies(client, api_as):
    import jsonschema

    schema = _schema(client)
    components = schema["components"]["schemas"]

    def check(path, method, response):
        documented = _error_schema(schema, path, method, str(response.status_code))
        jsonschema.validate(response.json(), {**documented, "components": {"schemas": components}})

    api = api_as("owner")
    check("/api/v1/needs/", "post", api.post("/api/v1/needs/", {"title": "", "urgent": 1}, format="json"))
    check("/api/v1/needs/", "get", api.get("/api/v1/needs/", {"ordering": "nmae"}))
    check("/api/v1/needs/", "get", api.get("/api/v1/needs/", {"page": 999}))
    check("/api/v1/needs/{id}/", "get", api.get("/api/v1/needs/999999/"))
    check("/api/v1/needs/", "post", api.generic("POST", "/api/v1/needs/", "{not json", content_type="application/json"))
    check("/api/v1/needs/", "get", client.get("/api/v1/needs/"))  # 401
    check("/api/v1/audit-events/", "get", api.get("/api/v1/audit-events/"))  # 403
    icmember = api_as("icmember")
    book = icmember.post("/api/v1/projects/", {"name": "x", "participants": [{"organization": 10**6, "phon": "1"}]},
                         format="json")
    assert book.status_code == 400 and "participants" in book.json()
    check("/api/v1/projects/", "post", book)


@pytest.mark.req("PLT-09")
def test_every_field_of_the_main_resources_is_described_in_english(client):
    """Most fields read as a bare name in the schema: drf-spectacular describes a field by its
    help text only. They now say what the model field is, a relation by its id."""
    components = _schema(client)["components"]["schemas"]
    checked = 0
    for name, component in components.items():
        if name.removeprefix("Patched").removesuffix("Request") not in (*MAIN_RESOURCES, "NeedCreate"):
            continue
        for field, spec in component["properties"].items():
            description = spec.get("description", "")
            assert re.search(r"[A-Za-z]", description), (name, field, description)  # English (examples aside)
            checked += 1
    assert checked > 300
    problem = components["Problem"]["properties"]
    assert problem["name"]["description"] == "Problem name."
    assert problem["chain"]["description"] == "Chain (id)"
    assert problem["version"]["description"].startswith("Version of the record")
    assert components["Need"]["properties"]["enterprise_name"]["description"] == "Name of the enterprise."
    assert components["Organization"]["properties"]["qualifications"]["description"]
    chinese = _schema(client, "zh-hans")["components"]["schemas"]["Problem"]["properties"]
    assert chinese["name"]["description"] == "问题名称。"
