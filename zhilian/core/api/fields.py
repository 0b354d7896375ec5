"""Serializer fields shared by the API apps."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from zhilian.core.filters import MAX_ID, id_field


class IdField(serializers.IntegerField):
    """The id of a record, sent in a request body."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


def id_parameter(params, name: str, minimum: int = 1) -> int | None:
    """The query parameter ``name`` as a record id: None when it is absent, a 400 under its name
    when it is not a whole number from ``minimum`` to ``MAX_ID`` (as the filtersets answer)."""
    raw = params.get(name)
    if raw in (None, ""):
        return None
    try:
        return id_field(minimum).clean(raw)
    except DjangoValidationError as exc:
        raise ValidationError({name: exc.messages}) from None
