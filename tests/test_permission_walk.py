"""Walk every page and API endpoint as every role (PLT-01, PLT-02).

For each URL pattern the walk finds in the URLconf:
- a pattern with an object id is requested for every row of its model; the role must get
  the object exactly when ``Model.objects.restrict(role, action)`` contains it, and a
  404 otherwise (a forbidden object answers like a missing one);
- a pattern without arguments (lists, dashboards, search, exports) is requested and its
  body must not link to, or (for the API) list, any object the role may not see.

New apps are covered without changes here as long as their views declare ``model`` (the
generic views do) or set ``walk_model`` / ``walk_action`` on the view.
"""

import json
import re

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver

from conftest import ALL_PERSONAS

SKIP_NAMES = {
    "logout", "set_language", "javascript-catalog", "api-token", "api-schema", "api-docs", "token_reset",
    "notification_read", "attachment_upload", "attachment_delete", "attachment_download", "login",
}
SKIP_PREFIXES = ("django-admin/", "__debug__")
PK_KWARGS = ("pk", "id")


def _walk(resolver, prefix="", namespace=""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry, namespace


def _view_attr(pattern, name):
    func = pattern.callback
    for holder in (getattr(func, "view_class", None), getattr(func, "cls", None), func):
        if holder is not None and getattr(holder, name, None) is not None:
            return getattr(holder, name)
    return None


def _model_for(pattern):
    model = _view_attr(pattern, "walk_model") or _view_attr(pattern, "model")
    if model is None:
        queryset = _view_attr(pattern, "queryset")
        model = getattr(queryset, "model", None)
    return model


def _action_for(pattern, route):
    action = _view_attr(pattern, "walk_action")
    if action:
        return action
    if route.endswith("edit/") or route.endswith("delete/"):
        return "change" if route.endswith("edit/") else "delete"
    return "view"


def _to_path(route, **kwargs):
    path = route
    for key, value in kwargs.items():
        path = re.sub(r"<(?:\w+:)?%s>" % key, str(value), path)
    path = path.replace("^", "").replace("$", "")
    return "/" + path


def _patterns():
    found = []
    for route, pattern, namespace in _walk(get_resolver()):
        name = pattern.name or ""
        if name in SKIP_NAMES or route.startswith(SKIP_PREFIXES):
            continue
        found.append((route, pattern, namespace + name))
    return found


def _detail_link_ids(body: str, route_prefix: str) -> set[int]:
    return {int(m) for m in re.findall(re.escape(route_prefix) + r"(\d+)/", body)}


def _object_routes():
    """Route prefixes of object pages, per model: ``/directory/organizations/`` -> Organization."""
    routes = {}
    for route, pattern, _name in _patterns():
        model = _model_for(pattern)
        match = re.match(r"^(.*?)<(?:int:)?pk>/$", route)
        if model is not None and match and not route.startswith("api/"):
            routes["/" + match.group(1)] = model
    return routes


@pytest.mark.req("PLT-02")
@pytest.mark.req("PLT-01")
@pytest.mark.parametrize("username", ALL_PERSONAS)
def test_every_page_and_endpoint_shows_only_what_the_role_may_see(username, client_as, api_as, persona):
    user = persona(username)
    web = client_as(username)
    api = api_as(username)
    object_routes = _object_routes()
    checked = 0
    for route, pattern, name in _patterns():
        model = _model_for(pattern)
        keys = set(pattern.pattern.converters) if hasattr(pattern.pattern, "converters") else set()
        is_api = route.startswith("api/")
        client = api if is_api else web
        if keys & set(PK_KWARGS):
            if model is None or not hasattr(model.objects, "restrict") or keys - set(PK_KWARGS):
                continue
            action = "view" if is_api else _action_for(pattern, route)
            allowed = set(model.objects.restrict(user, action).values_list("pk", flat=True))
            for pk in model._base_manager.values_list("pk", flat=True):
                response = client.get(_to_path(route, pk=pk))
                checked += 1
                if pk in allowed:
                    assert response.status_code in (200, 302), (name, pk, response.status_code)
                else:
                    assert response.status_code in (403, 404), (
                        f"{username} fetched {model.__name__} {pk} it may not {action} at {route}: {response.status_code}")
            continue
        if keys:
            continue
        response = client.get(_to_path(route))
        checked += 1
        assert response.status_code < 500, (name, response.status_code)
        if response.status_code != 200:
            continue
        content_type = response.get("Content-Type", "")
        if is_api and "json" in content_type and model is not None and hasattr(model.objects, "restrict"):
            payload = json.loads(response.content)
            rows = payload.get("results", payload) if isinstance(payload, dict) else payload
            if isinstance(rows, list):
                visible = set(model.objects.restrict(user, "view").values_list("pk", flat=True))
                leaked = {row.get("id") for row in rows if isinstance(row, dict)} - visible
                assert not leaked, f"{username} sees {model.__name__} {leaked} in {route}"
        elif "html" in content_type:
            body = response.content.decode()
            for prefix, linked_model in object_routes.items():
                ids = _detail_link_ids(body, prefix)
                if not ids:
                    continue
                visible = set(linked_model.objects.restrict(user, "view").filter(pk__in=ids).values_list("pk", flat=True))
                assert ids <= visible, f"{username} sees links to {linked_model.__name__} {ids - visible} on {route}"
    assert checked > 10


ADMINISTRATORS = ["sysadmin", "secadmin", "auditor"]
BUSINESS_APIS = ["problems", "problem-assessments", "projects", "milestones", "progress-reports", "achievements",
                 "licenses", "consortia", "consortium-members", "consortium-charters", "needs"]


@pytest.mark.req("SEC-05")
@pytest.mark.parametrize("username", ADMINISTRATORS)
def test_administrators_read_no_business_records(username, client_as, api_as, persona):
    """等保 8.1.4.2 d least privilege: the three administrators administer the platform; the
    enterprises' problems, projects, achievements, consortium applications, needs and chain
    working copies are not theirs to read (the walk above holds them to the same scopes)."""
    from zhilian.achievements.models import Achievement
    from zhilian.chains.models import Chain
    from zhilian.consortia.models import Consortium
    from zhilian.needs.models import Need
    from zhilian.problems.models import Problem
    from zhilian.projects.models import Project

    user, web, api = persona(username), client_as(username), api_as(username)
    for model in (Problem, Project, Achievement, Consortium, Need):
        assert model.objects.exists()
        assert not model.objects.restrict(user, "view").exists(), model.__name__
    for obj in (Problem.objects.first(), Project.objects.first(), Consortium.objects.first(), Need.objects.first(),
                Achievement.objects.filter(status="listed", share_level="public").first()):
        assert web.get(obj.get_absolute_url()).status_code == 404, obj
    for endpoint in BUSINESS_APIS:
        response = api.get(f"/api/v1/{endpoint}/")  # an empty list, or no access at all (needs)
        assert response.status_code == 403 or response.json()["count"] == 0, endpoint
    for path in ("/problems/", "/projects/", "/achievements/"):
        response = web.get(path)
        assert response.status_code == 200 and not _detail_link_ids(response.content.decode(), path), path
    assert not any(Chain.objects.get(pk=pk).can_see_draft(user) for pk in Chain.objects.values_list("pk", flat=True))
    # What administering needs stays: the organizations to attach accounts to, the audit log.
    from zhilian.directory.models import Organization

    if username == "sysadmin":
        assert Organization.objects.restrict(user, "view").count() == Organization.objects.count()
    if username == "auditor":
        assert web.get("/audit/").status_code == 200


def test_walk_covers_every_restricted_model_with_pages():
    """Every restricted model with a detail page is reached by the walk (guards the walker itself)."""
    routes = _object_routes()
    models_with_pages = set(routes.values())
    assert apps.get_model("directory", "Organization") in models_with_pages
