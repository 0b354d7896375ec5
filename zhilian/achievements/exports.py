"""Exports of the achievement library: Table G.1 (intake form) and Appendix H (licence
agreement) as Word, the library list as Excel."""

from django.utils import timezone

from zhilian.consortia.wordforms import Cell, WordForm, label, signature_block
from zhilian.core import spreadsheets as xl
from zhilian.core.masking import mobile_for

from .choices import AchievementType, LicenseMode, LicenseStatus, ShareCondition, ShareLevel
from .services import DECLARATION

LIBRARY_COLUMNS = [
    xl.Column("成果编号", "code", width=16),
    xl.Column("成果名称", "name", width=36),
    xl.Column("成果贡献方", "contributor__name", width=30),
    xl.Column("成果类型", "achievement_type", width=12, value=lambda a: a.get_achievement_type_display()),
    xl.Column("成果简介", "summary", width=50),
    xl.Column("解决的质量问题", "problem_solved", width=40),
    xl.Column("技术指标/性能", "indicators", width=40),
    xl.Column("应用场景与范围", "application_scope", width=30),
    xl.Column("知识产权类型", "ip_type", width=14, value=lambda a: a.get_ip_type_display()),
    xl.Column("权利状态", "right_status", width=12, value=lambda a: a.get_right_status_display()),
    xl.Column("证书编号", "certificate_no", width=20),
    xl.Column("共享级别", "share_level", width=12, value=lambda a: a.get_share_level_display()),
    xl.Column("共享条件", "share_condition", width=12, value=lambda a: a.get_share_condition_display()),
    xl.Column("来源攻关项目", "project__code", width=14),
    xl.Column("状态", "status", width=10, value=lambda a: a.get_status_display()),
    xl.Column("入库日期", "listed_on", width=12),
]


def _boxes(choices, chosen, labels=None):
    """□/☑ boxes as on the paper form."""
    labels = labels or {}
    return "　".join(("☑" if code == chosen else "□") + str(labels.get(code, label)) for code, label in choices)


G_TYPES = {AchievementType.PATENT: "专利", AchievementType.TRADE_SECRET: "技术秘密", AchievementType.SOFTWARE: "软件著作权",
           AchievementType.STANDARD: "技术标准", AchievementType.SOLUTION: "解决方案", AchievementType.DATABASE: "数据库",
           AchievementType.CASE: "典型案例", AchievementType.OTHER: "其他"}
G_LEVELS = {ShareLevel.PUBLIC: "完全公开", ShareLevel.CONSORTIUM: "联盟内共享", ShareLevel.TARGETED: "定向共享",
            ShareLevel.PAID: "有偿共享"}
G_CONDITIONS = {ShareCondition.FREE: "免费使用", ShareCondition.PAID: "有偿使用（需说明）",
                ShareCondition.AGREEMENT: "需签订协议"}


def intake_docx(achievement, user) -> WordForm:
    """Lay out the achievement as chain guide Table G.1 (产业链质量攻关成果入库信息表)."""
    form = WordForm()
    form.title("产业链质量攻关成果入库信息表", note=f"{achievement.code} · {achievement.get_status_display()} · 导出于 "
                                          f"{timezone.localtime():%Y-%m-%d %H:%M}")
    form.grid([2.6, 3.6, 11.0])
    a = achievement
    problems = "；".join(f"{p.code} {p.name}" for p in a.problems.all())
    level = _boxes(list(G_LEVELS.items()), a.share_level)
    if a.share_level == ShareLevel.TARGETED:
        level += "\n定向对象：" + "、".join(o.name for o in a.targeted_organizations.all())
    condition = _boxes(list(G_CONDITIONS.items()), a.share_condition)
    if a.fee_terms:
        condition += f"\n说明：{a.fee_terms}"
    declared = timezone.localtime(a.declared_at).date() if a.declared_at else None
    reviewed = timezone.localtime(a.reviewed_at).date() if a.reviewed_at else None
    groups = [
        ("基本信息", [("成果名称", a.name), ("成果贡献方", a.contributor.name),
                      ("成果类型", _boxes(list(G_TYPES.items()), a.achievement_type)), ("成果简介", a.summary)]),
        ("成果内容", [("解决的质量问题", a.problem_solved + (f"\n（关联问题库：{problems}）" if problems else "")),
                      ("技术指标/性能", a.indicators), ("应用场景与范围", a.application_scope)]),
        ("知识产权", [("知识产权类型", a.get_ip_type_display()), ("权利状态", a.get_right_status_display()),
                      ("证书编号", a.certificate_no or "—"), ("专利权人/著作权人", a.right_holder or "—")]),
        ("共享信息", [("共享级别", level), ("共享条件", condition),
                      ("联系方式", f"{a.contact_name}　{mobile_for(user, a.contact_phone)}")]),
        ("审核信息", [("贡献方承诺", signature_block(DECLARATION + ("（已确认）" if declared else ""),
                                                     a.contributor.name + "（盖章）", declared, seal="")),
                      ("管理机构审核意见", _review_block(a, reviewed))]),
    ]
    for group, rows in groups:
        first = form.row_count
        for caption, value in rows:
            form.row([label(group if form.row_count == first else ""), label(caption), Cell(value)])
        form.vmerge(0, first, form.row_count - 1)
    form.paragraph(f"来源攻关项目：{a.project.code} {a.project.name}；所属联合体：{a.consortium.name}", size=9)
    return form


