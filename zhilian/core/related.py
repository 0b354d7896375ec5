"""Which related sections of a page have any rows at all, in one query.

A detail page lists several kinds of related rows (an organization's experts, users,
service points, attachments …), each through ``restrict``. Most records have none of most
kinds, and a restricted query costs the same whether or not it finds rows. ``with_rows``
asks the database once which of those relations hold any row, before any scope::

    present = related.with_rows({"experts": (Expert, {"organization": org.pk}),
                                 "talents": (EnterpriseTalent, {"enterprise": org.pk})})

A section whose relation has no row at all cannot have a row the user may see, so the page
skips its query; a section that has rows is still read through ``restrict`` as before. The
answer is never shown: it only spares queries that would find nothing.
"""

from django.db import connections

from .keptsql import prepared_rows

_sql: dict = {}


def _statement(shape, connection) -> str:
    """``SELECT EXISTS (…), EXISTS (…)`` for ``shape`` (model, field names) pairs, written once."""
    statement = _sql.get((connection.vendor, shape))
    if statement is None:
        quote = connection.ops.quote_name
        parts = []
        for model, names in shape:
            where = " AND ".join(f"{quote(model._meta.get_field(name).column)} = %s" for name in names)
            # Identifiers from model metadata, quoted; every value is a parameter.
            parts.append(f"EXISTS (SELECT 1 FROM {quote(model._meta.db_table)} WHERE {where})")  # nosec B608
        statement = _sql[(connection.vendor, shape)] = "SELECT " + ", ".join(parts)
    return statement


def with_rows(checks: dict, using: str = "default") -> set:
    """The names in ``checks`` ({name: (model, {field: value})}) whose model has a row with
    those field values (equality on concrete columns, foreign keys by id)."""
    if not checks:
        return set()
    connection = connections[using]
    names = list(checks)
    shape, params = [], []
    for name in names:
        model, lookup = checks[name]
        fields = tuple(sorted(lookup))
        shape.append((model, fields))
        for field_name in fields:
            field = model._meta.get_field(field_name)
            value = lookup[field_name]
            params.append(field.get_db_prep_value(getattr(value, "pk", value), connection))
    row = prepared_rows(connection, _statement(tuple(shape), connection), params)[0]
    return {name for name, found in zip(names, row) if found}
