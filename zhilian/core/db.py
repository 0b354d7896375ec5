"""Migration operations that differ between PostgreSQL and SQLite."""

from django.db import migrations


class AddTrigramIndex(migrations.operations.base.Operation):
    """Create a pg_trgm GIN index on PostgreSQL (no-op on SQLite).

    A trigram index serves ``LIKE '%单晶棒%'``: the search of Chinese text without a
    segmenting extension (none is packaged for Debian's PostgreSQL 15).
    """

    reduces_to_sql = True
    reversible = True

    def __init__(self, model_name: str, field: str = "search_text", name: str | None = None):
        self.model_name = model_name.lower()
        self.field = field
        self.name = name

    def state_forwards(self, app_label, state):
        pass

    def _index_name(self, app_label):
        return self.name or f"{app_label}_{self.model_name}_{self.field}_trgm"[:63]

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        model = to_state.apps.get_model(app_label, self.model_name)
        table = model._meta.db_table
        column = model._meta.get_field(self.field).column
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{self._index_name(app_label)}" ON "{table}" '
            f'USING gin ("{column}" gin_trgm_ops)'
        )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(f'DROP INDEX IF EXISTS "{self._index_name(app_label)}"')

    def describe(self):
        return f"Trigram index on {self.model_name}.{self.field} (PostgreSQL)"

    def deconstruct(self):
        return (self.__class__.__qualname__, [self.model_name, self.field], {"name": self.name})


class FillSearchDoubled(migrations.RunPython):
    """Fill ``search_doubled`` of existing rows (``core.text.doubled`` of ``search_text``).

    Models are named ``"app_label.model_name"``.
    """

    def __init__(self, *models: str):
        self.models = models
        super().__init__(self._fill, migrations.RunPython.noop)

    def _fill(self, apps, schema_editor):
        from .text import doubled

        for label in self.models:
            model = apps.get_model(label)
            if schema_editor.connection.vendor == "postgresql":
                # The table name comes from the model's metadata, never from input.
                sql = f"UPDATE {schema_editor.quote_name(model._meta.db_table)} SET search_doubled = "  # nosec B608
                schema_editor.execute(sql + "regexp_replace(search_text, '(.)', '\\1\\1', 'g')")
                continue
            for pk, text in model.objects.values_list("pk", "search_text").iterator():
                model.objects.filter(pk=pk).update(search_doubled=doubled(text))

    def deconstruct(self):
        return (self.__class__.__qualname__, list(self.models), {})
