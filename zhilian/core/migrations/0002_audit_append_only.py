"""Make the audit log append-only in the database (SEC-06); see core/appendonly.py."""

from django.db import migrations


def install(apps, schema_editor):
    from zhilian.core import appendonly

    with schema_editor.connection.cursor() as cursor:
        for sql in appendonly.statements(schema_editor.connection.vendor):
            cursor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
