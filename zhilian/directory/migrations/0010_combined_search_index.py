from django.db import migrations

from zhilian.core.db import CombineSearchIndexes


class Migration(migrations.Migration):
    """One trigram index over the search text and its doubled text (core.db.CombineSearchIndexes)."""

    dependencies = [("directory", "0009_organization_size_list")]

    operations = [
        CombineSearchIndexes("organization"),
        CombineSearchIndexes("testingcapability"),
        CombineSearchIndexes("expert"),
        CombineSearchIndexes("enterprisetalent"),
        CombineSearchIndexes("servicecommissioner"),
        CombineSearchIndexes("servicepoint"),
    ]
