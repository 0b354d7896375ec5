from django.db import migrations

from zhilian.core.db import AddTrigramIndex


class Migration(migrations.Migration):
    dependencies = [("needs", "0001_initial")]

    operations = [AddTrigramIndex("need")]
