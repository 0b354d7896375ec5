"""Reminders that a chain quality map is due for its update (chain guide 5.3.7, MAP-07)."""


from zhilian.core.i18n import gettext as _  # kept translatable: each recipient reads it in their language
from zhilian.core.registry import Reminder

from .selectors import chains_due_for_update


def update_reminders(today):
    from zhilian.accounts.models import User
    from zhilian.accounts.roles import Role

    managers = list(User.objects.filter(is_active=True, groups__name__in=[Role.CITY_REGULATOR,
                                                                          Role.MANAGEMENT_INSTITUTION]).distinct())
    for chain in chains_due_for_update(today):
        overdue = chain.next_update_due < today
        recipients = {u.pk: u for u in managers}
        if chain.created_by_id:
            recipients[chain.created_by_id] = chain.created_by
        for user in recipients.values():
            yield Reminder(
                recipient=user, key=f"{chain.pk}:{chain.next_update_due}",
                title=(_("The map of %(c)s is overdue for its update") if overdue
                       else _("The map of %(c)s is due for its update")) % {"c": chain},
                body=_("Update due on %(d)s.") % {"d": chain.next_update_due},
                url=chain.get_absolute_url(), level="overdue" if overdue else "due")
