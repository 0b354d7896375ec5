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

A serializer's answer (``Serializer.to_representation``) reads each field's value as DRF's
``Field.get_attribute`` does and writes it as the field's ``to_representation`` does, through a
plan made once per serializer (a list's rows share their child serializer, so once a page):
a field read from one attribute of a model instance is read with ``getattr`` (DRF's helper
asks whether the row is a ``Mapping``, an abstract-class check, for every field of every row),
and a text or whole-number field that writes its value as DRF's own classes do is written by
``str`` or ``int``. Anything else (a row that is a dict, a value that is callable, a missing
attribute, a field whose reading or writing a class or the masking replaced) goes to DRF's
own calls, which also give their errors. A page of 25 organizations spent about a fifth of
an API list's Python in those per-field calls.

A field listing a relation the page prefetched (a list of related ids, nested rows) gets the
prefetched rows themselves, which is what DRF gets from the relation's manager: Django builds
a manager for every row and field to hand them over (50 managers, each with its queryset, for
a page of organizations with their certificates and service domains).
"""

import copy
from collections.abc import Mapping

from django.utils import translation
from rest_framework import fields as drf_fields
from rest_framework import serializers
from rest_framework.fields import SkipField
from rest_framework.relations import ManyRelatedField, PKOnlyObject

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


# DRF's own methods, read before install() replaces the serializer's.
_drf_to_representation = serializers.Serializer.to_representation
_DRF_GET_ATTRIBUTE = drf_fields.Field.get_attribute
# A field's writing that DRF's class does with a builtin: CharField's (and EmailField's,
# URLField's, SlugField's …) is ``str(value)``, IntegerField's ``int(value)``.
_WRITTEN_BY = {drf_fields.CharField.to_representation: str, drf_fields.IntegerField.to_representation: int}
_NOT_READ = object()
_NOTHING: dict = {}
# A relation's field whose reading is DRF's: its class's reading, as DRF's own classes have it.
_MANY_READING = {ManyRelatedField: ManyRelatedField.get_attribute,
                 serializers.ListSerializer: _DRF_GET_ATTRIBUTE}


def _lists_relation(field) -> bool:
    for kind, reading in _MANY_READING.items():
        if isinstance(field, kind):
            return type(field).get_attribute is reading and "get_attribute" not in field.__dict__
    return False


def _plan(serializer) -> list:
    """``(name, field, attribute or None, relation or None, writer or None)`` per readable
    field: the attribute to read with ``getattr``, or the relation whose prefetched rows to
    take (both None: DRF's ``get_attribute``), the builtin that writes the value (None: the
    field's ``to_representation``)."""
    plan = []
    for field in serializer._readable_fields:
        attrs = field.source_attrs
        one = attrs[0] if len(attrs) == 1 else None
        relation = one if one is not None and _lists_relation(field) else None
        reads_one = (one is not None and relation is None and type(field).get_attribute is _DRF_GET_ATTRIBUTE
                     and "get_attribute" not in field.__dict__)
        writer = None if "to_representation" in field.__dict__ else _WRITTEN_BY.get(type(field).to_representation)
        plan.append((field.field_name, field, one if reads_one else None, relation, writer))
    return plan


def to_representation(self, instance):
    if isinstance(instance, Mapping):
        return _drf_to_representation(self, instance)
    plan = self.__dict__.get("_zl_plan")
    if plan is None:
        plan = self.__dict__["_zl_plan"] = _plan(self)
    answer = {}
    prefetched = getattr(instance, "__dict__", _NOTHING).get("_prefetched_objects_cache") or _NOTHING
    for name, field, attr, relation, writer in plan:
        value = _NOT_READ
        if attr is not None:
            try:
                value = getattr(instance, attr)
            except Exception:  # noqa: BLE001 - DRF's own reading below answers it as DRF does
                value = _NOT_READ
            if callable(value):  # DRF's reading calls a method, and reads a related manager itself
                value = _NOT_READ
        elif relation is not None:
            # What the relation's manager answers when the rows were prefetched (a Django
            # manager's ``all()`` is its ``get_queryset()``, which is the prefetched rows).
            value = prefetched.get(relation, _NOT_READ)
        if value is _NOT_READ:
            try:
                value = field.get_attribute(instance)
            except SkipField:
                continue
        if (value.pk if isinstance(value, PKOnlyObject) else value) is None:
            answer[name] = None
        else:
            answer[name] = writer(value) if writer is not None else field.to_representation(value)
    return answer


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
    serializers.Serializer.to_representation = to_representation
