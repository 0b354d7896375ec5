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
"""

from collections.abc import Mapping

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.fields import SkipField, empty
from rest_framework.settings import api_settings


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
    """``Serializer.run_validation`` reporting the fields' errors and ``validate()``'s together."""
    (is_empty_value, data) = self.validate_empty_values(data)
    if is_empty_value:
        return data
    try:
        value = self.to_internal_value(data)
    except ValidationError as exc:
        failed = exc.detail
        if not isinstance(failed, Mapping) or not isinstance(data, Mapping) or \
                api_settings.NON_FIELD_ERRORS_KEY in failed:
            raise
        more = _errors_beyond_fields(self, _partial_value(self, data, failed), failed)
        if not more:
            raise
        raise ValidationError({**failed, **more}) from None
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
