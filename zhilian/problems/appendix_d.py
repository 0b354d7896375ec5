"""The chain guide's Appendix D severity model (表D.1), version 1 of the configurable model (PRB-03).

Migration 0002 seeds it; :func:`ensure_model` re-creates it where a database was flushed
(transactional tests) so the demo and the platform always have a current model.
"""

from decimal import Decimal

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




def ensure_model():
    """Create version 1 from Appendix D unless some model exists; return the current one."""
    from .models import SeverityDimension, SeverityModel

    if not SeverityModel.objects.exists():
        model = SeverityModel.objects.create(
            number=1, name="产业链质量问题严重度评估模型（附录D）", level1_min=Decimal("4.0"), level2_min=Decimal("2.5"),
            is_current=True, note="T/GQDA 产业链质量提升实施导则 附录D 表D.1")
        for order, (code, name, weight, levels) in enumerate(DIMENSIONS):
            SeverityDimension.objects.create(model=model, code=code, name=name, weight=weight, order=order,
                                             levels=levels)
    return SeverityModel.objects.current()
