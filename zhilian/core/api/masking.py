"""Mask personal numbers in API responses (SEC-07), the serializer-level counterpart of
``core.masking``: every field that renders a personal field of its model (by source) or is
named like one comes out masked; a masked value sent back unchanged keeps the stored one.

The same holds in the rows of a nested list (a project's participants): a row's masked value
sent back unchanged keeps the number of the row the record holds under the same key. The
row serializer names that key with ``masked_row_key`` (default ``"id"``): a value only ever
comes back from the row it was shown in, never from another unit's."""

from collections.abc import Mapping

from django.db import models
from rest_framework import serializers

from zhilian.core import masking


def _kind_for(serializer, name, field):
    attrs = list(getattr(field, "source_attrs", None) or [name])
    model = getattr(getattr(serializer, "Meta", None), "model", None)
    for attr in attrs[:-1]:
        if model is None:
            break
        try:
            related = model._meta.get_field(attr)
        except Exception:  # noqa: BLE001 - a method or property: no model to follow
            model = None
            break
        model = related.related_model if related.is_relation else None
    if model is not None and attrs[-1] in masking.personal_fields(model):
        return masking.personal_fields(model)[attrs[-1]]
    return masking._kind_by_name(name) or masking._kind_by_name(attrs[-1])


def _wrap(serializer, field, kind):
    if getattr(field, "_zl_masked", False):
        return
    to_representation, to_internal_value = field.to_representation, field.to_internal_value

    def masked_representation(value):
        out = to_representation(value)
        return masking.mask(kind, out) if isinstance(out, str) else out

    def keep_stored(data):
        instance = getattr(serializer, "instance", None)
        attrs = getattr(field, "source_attrs", None) or [field.field_name]
        if instance is not None and not isinstance(instance, (list, tuple)) and len(attrs) == 1:
            stored = getattr(instance, attrs[0], None)
            if stored and data == masking.mask(kind, stored):
                data = stored
        return to_internal_value(data)

    field.to_representation = masked_representation
    field.to_internal_value = keep_stored
    field._zl_masked = True


# (serializer class, field name, source) -> kind: what a field renders is fixed by its
# declaration, and serializers are built anew for every request.
_kinds: dict = {}


def revealed(field) -> bool:
    """Whether ``field`` is one the viewset shows in full for this record (``keep`` of
    :func:`apply`, a party's ``?unmask=1``): fields of the record itself, never nested ones."""
    return field.field_name in field.context.get("reveal_fields", ()) and field.parent is field.root


def _value(row, attr):
    """``row``'s value under ``attr`` as text (a foreign key by its id), None if it has none."""
    if isinstance(row, Mapping):
        value = row.get(attr)
    elif isinstance(row, models.Model):
        try:
            value = getattr(row, row._meta.get_field(attr).attname)
        except Exception:  # noqa: BLE001 - not a field: an attribute or property
            value = getattr(row, attr, None)
    else:
        value = getattr(row, attr, None)
    if isinstance(value, models.Model):
        value = value.pk
    return None if value in (None, "") else str(value).strip()


def _keep_stored_rows(rows_field, personal: dict) -> None:
    """Let each row of the nested list ``rows_field`` send back a masked ``personal`` value
    unchanged: it becomes the stored value of the record's row with the same key."""
    child = rows_field.child
    if getattr(child, "_zl_rows_kept", False):
        return
    key = getattr(child, "masked_row_key", "id")
    to_internal_value = child.to_internal_value

    def stored_rows():
        if not hasattr(rows_field, "_zl_stored_rows"):
            instance = getattr(rows_field.parent, "instance", None)
            rows = {}
            if isinstance(instance, models.Model) and instance.pk:
                found = rows_field.get_attribute(instance)
                found = found.all() if isinstance(found, models.Manager) else found
                for row in found or ():
                    rows.setdefault(_value(row, key), row)
            rows.pop(None, None)
            rows_field._zl_stored_rows = rows
        return rows_field._zl_stored_rows

    def keep_stored(data):
        if isinstance(data, Mapping) and any(masking.is_masked(data.get(name)) for name in personal):
            row = stored_rows().get(_value(data, key))
            if row is not None:
                data = dict(data)
                for name, (attr, kind) in personal.items():
                    stored = _value(row, attr)
                    if stored and data.get(name) == masking.mask(kind, stored):
                        data[name] = stored
        return to_internal_value(data)

    child.to_internal_value = keep_stored
    child._zl_rows_kept = True


def apply(serializer, keep=()) -> dict:
    """Mask the personal fields of ``serializer`` and of the serializers nested in it, but
    for the fields of ``serializer`` itself named in ``keep``. Returns the writable personal
    fields of ``serializer``'s rows, ``{name: (attribute, kind)}``."""
    target = serializer.child if isinstance(serializer, serializers.ListSerializer) else serializer
    if not isinstance(target, serializers.Serializer):
        return {}
    personal = {}
    for name, field in target.fields.items():
        if isinstance(field, (serializers.Serializer, serializers.ListSerializer)):
            rows = apply(field)
            if rows and isinstance(field, serializers.ListSerializer) and not field.read_only:
                _keep_stored_rows(field, rows)
            continue
        key = (type(target), name, getattr(field, "source", None))
        try:
            kind = _kinds[key]
        except KeyError:
            kind = _kinds[key] = _kind_for(target, name, field)
        if not kind:
            continue
        source = getattr(field, "source", None) or name
        if not field.read_only and source != "*" and "." not in source:
            personal[name] = (source, kind)
        if name not in keep:
            _wrap(target, field, kind)
    return personal
