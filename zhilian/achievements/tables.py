import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from zhilian.consortia.templatetags.workflow import TONES
from zhilian.core.tables import ONE_LINE, DateColumn

from .models import Achievement, License, PromotionEvent


def _badge(value, label):
    return format_html('<span class="badge text-bg-{}">{}</span>', TONES.get(value, "secondary"), label)


class AchievementTable(tables.Table):
    code = tables.Column(linkify=True, verbose_name=_("Number"), attrs=ONE_LINE)
    name = tables.Column(linkify=True, verbose_name=_("Achievement name"), order_by=("name_sort",))
    achievement_type = tables.Column(verbose_name=pgettext_lazy("achievement", "Type"))
    contributor = tables.Column(accessor="contributor__name", verbose_name=_("Contributor"),
                                order_by=("contributor__name_sort",))
    share_level = tables.Column(verbose_name=_("Share level"))
    right_status = tables.Column(verbose_name=_("Right status"))
    status = tables.Column(verbose_name=_("Status"))
    listed_on = DateColumn(format="Y-m-d", verbose_name=_("Listed on"), attrs=ONE_LINE)

    class Meta:
        model = Achievement
        fields = ("code", "name", "achievement_type", "contributor", "share_level", "right_status", "status",
                  "listed_on")
        attrs = {"id": "achievement-table", "class": "table table-sm table-hover"}

    def render_share_level(self, record):
        return _badge(record.share_level, record.get_share_level_display())

    def render_status(self, record):
        return _badge(record.status, record.get_status_display())


class LicenseTable(tables.Table):
    code = tables.Column(linkify=True, verbose_name=_("Agreement number"), attrs=ONE_LINE)
    achievement = tables.Column(accessor="achievement__name", verbose_name=_("Achievement"),
                                order_by=("achievement__name_sort",))
    licensor = tables.Column(accessor="licensor__name", verbose_name=_("Party A"), order_by=("licensor__name_sort",))
    licensee = tables.Column(accessor="licensee__name", verbose_name=_("Party B"), order_by=("licensee__name_sort",))
    mode = tables.Column(verbose_name=_("Licence mode"))
    end_date = DateColumn(format="Y-m-d", verbose_name=_("Until"), attrs=ONE_LINE)
    fee_amount = tables.Column(verbose_name=_("Fee (10k CNY)"))
    status = tables.Column(verbose_name=_("Status"))

    class Meta:
        model = License
        fields = ("code", "achievement", "licensor", "licensee", "mode", "end_date", "fee_amount", "status")
        attrs = {"id": "license-table", "class": "table table-sm table-hover"}

    def render_status(self, record):
        return _badge(record.status, record.get_status_display())


class PromotionEventTable(tables.Table):
    title = tables.Column(linkify=True, verbose_name=pgettext_lazy("heading", "Title"))
    kind = tables.Column(verbose_name=pgettext_lazy("classification", "Kind"))
    held_on = DateColumn(format="Y-m-d", verbose_name=_("Held on"), attrs=ONE_LINE)
    consortium = tables.Column(accessor="consortium__name", verbose_name=_("Consortium"),
                               order_by=("consortium__name_sort",))
    attendees = tables.Column(verbose_name=_("Attendees"))

    class Meta:
        model = PromotionEvent
        fields = ("title", "kind", "held_on", "consortium", "attendees")
        attrs = {"id": "event-table", "class": "table table-sm table-hover"}
