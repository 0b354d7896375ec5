"""DRF's ModelSerializer builds its fields by model introspection for every serializer it
creates (every request, and every nested serializer). What it builds depends only on the
serializer class, so the result is kept per class and each serializer gets a deep copy, as
DRF already does for declared fields (a field's deep copy is a fresh instance made from its
constructor arguments). Subclasses that adjust fields per request (choices restricted to
the caller) do it after ``super().get_fields()``, on their own copy.
"""

import copy

from rest_framework import serializers

_built: dict = {}


def install() -> None:
    if getattr(serializers.ModelSerializer.get_fields, "_zl_kept", False):
        return
    build = serializers.ModelSerializer.get_fields

    def get_fields(self):
        cls = type(self)
        prototype = _built.get(cls)
        if prototype is None:
            prototype = _built[cls] = build(self)
        return copy.deepcopy(prototype)

    get_fields._zl_kept = True
    serializers.ModelSerializer.get_fields = get_fields
