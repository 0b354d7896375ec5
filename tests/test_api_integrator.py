"""The API as another government system integrates with it, from the schema alone (PLT-09).

Each case is a place where the published OpenAPI document and the answers disagreed, or where
an integrator following the document was stuck: what the document says must be what the API
does, and a record read with GET must go back with PUT.
"""

import copy
import re

import jsonschema
import pytest

from zhilian.accounts.models import User
from zhilian.chains.models import Chain
from zhilian.directory.models import Organization
from zhilian.problems.models import Problem, ProblemAssessment

pytestmark = pytest.mark.django_db


def _schema(client, language="en"):
    return client.get("/api/v1/schema/", {"format": "json"}, HTTP_ACCEPT_LANGUAGE=language).json()


def _openapi_to_jsonschema(node):
    """OpenAPI 3.0's ``nullable`` as JSON Schema reads it."""
    if isinstance(node, list):
        return [_openapi_to_jsonschema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _openapi_to_jsonschema(value) for key, value in node.items()}
    if node.pop("nullable", False):
        node = {"anyOf": [node, {"type": "null"}]}
    return node


def _valid(schema, body, component=None, documented=None):
    """Validate ``body`` against a component or a documented schema of ``schema``."""
    target = documented if documented is not None else {"$ref": f"#/components/schemas/{component}"}
    document = _openapi_to_jsonschema({**copy.deepcopy(target), "components": schema["components"]})
    jsonschema.validate(body, document)


def _parameters(schema, path, method="get"):
    return {(p["name"], p["in"]): p for p in schema["paths"][path][method].get("parameters", [])}


@pytest.mark.req("PLT-09")
def test_lists_that_search_document_q(client, api_as):
    schema = _schema(client)
    for path in ("/api/v1/organizations/", "/api/v1/needs/", "/api/v1/problems/", "/api/v1/projects/",
                 "/api/v1/achievements/", "/api/v1/experts/", "/api/v1/problems/export/"):
        assert ("q", "query") in _parameters(schema, path), path
    # A list that does not search does not claim to.
    assert ("q", "query") not in _parameters(schema, "/api/v1/users/")
    # And q does what it says.
    api = api_as("mgmt")
    everything = api.get("/api/v1/organizations/").json()["count"]
    found = api.get("/api/v1/organizations/", {"q": "鹭岛显示"}).json()
    assert 0 < found["count"] < everything
    assert any(row["name"] == "厦门鹭岛显示科技有限公司" for row in found["results"])


@pytest.mark.req("PLT-09")
def test_the_table_c1_export_documents_the_filters_it_reads(client, api_as):
    schema = _schema(client)
    parameters = _parameters(schema, "/api/v1/problems/export/")
    for name in ("chain", "level", "status", "category", "ordering", "q"):
        assert (name, "query") in parameters, name
    assert "400" in schema["paths"]["/api/v1/problems/export/"]["get"]["responses"]
    api = api_as("mgmt")
    refused = api.get("/api/v1/problems/export/", {"level": "9"})
    assert refused.status_code == 400 and "level" in refused.json()
    _valid(schema, refused.json(), "ValidationError")
    chain = Chain.objects.get(name="光电显示产业链")
    assert api.get("/api/v1/problems/export/", {"chain": chain.pk}).status_code == 200


