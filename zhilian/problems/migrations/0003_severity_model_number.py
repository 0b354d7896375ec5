"""Rename SeverityModel.version to number: BaseModel.version is the edit counter."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("problems", "0002_appendix_d_model")]

    operations = [
        migrations.RenameField("severitymodel", "version", "number"),
        migrations.AlterField("severitymodel", "number",
                              models.PositiveIntegerField(unique=True, verbose_name="model version")),
        migrations.AddField("severitymodel", "version",
                            models.PositiveIntegerField(default=1, editable=False, verbose_name="version")),
    ]
