"""Pages of the directory (DIR-01 … DIR-04).

Plain lists, details and forms are the core generic views; what is specific here is the
per-kind organization page, the inline certificate management (htmx), the government
and service-network trees, the working-group check and the capability roster.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from zhilian.accounts.models import User
from zhilian.core import audit, keptsql
from zhilian.core.filters import as_id
from zhilian.core.generic import ImportView, ObjectDeleteView, ObjectDetailView, ObjectEditView, ObjectListView
from zhilian.core.models import AuditAction
from zhilian.core.permissions import allowed, get_restricted_or_404, may
from zhilian.core.spreadsheets import build_workbook, file_response

from . import exports, filtersets, forms, panels, selectors, services, tables
from .choices import OrganizationKind
from .models import (
    EnterpriseTalent, Expert, ExpertQualification, InstitutionQualification, Organization, ServiceCommissioner,
    ServicePoint, TestingCapability,
)

# --------------------------------------------------------------------------- organizations (DIR-01)


class OrganizationListView(ObjectListView):
    model = Organization
    filterset_class = filtersets.OrganizationFilterSet
    table_class = tables.OrganizationTable
    add_url_name = "directory:organization_add"
    import_url_name = "directory:organization_import"
    export_heading = "单位名录"
    extra_actions_template = "directory/includes/organization_list_actions.html"
    # The table's seven fields: not the description, contacts and the search text twice.
    table_fields = ("name", "kind", "uscc", "province", "district", "industry", "size")

    @property
    def export_columns(self):
        return exports.organization_columns(self.request.user)


# An institution's page lists its first capability lines under the per-product summary; the
# full list is one click away (the capability directory filtered to the institution), as
# are the lines of each product.
CAPABILITY_ROWS = 10


class OrganizationDetailView(ObjectDetailView):
    """One organization with what relates to it, by kind (DIR-01)."""

    model = Organization

    def related_rows(self, obj):
        pk = obj.pk
        checks = {
            "children": (Organization, {"parent": pk}),
            "experts": (Expert, {"organization": pk}),
            "members": (User, {"organization": pk}),
            "commissioners": (ServiceCommissioner, {"organization": pk}),
            "service_points": (ServicePoint, {"operator": pk}),
            "service_domains": (Organization.service_domains.through, {"organization": pk}),
            **panels.row_checks(obj),
        }
        if obj.kind == OrganizationKind.ENTERPRISE:
            checks["talents"] = (EnterpriseTalent, {"enterprise": pk})
        if obj.kind == OrganizationKind.INSTITUTION:
            checks["capabilities"] = (TestingCapability, {"institution": pk})
            checks["qualifications"] = (InstitutionQualification, {"organization": pk})
        return checks

    def get_extra_context(self, request, obj):
        user = request.user
        present = self.present

        def rows(name, model, build):
            # A section with no related row at all is not queried, nor its scope built
            # (core.related); an empty list, not .none(), which compiles a query to find nothing.
            # Each section's statement is written once per scope (core.keptsql).
            return (keptsql.rows(f"organization-{name}", model.objects, user, "view", build, obj.pk)
                    if name in present else [])

        context = {
            "children": rows("children", Organization,
                             lambda rows, pk: rows.filter(parent=pk).order_by("government_level", "name_sort")),
            "experts": selectors.mark_eligibility(rows(
                "experts", Expert, lambda rows, pk: rows.filter(organization=pk).only(*selectors.EXPERT_ROW_FIELDS))),
            "members": rows("members", User, lambda rows, pk: rows.filter(organization=pk, is_active=True)
                            .order_by("username").prefetch_related("groups")),
            "commissioners": rows("commissioners", ServiceCommissioner,
                                  lambda rows, pk: rows.filter(organization=pk).select_related("service_point")),
            "service_points": rows("service_points", ServicePoint, lambda rows, pk: rows.filter(operator=pk)),
            "service_domains": selectors.service_domains_of(user, obj) if "service_domains" in present else (),
            "panels": panels.for_organization(request, obj, self.absent),
        }
        if obj.kind == OrganizationKind.ENTERPRISE:
            context["talents"] = rows("talents", EnterpriseTalent, lambda rows, pk: rows.filter(enterprise=pk))
            context["can_add_talent"] = allowed(user, "change", obj) and may(user, "add", EnterpriseTalent)
        if obj.kind == OrganizationKind.INSTITUTION:
            context.update(qualification_card_context(request, obj, "qualifications" in present))
            summary = (selectors.institution_capabilities(user, obj, context["qualifications"], rows=CAPABILITY_ROWS)
                       if "capabilities" in present else selectors.CapabilitySummary())
            context["capabilities"] = summary.lines
            context["capability_products"], context["capability_count"] = summary.products, summary.count
            context["can_add_capability"] = may(user, "add", TestingCapability) and allowed(user, "change", obj)
        return context


class OrganizationEditView(ObjectEditView):
    model = Organization
    form_class = forms.OrganizationForm
    template_name = "directory/organization_edit.html"


class OrganizationDeleteView(ObjectDeleteView):
    model = Organization


class OrganizationImportView(ImportView):
    model = Organization
    importer_class = exports.OrganizationImporter
    list_url_name = "directory:organization_list"


class GovernmentTreeView(LoginRequiredMixin, View):
    """The market-regulation hierarchy: city bureau → district bureaus → grassroots offices."""

    def get(self, request):
        if not may(request.user, "view", Organization):
            raise PermissionDenied
        return render(request, "directory/government_tree.html", {
            "title": _("Market regulation hierarchy"), "tree": selectors.government_tree(request.user),
            "can_add": may(request.user, "add", Organization),
        })


# --------------------------------------------------------------------------- inline child records (htmx)


class CardMixin:
    """A child record shown as a card on its parent's page (certificates of an institution)."""

    parent_field = ""
    card_id = ""
    card_template = ""

    def card_context(self, parent):
        raise NotImplementedError

    def render_card(self, parent):
        response = render(self.request, self.card_template, self.card_context(parent))
        response["HX-Retarget"] = f"#{self.card_id}"
        response["HX-Reswap"] = "outerHTML"
        return response

    def success_url(self, obj):
        return getattr(obj, self.parent_field).get_absolute_url()


