"""Every error of a request body at once (PLT-12).

DRF checks a body in two rounds: the fields (each field's own checks and the serializer's
``validate_<field>``) and then, only when every field passed, the serializer's validators
and ``validate()`` — where the model's ``clean()`` and the services' checks run (a district
outside the city, a need's date in the past, …). A body with a bad code and a bad district
was refused for the code; once the code was right, for the district.

As a Django form does, a serializer now runs ``validate()`` (and its validators) also when
some fields failed, on the fields that passed, and reports what it finds for those fields
(and across fields) together with the fields' own errors. A field that failed is reported
once, with its own error: what its absence causes in ``validate()`` is left out. A
``validate()`` written for a complete body may fail on a partial one (a missing key): the
fields' errors are then reported alone, as before. Nothing is saved either way.

A body's keys that no field of the serializer reads are refused too (PLT-09), each with
"Unknown field." under its key, beside the other errors: DRF skipped them, so a misspelled
``descripton`` was lost without a word. Read-only fields are fields: a record read with GET
can be sent back with PUT, its read-only values ignored. Nested serializers check their own
objects, a list body each item. A serializer that reads something else than a body (query
parameters) sets ``refuse_unknown_fields = False``; a view that reads a key of the body
itself names it in the serializer's context (``accepted_body_fields``).
"""

from collections.abc import Mapping

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.fields import DictField, ListField, SkipField, empty
from rest_framework.settings import api_settings
from rest_framework.utils import html

UNKNOWN_FIELD = _("Unknown field.")

# Keys a form body carries for the request, not for the serializer: Django's CSRF token
# (the browsable API's forms, signed in with a session).
FORM_KEYS = frozenset({"csrfmiddlewaretoken"})


def _unknown() -> list:
    return [ErrorDetail(str(UNKNOWN_FIELD), code="unknown_field")]


def _form_key_read(fields, key: str) -> bool:
    """Whether a form key such as ``targets[0]kind`` or ``profile.name`` is one a field reads:
    DRF reads lists of a form as ``name[i]…`` and objects as ``name.key``."""
    for mark, kinds in (("[", (ListField, serializers.ListSerializer)), (".", (DictField, serializers.Serializer))):
        name, found, _rest = key.partition(mark)
        if found and isinstance(fields.get(name), kinds):
            return True
    return False


def unknown_fields(serializer, data) -> dict:
    """``{key: ["Unknown field."]}`` for each key of ``data`` no field of ``serializer`` reads."""
    if not isinstance(data, Mapping) or not getattr(serializer, "refuse_unknown_fields", True):
        return {}
    fields = serializer.fields
    accepted = serializer.context.get("accepted_body_fields", ()) if serializer.parent is None else ()
    form = html.is_html_input(data)
    unknown = {}
    for key in data:
        if key in fields or key in accepted:
            continue
        if form and (key in FORM_KEYS or _form_key_read(fields, str(key))):
            continue
        unknown[key] = _unknown()
    return unknown


def unknown_body_keys(request, reads=()) -> dict:
    """``{key: ["Unknown field."]}`` for each key of the body that a view reading the keys
    ``reads`` itself, without a serializer, would not read."""
    data = request.data
    if not isinstance(data, Mapping):
        return {}
    form = html.is_html_input(data)
    return {key: _unknown() for key in data if key not in reads and not (form and key in FORM_KEYS)}


def refuse_body(request) -> None:
    """400 with "Unknown field." under each key of a body sent to an action that reads none."""
    unknown = unknown_body_keys(request)
    if unknown:
        raise ValidationError(unknown)


def _partial_value(serializer, data, failed) -> dict:
    """The validated values of the writable fields that did not fail (DRF keeps none of them
    when one fails): the fields are checked again, on this error path only."""
    value = {}
    for field in serializer._writable_fields:
        if field.field_name in failed:
            continue
        validate_method = getattr(serializer, "validate_" + field.field_name, None)
        try:
            validated = field.run_validation(field.get_value(data))
            if validate_method is not None:
                validated = validate_method(validated)
        except (ValidationError, DjangoValidationError, SkipField):
            continue
        serializer.set_value(value, field.source_attrs, validated)
    return value


def _errors_beyond_fields(serializer, value, failed) -> dict:
    """What the serializer's validators and ``validate()`` say of a partial body, leaving out
    the fields already reported."""
    try:
        # A savepoint: a query that fails on the partial body must not break the request's
        # transaction (PostgreSQL).
        with transaction.atomic():
            serializer.run_validators(value)
            serializer.validate(value)
    except (ValidationError, DjangoValidationError) as exc:
        found = serializers.as_serializer_error(exc)
    except Exception:  # noqa: BLE001 - a validate() written for a complete body; the fields' errors stand
        return {}
    else:
        return {}
    return {name: errors for name, errors in found.items() if name not in failed}


def run_validation(self, data=empty):
    """``Serializer.run_validation`` reporting the fields' errors, the unknown keys and
    ``validate()``'s errors together."""
    (is_empty_value, data) = self.validate_empty_values(data)
    if is_empty_value:
        return data
    unknown = unknown_fields(self, data)
    try:
        value = self.to_internal_value(data)
    except ValidationError as exc:
        failed = exc.detail
        if not isinstance(failed, Mapping) or not isinstance(data, Mapping):
            raise
        if api_settings.NON_FIELD_ERRORS_KEY in failed:
            if not unknown:
                raise
            raise ValidationError({**failed, **unknown}) from None
        failed = {**failed, **unknown}
        more = _errors_beyond_fields(self, _partial_value(self, data, failed), failed)
        if not more and not unknown:
            raise
        raise ValidationError({**failed, **more}) from None
    if unknown:  # the fields passed: what validate() says of them, with the unknown keys
        raise ValidationError({**unknown, **_errors_beyond_fields(self, value, unknown)}) from None
    try:
        self.run_validators(value)
        value = self.validate(value)
        assert value is not None, ".validate() should return the validated data"
    except (ValidationError, DjangoValidationError) as exc:
        raise ValidationError(detail=serializers.as_serializer_error(exc)) from None
    return value


def install() -> None:
    if getattr(serializers.Serializer.run_validation, "_zl_all_errors", False):
        return
    run_validation._zl_all_errors = True
    serializers.Serializer.run_validation = run_validation
