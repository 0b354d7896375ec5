"""Serializer fields shared by the API apps."""

from rest_framework import serializers

# The largest key both databases store (a signed 64-bit integer): a larger number sent as an id
# is a validation error, not a database overflow.
MAX_ID = 2**63 - 1


class IdField(serializers.IntegerField):
    """The id of a record, sent in a request body."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)
