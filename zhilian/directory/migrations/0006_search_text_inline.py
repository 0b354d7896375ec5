"""Search text kept in the row on PostgreSQL (core.db.KeepSearchTextInline)."""

from django.db import migrations

from zhilian.core.db import KeepSearchTextInline


class Migration(migrations.Migration):

    dependencies = [
        ("directory", "0005_service_domains"),
    ]

    operations = [
        KeepSearchTextInline("organization"),
        KeepSearchTextInline("testingcapability"),
        KeepSearchTextInline("expert"),
        KeepSearchTextInline("servicepoint"),
        KeepSearchTextInline("servicecommissioner"),
        KeepSearchTextInline("enterprisetalent"),
    ]
