from django.db import models
from django.utils.translation import gettext_lazy as _


class ConsortiumStatus(models.TextChoices):
    # chain guide Appendix A: 牵头单位意见 → 所在区质量强区工作领导小组办公室审核 → 市质量强市工作领导小组办公室审核
    DRAFT = "draft", _("Draft")
    LEAD_OPINION = "lead_opinion", _("Awaiting lead-unit opinion")
    DISTRICT_REVIEW = "district_review", _("Awaiting district quality office review")
    CITY_REVIEW = "city_review", _("Awaiting city quality office review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Not approved")


class ReviewStep(models.TextChoices):
    LEAD = "lead", _("Lead-unit opinion")
    DISTRICT = "district", _("District quality office review")
    CITY = "city", _("City quality office review")


# Which status waits for which step, and where an approval at that step leads.
STEP_FOR_STATUS = {
    ConsortiumStatus.LEAD_OPINION: ReviewStep.LEAD,
    ConsortiumStatus.DISTRICT_REVIEW: ReviewStep.DISTRICT,
    ConsortiumStatus.CITY_REVIEW: ReviewStep.CITY,
}
NEXT_STATUS = {
    ReviewStep.LEAD: ConsortiumStatus.DISTRICT_REVIEW,
    ReviewStep.DISTRICT: ConsortiumStatus.CITY_REVIEW,
    ReviewStep.CITY: ConsortiumStatus.APPROVED,
}


class ReviewDecision(models.TextChoices):
    APPROVE = "approve", _("Agree")
    RETURN = "return", _("Return for revision")
    REJECT = "reject", _("Disagree (reject)")


class MemberRole(models.TextChoices):
    LEAD = "lead", _("Lead unit")
    MEMBER = "member", _("Member unit")


class ContributionKind(models.TextChoices):
    # chain guide 5.2.4: 资金、技术、人才、仪器设备、办公科研场地
    FUNDS = "funds", _("Funds")
    TECHNOLOGY = "technology", _("Technology")
    PEOPLE = "people", _("People")
    EQUIPMENT = "equipment", _("Instruments and equipment")
    SPACE = "space", _("Office and research space")
