"""Search text kept in the row on PostgreSQL (core.db.KeepSearchTextInline)."""

from django.db import migrations

from zhilian.core.db import KeepSearchTextInline


class Migration(migrations.Migration):

    dependencies = [
        ("needs", "0005_match_reasons_kept_translatable"),
    ]

    operations = [
        KeepSearchTextInline("need"),
    ]
