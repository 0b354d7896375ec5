"""The OpenAPI schema's shared parts (PLT-09): the error answers and the fields' descriptions.

drf-spectacular documents what a view declares: the success answer, and a 4xx only where an
``@extend_schema`` names it (four operations did). Every operation now documents the refusals
the platform gives, with two shared components:

- 400 ``ValidationError`` where a body or a query parameter can be refused (``core.api.validation``:
  each field → its messages, ``non_field_errors``, nested objects and rows by index);
- 401 and 403 ``Error`` (``{"detail", "code"}``) where a token is required;
- 404 ``Error`` for an operation on one record (missing or not visible: the same answer,
  PLT-02) and for a paginated list (a page after the last).

A status an operation declares itself (the token endpoint's 400, the Table C.1 import's row
report) is kept.

A field of a model serializer without ``help_text`` is described by the model field it reads
(its verbose name, ``(id)`` / ``(ids)`` for a relation, ``X of the Y`` through a relation), a
method field by its method's docstring; ``id``, ``url`` and ``version`` say what they are.
"""

import inspect

from django.core.exceptions import FieldDoesNotExist
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from drf_spectacular import openapi
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import serializers

VALIDATION_ERROR = "ValidationError"
ERROR = "Error"
CONFLICT = "Conflict"


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _validation_error_schema() -> dict:
    messages = {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "object"}]}}
    return {
        "type": "object",
        "description": _("A refused body or query parameter: each field or parameter refused maps to the list of its "
                         "messages; errors of no one field are under non_field_errors; a nested object's errors are "
                         "nested by field, a list's by the index of the row. A key no field reads has “Unknown "
                         "field.”. A body that could not be read at all answers {\"detail\": \"…\"}."),
        "additionalProperties": {"anyOf": [messages, {"type": "object"}, {"type": "string"}]},
        "example": {"title": ["This field is required."], "descripton": ["Unknown field."]},
    }


def _error_schema() -> dict:
    return {
        "type": "object",
        "description": _("A refusal: detail says why in the caller's language; code, when given, names it for a "
                         "program (token_expired, password_change_required, precondition_failed for every 412, "
                         "…)."),
        "properties": {"detail": {"type": "string"}, "code": {"type": "string"}},
        "required": ["detail"],
    }


def _conflict_schema() -> dict:
    return {
        "type": "object",
        "description": _("A refused edit or deletion: detail says why; code is stale (the record changed since the "
                         "version sent: current_version is its version now) or protected (records named in blocking, "
                         "those the caller may see, still refer to it)."),
        "properties": {"detail": {"type": "string"}, "code": {"type": "string"},
                       "current_version": {"type": "integer"},
                       "blocking": {"type": "array", "items": {"type": "string"}}},
        "required": ["detail", "code"],
    }


