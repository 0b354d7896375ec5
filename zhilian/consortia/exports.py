"""Exports of the consortium module: the Appendix A application as Word, the list as Excel."""

from django.conf import settings
from django.utils import timezone

from zhilian.core import spreadsheets as xl
from zhilian.core.masking import mobile_for

from .choices import MemberRole, ReviewDecision, ReviewStep
from .models import Consortium
from .wordforms import Cell, WordForm, label, signature_block

CONSORTIUM_COLUMNS = [
    xl.Column("质量创新联合体名称", "name", width=36),
    xl.Column("产业链", "chain__name", width=18),
    xl.Column("产业链领域", "chain_domain", width=24),
    xl.Column("牵头单位", "lead_unit__name", width=30),
    xl.Column("所在区", "district", width=10),
    xl.Column("负责人", "person_in_charge", width=10),
    xl.Column("状态", "status", width=16, value=lambda c: c.get_status_display()),
    xl.Column("成员单位数", "member_count", width=10, value=lambda c: sum(1 for m in c.members.all() if c.counts_member(m))),
    xl.Column("跨区域成员数", "cross_region_count", width=12,
              value=lambda c: sum(1 for m in c.members.all() if c.counts_member(m) and m.cross_region)),
    xl.Column("批准组建日期", "approved_on", width=14),
]


def _latest_opinion(consortium, step):
    """The opinion that stands for ``step``: the last one recorded at that step."""
    return consortium.reviews.filter(step=step).order_by("-decided_at", "-id").first()


def application_docx(consortium: Consortium, user) -> WordForm:
    """Lay out the application as chain guide Appendix A (质量创新联合体组建申请表)."""
    form = WordForm()
    form.title("质量创新联合体组建申请表", note=f"{consortium.get_status_display()} · 导出于 "
                                       f"{timezone.localtime():%Y-%m-%d %H:%M}")
    form.grid([1.4, 4.6, 4.2, 2.4, 4.4])
    form.row([label("质量创新联合体名称", 2), Cell(consortium.name, 3)])
    form.row([label("产业链领域", 2), Cell(f"{consortium.chain_domain}（{consortium.chain}）", 3)])
    form.row([label("牵头单位（盖章）", 2), Cell(consortium.lead_unit.name, 3)])
    form.row([label("负责人", 2), Cell(consortium.person_in_charge), label("联系电话"),
              Cell(mobile_for(user, consortium.person_phone))])
    form.row([Cell("一、主要成员单位", 5, bold=True)])
    form.row([label("序号"), label("成员单位名称"), label("统一社会信用代码"), label("联系人"), label("联系电话")])
    members = list(consortium.members.filter(role=MemberRole.MEMBER).select_related("organization")
                   .order_by("order", "id"))
    shown = [m for m in members if m.left_on is None] if consortium.is_approved else members
    for index, member in enumerate(shown, start=1):
        name = member.organization.name + ("（跨区域）" if member.cross_region else "")
        form.row([Cell(index, align="center"), Cell(name), Cell(member.uscc, align="center"),
                  Cell(member.contact_name, align="center"), Cell(mobile_for(user, member.contact_phone), align="center")])
    for index in range(len(shown) + 1, 5):  # the paper form has at least four member rows
        form.row([Cell(index, align="center"), "", "", "", ""])
    form.row([Cell("二、主要建设内容（包括主要建设目标、建设工作方案等）", 5, bold=True)])
    content = form.row([Cell(f"主要建设目标：\n{consortium.goals}\n\n建设工作方案：\n{consortium.work_plan}", 5)])
    form.min_height(content, 5)
    city = consortium.city or settings.ZHILIAN_REGION_CITY
    headings = [
        (ReviewStep.LEAD, "三、牵头单位意见", consortium.lead_unit.name),
        (ReviewStep.DISTRICT, f"四、所在区（{consortium.district or '　　'}）质量强区工作领导小组办公室审核意见", ""),
        (ReviewStep.CITY, f"五、{city}质量强市工作领导小组办公室审核意见", ""),
    ]
    for step, heading, signer in headings:
        form.row([Cell(heading, 5, bold=True)])
        review = _latest_opinion(consortium, step)
        text = ""
        date = None
        if review is not None:
            decision = ReviewDecision(review.decision).label
            text = f"【{decision}】{review.opinion}"
            if review.reviewer:
                text += f"\n经办人：{review.reviewer}"
            signer = signer or (review.reviewer_org.name if review.reviewer_org else "")
            date = timezone.localtime(review.decided_at).date()
        box = form.row([Cell(signature_block(text, signer, date), 5)])
        form.min_height(box, 3)
    return form
