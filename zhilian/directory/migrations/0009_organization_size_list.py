from django.db import migrations, models


class Migration(migrations.Migration):
    """A district's enterprises of one size class read from the size's own index entries."""

    dependencies = [
        ("directory", "0008_list_indexes_cover_filters"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="organization",
            index=models.Index(fields=["kind", "district", "size", "name_sort"],
                               include=("id", "industry", "province", "is_active"), name="organization_size_list"),
        ),
    ]
