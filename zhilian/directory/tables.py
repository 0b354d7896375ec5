"""List tables of the directory; Chinese names sort by pinyin (``name_sort``)."""

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from zhilian.core.masking import mobile_for
from zhilian.core.tables import ONE_LINE, DateColumn

from . import selectors
from .models import (
    EnterpriseTalent,
    Expert,
    InstitutionQualification,
    Organization,
    ServiceCommissioner,
    ServicePoint,
    TestingCapability,
)
from .templatetags.directory import certificate_badge

EXPIRY_BADGES = {"expired": ("danger", _("expired")), "expiring": ("warning", _("expiring within 90 days")),
                 "not_yet_valid": ("secondary", _("not yet in force"))}


def expiry_badge(status):
    if status not in EXPIRY_BADGES:
        return ""
    tone, label = EXPIRY_BADGES[status]
    return format_html(' <span class="badge text-bg-{}">{}</span>', tone, label)


class MaskedPhoneColumn(tables.Column):
    """A phone number masked for users without ``accounts.unmask_personal_data`` (SEC-07)."""

    def render(self, value, table):
        user = getattr(getattr(table, "request", None), "user", None)
        return mobile_for(user, value)


class OrganizationTable(tables.Table):
    name = tables.Column(linkify=True, order_by=("name_sort",), verbose_name=_("Name"))
    kind = tables.Column(verbose_name=_("Kind"))
    uscc = tables.Column(verbose_name=_("USCC"))
    province = tables.Column(verbose_name=_("Province"))
    district = tables.Column(verbose_name=_("District"), order_by=("district", "name_sort"))
    industry = tables.Column(verbose_name=_("Industry"))
    size = tables.Column(verbose_name=_("Size class"))

    class Meta:
        model = Organization
        fields = ("name", "kind", "uscc", "province", "district", "industry", "size")
        attrs = {"id": "organization-table"}


class ExpertTable(tables.Table):
    name = tables.Column(linkify=True, order_by=("name_sort",), verbose_name=pgettext_lazy("person", "Name"))
    employer = tables.Column(verbose_name=_("Employer"))
    title = tables.Column(verbose_name=_("Professional title"))
    title_level = tables.Column(verbose_name=_("Title level"))
    specialties = tables.Column(verbose_name=_("Specialties"))
    eligible = tables.Column(accessor="pk", orderable=False, verbose_name=_("Eligible for working groups"))

    class Meta:
        model = Expert
        fields = ("name", "employer", "title", "title_level", "specialties")
        attrs = {"id": "expert-table"}

    def render_eligible(self, record):
        if record.is_eligible:
            return format_html('<span class="badge text-bg-success">{}</span>', _("Eligible"))
        return format_html('<span class="badge text-bg-light border">{}</span>', _("Not eligible"))


class TestingCapabilityTable(tables.Table):
    product = tables.Column(linkify=True, order_by=("product_sort", "parameter"), verbose_name=_("Product / object"))
    parameter = tables.Column(verbose_name=_("Parameter / item"))
    method = tables.Column(verbose_name=_("Test method"))
    standard_code = tables.Column(verbose_name=_("Standard number"))
    qualification = tables.Column(verbose_name=_("Accredited under"))
    institution = tables.Column(linkify=True, order_by=("institution__name_sort",), verbose_name=_("Institution"))

    class Meta:
        model = TestingCapability
        fields = ("product", "parameter", "method", "standard_code", "qualification", "institution")
        attrs = {"id": "capability-table"}

    def render_qualification(self, value, record):
        """Flagged as on the institution's page: a line whose certificate has expired or is not on
        record is listed but not counted as qualified (need matching and the roster count so)."""
        attached = getattr(self, "_attached", None)
        if attached is None or id(record) not in attached:
            # The page's lines get their dates in one go: their institutions' certificates in
            # one query, each institution's dates worked out once for all of its lines.
            page = getattr(self, "page", None)
            lines = [row.record for row in page.object_list] if page is not None else []
            if not any(line is record for line in lines):
                lines.append(record)
            certificates = selectors.certificates_of_institutions(
                self.request.user, {line.institution_id for line in lines})
            by_institution: dict = {}
            for line in lines:
                by_institution.setdefault(line.institution_id, []).append(line)
            for institution_id, of_institution in by_institution.items():
                selectors.attach_certificates(of_institution, certificates[institution_id])
            self._attached = {id(line): line for line in lines}  # held, so that no id is reused
        return certificate_badge(record)


class InstitutionQualificationTable(tables.Table):
    organization = tables.Column(linkify=True, order_by=("organization__name_sort",), verbose_name=_("Institution"))
    kind = tables.Column(verbose_name=_("Qualification"))
    certificate_no = tables.Column(verbose_name=_("Certificate number"))
    issued_on = DateColumn("Y-m-d", verbose_name=_("Issued on"), attrs=ONE_LINE)
    valid_until = DateColumn("Y-m-d", verbose_name=_("Valid until"), attrs=ONE_LINE)

    class Meta:
        model = InstitutionQualification
        fields = ("organization", "kind", "certificate_no", "issued_on", "valid_until")
        attrs = {"id": "qualification-table"}

    def render_valid_until(self, value, record):
        return format_html("{}{}", value.strftime("%Y-%m-%d"), expiry_badge(record.expiry_status))


class ServicePointTable(tables.Table):
    name = tables.Column(linkify=True, order_by=("name_sort",), verbose_name=_("Name"))
    level = tables.Column(verbose_name=_("Level"))
    parent = tables.Column(linkify=True, order_by=("parent__name_sort",), verbose_name=_("Parent point"))
    district = tables.Column(verbose_name=_("District"))
    phone = tables.Column(verbose_name=_("Phone"))

    class Meta:
        model = ServicePoint
        fields = ("name", "level", "parent", "district", "phone")
        attrs = {"id": "servicepoint-table"}


class ServiceCommissionerTable(tables.Table):
    name = tables.Column(linkify=True, order_by=("name_sort",), verbose_name=pgettext_lazy("person", "Name"))
    service_point = tables.Column(linkify=True, order_by=("service_point__name_sort",), verbose_name=_("Service point"))
    districts = tables.Column(verbose_name=_("Districts served"))
    specialties = tables.Column(verbose_name=_("Specialties"))
    mobile = MaskedPhoneColumn(verbose_name=_("Mobile"), orderable=False)

    class Meta:
        model = ServiceCommissioner
        fields = ("name", "service_point", "districts", "specialties", "mobile")
        attrs = {"id": "commissioner-table"}


class EnterpriseTalentTable(tables.Table):
    name = tables.Column(linkify=True, order_by=("name_sort",), verbose_name=pgettext_lazy("person", "Name"))
    enterprise = tables.Column(linkify=True, order_by=("enterprise__name_sort",), verbose_name=_("Enterprise"))
    talent_type = tables.Column(verbose_name=_("Talent type"))
    position = tables.Column(verbose_name=_("Position"))
    qualifications = tables.Column(verbose_name=_("Qualifications"))

    class Meta:
        model = EnterpriseTalent
        fields = ("name", "enterprise", "talent_type", "position", "qualifications")
        attrs = {"id": "talent-table"}
