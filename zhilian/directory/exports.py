"""Excel layouts of the directory: organizations, experts, and the 主要检验检测服务机构名录.

Import and export share the columns, so an exported file can be edited and imported
again: rows are matched on their natural key (USCC for organizations; identity number,
else name + mobile, else name + employer for experts) and update instead of duplicating.
Personal numbers are exported masked for roles without ``accounts.unmask_personal_data``
(SEC-07); a masked cell imported back keeps the recorded number.
"""

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from zhilian.core import spreadsheets as xl
from zhilian.core.masking import id_number_for, mobile_for

from .choices import ExpertQualificationKind, OrganizationKind, SizeClass, TitleLevel
from .models import Expert, Organization, ServiceDomain
from .validators import validate_mobile_or_phone, validate_uscc


def choice_of(choices_class):
    """Parse a choice by its code or its label in any platform language (中文 or English).

    A file exported in English must import on a Chinese screen and the other way round.
    """

    def parse(value):
        raw = xl.text(value)
        if raw == "":
            return ""
        codes = {str(code) for code in choices_class.values}
        if raw in codes:
            return raw
        for language in ("zh-hans", "en"):
            with translation.override(language):
                for code, label in choices_class.choices:
                    if raw == str(label):
                        return code
        with translation.override("zh-hans"):
            labels = "、".join(str(label) for label in choices_class.labels)
        raise ValidationError(_("“%(v)s” is not one of: %(opts)s.") % {"v": raw, "opts": labels})

    return parse


def _uscc(value):
    raw = xl.text(value).upper()
    validate_uscc(raw)
    return raw


def _not_masked(value, *, max_length=None):
    raw = xl.text(value, max_length=max_length)
    if "*" in raw or "＊" in raw:
        return None  # an exported, masked number: keep what is recorded
    return raw


def _phone(value):
    """A mobile or landline number, checked in the cell; a masked export cell keeps the record."""
    raw = _not_masked(value, max_length=30)
    if raw:
        validate_mobile_or_phone(raw)
    return raw


def _yes_no(value):
    raw = xl.text(value).lower()
    if raw in ("", "否", "no", "n", "false", "0", "无"):
        return False
    if raw in ("是", "yes", "y", "true", "1", "有"):
        return True
    raise ValidationError(_("Enter 是 or 否 (yes or no)."))


def _list(value):
    return [part for part in (p.strip() for p in xl.text(value).replace(",", "、").replace("，", "、")
                              .replace(";", "、").replace("；", "、").split("、")) if part]


def organization_columns(user=None) -> list[xl.Column]:
    """The 单位名录 columns; the contact phone is masked for ``user`` without unmask rights."""
    return [
        xl.Column("单位名称", "name", required=True, width=36),
        xl.Column("单位类型", "kind", parse=choice_of(OrganizationKind), required=True, width=14,
                  value=lambda o: o.get_kind_display()),
        xl.Column("统一社会信用代码", "uscc", parse=_uscc, width=22),
        xl.Column("省份", "province", width=12),
        xl.Column("城市", "city", width=10),
        xl.Column("区县", "district", width=10),
        xl.Column("地址", "address", width=36),
        xl.Column("所属行业", "industry", width=24),
        xl.Column("企业规模", "size", parse=choice_of(SizeClass), width=10, value=lambda o: o.get_size_display()),
        xl.Column("联系人", "contact_name", width=10),
        xl.Column("联系电话", "contact_phone", parse=_phone, width=16,
                  value=lambda o: mobile_for(user, o.contact_phone) if user is not None else o.contact_phone),
    ]


ORGANIZATION_COLUMNS = organization_columns()