class InlineChildMixin:
    """Edit a child record inside its parent's page with htmx, or as a page without it.

    On success an htmx request gets the parent's refreshed card (retargeted onto the card),
    a plain request is redirected to the parent; form errors re-render the form in place.
    """

    form_template = "directory/includes/inline_form.html"

    def render_form(self, request, obj, form, stale=None):
        if getattr(request, "htmx", False):
            # A stale edit (SEC-10) keeps the version the user started from, so that saving
            # the same entries again stays refused until the user reloads the record.
            posted = request.POST.get("_version", "") if request.method == "POST" else ""
            return render(request, self.form_template, {
                "form": form, "object": obj, "action": request.get_full_path(), "card_id": self.card_id,
                "stale": stale, "form_version": int(posted) if posted.isdigit() else getattr(obj, "version", None)})
        return super().render_form(request, obj, form, stale=stale)

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        if getattr(request, "htmx", False) and response.status_code == 302:
            instance = getattr(self, "saved", None)
            parent = getattr(instance, self.parent_field) if instance is not None else None
            if parent is not None:
                return self.render_card(parent)
        return response

    def after_save(self, obj, form):
        self.saved = obj


class InlineDeleteMixin:
    """Delete a child record; htmx gets the parent's refreshed card."""

    def post(self, request, pk):
        parent = getattr(self.get_object(pk), self.parent_field)
        response = super().post(request, pk)
        if getattr(request, "htmx", False):
            return self.render_card(parent)
        return response


