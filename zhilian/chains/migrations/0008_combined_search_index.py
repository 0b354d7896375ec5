from django.db import migrations

from zhilian.core.db import CombineSearchIndexes


class Migration(migrations.Migration):
    """One trigram index over the search text and its doubled text (core.db.CombineSearchIndexes)."""

    dependencies = [("chains", "0007_search_text_inline")]

    operations = [CombineSearchIndexes("chain"), CombineSearchIndexes("chainnode")]
