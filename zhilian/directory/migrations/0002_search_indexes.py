from django.db import migrations

from zhilian.core.db import AddTrigramIndex


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial")]

    operations = [
        AddTrigramIndex("organization"),
        AddTrigramIndex("testingcapability"),
        AddTrigramIndex("expert"),
        AddTrigramIndex("servicecommissioner"),
        AddTrigramIndex("enterprisetalent"),
        AddTrigramIndex("servicepoint"),
    ]
