"""Reminders for project work that is due (PLT-06), polled by the scheduler through core."""

import datetime


from zhilian.consortia.selectors import users_holding
from zhilian.core.i18n import gettext as _  # kept translatable: each recipient reads it in their language
from zhilian.core.registry import Reminder

from . import selectors
from .choices import AcceptanceStatus, MidtermResult, ProjectStatus
from .models import MidtermCheck, Milestone, Project

MILESTONE_NOTICE_DAYS = 7
RECTIFICATION_NOTICE_DAYS = 5
ACCEPTANCE_NOTICE_DAYS = 30


def _team(project):
    return users_holding("projects.view_project", organization_id=project.lead_unit_id)


def project_reminders(today: datetime.date):
    """Milestones coming due, the quarterly report window, rectifications and acceptance due."""
    horizon = today + datetime.timedelta(days=MILESTONE_NOTICE_DAYS)
    for milestone in (Milestone.objects.filter(project__status=ProjectStatus.IN_PROGRESS, completed_on__isnull=True,
                                               due_date__gte=today, due_date__lte=horizon)
                      .select_related("project")):
        for user in _team(milestone.project):
            yield Reminder(user, f"milestone:{milestone.pk}:{milestone.due_date}",
                           _("Milestone due on %(d)s: %(m)s") % {"d": milestone.due_date, "m": milestone.name},
                           str(milestone.project), milestone.get_absolute_url())
    year, quarter = selectors.previous_quarter(*selectors.quarter_of(today))
    due = selectors.report_due(year, quarter)
    if today <= due.date:
        reported = Project.objects.filter(progress_reports__year=year, progress_reports__quarter=quarter)
        # Running in that quarter: approved and its period begun (selectors.first_reported_day).
        for project in (Project.objects.filter(status=ProjectStatus.IN_PROGRESS,
                                               approved_on__lte=selectors.quarter_end(year, quarter),
                                               start_date__lte=selectors.quarter_end(year, quarter))
                        .exclude(pk__in=reported.values("pk"))):
            for user in _team(project):
                yield Reminder(user, f"report:{project.pk}:{year}Q{quarter}",
                               _("Quarterly progress update for %(y)d Q%(q)d due by %(d)s") % {
                                   "y": year, "q": quarter, "d": due.date}, str(project), project.get_absolute_url())
    for check in MidtermCheck.objects.filter(result=MidtermResult.RECTIFY, rectified_on__isnull=True,
                                             project__status=ProjectStatus.IN_PROGRESS,
                                             rectification_due__lte=today + datetime.timedelta(
                                                 days=RECTIFICATION_NOTICE_DAYS)).select_related("project"):
        level = "overdue" if check.rectification_due < today else "due"
        for user in _team(check.project):
            yield Reminder(user, f"rectify:{check.pk}:{level}",
                           _("Mid-term rectification due on %(d)s") % {"d": check.rectification_due},
                           str(check.project), check.get_absolute_url(), level)
    end_horizon = today + datetime.timedelta(days=ACCEPTANCE_NOTICE_DAYS)
    for project in (Project.objects.filter(status=ProjectStatus.IN_PROGRESS, end_date__lte=end_horizon)
                    .exclude(acceptances__status=AcceptanceStatus.SUBMITTED)):
        for user in _team(project):
            yield Reminder(user, f"acceptance:{project.pk}:{project.end_date}",
                           _("The project ends on %(d)s: prepare the acceptance application") % {"d": project.end_date},
                           str(project), project.get_absolute_url())
