"""Search text kept in the row on PostgreSQL (core.db.KeepSearchTextInline)."""

from django.db import migrations

from zhilian.core.db import KeepSearchTextInline


class Migration(migrations.Migration):

    dependencies = [
        ("problems", "0009_name_sort"),
    ]

    operations = [
        KeepSearchTextInline("problem"),
    ]
