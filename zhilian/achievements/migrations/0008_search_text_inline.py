"""Search text kept in the row on PostgreSQL (core.db.KeepSearchTextInline)."""

from django.db import migrations

from zhilian.core.db import KeepSearchTextInline


class Migration(migrations.Migration):

    dependencies = [
        ("achievements", "0007_list_order_nulls_last"),
    ]

    operations = [
        KeepSearchTextInline("achievement"),
    ]