def qualification_card_context(request, organization, any_rows=True):
    """The certificates card; ``any_rows`` false: the institution has none at all (not queried)."""
    user = request.user
    can_manage = (may(user, "add", InstitutionQualification)
                  and allowed(user, "change", organization))
    return {
        "organization": organization,
        # A list: the institution's page also works its capability lines' status out from it.
        "qualifications": selectors.certificates_of(user, organization) if any_rows else [],
        "can_manage_qualifications": can_manage,
    }


class QualificationCardMixin(CardMixin):
    parent_field = "organization"
    card_id = "qualifications"
    card_template = "directory/includes/qualifications_card.html"

    def card_context(self, parent):
        return qualification_card_context(self.request, parent)


class InstitutionQualificationListView(ObjectListView):
    """CMA / CNAS certificates across institutions, to follow the ones about to lapse."""

    model = InstitutionQualification
    filterset_class = filtersets.QualificationFilterSet
    table_class = tables.InstitutionQualificationTable
    search_title_field = "certificate_no"

    def get_queryset(self):
        return super().get_queryset().select_related("organization").order_by("valid_until")


class InstitutionQualificationEditView(QualificationCardMixin, InlineChildMixin, ObjectEditView):
    model = InstitutionQualification
    form_class = forms.InstitutionQualificationForm

    def _organization(self):
        """The institution a new certificate is for (``?organization=``), if the user may change it."""
        pk = self.request.GET.get("organization") or self.request.POST.get("organization")
        if not pk:
            return None
        return get_restricted_or_404(Organization.objects.filter(kind=OrganizationKind.INSTITUTION),
                                     self.request.user, "change", pk=pk)

    def get(self, request, pk=None, *args, **kwargs):
        if pk is None and self._organization() is None and may(request.user, "add", InstitutionQualification):
            # A certificate is added from its institution's page.
            return HttpResponseRedirect(reverse("directory:organization_list") + "?kind=institution")
        return super().get(request, pk, *args, **kwargs)

    def prepare(self, obj, form):
        if obj.organization_id is None:
            organization = self._organization()
            if organization is None:
                raise PermissionDenied
            obj.organization = organization


class InstitutionQualificationDeleteView(QualificationCardMixin, InlineDeleteMixin, ObjectDeleteView):
    model = InstitutionQualification


# --------------------------------------------------------------------------- experts (DIR-02)


class ExpertListView(ObjectListView):
    model = Expert
    filterset_class = filtersets.ExpertFilterSet
    table_class = tables.ExpertTable
    add_url_name = "directory:expert_add"
    import_url_name = "directory:expert_import"
    export_heading = "专家库"
    extra_actions_template = "directory/includes/expert_list_actions.html"

    @property
    def export_columns(self):
        return exports.expert_export_columns(self.request.user)

    def get_queryset(self):
        return super().get_queryset().prefetch_related("qualifications", "domains")


def expert_qualification_card_context(request, expert):
    user = request.user
    eligible, reasons = expert.eligibility()
    return {
        "expert": expert,
        "expert_qualifications": ExpertQualification.objects.restrict(user).filter(expert=expert),
        "can_manage_qualifications": (may(user, "add", ExpertQualification)
                                      and allowed(user, "change", expert)),
        "eligible": eligible, "reasons": reasons,
    }


class ExpertDetailView(ObjectDetailView):
    model = Expert

    def get_extra_context(self, request, obj):
        return {**expert_qualification_card_context(request, obj), **selectors.expert_related(obj, request.user),
                "panels": panels.for_object(request, obj)}


class ExpertEditView(ObjectEditView):
    model = Expert
    form_class = forms.ExpertForm


class ExpertDeleteView(ObjectDeleteView):
    model = Expert


class ExpertImportView(ImportView):
    model = Expert
    importer_class = exports.ExpertImporter
    list_url_name = "directory:expert_list"


class ExpertQualificationCardMixin(CardMixin):
    parent_field = "expert"
    card_id = "qualifications"
    card_template = "directory/includes/expert_qualifications_card.html"

    def card_context(self, parent):
        parent.refresh_from_db()
        return expert_qualification_card_context(self.request, parent)


