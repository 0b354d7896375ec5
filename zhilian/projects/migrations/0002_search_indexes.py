from django.db import migrations

from zhilian.core.db import AddTrigramIndex


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_initial")]

    operations = [AddTrigramIndex("project")]
