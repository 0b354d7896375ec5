"""Search text kept in the row on PostgreSQL (core.db.KeepSearchTextInline)."""

from django.db import migrations

from zhilian.core.db import KeepSearchTextInline


class Migration(migrations.Migration):

    dependencies = [
        ("consortia", "0003_search_doubled"),
    ]

    operations = [
        KeepSearchTextInline("consortium"),
    ]