class OrganizationImporter(xl.TabularImporter):
    """Organizations by USCC (or by name for units without one); re-import updates.

    A row describes the record it matches: a column the file does not carry (行政层级, 上级单位)
    keeps what is recorded and is checked as recorded, so an export imports back cleanly.
    A government unit is therefore added on its page, where its level and parent are chosen.
    A code already registered to a unit of another name is refused, never a rename (the form
    and the API refuse the same code the same way); renaming is done on the unit's page.
    A masked phone cell (an export for a role without unmask rights) keeps the stored phone.
    """

    title = "单位名录"
    heading = "单位名录"
    model = Organization

    def __init__(self, *, user):
        super().__init__(user=user)
        self.columns = organization_columns(user)

    def key(self, cleaned):
        return cleaned.get("uscc") or ("name", cleaned.get("name"))

    def validate_row(self, cleaned):
        from .regions import PROVINCES

        faulty = any(column.field not in cleaned for column in self.columns)  # a cell already reported
        if cleaned.get("contact_phone") is None:
            cleaned.pop("contact_phone", None)  # masked (or no such column): the record keeps its phone
        cleaned["province"] = cleaned.get("province") or "福建省"
        if cleaned["province"] not in PROVINCES:
            raise ValidationError({"province": _("Unknown province “%(p)s”.") % {"p": cleaned["province"]}})
        from .services import organization_matched, renaming_refused

        found = "uscc" in cleaned and cleaned.get("name")  # the record the row describes can be looked up
        record = organization_matched(cleaned) if found else None
        refused = renaming_refused(user=self.user, record=record, data=cleaned)
        if refused:  # the service's own rule, checked here so that 仅校验 reports it too
            raise ValidationError({"name": refused})
        if found and record is None and cleaned.get("kind") == OrganizationKind.GOVERNMENT:
            raise ValidationError({"kind": _("A government unit is added on the organization page, where its "
                                             "level and parent unit are chosen; this file has no columns for them.")})
        probe = record if record is not None else Organization()
        for name, value in cleaned.items():
            setattr(probe, name, value)
        try:
            probe.full_clean(exclude=["uscc", "parent"], validate_unique=False)
        except ValidationError as exc:
            errors = exc.message_dict
            if faulty:  # what the faulty cells cause elsewhere is not reported twice
                errors = {k: v for k, v in errors.items() if k in cleaned or k == "__all__"} or errors
            raise ValidationError(errors) from None

    def save_row(self, cleaned):
        from .services import organization_upsert

        _obj, created = organization_upsert(user=self.user, data=cleaned)
        return created


# --------------------------------------------------------------------------- experts


def _domain_parser():
    """Parse "计量、检验检测" into service-domain codes (the domain list is read once per file)."""
    known: dict[str, str] = {}

    def parse(value):
        if not known:
            for domain in ServiceDomain.objects.all():
                known[domain.name] = known[domain.code] = domain.code
        names = _list(value)
        unknown = [n for n in names if n not in known]
        if unknown:
            raise ValidationError(_("Unknown service domain: %(names)s. Use: %(known)s.") % {
                "names": "、".join(unknown),
                "known": "、".join(sorted({n for n, c in known.items() if n != c}))})
        return [known[n] for n in names]

    return parse


def _qualification_kinds(value):
    parse = choice_of(ExpertQualificationKind)
    return [parse(part) for part in _list(value)]


def expert_columns(user=None) -> list[xl.Column]:
    """The 专家库 columns; mobile and identity numbers are masked for ``user`` without unmask."""

    def masked(getter, fn):
        return lambda e: fn(user, getter(e)) if user is not None else getter(e)

    return [
        xl.Column("姓名", "name", required=True, width=10),
        xl.Column("工作单位", "employer", width=32),
        xl.Column("职称", "title", width=14),
        xl.Column("职称等级", "title_level", parse=choice_of(TitleLevel), width=10,
                  value=lambda e: e.get_title_level_display()),
        xl.Column("服务领域", "domain_codes", parse=_domain_parser(), width=24,
                  value=lambda e: "、".join(d.name for d in e.domains.all())),
        xl.Column("专业特长", "specialties", width=28),
        xl.Column("质量管理研究或实践经验", "quality_experience", parse=_yes_no, width=12,
                  value=lambda e: "是" if e.quality_experience else "否"),
        xl.Column("从业资格", "qualification_kinds", parse=_qualification_kinds, width=28,
                  value=lambda e: "、".join(q.get_kind_display() for q in e.qualifications.all())),
        xl.Column("手机", "mobile", parse=_phone, width=14, value=masked(lambda e: e.mobile, mobile_for)),
        xl.Column("电子邮箱", "email", width=22),
        xl.Column("身份证号", "id_number", parse=_not_masked, width=20,
                  value=masked(lambda e: e.id_number, id_number_for)),
    ]


def expert_export_columns(user=None) -> list[xl.Column]:
    return expert_columns(user) + [
        xl.Column("符合帮扶工作组条件", "eligible", width=12, value=lambda e: "是" if e.is_eligible else "否"),
    ]


