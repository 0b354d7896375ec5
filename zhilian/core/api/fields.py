"""Serializer fields shared by the API apps."""

from types import SimpleNamespace

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from zhilian.core.filters import MAX_ID, id_field

_STAND_IN_KEY = 1_987_654_321


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


# DRF's HyperlinkedIdentityField answers a ``Hyperlink``: a str that carries the record it names
# (``.obj``) with the relations read for it. A kept list answer (core.pagecache.kept_api_data)
# is pickled to the shared cache: each page of problems pickled its 25 problems with their
# chains, nodes, assessments and severity models (130 records, about a millisecond of CPU and
# the bytes to Redis) to keep 25 links. This field answers the link alone. (No docstring: the
# schema describes a field by its class's docstring, and the URL's description stays DRF's.)
# Every record's link is the same URL but for its key: it is written once per serializer (the
# request, its host and format are fixed there) for a stand-in key, and each row's key put in
# its place, instead of resolving the route and building an absolute URL for each row.
class RecordUrlField(serializers.HyperlinkedIdentityField):
    def to_representation(self, value):
        key = getattr(value, self.lookup_field, None)
        if type(key) is int and key > 0:
            template = self.__dict__.get("_zl_template")
            if template is None:
                template = self.__dict__["_zl_template"] = self._template()
            if template:
                return f"{template[0]}{key}{template[1]}"
        url = super().to_representation(value)
        return None if url is None else str(url)

    def _template(self) -> tuple | bool:
        stand_in = SimpleNamespace(**{"pk": _STAND_IN_KEY, self.lookup_field: _STAND_IN_KEY})
        url = super().to_representation(stand_in)
        parts = str(url).split(str(_STAND_IN_KEY)) if url is not None else ()
        return (parts[0], parts[1]) if len(parts) == 2 else False


def reads_input(serializer) -> bool:
    """Whether ``serializer`` may validate what a caller sends, the only time its related
    fields' choices (narrowed to what the caller may see or change) are read.

    A GET or HEAD answers records and never reads them; the browsable API builds its forms
    under the form's method (POST, PUT), so their choices are narrowed as for the write.
    Narrowing them anyway cost an expert's API problem list a fifth of its Python: the scopes
    of chains, links, problems and organizations, built into five querysets nothing read."""
    request = serializer.context.get("request")
    return request is not None and request.method not in ("GET", "HEAD")
