"""Demo figures of Table I.1 the platform does not hold (PLT-13), for the semiconductor chain."""

from zhilian.accounts.models import User
from zhilian.chains.models import Chain

from .services import summary_inputs_save


def load():
    chain = Chain.objects.filter(name="集成电路产业链").first()
    if chain is None or hasattr(chain, "summary_input"):
        return
    summary_inputs_save(user=User.objects.get(username="city"), chain=chain, data={
        "sme_certifications": "闽硅单晶通过 IATF 16949 认证；2 家配套企业通过 ISO 9001 换版认证。",
        "employment": "新增工艺与检测岗位 35 个。",
        "market": "闽硅 12 英寸硅棒本地配套率由 18% 提升至 31%。",
        "cost_savings": "下游晶圆良率提升，年节约质量损失约 2 600 万元。",
    })
