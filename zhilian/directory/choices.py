from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganizationKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("Enterprise")
    INSTITUTION = "institution", _("Technical institution")
    INDUSTRY_ORG = "industry_org", _("Industry organization")
    RESEARCH = "research", _("University / research institute")
    GOVERNMENT = "government", _("Government unit")


class SizeClass(models.TextChoices):
    MICRO = "micro", _("Micro")
    SMALL = "small", _("Small")
    MEDIUM = "medium", _("Medium")
    LARGE = "large", _("Large")


class GovernmentLevel(models.TextChoices):
    # platform news: city bureau, district bureaus and 23 grassroots offices
    CITY = "city", _("City bureau")
    DISTRICT = "district", _("District bureau")
    GRASSROOTS = "grassroots", _("Grassroots office")


class QualificationKind(models.TextChoices):
    CMA = "CMA", _("CMA inspection body accreditation")
    CNAS = "CNAS", _("CNAS accreditation")
    CAL = "CAL", _("CAL")
    OTHER = "other", _("Other")


class CertificateStatus(models.TextChoices):
    """Whether the certificate a capability line is accredited under covers it today
    (``TestingCapability.certificate_status``; empty when the line is not accredited)."""

    VALID = "valid", _("valid")
    EXPIRING = "expiring", _("expiring")
    EXPIRED = "expired", _("expired")
    NOT_YET_VALID = "not_yet_valid", _("not yet in force")
    MISSING = "missing", _("no certificate")


class TitleLevel(models.TextChoices):
    NONE = "none", _("None")
    JUNIOR = "junior", _("Junior")
    INTERMEDIATE = "intermediate", _("Intermediate")
    ASSOCIATE_SENIOR = "associate_senior", _("Associate senior")
    SENIOR = "senior", _("Senior")


TITLE_RANK = {
    TitleLevel.NONE: 0,
    TitleLevel.JUNIOR: 1,
    TitleLevel.INTERMEDIATE: 2,
    TitleLevel.ASSOCIATE_SENIOR: 3,
    TitleLevel.SENIOR: 4,
}


class ExpertQualificationKind(models.TextChoices):
    CERTIFICATION_AUDITOR = "certification_auditor", _("Certification auditor")
    LICENCE_REVIEWER = "licence_reviewer", _("Industrial product production-licence reviewer")
    QUALITY_ENGINEER = "quality_engineer", _("Registered quality engineer")
    METROLOGIST = "metrologist", _("Registered metrologist")
    STANDARDIZATION = "standardization", _("Standardization engineer")
    INSPECTOR = "inspector", _("Inspection and testing professional")
    OTHER = "other", _("Other")


# assistance spec 7.2.1.3: "认证人员职业资格、工业品生产许可证审查员资格等从业资格"
ELIGIBLE_QUALIFICATIONS = {
    ExpertQualificationKind.CERTIFICATION_AUDITOR,
    ExpertQualificationKind.LICENCE_REVIEWER,
    ExpertQualificationKind.QUALITY_ENGINEER,
    ExpertQualificationKind.METROLOGIST,
}


class ServicePointLevel(models.TextChoices):
    # platform news: the "1+3+N" service network
    CENTER = "center", _("Service center (1)")
    HUB = "hub", _("Service hub (3)")
    STATION = "station", _("Service station (N)")


class TalentType(models.TextChoices):
    CHIEF_QUALITY_OFFICER = "cqo", _("Chief quality officer")
    QUALITY_MANAGER = "quality_manager", _("Quality manager")
    INTERNAL_AUDITOR = "internal_auditor", _("Internal auditor")
    STANDARDIZATION = "standardization", _("Standardization specialist")
    METROLOGY = "metrology", _("Metrology specialist")
    TESTING = "testing", _("Inspection and testing specialist")
    OTHER = "other", _("Other")


# The NQI service fields of SC guide §5 (code, the Chinese name the Excel forms use), in their
# order there: reference data every installation starts with (migration 0005), not demo data.
SERVICE_DOMAINS = [
    ("metrology", "计量"), ("standards", "标准"), ("testing", "检验检测"), ("certification", "认证认可"),
    ("ip", "知识产权"), ("brand", "品牌建设"), ("quality_mgmt", "质量管理"), ("infosec", "信息安全管理"),
    ("excellence", "卓越绩效管理"), ("innovation", "特色与创新管理"),
]

# The NQI service fields of SC guide §5, by the codes the platform uses (needs matching maps
# need categories onto them). ServiceDomain rows keep the Chinese name the Excel forms use;
# pages show these labels so that the English UI reads English.
SERVICE_DOMAIN_LABELS = {
    "metrology": _("Metrology"),
    "standards": _("Standards"),
    "testing": _("Inspection and testing"),
    "certification": _("Certification and accreditation"),
    "ip": _("Intellectual property"),
    "brand": _("Brand building"),
    "quality_mgmt": _("Quality management"),
    "infosec": _("Information security management"),
    "excellence": _("Performance excellence management"),
    "innovation": _("Distinctive and innovation management"),
}