class ExpertImporter(xl.TabularImporter):
    """The expert library (DIR-02); re-importing the same file updates the same experts."""

    title = "专家库"
    heading = "专家库"

    def __init__(self, *, user):
        super().__init__(user=user)
        self.columns = expert_columns(user)

    def key(self, cleaned):
        if cleaned.get("id_number"):
            return ("id", cleaned["id_number"])
        if cleaned.get("mobile"):
            return ("mobile", cleaned["name"], cleaned["mobile"])
        return ("name", cleaned["name"], cleaned.get("employer", ""))

    def validate_row(self, cleaned):
        for name in ("mobile", "id_number"):
            if cleaned.get(name) is None:
                cleaned.pop(name, None)
        fields = {k: v for k, v in cleaned.items() if k not in ("domain_codes", "qualification_kinds")}
        fields.setdefault("title_level", TitleLevel.NONE)
        if not fields["title_level"]:
            fields["title_level"] = TitleLevel.NONE
        probe = Expert(**fields)
        try:
            probe.full_clean(validate_unique=False)
        except ValidationError as exc:
            raise ValidationError({k: v for k, v in exc.message_dict.items() if k in cleaned or k == "__all__"}
                                  or exc.message_dict) from None

    def save_row(self, cleaned):
        from .services import expert_upsert

        data = {k: v for k, v in cleaned.items() if k not in ("domain_codes", "qualification_kinds")}
        if not data.get("title_level"):
            data.pop("title_level", None)
        _obj, created = expert_upsert(user=self.user, data=data, domain_codes=cleaned.get("domain_codes") or None,
                                      qualification_kinds=cleaned.get("qualification_kinds"))
        return created


# --------------------------------------------------------------------------- 主要检验检测服务机构名录 (DIR-04)

ROSTER_HEADING = "主要检验检测服务机构名录"
# TestingCapability.certificate_status as the roster states it: a line whose certificate
# lapsed stays listed, flagged, and is not counted as qualified.
CERTIFICATE_STATUS = {"valid": "有效", "expiring": "有效（即将到期）", "expired": "过期（不计入有效资质）",
                      "not_yet_valid": "尚未生效（不计入有效资质）", "missing": "无对应证书记录"}
# InstitutionQualification.expiry_status as the certificate column adds it to the end date.
ROSTER_CERTIFICATE_NOTES = {"expired": "，已过期", "not_yet_valid": "，尚未生效"}


def roster_workbook(entries, keywords, user=None) -> bytes:
    """The roster as one sheet: an institution per block of rows, its capability lines beside it."""

    class Row:
        def __init__(self, **kw):
            self.__dict__.update(kw)

    rows, number = [], 0
    for entry in entries:
        number += 1
        org = entry.institution
        certificates = "；".join(f"{q.label}（有效期至 {q.valid_until:%Y-%m-%d}"
                                f"{ROSTER_CERTIFICATE_NOTES.get(q.expiry_status, '')}）" for q in entry.qualifications)
        for idx, cap in enumerate(entry.capabilities):
            first = idx == 0
            rows.append(Row(no=number if first else "", name=org.name if first else "",
                            district=f"{org.city}{org.district}" if first else "",
                            certificates=certificates if first else "",
                            contact=f"{org.contact_name} {mobile_for(user, org.contact_phone)}".strip() if first else "",
                            product=cap.product, parameter=cap.parameter, method=cap.method,
                            standard=cap.standard_code, accredited=cap.get_qualification_display(),
                            status=CERTIFICATE_STATUS.get(cap.certificate_status, ""), limitation=cap.limitation))
    columns = [
        xl.Column("序号", "no", width=6), xl.Column("机构名称", "name", width=30),
        xl.Column("所在地", "district", width=14), xl.Column("资质（CMA / CNAS）", "certificates", width=40),
        xl.Column("联系方式", "contact", width=20), xl.Column("产品 / 对象", "product", width=18),
        xl.Column("项目 / 参数", "parameter", width=18), xl.Column("检测方法", "method", width=20),
        xl.Column("依据标准", "standard", width=20), xl.Column("资质类别", "accredited", width=14),
        xl.Column("资质状态", "status", width=18), xl.Column("限制范围", "limitation", width=16),
    ]
    notes = [f"产品关键词：{'、'.join(keywords)}",
             "依据：T/GQDA 产业链质量提升实施导则 5.3.5（以 CMA 资质认定和 CNAS 认可体系为基础，"
             "从产品、项目/参数、检测方法三个维度梳理检验检测能力）"]
    return xl.build_workbook(ROSTER_HEADING, columns, rows, heading=ROSTER_HEADING, notes=notes)
