from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ProjectStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("project status", "Drafting task book")
    SUBMITTED = "submitted", pgettext_lazy("project status", "Awaiting approval")
    IN_PROGRESS = "in_progress", pgettext_lazy("project status", "In progress")
    ACCEPTANCE = "acceptance", pgettext_lazy("project status", "Under acceptance")
    ACCEPTED = "accepted", pgettext_lazy("project status", "Accepted")
    ARCHIVED = "archived", pgettext_lazy("project status", "Archived")


class Direction(models.TextChoices):
    # chain guide 5.5.2 a)–e)
    DESIGN = "design", _("a) Design and development quality")
    SUPPLY_CHAIN = "supply_chain", _("b) Supply-chain quality control")
    MANUFACTURING = "manufacturing", _("c) Agile and lean manufacturing")
    SERVICE = "service", _("d) User service quality")
    NQI = "nqi", _("e) High-level quality infrastructure")


class ParticipantRole(models.TextChoices):
    LEAD = "lead", _("Lead unit")
    PARTICIPANT = "participant", _("Participating unit")


class TargetKind(models.TextChoices):
    # Appendix F 二: 技术指标, 质量指标, 产业应用目标
    TECHNICAL = "technical", _("Technical indicator")
    QUALITY = "quality", _("Quality indicator")
    APPLICATION = "application", _("Industrial application target")


class BudgetCategory(models.TextChoices):
    EQUIPMENT = "equipment", _("Equipment")
    MATERIALS = "materials", _("Materials")
    TESTING = "testing", _("Testing, analysis and processing")
    PERSONNEL = "personnel", _("Personnel")
    COOPERATION = "cooperation", _("Cooperation and exchange")
    OTHER = "other", _("Other")


class FundingSource(models.TextChoices):
    SELF = "self", _("Self-raised")
    FISCAL = "fiscal", _("Government funds")
    CONSORTIUM = "consortium", _("Consortium members")
    OTHER = "other", _("Other")


class MidtermResult(models.TextChoices):
    # chain guide 5.5.4 b): 通过、需整改
    PASS = "pass", _("Pass")
    RECTIFY = "rectify", _("Rectification required")


class ChangeKind(models.TextChoices):
    # chain guide 5.5.4 c): 项目目标、内容、负责人、周期
    TARGETS = "targets", _("Targets")
    CONTENT = "content", _("Content and route")
    LEADER = "leader", _("Project leader")
    PERIOD = "period", _("Period and milestones")


class ChangeStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("change request status", "Pending approval")
    APPROVED = "approved", pgettext_lazy("change request status", "Approved")
    REJECTED = "rejected", pgettext_lazy("change request status", "Rejected")


class RiskSource(models.TextChoices):
    TEAM = "team", _("Reported by the project team")
    AUTOMATIC = "automatic", _("Raised by the system")


class RiskKind(models.TextChoices):
    OVERDUE_MILESTONE = "overdue_milestone", _("Overdue milestone")
    MISSING_UPDATE = "missing_update", _("Missing quarterly update")
    BUDGET_OVERRUN = "budget_overrun", _("Budget overrun")
    TECHNICAL = "technical", _("Technical risk")
    RESOURCE = "resource", _("Resources and people")
    FUNDING = "funding", _("Funding")
    COOPERATION = "cooperation", _("Cooperation between units")
    OTHER = "other", _("Other")


AUTOMATIC_KINDS = {RiskKind.OVERDUE_MILESTONE, RiskKind.MISSING_UPDATE, RiskKind.BUDGET_OVERRUN}


class RiskLevel(models.TextChoices):
    HIGH = "high", pgettext_lazy("risk level", "High")
    MEDIUM = "medium", pgettext_lazy("risk level", "Medium")
    LOW = "low", pgettext_lazy("risk level", "Low")


class RiskStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("risk status", "Open")
    RESOLVED = "resolved", pgettext_lazy("risk status", "Resolved")


class AcceptanceStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("acceptance status", "Preparing materials")
    SUBMITTED = "submitted", pgettext_lazy("acceptance status", "Submitted")
    PASSED = "passed", pgettext_lazy("acceptance status", "Passed")
    FAILED = "failed", pgettext_lazy("acceptance status", "Not passed")


# Appendix F acceptance materials the application lists (chain guide 5.5.5 全套验收材料): the
# code, the name an attachment's category gives it, and what it holds when the name says less.
ACCEPTANCE_MATERIALS = [
    ("application", _("Acceptance application form"), ""),
    ("summary_report", _("Project summary report"), ""),
    ("technical_report", _("Technical report"), ""),
    ("test_report", _("Test report"), _("Test or inspection reports")),
    ("financial_report", _("Financial statement"), ""),
    ("achievement_proof", _("Proof of results"), _("Proof of results (patents, standards, user reports)")),
]

# Shorter or other words a category may use for a material; its name and description in
# either language count too (core.attachments keeps the category as free text).
ACCEPTANCE_MATERIAL_WORDS = {
    "application": ["申请表"],
    "summary_report": ["总结报告"],
    "test_report": ["检验报告", "检测报告"],
    "financial_report": ["决算"],
    "achievement_proof": ["成果证明"],
}
