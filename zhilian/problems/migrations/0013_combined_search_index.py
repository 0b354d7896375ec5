from django.db import migrations

from zhilian.core.db import CombineSearchIndexes


class Migration(migrations.Migration):
    """One trigram index over the search text and its doubled text (core.db.CombineSearchIndexes)."""

    dependencies = [("problems", "0012_title_search_indexes")]

    operations = [CombineSearchIndexes("problem")]