class ExpertQualificationEditView(ExpertQualificationCardMixin, InlineChildMixin, ObjectEditView):
    model = ExpertQualification
    form_class = forms.ExpertQualificationForm

    def _expert(self):
        pk = self.request.GET.get("expert") or self.request.POST.get("expert")
        if not pk:
            return None
        return get_restricted_or_404(Expert.objects.all(), self.request.user, "change", pk=pk)

    def get(self, request, pk=None, *args, **kwargs):
        if pk is None and self._expert() is None and may(request.user, "add", ExpertQualification):
            return HttpResponseRedirect(reverse("directory:expert_list"))
        return super().get(request, pk, *args, **kwargs)

    def prepare(self, obj, form):
        if obj.expert_id is None:
            expert = self._expert()
            if expert is None:
                raise PermissionDenied
            obj.expert = expert


class ExpertQualificationDeleteView(ExpertQualificationCardMixin, InlineDeleteMixin, ObjectDeleteView):
    model = ExpertQualification


class WorkingGroupView(LoginRequiredMixin, View):
    """Compose an assistance working group and check each expert (assistance spec 7.2.1.3).

    Stateless: the chosen experts travel in the query string (``?experts=3&experts=8``), so
    the page can be bookmarked, shared with a colleague and exported.
    """

    def get(self, request):
        user = request.user
        if not may(user, "view", Expert):
            raise PermissionDenied
        visible = Expert.objects.restrict(user, "view")
        ids = [i for i in map(as_id, request.GET.getlist("experts")) if i]
        chosen = {e.pk: e for e in visible.filter(pk__in=ids)}
        chosen_list = [chosen[i] for i in dict.fromkeys(ids) if i in chosen]
        query = request.GET.get("q", "").strip()
        candidates = []
        if query:
            from zhilian.core.search import filter_queryset

            candidates = list(filter_queryset(visible.filter(is_active=True), query, "name")
                              .exclude(pk__in=list(chosen)).prefetch_related("qualifications")[:20])
        results = selectors.expert_eligibility(chosen_list)
        errors = []
        if chosen_list:
            try:
                services.working_group_check(experts=chosen_list)
            except ValidationError as exc:
                errors = exc.message_dict.get("experts", exc.messages)
        if request.GET.get("export") == "xlsx" and chosen_list:
            return self.export(results)

        def with_ids(new_ids):
            return "?" + urlencode({"experts": new_ids, "q": query}, doseq=True)

        return render(request, "directory/working_group.html", {
            "title": _("Compose a working group"), "expert_query": query, "results": results, "errors": errors,
            "candidates": [(c, with_ids([*chosen, c.pk]), c.eligibility()) for c in candidates],
            "remove_urls": {r.expert.pk: with_ids([i for i in chosen if i != r.expert.pk]) for r in results},
            "chosen_ids": list(chosen), "export_url": with_ids(list(chosen)) + "&export=xlsx",
        })

    def export(self, results):
        from zhilian.core.masking import mobile_for

        user = self.request.user
        rows = [{"no": n, "name": r.expert.name, "employer": r.expert.employer, "title": r.expert.title,
                 "level": r.expert.get_title_level_display(),
                 "qualifications": "、".join(q.get_kind_display() for q in r.expert.qualifications.all()),
                 "domains": "、".join(d.name for d in r.expert.domains.all()),
                 "mobile": mobile_for(user, r.expert.mobile), "eligible": "是" if r.eligible else "否",
                 "reasons": "；".join(r.reasons)} for n, r in enumerate(results, start=1)]
        from zhilian.core.spreadsheets import Column

        columns = [Column("序号", "no", width=6), Column("姓名", "name", width=10), Column("工作单位", "employer", width=30),
                   Column("职称", "title", width=14), Column("职称等级", "level", width=10),
                   Column("从业资格", "qualifications", width=26), Column("服务领域", "domains", width=22),
                   Column("联系电话", "mobile", width=14), Column("符合条件", "eligible", width=10),
                   Column("不符合原因", "reasons", width=40)]
        content = build_workbook("工作组专家名单", columns, [type("Row", (), r) for r in rows],
                                 heading="质量技术帮扶工作组专家名单",
                                 notes=["依据：工业产品质量技术帮扶和质量安全监管衔接联动工作规范 7.2.1.3"])
        audit.write(action=AuditAction.EXPORT, object_repr="工作组专家名单",
                    message=", ".join(r.expert.name for r in results))
        return file_response(content, "工作组专家名单.xlsx", ascii_name="working-group-experts.xlsx")


