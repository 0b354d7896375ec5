"""The SC guide §5 service domains, which organizations, experts and needs matching use: an
installation without the demo data had none, so no organization or expert could name one and
no need matched an institution by domain."""

from django.db import migrations

# Frozen here, as this migration wrote them; choices.SERVICE_DOMAINS is the list the code uses now.
SC_GUIDE_SERVICE_DOMAINS = [
    ("metrology", "计量"), ("standards", "标准"), ("testing", "检验检测"), ("certification", "认证认可"),
    ("ip", "知识产权"), ("brand", "品牌建设"), ("quality_mgmt", "质量管理"), ("infosec", "信息安全管理"),
    ("excellence", "卓越绩效管理"), ("innovation", "特色与创新管理"),
]


def add_domains(apps, schema_editor):
    ServiceDomain = apps.get_model("directory", "ServiceDomain")
    for order, (code, name) in enumerate(SC_GUIDE_SERVICE_DOMAINS):
        # An installation that has them (from the demo, or entered by hand) keeps its names.
        ServiceDomain.objects.get_or_create(code=code, defaults={"name": name, "order": order})


class Migration(migrations.Migration):

    dependencies = [
        ("directory", "0004_search_doubled"),
    ]

    operations = [
        migrations.RunPython(add_domains, migrations.RunPython.noop),
    ]
