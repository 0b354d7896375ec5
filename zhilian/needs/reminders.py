"""Reminders of due and overdue steps of needs (PLT-06), polled by the scheduler."""

import datetime


from zhilian.core.i18n import gettext as _  # kept translatable: each recipient reads it in their language
from zhilian.core.registry import Reminder

from .choices import AssignmentStatus, NeedStatus
from .models import Need, NeedAssignment
from .services import commissioner_users, enterprise_users, provider_users


def _level(due, today):
    return "overdue" if due < today else "due"


def need_reminders(today: datetime.date):
    """Yield a reminder per party whose step is due by tomorrow or overdue.

    New needs nobody took remind the commissioners serving the enterprise's district; an
    unanswered assignment reminds the provider; an unevaluated delivery reminds the
    enterprise (SC guide §6.9: evaluation within 5 working days). Keys carry the due date,
    so each deadline is reminded once as due and once as overdue.
    """
    horizon = today + datetime.timedelta(days=1)
    for need in Need.objects.filter(status=NeedStatus.SUBMITTED, response_due__lte=horizon).select_related("enterprise"):
        level = _level(need.response_due, today)
        for user in commissioner_users(need):
            yield Reminder(recipient=user, key=f"need{need.pk}:respond:{need.response_due}:{level}",
                           title=_("Need %(code)s awaits a commissioner (due %(due)s)") % {
                               "code": need.code, "due": need.response_due},
                           body=need.title, url=need.get_absolute_url(), level=level)
    for assignment in (NeedAssignment.objects.filter(status=AssignmentStatus.OFFERED, respond_due__lte=horizon)
                       .select_related("need", "institution", "expert__user")):
        level = _level(assignment.respond_due, today)
        for user in provider_users(assignment):
            yield Reminder(recipient=user, key=f"assignment{assignment.pk}:respond:{assignment.respond_due}:{level}",
                           title=_("Accept or decline need %(code)s (due %(due)s)") % {
                               "code": assignment.need.code, "due": assignment.respond_due},
                           body=assignment.need.title, url=assignment.need.get_absolute_url(), level=level)
    for need in Need.objects.filter(status=NeedStatus.DELIVERED, feedback_due__lte=horizon).select_related("enterprise"):
        level = _level(need.feedback_due, today)
        for user in enterprise_users(need):
            yield Reminder(recipient=user, key=f"need{need.pk}:evaluate:{need.feedback_due}:{level}",
                           title=_("Please evaluate the service for %(code)s (due %(due)s)") % {
                               "code": need.code, "due": need.feedback_due},
                           body=need.title, url=need.get_absolute_url(), level=level)