# --------------------------------------------------------------------------- testing capabilities (DIR-04)


class TestingCapabilityListView(ObjectListView):
    model = TestingCapability
    filterset_class = filtersets.TestingCapabilityFilterSet
    table_class = tables.TestingCapabilityTable
    add_url_name = "directory:capability_add"
    search_title_field = "product"
    extra_actions_template = "directory/includes/capability_list_actions.html"
    export_heading = "检验检测能力"
    # The lines' six shown fields and their institutions' names, not the institutions' thirty.
    table_fields = ("product", "parameter", "method", "standard_code", "qualification", "institution__name")

    @property
    def export_columns(self):
        from zhilian.core.spreadsheets import Column

        return [Column("产品 / 对象", "product", width=20), Column("项目 / 参数", "parameter", width=20),
                Column("检测方法", "method", width=24), Column("依据标准", "standard_code", width=20),
                Column("资质类别", "qualification", width=12, value=lambda c: c.get_qualification_display()),
                Column("限制范围", "limitation", width=16), Column("机构名称", "institution__name", width=30)]

    def get_queryset(self):
        return super().get_queryset().select_related("institution")

    def get_extra_context(self, request):
        pk = as_id(request.GET.get("institution"))
        institution = Organization.objects.restrict(request.user).filter(pk=pk).first() if pk else None
        return {"filter_institution": institution}


class CapabilityRosterView(LoginRequiredMixin, View):
    """The 主要检验检测服务机构名录 for product keywords (chain guide 5.3.5), exportable."""

    def get(self, request):
        if not may(request.user, "view", TestingCapability):
            raise PermissionDenied
        form = forms.CapabilityRosterForm(request.GET or None)
        entries, keywords = [], []
        if form.is_valid():
            keywords = selectors.split_keywords(form.cleaned_data["keywords"])
            fields = selectors.CAPABILITY_FIELDS if form.cleaned_data["widen"] else ("product",)
            entries = selectors.capability_roster(keywords, request.user, fields=fields)
            if request.GET.get("export") == "xlsx" and keywords:
                audit.write(action=AuditAction.EXPORT, object_repr=exports.ROSTER_HEADING, message="、".join(keywords))
                return file_response(exports.roster_workbook(entries, keywords, request.user),
                                     f"{exports.ROSTER_HEADING}-{'、'.join(keywords)[:40]}.xlsx",
                                     ascii_name="testing-institutions-roster.xlsx")
        return render(request, "directory/capability_roster.html", {
            "title": gettext_lazy("Major testing institutions roster"), "form": form, "entries": entries,
            "keywords": keywords, "totals": selectors.roster_totals(entries),
            "export_url": "?" + urlencode({**request.GET.dict(), "export": "xlsx"}),
        })


class TestingCapabilityDetailView(ObjectDetailView):
    model = TestingCapability

    def get_extra_context(self, request, obj):
        return {"siblings": TestingCapability.objects.restrict(request.user).filter(
            institution=obj.institution_id, product=obj.product).exclude(pk=obj.pk)[:20],
            "others": TestingCapability.objects.restrict(request.user).filter(product=obj.product)
            .exclude(institution=obj.institution_id).select_related("institution")[:20]}