@pytest.mark.req("PLT-09")
def test_the_table_c1_import_documents_its_row_report(client, api_as):
    schema = _schema(client)
    operation = schema["paths"]["/api/v1/problems/import/"]["post"]
    body = operation["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert body["required"] == ["file"]
    ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/TableC1ImportReport"}
    report = schema["components"]["schemas"]["TableC1ImportReport"]
    assert set(report["properties"]) == {"committed", "rows", "created", "updated", "errors"}
    refused = operation["responses"]["400"]["content"]["application/json"]["schema"]

    api = api_as("mgmt")
    chain = Chain.objects.get(name="光电显示产业链")
    workbook = api.get("/api/v1/problems/export/", {"chain": chain.pk}).content
    from django.core.files.uploadedfile import SimpleUploadedFile

    checked = api.post("/api/v1/problems/import/", {
        "file": SimpleUploadedFile("c1.xlsx", workbook), "dry_run": "true"}, format="multipart")
    assert checked.status_code == 200, checked.content
    assert checked.json()["committed"] is False and checked.json()["rows"] > 0
    _valid(schema, checked.json(), documented=ok)
    bad = api.post("/api/v1/problems/import/", {"file": SimpleUploadedFile("c1.xlsx", b"not a workbook"),
                                                "dry_run": "true"}, format="multipart")
    assert bad.status_code == 400 and bad.json()["errors"]
    _valid(schema, bad.json(), documented=refused)
    _valid(schema, bad.json(), "TableC1ImportReport")


@pytest.mark.req("PLT-09")
def test_edits_and_deletions_document_if_match_409_and_412(client, api_as):
    schema = _schema(client)
    for method in ("put", "patch", "delete"):
        operation = schema["paths"]["/api/v1/organizations/{id}/"][method]
        assert ("If-Match", "header") in _parameters(schema, "/api/v1/organizations/{id}/", method), method
        assert {"409", "412"} <= set(operation["responses"]), method
    assert "If-Match" not in str(schema["paths"]["/api/v1/organizations/{id}/"]["get"].get("parameters"))
    conflict = schema["paths"]["/api/v1/organizations/{id}/"]["patch"]["responses"]["409"]
    assert conflict["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Conflict"}

    api = api_as("mgmt")
    organization = Organization.objects.filter(kind="enterprise").order_by("pk").first()
    url = f"/api/v1/organizations/{organization.pk}/"
    read = api.get(url)
    etag, version = read["ETag"], read.json()["version"]
    assert api.patch(url, {"description": "一次修改"}, format="json", HTTP_IF_MATCH=etag).status_code == 200
    stale = api.patch(url, {"description": "过期的修改", "version": version}, format="json")
    assert stale.status_code == 409 and stale.json()["code"] == "stale"
    _valid(schema, stale.json(), "Conflict")
    precondition = api.patch(url, {"description": "过期的修改"}, format="json", HTTP_IF_MATCH=etag)
    assert precondition.status_code == 412
    _valid(schema, precondition.json(), "Error")
    chain = Chain.objects.get(name="光电显示产业链")
    protected = api_as("city").delete(f"/api/v1/chains/{chain.pk}/")
    assert protected.status_code == 409 and protected.json()["code"] == "protected"
    _valid(schema, protected.json(), "Conflict")


@pytest.mark.req("PLT-09")
@pytest.mark.req("PLT-10")
def test_the_docs_page_loads_nothing_from_outside(client):
    page = client.get("/api/v1/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    script = client.get("/api/v1/docs/", {"script": ""}).content.decode()
    # Swagger UI's default validatorUrl loads a badge from validator.swagger.io (and sends it the
    # schema's URL) on any host but localhost.
    assert '"validatorUrl": null' in script
    assert "validator.swagger.io" not in script


@pytest.mark.req("PLT-09")
def test_nested_rows_and_empty_values_are_documented_as_they_come(client, api_as):
    schema = _schema(client)
    components = schema["components"]["schemas"]
    assert components["Need"]["properties"]["assignments"]["items"] == {"$ref": "#/components/schemas/NeedAssignment"}
    assert {"id", "status", "provider_kind", "institution", "expert"} <= set(components["NeedAssignment"]["properties"])
    assert components["Consortium"]["properties"]["member_units"]["items"] == {
        "$ref": "#/components/schemas/ConsortiumMember"}
    assert components["User"]["properties"]["organization_name"]["nullable"] is True
    assert components["Problem"]["properties"]["stars"]["nullable"] is True
    scores = components["Problem"]["properties"]["scores"]
    assert scores["nullable"] is True and scores["additionalProperties"]["type"] == "integer"
    for request in ("DeliverRequest", "ReasonRequest"):
        assert re.search(r"at least \d characters", next(iter(components[request]["properties"].values()))[
            "description"]), request

    # A consumer has no organization.
    users = api_as("consumer").get("/api/v1/users/").json()
    assert any(row["organization_name"] is None for row in users["results"])
    _valid(schema, users, documented=schema["paths"]["/api/v1/users/"]["get"]["responses"]["200"]["content"][
        "application/json"]["schema"])
    # A problem not assessed yet.
    api = api_as("mgmt")
    chain = Chain.objects.get(name="光电显示产业链")
    created = api.post("/api/v1/problems/", {"chain": chain.pk, "name": "接口对接测试问题", "category": "technology",
                                             "description": "未评估的问题"}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["scores"] is None and created.json()["stars"] is None
    _valid(schema, created.json(), "Problem")
    # Needs with their assignments.
    needs = api.get("/api/v1/needs/", {"page_size": 100}).json()
    assert any(row["assignments"] for row in needs["results"])
    _valid(schema, needs, "PaginatedNeedList")


@pytest.mark.req("PLT-09")
@pytest.mark.req("PRB-03")
def test_a_problem_read_goes_back_with_put_without_a_new_assessment(client, api_as):
    api = api_as("mgmt")
    chain = Chain.objects.get(name="光电显示产业链")
    created = api.post("/api/v1/problems/", {"chain": chain.pk, "name": "往返测试问题", "category": "technology",
                                             "description": "尚未评估"}, format="json").json()
    url = f"/api/v1/problems/{created['id']}/"
    # Not assessed: scores null goes back as it came.
    unassessed = api.put(url, api.get(url).json(), format="json")
    assert unassessed.status_code == 200, unassessed.content
    assert not ProblemAssessment.objects.filter(problem_id=created["id"]).exists()
    assessed = api.patch(url, {"scores": {"impact": 5, "spread": 4, "urgency": 3}}, format="json")
    assert assessed.status_code == 200 and assessed.json()["stars"] == 3
    assert ProblemAssessment.objects.filter(problem_id=created["id"]).count() == 1
    # Sent back unchanged: no second assessment.
    body = api.get(url).json()
    body["impact"] = "影响下游面板良率"
    again = api.put(url, body, format="json")
    assert again.status_code == 200, again.content
    assert again.json()["impact"] == "影响下游面板良率" and again.json()["severity_total"] == body["severity_total"]
    assert ProblemAssessment.objects.filter(problem_id=created["id"]).count() == 1
    # Scores that differ still assess.
    changed = api.patch(url, {"scores": {"impact": 2, "spread": 2, "urgency": 2}}, format="json")
    assert changed.status_code == 200 and changed.json()["stars"] == 1
    assert ProblemAssessment.objects.filter(problem_id=created["id"]).count() == 2


@pytest.mark.req("PLT-09")
def test_an_editor_who_may_not_assess_sends_an_assessed_problem_back(api_as):
    # The reporting enterprise edits its problem but does not score it: the scores it read come
    # back unchanged and are no score of its own.
    member = User.objects.get(username="member")
    problem = next(p for p in Problem.objects.restrict(member, "change").order_by("code")
                   if p.assessments.exists())
    before = problem.assessments.count()
    api = api_as("member")
    url = f"/api/v1/problems/{problem.pk}/"
    body = api.get(url).json()
    assert body["scores"]
    body["suggestion"] = "建议开展联合攻关"
    answer = api.put(url, body, format="json")
    assert answer.status_code == 200, answer.content
    assert answer.json()["suggestion"] == "建议开展联合攻关"
    assert problem.assessments.count() == before
    # A score of its own is still refused.
    scores = {key: (value % 5) + 1 for key, value in body["scores"].items()}
    refused = api.patch(url, {"scores": scores}, format="json")
    assert refused.status_code == 403 and "scores" in refused.json()
    assert problem.assessments.count() == before


@pytest.mark.req("PLT-09")
@pytest.mark.req("PLT-02")
def test_a_concerned_enterprise_the_editor_may_not_see_goes_back_with_put(api_as):
    owner = User.objects.get(username="owner")
    visible = Organization.objects.restrict(owner, "view")
    problem = next(p for p in Problem.objects.restrict(owner, "change").order_by("code")
                   if p.concerned_enterprises.exclude(pk__in=visible.values("pk")).exists())
    hidden = set(problem.concerned_enterprises.exclude(pk__in=visible.values("pk")).values_list("pk", flat=True))
    api = api_as("owner")
    url = f"/api/v1/problems/{problem.pk}/"
    body = api.get(url).json()
    # Named only where the caller may see them, as on the problem's page (PLT-02).
    assert hidden and not hidden & set(body["concerned_enterprises"]), body["concerned_enterprises"]
    listed = next(row for row in api.get("/api/v1/problems/", {"q": problem.code}).json()["results"]
                  if row["id"] == problem.pk)
    assert listed["concerned_enterprises"] == body["concerned_enterprises"]
    body["suggestion"] = "链主牵头组织验证"
    answer = api.put(url, body, format="json")
    assert answer.status_code == 200, answer.content
    assert hidden <= set(problem.concerned_enterprises.values_list("pk", flat=True))
    # An enterprise it may not see and the problem does not name is still refused.
    other = Organization.objects.filter(kind="enterprise").exclude(pk__in=visible.values("pk")).exclude(
        pk__in=problem.concerned_enterprises.values("pk")).first()
    if other is not None:
        refused = api.patch(url, {"concerned_enterprises": [*body["concerned_enterprises"], other.pk]}, format="json")
        assert refused.status_code == 400 and "concerned_enterprises" in refused.json()


def _resolve(schema, node):
    """The schema ``node`` stands for: through ``$ref`` and a one-item ``allOf`` (a described or
    nullable reference)."""
    while True:
        if "$ref" in node:
            node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
        elif len(node.get("allOf", ())) == 1:
            node = node["allOf"][0]
        else:
            return node


def _same_keys(schema, documented, body, where="$", seen=None):
    """Every object of ``body`` has exactly the properties its documented schema lists, down to the
    rows of nested lists; a free-form object (no properties, no typed values) is refused."""
    seen = set() if seen is None else seen
    node = _resolve(schema, documented)
    if isinstance(body, dict):
        if "properties" in node:
            assert set(body) == set(node["properties"]), (where, sorted(set(body) ^ set(node["properties"])))
            assert set(node.get("required", ())) == set(body), where
            for key, value in body.items():
                _same_keys(schema, node["properties"][key], value, f"{where}.{key}", seen)
        else:
            assert isinstance(node.get("additionalProperties"), dict), f"{where} is a free-form object"
            for key, value in body.items():
                _same_keys(schema, node["additionalProperties"], value, f"{where}.{key}", seen)
    elif isinstance(body, list):
        assert "items" in node, where
        for index, item in enumerate(body):
            _same_keys(schema, node["items"], item, f"{where}[]", seen)
    seen.add(where)
    return seen


def _answer_schema(schema, path):
    return schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]


@pytest.mark.req("PLT-09")
@pytest.mark.req("MAP-04")
def test_the_chain_map_answers_the_documented_component(client, api_as):
    schema = _schema(client)
    documented = _answer_schema(schema, "/api/v1/chains/{id}/map/")
    assert documented == {"$ref": "#/components/schemas/ChainMap"}
    chain = Chain.objects.get(name="光电显示产业链")
    url = f"/api/v1/chains/{chain.pk}/map/"
    working = api_as("city").get(url).json()        # the working copy, for a builder's reviewer
    published = api_as("member").get(url).json()    # the latest publication, for everyone else
    first = api_as("city").get(url, {"version": 1}).json()
    assert working["version"] is None and working["published_at"] is None
    assert published["version"] and published["published_at"] and first["version"] == 1
    for body in (working, published, first):
        seen = _same_keys(schema, documented, body)
        # every kind of row was there to compare
        assert {"$.nodes[].enterprises[]", "$.problems[]", "$.institutions[]", "$.chain.owner"} <= seen
        _valid(schema, body, documented=documented)


@pytest.mark.req("PLT-09")
@pytest.mark.req("PRB-05")
def test_a_problems_reach_answers_the_documented_component_over_either_map(client, api_as):
    schema = _schema(client)
    documented = _answer_schema(schema, "/api/v1/problems/{id}/reach/")
    assert documented == {"$ref": "#/components/schemas/ProblemReach"}
    problem = Problem.objects.get(code="OD-001")
    assert problem.node.chain.can_see_draft(User.objects.get(username="owner"))
    assert not problem.node.chain.can_see_draft(User.objects.get(username="member"))
    # The owner's reach follows the working copy, the member's the publication: the same keys.
    for username in ("owner", "member"):
        answer = api_as(username).get(f"/api/v1/problems/{problem.pk}/reach/")
        assert answer.status_code == 200, answer.content
        assert answer.json()["enterprises"], answer.json()
        assert {"$.nodes[]", "$.enterprises[]"} <= _same_keys(schema, documented, answer.json())
        _valid(schema, answer.json(), documented=documented)


@pytest.mark.req("PLT-09")
@pytest.mark.req("SEC-10")
def test_a_created_record_answers_the_etag_a_get_of_it_gives(client, api_as):
    """A 201 had no ETag: a client had to read the record it had just made before it could edit
    it with If-Match. Through a serializer, a service that saves again (a problem with scores), a
    view of its own (needs) and a service behind a create-only view (progress reports)."""
    from zhilian.projects.tests.helpers import running_project

    chain = Chain.objects.get(name="光电显示产业链")
    project = running_project()
    milestone = project.milestones.order_by("due_date").first()
    cases = [
        ("mgmt", "/api/v1/problems/", {"chain": chain.pk, "name": "带评分的新问题", "category": "technology",
                                       "description": "新建即评估", "scores": {"impact": 5, "spread": 4, "urgency": 3}}),
        ("owner", "/api/v1/needs/", {"category": "testing", "title": "新建需求", "description": "检测翘曲度",
                                     "contact_name": "刘工", "contact_phone": "13906060002"}),
        ("icmember", "/api/v1/progress-reports/", {
            "project": project.pk, "year": 2026, "quarter": 4, "summary": "完成退火试验。", "spent_to_date": "20.00",
            "milestones": [{"milestone": milestone.pk, "progress": 60}]}),
    ]
    schema = _schema(client)
    for username, url, body in cases:
        api = api_as(username)
        created = api.post(url, body, format="json")
        assert created.status_code == 201, created.content
        read = api.get(f"{url}{created.json()['id']}/")
        assert created.get("ETag") and created["ETag"] == read["ETag"], url
        if "version" in read.json():  # the body says the same version where it shows one
            assert created.json()["version"] == read.json()["version"] and read["ETag"] == f'"{read.json()["version"]}"'
        assert schema["paths"][url]["post"]["responses"]["201"]["headers"]["ETag"]["schema"] == {"type": "string"}
    # The ETag answered goes straight back as If-Match.
    url = f"/api/v1/problems/{api_as('mgmt').get('/api/v1/problems/', {'q': '带评分的新问题'}).json()['results'][0]['id']}/"
    etag = api_as("mgmt").get(url)["ETag"]
    assert api_as("mgmt").patch(url, {"impact": "下游良率"}, format="json", HTTP_IF_MATCH=etag).status_code == 200
    # GET, PUT and PATCH document it too; a computed summary (chain-summaries) does not have one.
    for path, method in (("/api/v1/problems/{id}/", "get"), ("/api/v1/problems/{id}/", "put"),
                         ("/api/v1/problems/{id}/", "patch")):
        assert "ETag" in schema["paths"][path][method]["responses"]["200"]["headers"], (path, method)
    assert "headers" not in schema["paths"]["/api/v1/chain-summaries/{id}/"]["get"]["responses"]["200"]
    assert "`201 Created`" in schema["info"]["description"].split("## Conventions")[1]


@pytest.mark.req("PLT-09")
@pytest.mark.req("SEC-10")
def test_a_412_names_its_code_as_a_409_does(client, api_as):
    """A 409 said code stale or protected, a 412 only {"detail"}: a program told the two apart by
    the status alone. Every 412 (a changed record, an If-Match that is no ETag, the needs API's
    own edit, a deletion) now says code precondition_failed."""
    schema = _schema(client)
    documented = schema["paths"]["/api/v1/organizations/{id}/"]["patch"]["responses"]["412"]
    assert "precondition_failed" in documented["description"]
    assert "precondition_failed" in schema["components"]["schemas"]["Error"]["description"]
    assert "412 `precondition_failed`" in schema["info"]["description"].split("## Conventions")[1]
    api = api_as("mgmt")
    organization = Organization.objects.filter(kind="enterprise").order_by("pk").first()
    url = f"/api/v1/organizations/{organization.pk}/"
    etag = api.get(url)["ETag"]
    assert api.patch(url, {"description": "先到的修改"}, format="json", HTTP_IF_MATCH=etag).status_code == 200
    need = api_as("owner").post("/api/v1/needs/", {"category": "testing", "title": "并发修改", "description": "x",
                                                   "contact_name": "刘工", "contact_phone": "13906060002"},
                                format="json")
    need_url = f"/api/v1/needs/{need.json()['id']}/"
    stale_need = need["ETag"]
    assert api_as("owner").patch(need_url, {"title": "先到"}, format="json", HTTP_IF_MATCH=stale_need).status_code == 200
    refusals = [
        api.patch(url, {"description": "后到的修改"}, format="json", HTTP_IF_MATCH=etag, HTTP_ACCEPT_LANGUAGE="en"),
        api.patch(url, {"description": "后到的修改"}, format="json", HTTP_IF_MATCH="not-an-etag"),
        api_as("city").delete(url, HTTP_IF_MATCH=etag),
        api_as("owner").patch(need_url, {"title": "后到"}, format="json", HTTP_IF_MATCH=stale_need),
    ]
    for refused in refusals:
        assert refused.status_code == 412, refused.content
        assert refused.json()["code"] == "precondition_failed" and refused.json()["detail"], refused.json()
        assert set(refused.json()) == {"detail", "code"}
        _valid(schema, refused.json(), "Error")
    assert refusals[0].json()["detail"] == "The record changed since the version given in If-Match."
    assert refusals[1].json()["detail"] == "If-Match 须为该记录的 ETag。"


@pytest.mark.req("PLT-09")
@pytest.mark.req("DIR-01")
def test_the_service_domain_codes_are_listed(client, api_as):
    """Organizations and experts name their service domains by code, and two list filters take
    one, but no endpoint said which codes there are."""
    from zhilian.directory.models import ServiceDomain

    schema = _schema(client)
    operation = schema["paths"]["/api/v1/service-domains/"]["get"]
    assert {"page", "page_size", "ordering"} <= {name for name, _in in _parameters(schema, "/api/v1/service-domains/")}
    assert "/api/v1/service-domains/{id}/" in schema["paths"]
    assert not {"post", "put", "patch", "delete"} & set(schema["paths"]["/api/v1/service-domains/"])
    api = api_as("institution")
    english = api.get("/api/v1/service-domains/", HTTP_ACCEPT_LANGUAGE="en").json()
    _valid(schema, english, documented=operation["responses"]["200"]["content"]["application/json"]["schema"])
    assert english["count"] == ServiceDomain.objects.count() > 3
    codes = [row["code"] for row in english["results"]]
    assert codes == list(ServiceDomain.objects.order_by("order", "code").values_list("code", flat=True))
    metrology = next(row for row in english["results"] if row["code"] == "metrology")
    assert metrology["label"] == "Metrology" and metrology["name"] == ServiceDomain.objects.get(code="metrology").name
    chinese = api.get("/api/v1/service-domains/").json()
    assert next(row for row in chinese["results"] if row["code"] == "metrology")["label"] == "计量"
    assert api.get(f"/api/v1/service-domains/{metrology['id']}/").json() == next(
        row for row in chinese["results"] if row["code"] == "metrology")
    # Every code an organization or expert answers is one of them, and the filters take them.
    used = {code for row in api.get("/api/v1/organizations/", {"page_size": 500}).json()["results"]
            for code in row["service_domains"]}
    assert used and used <= set(codes)
    assert api.get("/api/v1/organizations/", {"service_domain": "metrology"}).status_code == 200
    # Read-only, for those who may read the directory.
    assert api.post("/api/v1/service-domains/", {"code": "x", "name": "x"}, format="json").status_code in (403, 405)
    assert api_as("consumer").get("/api/v1/service-domains/").status_code == 403