def _body(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's, with the error answers and the fields' descriptions (module docstring)."""

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is not None:
            self._add_error_responses(operation)
            self._add_etag_header(operation)
        return operation

    def _add_etag_header(self, operation: dict) -> None:
        """The ``ETag`` header of the answers that carry one (``etag_actions`` of a view over a model
        with versions): GET of one record, the 201 of a creation, PUT and PATCH."""
        view = self.view
        if getattr(view, "action", None) not in getattr(view, "etag_actions", ()):
            return
        model = getattr(getattr(view, "queryset", None), "model", None)
        if model is None or _model_field(model, "version") is None:
            return
        response = operation.get("responses", {}).get("201" if self.method == "POST" else "200")
        if response is not None:
            response.setdefault("headers", {})["ETag"] = {
                "schema": {"type": "string"},
                "description": _("The record's version as an entity tag (\"3\"), the same a GET of it answers: "
                                 "send it as If-Match with an edit or a deletion."),
            }

    def _collection_read(self) -> bool:
        """A GET of the rows of a list: the list itself, or an action a view names in
        ``schema_filtered_actions`` (``problems/export/``) that reads the same filters."""
        action = getattr(self.view, "action", None)
        return self.method == "GET" and (
            self._is_list_view() or action in getattr(self.view, "schema_filtered_actions", ()))

    def _version_checked(self) -> bool:
        """An edit or a deletion the view checks against ``If-Match`` / ``version`` (409, 412)."""
        return self.method in ("PUT", "PATCH", "DELETE") and callable(getattr(self.view, "expected_version", None))

    def get_filter_backends(self):
        if self._collection_read():
            return getattr(self.view, "filter_backends", [])
        return super().get_filter_backends()

    def _get_parameters(self):
        parameters = super()._get_parameters()
        names = {(parameter["name"], parameter["in"]) for parameter in parameters}
        added = []
        if getattr(self.view, "searchable", False) and self._collection_read() and ("q", "query") not in names:
            added.append({"in": "query", "name": "q", "required": False, "schema": {"type": "string"},
                          "description": _("Search in Chinese: the rows whose text holds every word of the query, "
                                           "those whose name holds the whole query first.")})
        if self._version_checked() and ("If-Match", "header") not in names:
            added.append({"in": "header", "name": "If-Match", "required": False, "schema": {"type": "string"},
                          "description": _("The ETag the record was read with (GET answers it): a record changed "
                                           "since answers 412 and nothing is saved.")})
        return sorted(parameters + added, key=lambda parameter: parameter["name"]) if added else parameters

    def _component(self, name: str, build) -> dict:
        component = ResolvedComponent(name=name, type=ResolvedComponent.SCHEMA, object=name, schema=build())
        self.registry.register_on_missing(component)
        return component.ref

    def _add_error_responses(self, operation: dict) -> None:
        responses = operation.setdefault("responses", {})
        parameters = operation.get("parameters", [])
        takes_input = ("requestBody" in operation or self.method in ("POST", "PUT", "PATCH")
                       or any(parameter.get("in") == "query" for parameter in parameters))
        found = []
        if takes_input:
            found.append(("400", self._component(VALIDATION_ERROR, _validation_error_schema),
                          _("The body or a query parameter was refused; nothing was saved.")))
        if operation.get("security"):
            error = self._component(ERROR, _error_schema)
            found.append(("401", error, _("No token, an unknown one or an expired one (code token_expired): ask "
                                          "POST /api/v1/auth/token/ for one.")))
            found.append(("403", {"anyOf": [error, self._component(VALIDATION_ERROR, _validation_error_schema)]},
                          _("The caller may not do this: its role, the record's state, or, under a field, a value "
                            "it may not write.")))
        one_record = any(parameter.get("in") == "path" for parameter in parameters)
        paginated = any(parameter.get("name") == "page" and parameter.get("in") == "query" for parameter in parameters)
        if one_record or paginated:
            reasons = []
            if one_record:
                reasons.append(_("No such record, or one the caller may not see."))
            if paginated:
                reasons.append(_("A page after the last."))
            found.append(("404", self._component(ERROR, _error_schema), " ".join(reasons)))
        if self._version_checked():
            found.append(("409", self._component(CONFLICT, _conflict_schema),
                          _("The version sent in the body is not the record's (code stale, with current_version), "
                            "or, for a deletion, other records still refer to it (code protected, with blocking); "
                            "nothing was saved.") if self.method == "DELETE" else
                          _("The version sent in the body is not the record's (code stale, with current_version); "
                            "nothing was saved.")))
            found.append(("412", self._component(ERROR, _error_schema),
                          _("The record changed since the ETag sent as If-Match, or If-Match is no ETag (code "
                            "precondition_failed); nothing was saved.")))
        for code, schema, description in found:
            responses.setdefault(code, _body(schema, description))

    def _get_serializer_field_meta(self, field, direction):
        meta = super()._get_serializer_field_meta(field, direction)
        if "description" not in meta and isinstance(field, serializers.Field):
            description = field_description(field)
            if description:
                meta["description"] = description
        return meta


def _sentence(text) -> str:
    text = capfirst(str(text).strip())
    if text.endswith((".", "。", ")", "）")):
        return text
    return f"{text}。" if text and ord(text[-1]) > 0x2E7F else f"{text}."


def _model_field(model, name):
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _name(model_field) -> str:
    """A model field's verbose name; a reverse relation's, the related model's plural name."""
    if hasattr(model_field, "verbose_name"):
        return str(model_field.verbose_name)
    return str(model_field.related_model._meta.verbose_name_plural)


def field_description(field) -> str | None:
    """A description of a serializer field that has no help text (module docstring)."""
    if getattr(field, "parent", None) is None:
        return None  # a model field mapped alone (a path parameter): drf-spectacular describes it
    name = field.field_name
    if name == "id":
        return _("Id of the record.")
    if name == "url" and isinstance(field, serializers.HyperlinkedIdentityField):
        return _("URL of the record in this API.")
    if isinstance(field, serializers.SerializerMethodField):
        method = getattr(field.parent, field.method_name, None)
        doc = inspect.getdoc(method) if method is not None else None
        return doc.split("\n\n")[0].replace("\n", " ") if doc else None
    kind = None
    if type(field).__module__.startswith("zhilian.") and type(field).__doc__:  # the project's own field kind
        kind = inspect.getdoc(type(field)).split("\n\n")[0].replace("\n", " ")
    text = _model_description(field)
    return f"{text} {kind}" if text and kind else text or kind


def _model_description(field) -> str | None:
    """The description of the model field a serializer field reads (module docstring)."""
    name = field.field_name
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    if model is None or field.source == "*" or not getattr(field, "source_attrs", None):
        return None
    path = []
    for attr in field.source_attrs:
        found = _model_field(model, attr) if model is not None else None
        if found is None:
            return None
        path.append(found)
        model = found.related_model if found.is_relation else None
    last = path[-1]
    if name == "version" and last.name == "version":
        return _("Version of the record: each change adds one. Send it back (or the ETag as If-Match) and an edit "
                 "made since is refused.")
    if len(path) > 1:
        text = _("%(field)s of the %(record)s") % {"field": _name(last), "record": _name(path[-2])}
    else:
        text = _name(last)
        by_id = (serializers.PrimaryKeyRelatedField, serializers.ManyRelatedField)
        child = getattr(field, "child_relation", field)
        if last.is_relation and isinstance(field, by_id) and isinstance(child, serializers.PrimaryKeyRelatedField):
            text = (_("%(field)s (ids)") if last.many_to_many or last.one_to_many else _("%(field)s (id)")) % {
                "field": text}
    help_text = getattr(last, "help_text", "")
    if help_text and not field.help_text:
        return f"{_sentence(text)} {_sentence(help_text)}"
    return _sentence(text)
