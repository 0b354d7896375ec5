"""Operations shared by several apps' migrations. Kept small and stable: a migration that
imports from here runs as long as the project does."""

from django.db import migrations


def fill_name_sort(app_label: str, model_name: str) -> migrations.RunPython:
    """Fill ``name_sort`` (``PinyinSortMixin``) for rows saved before the column existed, with
    the key their next save would write."""

    def forwards(apps, schema_editor):
        from zhilian.core.text import pinyin_key

        model = apps.get_model(app_label, model_name)
        rows = list(model.objects.only("pk", "name"))
        for row in rows:
            row.name_sort = pinyin_key(row.name or "")
        model.objects.bulk_update(rows, ["name_sort"], batch_size=2000)

    return migrations.RunPython(forwards, migrations.RunPython.noop)
