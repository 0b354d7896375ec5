from django.db import models
from django.utils.translation import gettext_lazy as _


class NeedCategory(models.TextChoices):
    # SC guide 6.5: "标准、计量、检验检测、质量、培训和专项等方面的 NQI 需求"; certification from §5.
    STANDARDS = "standards", _("Standards")
    METROLOGY = "metrology", _("Metrology")
    TESTING = "testing", _("Inspection and testing")
    CERTIFICATION = "certification", _("Certification and accreditation")
    QUALITY_MANAGEMENT = "quality_management", _("Quality management")
    TRAINING = "training", _("Training")
    SPECIAL = "special", _("Special service")


class NeedStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted by a commissioner")
    MATCHED = "matched", _("Providers assigned")
    IN_SERVICE = "in_service", _("In service")
    DELIVERED = "delivered", _("Delivered, awaiting evaluation")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")
    REJECTED = "rejected", _("Not accepted")


OPEN_STATUSES = [NeedStatus.SUBMITTED, NeedStatus.ACCEPTED, NeedStatus.MATCHED, NeedStatus.IN_SERVICE,
                 NeedStatus.DELIVERED]
FINAL_STATUSES = [NeedStatus.CLOSED, NeedStatus.CANCELLED, NeedStatus.REJECTED]

# Badge colours of the statuses on pages and in the dashboard chart.
STATUS_TONES = {
    NeedStatus.SUBMITTED: "info", NeedStatus.ACCEPTED: "primary", NeedStatus.MATCHED: "primary",
    NeedStatus.IN_SERVICE: "warning", NeedStatus.DELIVERED: "success", NeedStatus.CLOSED: "dark",
    NeedStatus.CANCELLED: "secondary", NeedStatus.REJECTED: "danger",
}
STATUS_COLOURS = {
    NeedStatus.SUBMITTED: "#0dcaf0", NeedStatus.ACCEPTED: "#0b4f8a", NeedStatus.MATCHED: "#3d7cc9",
    NeedStatus.IN_SERVICE: "#e8a200", NeedStatus.DELIVERED: "#2e9d5b",
}


class AssignmentStatus(models.TextChoices):
    OFFERED = "offered", _("Awaiting acceptance")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    DELIVERED = "delivered", _("Delivered")
    WITHDRAWN = "withdrawn", _("Withdrawn")


ACTIVE_ASSIGNMENT_STATUSES = [AssignmentStatus.OFFERED, AssignmentStatus.ACCEPTED, AssignmentStatus.DELIVERED]


class Satisfaction(models.TextChoices):
    # SC guide Table F.1 服务质量满意度调查表: （）非常满意（）满意（）一般（）不满意
    VERY_SATISFIED = "very_satisfied", _("Very satisfied")
    SATISFIED = "satisfied", _("Satisfied")
    AVERAGE = "average", _("Average")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")


SATISFACTION_SCORE = {Satisfaction.VERY_SATISFIED: 4, Satisfaction.SATISFIED: 3, Satisfaction.AVERAGE: 2,
                      Satisfaction.DISSATISFIED: 1}
