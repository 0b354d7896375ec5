"""Mask personal numbers in API responses (SEC-07), the serializer-level counterpart of
``core.masking``: every field that renders a personal field of its model (by source) or is
named like one comes out masked; a masked value sent back unchanged keeps the stored one."""

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


def apply(serializer, keep=()) -> None:
    """Mask the personal fields of ``serializer`` and of the serializers nested in it, but
    for the fields of ``serializer`` itself named in ``keep``."""
    target = serializer.child if isinstance(serializer, serializers.ListSerializer) else serializer
    if not isinstance(target, serializers.Serializer):
        return
    for name, field in target.fields.items():
        if isinstance(field, (serializers.Serializer, serializers.ListSerializer)):
            apply(field)
            continue
        if name in keep:
            continue
        key = (type(target), name, getattr(field, "source", None))
        try:
            kind = _kinds[key]
        except KeyError:
            kind = _kinds[key] = _kind_for(target, name, field)
        if kind:
            _wrap(target, field, kind)
