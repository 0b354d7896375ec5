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


class _SearchColumnsOperation(migrations.operations.base.Operation):
    """An operation on a searchable model's search columns (``core.models.SearchableMixin``)."""

    reduces_to_sql = True
    reversible = True
    COLUMNS = ("search_text", "search_doubled")

    def __init__(self, model_name: str):
        self.model_name = model_name.lower()

    def state_forwards(self, app_label, state):
        pass

    def deconstruct(self):
        return (self.__class__.__qualname__, [self.model_name], {})

    def _table(self, state, app_label, schema_editor) -> str:
        """The model's quoted table."""
        model = state.apps.get_model(app_label, self.model_name)
        return schema_editor.quote_name(model._meta.db_table)


class KeepSearchTextInline(_SearchColumnsOperation):
    """Keep a searchable table's ``search_text`` and ``search_doubled`` in the row, uncompressed,
    on PostgreSQL (no-op on SQLite).

    A search reads and rechecks every row the trigram index offers: a common term offers
    thousands. PostgreSQL compresses a row's long values once the row passes about 2 KB and
    moves them to the table's TOAST relation, so each of those rows cost a lookup in that
    relation and a decompression before ``LIKE`` could run (a problem's search text, written
    twice, is about 1.1 KB). With ``toast_tuple_target`` at its maximum and the two columns
    stored ``EXTERNAL`` (never compressed), a row up to a page stays whole: the search of 良率偏低
    over 100,000 problems (9,927 matches) took 83 ms of SQL before and 34 ms after
    (docs/benchmarks.md). A row larger than a page still moves its longest values out, as before.

    Rows already written keep their storage until rewritten: the rows whose search columns are
    compressed or out of the row are rewritten here, with the same values. Such a value is one
    whose stored size (``pg_column_size``) is not above its length; a value kept whole in
    the row carries a header of one or four bytes more.
    """

    def _alter(self, app_label, state, schema_editor, table_option: str, storage: str) -> str:
        """Set the table's TOAST option and the search columns' storage; the quoted table name."""
        table = self._table(state, app_label, schema_editor)
        columns = ", ".join(f"ALTER COLUMN {c} SET STORAGE {storage}" for c in self.COLUMNS)
        # Table and column names come from the model's metadata, never from input.
        schema_editor.execute(f"ALTER TABLE {table} {table_option}, {columns}")  # nosec B608
        return table

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        table = self._alter(app_label, to_state, schema_editor, "SET (toast_tuple_target = 8160)", "EXTERNAL")
        rewrite = ", ".join(f"{c} = {c} || ''" for c in self.COLUMNS)
        moved = " OR ".join(f"pg_column_size({c}) <= octet_length({c})" for c in self.COLUMNS)
        schema_editor.execute(f"UPDATE {table} SET {rewrite} WHERE {moved}")  # nosec B608

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        self._alter(app_label, from_state, schema_editor, "RESET (toast_tuple_target)", "EXTENDED")

    def describe(self):
        return f"Search text of {self.model_name} kept in the row, uncompressed (PostgreSQL)"


class CombineSearchIndexes(_SearchColumnsOperation):
    """Replace a searchable model's two trigram indexes, on its search text and on its doubled
    text (``AddTrigramIndex``), by one over both columns (PostgreSQL; no-op on SQLite).

    A search of long and two-character words tests the first on the text and the second on the
    doubled text (``core.search._matching``). With an index per column the planner, expecting
    a handful of rows from either, read one of them and tested the other words on every row it
    found: 单晶硅棒 电阻率 良率 偏低, counted, read the 9,938 problems holding 良率 and 偏低 from
    the table to keep 265 (89 ms). One index over both intersects every word's rows in the
    index (3.7 ms). It serves a search on either column alone as its own index did.
    """

    def _names(self, app_label) -> tuple[str, list[str]]:
        """The combined index's name and those of the indexes it replaces (as AddTrigramIndex names them)."""
        return (f"{app_label}_{self.model_name}_search_trgm"[:63],
                [AddTrigramIndex(self.model_name, column)._index_name(app_label) for column in self.COLUMNS])

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        table = self._table(to_state, app_label, schema_editor)
        combined, singles = self._names(app_label)
        columns = ", ".join(f"{column} gin_trgm_ops" for column in self.COLUMNS)
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        # Names come from the model's metadata, never from input.
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{combined}" ON {table} USING gin ({columns})')
        for name in singles:
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')
        schema_editor.execute(f"ANALYZE {table}")

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        combined, _singles = self._names(app_label)
        for column in self.COLUMNS:
            AddTrigramIndex(self.model_name, column).database_forwards(app_label, schema_editor, from_state, to_state)
        schema_editor.execute(f'DROP INDEX IF EXISTS "{combined}"')

    def describe(self):
        return f"One trigram index over {self.model_name}'s search text and doubled text (PostgreSQL)"