class TestingCapabilityEditView(ObjectEditView):
    model = TestingCapability
    form_class = forms.TestingCapabilityForm

    def after_save(self, obj, form):
        # Saved under a certificate that does not cover it today: kept, flagged, and said so.
        warning = services.capability_certificate_warning(user=self.request.user, capability=obj)
        if warning:
            messages.warning(self.request, warning)

    def success_url(self, obj):
        return self.request.GET.get("return_url") or obj.institution.get_absolute_url() + "#capabilities"


class TestingCapabilityDeleteView(ObjectDeleteView):
    model = TestingCapability

    def success_url(self, obj):
        return obj.institution.get_absolute_url() + "#capabilities"


# --------------------------------------------------------------------------- service network, commissioners, talents (DIR-03)


class ServiceNetworkView(LoginRequiredMixin, View):
    """The "1+3+N" service network as a tree of service points with their commissioners."""

    def get(self, request):
        if not may(request.user, "view", ServicePoint):
            raise PermissionDenied
        tree = selectors.service_network_tree(request.user)
        unplaced = ServiceCommissioner.objects.restrict(request.user).filter(service_point__isnull=True, is_active=True)
        return render(request, "directory/service_network.html", {
            "title": _("Service network (1+3+N)"), "tree": tree, "unplaced": unplaced,
            "can_add": may(request.user, "add", ServicePoint),
        })


class ServicePointListView(ObjectListView):
    model = ServicePoint
    filterset_class = filtersets.ServicePointFilterSet
    table_class = tables.ServicePointTable
    add_url_name = "directory:servicepoint_add"

    def get_queryset(self):
        return super().get_queryset().select_related("parent")


class ServicePointDetailView(ObjectDetailView):
    model = ServicePoint

    def get_extra_context(self, request, obj):
        return {"children": ServicePoint.objects.restrict(request.user).filter(parent=obj),
                "commissioners": ServiceCommissioner.objects.restrict(request.user).filter(service_point=obj)}


class ServicePointEditView(ObjectEditView):
    model = ServicePoint
    form_class = forms.ServicePointForm
    template_name = "directory/organization_edit.html"


class ServiceCommissionerListView(ObjectListView):
    model = ServiceCommissioner
    filterset_class = filtersets.ServiceCommissionerFilterSet
    table_class = tables.ServiceCommissionerTable
    add_url_name = "directory:commissioner_add"

    def get_queryset(self):
        return super().get_queryset().select_related("service_point")


class ServiceCommissionerDetailView(ObjectDetailView):
    """A commissioner with its place in the network, the districts and enterprises it serves,
    and (panels of other apps) the needs it handles, as far as the viewer may see them."""

    model = ServiceCommissioner

    def base_queryset(self):
        return ServiceCommissioner.objects.select_related("service_point", "organization", "user")

    def get_extra_context(self, request, obj):
        return {**selectors.commissioner_related(obj, request.user), "panels": panels.for_object(request, obj)}


class ServiceCommissionerEditView(ObjectEditView):
    model = ServiceCommissioner
    form_class = forms.ServiceCommissionerForm


class EnterpriseTalentListView(ObjectListView):
    model = EnterpriseTalent
    filterset_class = filtersets.EnterpriseTalentFilterSet
    table_class = tables.EnterpriseTalentTable
    add_url_name = "directory:talent_add"

    def get_queryset(self):
        return super().get_queryset().select_related("enterprise")


class EnterpriseTalentDetailView(ObjectDetailView):
    model = EnterpriseTalent

    def base_queryset(self):
        return EnterpriseTalent.objects.select_related("enterprise")

    def get_extra_context(self, request, obj):
        return selectors.talent_related(obj, request.user)


class EnterpriseTalentEditView(ObjectEditView):
    model = EnterpriseTalent
    form_class = forms.EnterpriseTalentForm

    def success_url(self, obj):
        return self.request.GET.get("return_url") or obj.get_absolute_url()


class EnterpriseTalentDeleteView(ObjectDeleteView):
    model = EnterpriseTalent

    def success_url(self, obj):
        return obj.enterprise.get_absolute_url()
