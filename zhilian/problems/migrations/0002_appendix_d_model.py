"""The chain guide's Appendix D severity model as version 1 (PRB-03)."""

from decimal import Decimal

from django.db import migrations

from zhilian.core.db import AddTrigramIndex

DIMENSIONS = [
    ("impact", "对产业链安全与竞争力的影响", Decimal("0.40"), [
        {"scores": "5", "description": "致命性“卡脖子”问题，直接威胁产业链安全。"},
        {"scores": "3-4", "description": "严重制约产业链竞争力提升的关键短板。"},
        {"scores": "1-2", "description": "对竞争力有一般性影响。"},
    ]),
    ("spread", "问题影响的扩散性", Decimal("0.30"), [
        {"scores": "5", "description": "系统性、共性技术问题，影响多个下游环节或大量产品。"},
        {"scores": "3-4", "description": "影响重要下游环节或主要产品。"},
        {"scores": "1-2", "description": "影响范围相对局限。"},
    ]),
    ("urgency", "问题改进的紧迫性与难度", Decimal("0.30"), [
        {"scores": "5", "description": "亟需解决，且技术难度极高，依赖原始创新。"},
        {"scores": "3-4", "description": "需要尽快解决，有一定技术难度。"},
        {"scores": "1-2", "description": "可随技术发展逐步解决，难度一般。"},
    ]),
]


def create(apps, schema_editor):
    SeverityModel = apps.get_model("problems", "SeverityModel")
    SeverityDimension = apps.get_model("problems", "SeverityDimension")
    model, created = SeverityModel.objects.get_or_create(
        version=1,
        defaults={"name": "产业链质量问题严重度评估模型（附录D）", "level1_min": Decimal("4.0"),
                  "level2_min": Decimal("2.5"), "is_current": True,
                  "note": "T/GQDA 产业链质量提升实施导则 附录D 表D.1"},
    )
    if created:
        for order, (code, name, weight, levels) in enumerate(DIMENSIONS):
            SeverityDimension.objects.create(model=model, code=code, name=name, weight=weight, order=order, levels=levels)


class Migration(migrations.Migration):
    dependencies = [("problems", "0001_initial")]

    operations = [
        migrations.RunPython(create, migrations.RunPython.noop),
        AddTrigramIndex("problem"),
    ]
