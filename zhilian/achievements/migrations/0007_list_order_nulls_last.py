from django.db import migrations, models

# The library's order puts achievements not (yet) listed after the listed ones on both
# databases (PostgreSQL put NULLs first in a descending order). On PostgreSQL the list's index
# follows it, so a page no longer walks every unlisted row first; SQLite allows no NULLS LAST
# in an index and already puts NULLs last, so its index stays as the model declares it.
NULLS_LAST = ('CREATE INDEX "achievement_list_order" ON "achievements_achievement" '
              '("listed_on" DESC NULLS LAST, "created_at" DESC, "id" DESC)')
AS_DECLARED = ('CREATE INDEX "achievement_list_order" ON "achievements_achievement" '
               '("listed_on" DESC, "created_at" DESC, "id" DESC)')


def _replace_index(create):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute('DROP INDEX IF EXISTS "achievement_list_order"')
            schema_editor.execute(create)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ("achievements", "0006_name_sort"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="achievement",
            options={"ordering": [models.OrderBy(models.F("listed_on"), descending=True, nulls_last=True),
                                  "-created_at", "-id"],
                     "permissions": [("review_achievement", "Can review achievements for the library")],
                     "verbose_name": "breakthrough achievement", "verbose_name_plural": "breakthrough achievements"},
        ),
        migrations.RunPython(_replace_index(NULLS_LAST), _replace_index(AS_DECLARED)),
    ]