def _review_block(achievement, reviewed_on) -> str:
    """The review opinion signed by whoever recorded it: the reviewer's unit and name (the lead
    unit, or the management institution for the lead unit's own results), not a unit guessed
    from the consortium. Blank lines to fill in before a review is recorded."""
    reviewer = achievement.reviewed_by if achievement.review_opinion else None
    if reviewer is None:
        return signature_block(achievement.review_opinion, "审核单位（盖章）：\n审核人：", reviewed_on, seal="")
    unit = reviewer.organization.name if reviewer.organization_id else ""
    return signature_block(achievement.review_opinion, f"审核单位（盖章）：{unit}\n审核人：{reviewer.full_name or reviewer}",
                           reviewed_on, seal="")


H_MODES = {LicenseMode.ORDINARY: "普通实施许可", LicenseMode.EXCLUSIVE: "排他实施许可", LicenseMode.SOLE: "独占实施许可"}


# Lines left to fill in by hand, for a clause the parties have not written yet.
BLANK_LINES = "\n".join(["＿" * 30] * 2)


def _clause(licence, text: str) -> str:
    """A clause as the parties agreed it. An empty one is never filled with the template's
    guidance (that would read as agreed terms): lines to fill in while the agreement is open,
    （未约定） once it is signed."""
    text = (text or "").strip()
    if text:
        return text
    return "（未约定）" if licence.status == LicenseStatus.SIGNED else BLANK_LINES


def license_docx(licence, user) -> WordForm:
    """Lay out the agreement as chain guide Appendix H (成果共享许可协议)."""
    form = WordForm()
    form.title("成果共享许可协议", note=f"{licence.code} · {licence.get_status_display()}")
    form.grid([2.2, 15.0])
    form.row([Cell(f"甲方（许可方/贡献方）：{licence.licensor.name}", 2)])
    form.row([Cell(f"乙方（被许可方/使用方）：{licence.licensee.name}", 2)])
    form.row([Cell(f"鉴于甲方拥有【{licence.achievement.name}】的相关知识产权，并已存入共享库；乙方希望使用该成果。"
                   "双方达成如下协议：", 2)])
    form.row([label("一、"), Cell(f"许可成果\n【{licence.achievement.name}】（{licence.achievement.code}）")])
    form.row([label("二、"), Cell("许可方式\n" + _boxes(list(H_MODES.items()), licence.mode))])
    term = f"自 {licence.start_date:%Y 年 %m 月 %d 日} 至 {licence.end_date:%Y 年 %m 月 %d 日}"
    form.row([label("三、"), Cell(f"许可范围与期限\n地域范围：{licence.territory_display}\n"
                                 f"使用领域：{'、'.join(licence.fields_of_use) or '全部领域'}\n许可期限：{term}")])
    form.row([label("四、"), Cell(f"费用及支付\n许可费：{licence.fee_amount:,.2f} 万元　{licence.fee_terms}")])
    for number, caption, text in (("五、", "双方权利与义务", licence.obligations), ("六、", "违约责任", licence.breach),
                                  ("七、", "争议解决", licence.dispute_resolution)):
        form.row([label(number), Cell(f"{caption}\n{_clause(licence, text)}")])
    signed = licence.signed_on
    form.min_height(form.row([Cell(
        f"甲方（盖章）：{licence.licensor.name}\n代表签字：{licence.licensor_signatory}"
        f"{f'　{licence.licensor_signed_on:%Y-%m-%d}' if licence.licensor_signed_on else ''}\n\n"
        f"乙方（盖章）：{licence.licensee.name}\n代表签字：{licence.licensee_signatory}"
        f"{f'　{licence.licensee_signed_on:%Y-%m-%d}' if licence.licensee_signed_on else ''}\n\n"
        + (f"签署日期：{signed:%Y 年 %m 月 %d 日}" if signed else "签署日期：　　年　　月　　日"), 2)]), 4)
    return form