class AddTitleSearchIndexes(migrations.operations.base.Operation):
    """Index a searchable model's title for its rank's tiers on PostgreSQL (no-op on SQLite).

    A searched page is read tier by tier (``core.pagination.tiered_ids``): titles equal to the
    query (``=``, or ``UPPER() =`` for a word with case), titles containing it (a trigram
    index, and one on the doubled title, ``zl_doubled``, for two-character words), then the
    rest in the list's order. Without these an equal or containing title is found by reading
    every match of the search. Declare ``SEARCH_TITLE_INDEXED = True`` on the model with it.
    """

    reduces_to_sql = True
    reversible = True
    FUNCTION = ("CREATE OR REPLACE FUNCTION zl_doubled(value text) RETURNS text LANGUAGE sql IMMUTABLE "
                "PARALLEL SAFE AS $$ SELECT regexp_replace(value, '(.)', '\\1\\1', 'g') $$")

    STATISTICS = 1000

    def __init__(self, model_name: str, field: str = "name"):
        self.model_name = model_name.lower()
        self.field = field

    def state_forwards(self, app_label, state):
        pass

    def _indexes(self, model) -> dict:
        """Each index's name and definition, ``{c}`` standing for the quoted column."""
        prefix = f"{model._meta.db_table}_{self.field}"[:50]
        return {f"{prefix}_eq": "({c})", f"{prefix}_upper": "(UPPER(({c})::text))",
                f"{prefix}_ttrgm": "USING gin ({c} gin_trgm_ops)",
                f"{prefix}_dtrgm": "USING gin (zl_doubled({c}) gin_trgm_ops)"}

    def _model(self, state, app_label, schema_editor) -> tuple:
        """The model, its quoted table and its title's quoted column."""
        model = state.apps.get_model(app_label, self.model_name)
        quote = schema_editor.quote_name
        return model, quote(model._meta.db_table), quote(model._meta.get_field(self.field).column)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        model, table, column = self._model(to_state, app_label, schema_editor)
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(self.FUNCTION)
        for name, definition in self._indexes(model).items():
            # Names come from the model's metadata, never from input.
            schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON {table} {definition.format(c=column)}')
        # The planner's statistics of the title and its doubled text, finer than by default:
        # it reads a tier of titles holding a word in the list's order or through their index
        # by how many it expects, and from the default 100 sampled titles it expected 1,029
        # holding 试验失效 where 354 do: it read 8,800 rows in order (15 ms), not 354 (1 ms).
        schema_editor.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET STATISTICS {self.STATISTICS}")
        doubled_index = next(name for name in self._indexes(model) if name.endswith("_dtrgm"))
        schema_editor.execute(f'ALTER INDEX "{doubled_index}" ALTER COLUMN 1 SET STATISTICS {self.STATISTICS}')
        schema_editor.execute(f"ANALYZE {table}")

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        model, table, column = self._model(from_state, app_label, schema_editor)
        schema_editor.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET STATISTICS -1")
        for name in self._indexes(model):
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')

    def describe(self):
        return f"Title search indexes on {self.model_name}.{self.field} (PostgreSQL)"

    def deconstruct(self):
        return (self.__class__.__qualname__, [self.model_name], {"field": self.field})
