"""DRF's ModelSerializer builds its fields by model introspection for every serializer it
creates (every request, and every nested serializer). What it builds depends only on the
serializer class and the language (DRF gives a field a label only where the model field's
verbose name in the active language differs from the field's name), so the result is kept per
class and language and each serializer gets its own copies.
Subclasses that adjust fields per request (choices restricted to the caller) do it after
``super().get_fields()``, on their own copies.

DRF copies a field by calling its constructor again with the arguments it was made with
(``Field.__deepcopy__``): for the 20–30 fields of a serializer that was a fifth of an API
detail request. A field that holds no other field is copied as a fresh object with its
attributes, and its own validator list and error messages, which is all a field gains after
its constructor: binding, masking and per-request choices set attributes on the copy. A
field that holds others (nested serializers, lists of related rows, list and dict fields) is
still copied DRF's way, so no two serializers share a bound child.
"""

import copy

from django.utils import translation
from rest_framework import fields as drf_fields
from rest_framework import serializers

_built: dict = {}

_DRF_DEEPCOPY = drf_fields.Field.__deepcopy__
# DRF's own method, read when this module is first imported, before install() replaces it.
_drf_get_fields = serializers.ModelSerializer.get_fields


def _holds_fields(field) -> bool:
    return (isinstance(field, serializers.BaseSerializer) or hasattr(field, "child")
            or hasattr(field, "child_relation") or type(field).__deepcopy__ is not _DRF_DEEPCOPY)


def _copy(field, holds_fields: bool):
    if holds_fields:
        return copy.deepcopy(field)
    clone = object.__new__(type(field))
    state = clone.__dict__
    state.update(field.__dict__)
    if "_validators" in state:
        state["_validators"] = list(state["_validators"])
    if "error_messages" in state:
        state["error_messages"] = dict(state["error_messages"])
    return clone


def build_fields(serializer) -> dict:
    """The fields DRF's own ``ModelSerializer.get_fields`` builds for ``serializer``."""
    return _drf_get_fields(serializer)


def install() -> None:
    if getattr(serializers.ModelSerializer.get_fields, "_zl_kept", False):
        return

    def get_fields(self):
        key = (type(self), translation.get_language())
        prototype = _built.get(key)
        if prototype is None:  # which fields hold others is fixed with the class: asked once
            prototype = _built[key] = [(name, field, _holds_fields(field))
                                       for name, field in _drf_get_fields(self).items()]
        return {name: _copy(field, holds) for name, field, holds in prototype}

    get_fields._zl_kept = True
    serializers.ModelSerializer.get_fields = get_fields
