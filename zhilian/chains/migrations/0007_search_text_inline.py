"""Search text kept in the row on PostgreSQL (core.db.KeepSearchTextInline)."""

from django.db import migrations

from zhilian.core.db import KeepSearchTextInline


class Migration(migrations.Migration):

    dependencies = [
        ("chains", "0006_update_cycle_at_least_a_month"),
    ]

    operations = [
        KeepSearchTextInline("chain"),
        KeepSearchTextInline("chainnode"),
    ]
