"""The API refuses what it cannot honour instead of ignoring it (PLT-09, PLT-12): a body's
unknown keys, an unknown ``?ordering=``, a ``?page=`` / ``?page_size=`` that is no page; and
its schema says what it accepts."""

import pytest
from django.http import QueryDict
from django.test import Client
from rest_framework import serializers

from zhilian.chains.models import MonitoredEvent
from zhilian.needs.models import Need
from zhilian.projects.models import Project

pytestmark = pytest.mark.django_db

UNKNOWN = {"en": "Unknown field.", "zh-hans": "未知字段。"}

NEED = {"category": "testing", "title": "API 需求", "description": "检测翘曲度", "contact_name": "刘工",
        "contact_phone": "13906060002"}


@pytest.mark.req("PLT-09")
@pytest.mark.req("PLT-12")
def test_a_misspelled_field_is_refused_with_the_other_errors_and_nothing_is_filed(api_as):
    """``descripton`` was dropped and the need filed without a description (or, as here, refused
    for the description alone, the misspelling unmentioned)."""
    api = api_as("owner")
    before = Need.objects.count()
    body = {**NEED, "descripton": NEED["description"]}
    del body["description"]
    for language, message in UNKNOWN.items():
        response = api.post("/api/v1/needs/", body, format="json", HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 400, response.content
        errors = response.json()
        assert errors["descripton"] == [message] and set(errors) == {"descripton", "description"}
    # Every fault at once: a field's, the service's (a date in the past) and the unknown key.
    response = api.post("/api/v1/needs/", {**body, "title": "", "expected_date": "2001-01-01"}, format="json")
    assert set(response.json()) == {"descripton", "description", "title", "expected_date"}, response.json()
    # The fields all right, an unknown key alone is refused, with what the service says.
    response = api.post("/api/v1/needs/", {**NEED, "urgent": True}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and response.json() == {"urgent": ["Unknown field."]}
    response = api.post("/api/v1/needs/", {**NEED, "urgent": True, "expected_date": "2001-01-01"}, format="json")
    assert set(response.json()) == {"urgent", "expected_date"}
    # A form body (multipart) the same.
    response = api.post("/api/v1/needs/", {**NEED, "urgent": "1"}, format="multipart", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and response.json() == {"urgent": ["Unknown field."]}
    assert Need.objects.count() == before
    assert api.post("/api/v1/needs/", NEED, format="json").status_code == 201
    assert api.post("/api/v1/needs/", NEED, format="multipart").status_code == 201


def _api_task_book():
    from zhilian.projects.tests.test_api import api_task_book
    from zhilian.projects.tests.helpers import new_problem

    return api_task_book([new_problem()])


@pytest.mark.req("PLT-09")
@pytest.mark.req("PLT-12")
def test_a_record_read_is_written_back_with_its_read_only_fields_and_nested_rows_are_checked(api_as):
    api = api_as("icmember")
    book = _api_task_book()
    created = api.post("/api/v1/projects/", book, format="json")
    assert created.status_code == 201, created.content
    url = f"/api/v1/projects/{created.json()['id']}/"
    read = api.get(url).json()
    # The rows' phones read masked (a masked value sent back is kept only for the record's own fields).
    read["participants"] = [{**row, "phone": sent["phone"]} for row, sent in zip(read["participants"],
                                                                                  book["participants"])]
    # id, code, lead_unit_name, total_budget, status, version …, and the rows' organization_name,
    # a target's id and achieved: read-only, accepted and ignored.
    assert {"id", "code", "total_budget", "version"} <= set(read)
    assert "organization_name" in read["participants"][0] and "id" in read["targets"][0]
    written = api.put(url, {**read, "name": "改名的攻关项目", "status": "accepted", "total_budget": "1.00"}, format="json")
    assert written.status_code == 200, written.content
    assert written.json()["name"] == "改名的攻关项目" and written.json()["status"] == "draft"
    read = {**written.json(), "participants": read["participants"]}

    participants = [dict(row) for row in read["participants"]]
    participants[0]["phon"] = "13906060003"
    response = api.put(url, {**read, "name": "又改名", "participants": participants, "leader_nmae": "林"},
                       format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400, response.content
    assert response.json() == {"participants": {"0": {"phon": ["Unknown field."]}}, "leader_nmae": ["Unknown field."]}
    response = api.patch(url, {"name": "又改名", "targets": [{**read["targets"][0], "goal": "99"}]}, format="json")
    assert response.status_code == 400 and response.json() == {"targets": {"0": {"goal": ["未知字段。"]}}}
    project = Project.objects.get(pk=read["id"])
    assert project.name == "改名的攻关项目" and project.version == read["version"]


@pytest.mark.req("PLT-09")
def test_the_version_read_may_be_sent_back_where_the_record_shows_none(api_as):
    """A monitored event's body has no ``version``; the view reads it (a stale edit is refused)."""
    event = MonitoredEvent.objects.first()
    api = api_as("city")
    url = f"/api/v1/monitored-events/{event.pk}/"
    assert "version" not in api.get(url).json()
    edited = api.patch(url, {"title": "新标题", "version": event.version}, format="json")
    assert edited.status_code == 200, edited.content
    stale = api.patch(url, {"title": "又一个标题", "version": event.version}, format="json")
    assert stale.status_code == 409
    assert MonitoredEvent.objects.get(pk=event.pk).title == "新标题"


@pytest.mark.req("PLT-09")
def test_an_action_reading_no_body_refuses_one(api_as):
    api = api_as("icmember")
    created = api.post("/api/v1/projects/", _api_task_book(), format="json").json()
    base = f"/api/v1/projects/{created['id']}"
    for username, name in (("icmember", "林志远"), ("icmetrology", "王工")):
        response = api_as(username).post(f"{base}/sign/", {"signatory": name, "signed_on": "2026-10-01"},
                                         format="json", HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 400 and response.json() == {"signed_on": ["Unknown field."]}
        assert api_as(username).post(f"{base}/sign/", {"signatory": name}, format="json").status_code == 200
    response = api.post(f"{base}/submit/", {"comment": "请审批"}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and response.json() == {"comment": ["Unknown field."]}
    assert Project.objects.get(pk=created["id"]).status == "draft"
    assert api.post(f"{base}/submit/").status_code == 200
    assert Project.objects.get(pk=created["id"]).status == "submitted"

    need = api_as("owner").post("/api/v1/needs/", NEED, format="json").json()
    commissioner = api_as("commissioner")
    response = commissioner.post(f"/api/v1/needs/{need['id']}/take/", {"note": "我来"}, format="json")
    assert response.status_code == 400 and response.json() == {"note": ["未知字段。"]}
    assert Need.objects.get(pk=need["id"]).status == "submitted"
    assert commissioner.post(f"/api/v1/needs/{need['id']}/take/").status_code == 200


@pytest.mark.req("PLT-09")
def test_the_token_endpoint_takes_username_password_and_otp_and_nothing_else():
    client = Client(REMOTE_ADDR="10.8.7.7")
    response = client.post("/api/v1/auth/token/", {"username": "owner", "password": "Zhilian@2026", "opt": "123456"},
                           content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and response.json()["opt"] == ["Unknown field."]
    for body in ({"username": "owner", "password": "Zhilian@2026"},
                 {"username": "owner", "password": "Zhilian@2026", "otp": ""}):
        response = client.post("/api/v1/auth/token/", body, content_type="application/json")
        assert response.status_code == 200 and response.json()["token"]
    # Form-encoded, as curl --data-urlencode sends it.
    response = client.post("/api/v1/auth/token/", {"username": "owner", "password": "Zhilian@2026", "otp": ""})
    assert response.status_code == 200 and response.json()["token"]


@pytest.mark.req("PLT-09")
def test_the_problem_import_refuses_unknown_keys_and_a_dry_run_that_is_not_yes_or_no(api_as):
    from zhilian.problems.models import Problem

    api = api_as("city")
    before = Problem.objects.count()
    response = api.post("/api/v1/problems/import/", {"dryrun": "1", "dry_run": "yes"}, format="multipart",
                        HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json() == {"dryrun": ["Unknown field."], "dry_run": ["Enter true or false."],
                               "file": ["Upload the Table C.1 workbook as multipart field “file”."]}
    assert Problem.objects.count() == before


class _Row(serializers.Serializer):
    name = serializers.CharField()


class _Body(serializers.Serializer):
    title = serializers.CharField()
    tags = serializers.ListField(child=serializers.CharField(), required=False)
    rows = _Row(many=True, required=False)
    owner = _Row(required=False)
    created = serializers.DateTimeField(read_only=True)


@pytest.mark.req("PLT-09")
def test_form_keys_for_lists_and_objects_and_the_csrf_token_are_read():
    form = QueryDict(mutable=True)
    for key, value in (("title", "t"), ("tags", "a"), ("tags", "b"), ("rows[0]name", "r"), ("owner.name", "o"),
                       ("created", "2026-01-01"), ("csrfmiddlewaretoken", "x")):
        form.appendlist(key, value)
    body = _Body(data=form)
    assert body.is_valid(), body.errors
    assert body.validated_data["rows"] == [{"name": "r"}] and body.validated_data["owner"] == {"name": "o"}
    form.appendlist("title.x", "1")
    form.appendlist("rows[0]nmae", "2")
    body = _Body(data=form)
    assert not body.is_valid()
    assert set(body.errors) == {"title.x", "rows"} and body.errors["rows"] == {0: {"nmae": ["未知字段。"]}}
    # JSON: the CSRF token is no field; a list body is checked item by item.
    body = _Body(data={"title": "t", "csrfmiddlewaretoken": "x"})
    assert not body.is_valid() and set(body.errors) == {"csrfmiddlewaretoken"}
    many = _Row(data=[{"name": "a"}, {"name": "b", "nam": "c"}], many=True)
    assert not many.is_valid() and many.errors == {1: {"nam": ["未知字段。"]}}


def _schema(client, language="en"):
    return client.get("/api/v1/schema/", {"format": "json"}, HTTP_ACCEPT_LANGUAGE=language).json()


def _ordering_values(description):
    import re

    return re.findall(r"`(-?\w+)`", description)


@pytest.mark.req("PLT-09")
def test_an_unknown_ordering_is_refused_naming_the_names_a_list_sorts_by(api_as):
    api = api_as("city")
    response = api.get("/api/v1/projects/", {"ordering": "nmae"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400, response.content
    [message] = response.json()["ordering"]
    assert message.startswith("Cannot order by nmae. Order by one of: id, code, name, ") and "lead_unit__name" in message
    [message] = api.get("/api/v1/projects/", {"ordering": "-name,nmae,-"}).json()["ordering"]
    assert message.startswith("无法按 nmae, - 排序。") and "name" in message
    # A to-many relation gave each project once per participant: no sort key.
    assert api.get("/api/v1/projects/", {"ordering": "participants"}).status_code == 400
    assert api.get("/api/v1/projects/", {"ordering": "-name,code"}).status_code == 200
    # The directory's lists sort by pinyin and refuse the same way, searched or not.
    names = [row["name"] for row in api.get("/api/v1/organizations/", {"ordering": "-name", "page_size": 500,
                                                                        "kind": "enterprise"}).json()["results"]]
    from zhilian.directory.models import Organization

    assert names == list(Organization.objects.filter(kind="enterprise", name__in=names)
                         .order_by("-name_sort", "pk").values_list("name", flat=True))
    assert api.get("/api/v1/organizations/", {"ordering": "short_name"}).status_code == 400
    searched = api.get("/api/v1/organizations/", {"q": "检测", "ordering": "name"}).json()["results"]
    assert len(searched) > 1 and [row["id"] for row in searched] == list(
        Organization.objects.filter(pk__in=[row["id"] for row in searched]).order_by("name_sort", "pk")
        .values_list("pk", flat=True))
    # One record is not a list: ?ordering= is no concern of it.
    project = Project.objects.restrict(_user("city"), "view").first()
    assert api.get(f"/api/v1/projects/{project.pk}/", {"ordering": "nmae"}).status_code == 200


def _user(username):
    from zhilian.accounts.models import User

    return User.objects.get(username=username)


@pytest.mark.req("PLT-09")
def test_every_ordered_list_documents_its_names_and_sorts_by_each(client, api_as):
    schema = _schema(client)
    checked = 0
    for path, operations in schema["paths"].items():
        get = operations.get("get")
        parameter = next((p for p in (get or {}).get("parameters", []) if p["name"] == "ordering"), None)
        if parameter is None:
            continue
        api = api_as("auditor" if path == "/api/v1/audit-events/" else "city")  # the log is the auditor's
        values = _ordering_values(parameter["description"])
        names = [v for v in values if not v.startswith("-")]
        assert names and all(f"-{name}" in values for name in names), (path, parameter["description"])
        for value in values:
            response = api.get(path, {"ordering": value, "page_size": 3})
            assert response.status_code == 200, (path, value, response.content[:200])
            checked += 1
        refused = api.get(path, {"ordering": "no_such_name"}, HTTP_ACCEPT_LANGUAGE="en")
        assert refused.status_code == 400 and list(refused.json()) == ["ordering"], path
        assert all(name in refused.json()["ordering"][0] for name in names), path
    assert checked > 300
    # Every list ordered by a filter says so: the directory's included, whose ordering was undocumented.
    for path in ("/api/v1/organizations/", "/api/v1/experts/", "/api/v1/users/", "/api/v1/notifications/"):
        assert any(p["name"] == "ordering" for p in schema["paths"][path]["get"]["parameters"]), path
    chinese = next(p for p in _schema(client, "zh-hans")["paths"]["/api/v1/users/"]["get"]["parameters"]
                   if p["name"] == "ordering")
    assert _ordering_values(chinese["description"]) == ["username", "-username", "id", "-id"]
    assert "降序" in chinese["description"]


@pytest.mark.req("PLT-09")
def test_pages_of_an_ordered_list_neither_repeat_nor_skip_a_row(api_as):
    """Rows equal by the names asked for (many problems share a status) come by id."""
    api = api_as("city")
    everything = api.get("/api/v1/projects/", {"page_size": 500}).json()
    seen = []
    page = 1
    while True:
        body = api.get("/api/v1/projects/", {"ordering": "-status", "page_size": 2, "page": page}).json()
        seen += [row["id"] for row in body["results"]]
        if not body["next"]:
            break
        page += 1
    assert sorted(seen) == sorted(row["id"] for row in everything["results"]) and len(seen) == everything["count"]


@pytest.mark.req("PLT-09")
@pytest.mark.parametrize("value", ["abc", "0", "-1", "1.5", "²", "1e3", " 2"])
def test_a_page_or_page_size_that_is_no_whole_number_from_1_is_a_400(api_as, value):
    """``?page=abc`` answered 404 "Invalid page.", ``?page_size=abc`` the default 25 rows."""
    api = api_as("city")
    for name in ("page", "page_size"):
        response = api.get("/api/v1/problems/", {name: value}, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 400, (name, response.status_code)
        assert response.json() == {name: ["Enter a whole number from 1."]}
    both = api.get("/api/v1/problems/", {"page": value, "page_size": value})
    assert both.status_code == 400 and both.json() == {"page": ["请输入大于或等于 1 的整数。"],
                                                       "page_size": ["请输入大于或等于 1 的整数。"]}


@pytest.mark.req("PLT-09")
def test_a_page_after_the_last_is_a_404_and_a_large_page_size_is_clamped(api_as, monkeypatch):
    from zhilian.core.api.pagination import StandardPagination

    api = api_as("city")
    count = api.get("/api/v1/problems/").json()["count"]
    assert count > 3
    assert api.get("/api/v1/problems/", {"page": 10**6}).status_code == 404
    assert api.get("/api/v1/problems/", {"page": "9" * 40}).status_code == 404
    last = api.get("/api/v1/problems/", {"page": "last", "page_size": 3}).json()
    assert last["next"] is None and len(last["results"]) == (count % 3 or 3)
    monkeypatch.setattr(StandardPagination, "max_page_size", 2)
    clamped = api.get("/api/v1/problems/", {"page_size": 7})
    assert clamped.status_code == 200 and len(clamped.json()["results"]) == 2
    assert "page_size=7" in clamped.json()["next"]


@pytest.mark.req("PLT-09")
def test_the_schema_says_how_pages_are_asked_for(client):
    parameters = {p["name"]: p for p in _schema(client)["paths"]["/api/v1/problems/"]["get"]["parameters"]}
    page, size = parameters["page"], parameters["page_size"]
    assert page["schema"] == {"type": "integer", "minimum": 1, "default": 1}
    assert "404" in page["description"] and "400" in page["description"]
    assert size["schema"] == {"type": "integer", "minimum": 1, "default": 25}
    assert "at most 500" in size["description"] and "400" in size["description"]
    chinese = {p["name"]: p for p in _schema(client, "zh-hans")["paths"]["/api/v1/problems/"]["get"]["parameters"]}
    assert "最多 500" in chinese["page_size"]["description"]


@pytest.mark.req("PLT-09")
def test_the_schema_states_the_conventions_as_the_code_applies_them(client):
    from django.conf import settings as django_settings
    from rest_framework.settings import api_settings

    from zhilian.core.api.pagination import StandardPagination

    description = _schema(client)["info"]["description"]
    assert "## Conventions" in description
    conventions = description.split("## Conventions")[1]
    for said in ("`otp`", "Authorization: Token", f"`{api_settings.NON_FIELD_ERRORS_KEY}`", "Unknown field.",
                 "reported at once", "sent back with PUT", "`If-Match`", '"count"',
                 f"`page_size` is {StandardPagination.page_size} by default and at most "
                 f"{StandardPagination.max_page_size}", "`ordering`", "Accept-Language: en", "zh-Hans"):
        assert said in conventions, said
    assert [code for code, _name in django_settings.LANGUAGES] == ["zh-hans", "en"]
    assert django_settings.LANGUAGE_CODE == "zh-hans"
    # The answer of a list has the shape it says.
    assert set(_schema(client)["components"]["schemas"]["PaginatedProblemList"]["properties"]) == {
        "count", "count_capped", "next", "previous", "results"}
    assert '"count_capped"' in conventions
