from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AchievementType(models.TextChoices):
    # chain guide Table G.1 成果类型
    PATENT = "patent", _("Patent")
    TRADE_SECRET = "trade_secret", _("Technical know-how")
    SOFTWARE = "software", _("Software copyright")
    STANDARD = "standard", _("Technical standard")
    SOLUTION = "solution", _("Solution")
    DATABASE = "database", _("Database")
    CASE = "case", _("Typical case")
    OTHER = "other", _("Other")


class IpType(models.TextChoices):
    # Table G.1 知识产权类型
    INVENTION = "invention", _("Invention patent")
    UTILITY = "utility", _("Utility model")
    DESIGN = "design", _("Design patent")
    SOFTWARE = "software", _("Software copyright")
    TRADE_SECRET = "trade_secret", _("Trade secret")
    STANDARD = "standard", _("Standard")
    NONE = "none", _("None")


class RightStatus(models.TextChoices):
    # Table G.1 权利状态, plus the states status maintenance records (chain guide 5.6.4)
    GRANTED = "granted", _("Granted")
    EXAMINATION = "examination", _("Under substantive examination")
    REGISTERED = "registered", _("Registered")
    FILED = "filed", _("Application filed")
    LAPSED = "lapsed", _("Lapsed")
    INVALIDATED = "invalidated", _("Invalidated")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


# Rights that need a certificate number on the intake form.
CERTIFIED = {RightStatus.GRANTED, RightStatus.REGISTERED}
ENDED_RIGHTS = {RightStatus.LAPSED, RightStatus.INVALIDATED}


class ShareLevel(models.TextChoices):
    # chain guide 5.6.2 a)–d)
    PUBLIC = "public", _("Public")
    CONSORTIUM = "consortium", _("Consortium members")
    TARGETED = "targeted", _("Targeted")
    PAID = "paid", _("Paid")


class ShareCondition(models.TextChoices):
    # Table G.1 共享条件
    FREE = "free", _("Free of charge")
    PAID = "paid", _("Against payment")
    AGREEMENT = "agreement", _("Agreement required")


class AchievementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Awaiting review")
    LISTED = "listed", _("Listed")
    DELISTED = "delisted", _("Taken down")


class LicenseMode(models.TextChoices):
    # Appendix H 二: 普通实施许可 / 排他实施许可 / 独占实施许可
    ORDINARY = "ordinary", _("Ordinary licence")
    EXCLUSIVE = "exclusive", _("Exclusive licence")
    SOLE = "sole", _("Sole licence")


# An exclusive (排他) or sole (独占) licence admits no other licensee in its territory,
# field and term; an ordinary licence admits others but not inside an exclusive one.
EXCLUSIVE_MODES = {LicenseMode.EXCLUSIVE, LicenseMode.SOLE}


class LicenseStatus(models.TextChoices):
    REQUESTED = "requested", pgettext_lazy("licence status", "Requested")
    APPROVED = "approved", pgettext_lazy("licence status", "Approved by the contributor")
    SIGNED = "signed", pgettext_lazy("licence status", "Signed")
    REJECTED = "rejected", pgettext_lazy("licence status", "Rejected")
    WITHDRAWN = "withdrawn", pgettext_lazy("licence status", "Withdrawn")


# Licences that hold a territory / field / term against others.
BINDING_LICENSE_STATUSES = [LicenseStatus.APPROVED, LicenseStatus.SIGNED]

NATIONWIDE = "全国"


class UsageKind(models.TextChoices):
    VIEW = "view", _("Viewed")
    EXPORT = "export", _("Exported")


class EventKind(models.TextChoices):
    # chain guide 5.6.4: 共享库使用培训、成果推介会
    PROMOTION = "promotion", _("Promotion event")
    TRAINING = "training", pgettext_lazy("use of an achievement", "Training")
