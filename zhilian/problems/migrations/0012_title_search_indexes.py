from django.db import migrations

from zhilian.core.db import AddTitleSearchIndexes


class Migration(migrations.Migration):
    """The problem name indexed for a search's rank tiers (core.pagination.tiered_ids)."""

    dependencies = [("problems", "0011_scoped_filter_index")]

    operations = [AddTitleSearchIndexes("problem", "name")]
