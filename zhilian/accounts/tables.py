import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from zhilian.core import masking
from zhilian.core.tables import ONE_LINE, DateTimeColumn

from .models import User
from .roles import ADMINISTRATORS


class UserTable(tables.Table):
    username = tables.Column(verbose_name=_("Username"))
    full_name = tables.Column(verbose_name=_("Full name"))
    organization = tables.Column(verbose_name=_("Organization"))
    mobile = tables.Column(verbose_name=_("Mobile"))
    roles = tables.Column(empty_values=(), orderable=False, verbose_name=_("Roles"))
    is_active = tables.BooleanColumn(verbose_name=pgettext_lazy("account", "Active"))
    status = tables.Column(empty_values=(), orderable=False, verbose_name=_("Sign-in status"))
    last_login = DateTimeColumn(format="Y-m-d H:i", verbose_name=_("Last sign-in"), attrs=ONE_LINE)

    class Meta:
        model = User
        fields = ("username", "full_name", "organization", "mobile", "roles", "is_active", "status", "last_login")
        attrs = {"id": "user-table"}

    def render_username(self, record, value):
        request = getattr(self, "request", None)
        acting = getattr(request, "user", None)
        links = []
        if (acting is not None and acting.pk != record.pk and acting.has_perm("accounts.change_user")
                and (acting.is_superuser or not record.has_role(*ADMINISTRATORS))):  # UserQuerySet.scope
            links.append(format_html('<a href="{}">{}</a>', reverse("accounts:user_edit", args=[record.pk]), value))
        else:
            links.append(format_html("{}", value))
        if acting is not None and acting.pk != record.pk and acting.has_perm("accounts.security_user"):
            links.append(format_html(' <a class="small ms-1" href="{}" title="{}"><i class="bi bi-shield-lock"></i></a>',
                                     reverse("accounts:user_security", args=[record.pk]), _("Security")))
        return format_html("{}{}", links[0], links[1] if len(links) > 1 else "")

    def render_mobile(self, value):
        return masking.mask_mobile(value)

    def render_roles(self, record):
        return "、".join(record.roles_display)

    def render_status(self, record):
        if record.is_locked:
            return format_html('<span class="badge text-bg-danger">{}</span>', _("Locked"))
        if record.must_change_password:
            return format_html('<span class="badge text-bg-warning">{}</span>', _("Must change password"))
        return format_html('<span class="badge text-bg-light">{}</span>', _("Normal"))
