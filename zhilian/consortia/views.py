from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, Sum
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from zhilian.core.generic import ObjectDeleteView, ObjectDetailView, ObjectListView
from zhilian.core.permissions import get_restricted_or_404, may, prime_allowed
from zhilian.directory.choices import OrganizationKind
from zhilian.directory.models import Organization

from . import exports, forms, services, wordforms
from .actions import ObjectActionView, apply_service_errors
from .choices import ConsortiumStatus, ContributionKind, MemberRole, ReviewStep
from .filtersets import ConsortiumFilterSet
from .models import (
    Consortium, ConsortiumCharter, ConsortiumMember, ConsortiumReview, MemberContribution, counted_member_q,
    inside_consortium_q,
)
from .selectors import consortium_is_lead_user, consortium_review_step
from .tables import ConsortiumTable


class ConsortiumListView(ObjectListView):
    model = Consortium
    filterset_class = ConsortiumFilterSet
    table_class = ConsortiumTable
    add_url_name = "consortia:consortium_add"
    export_columns = exports.CONSORTIUM_COLUMNS
    export_heading = "质量创新联合体名录"
    extra_actions_template = "consortia/includes/list_actions.html"

    def get_queryset(self):
        user = self.request.user
        queryset = super().get_queryset().select_related("lead_unit", "chain").annotate(
            member_count=Count("members", filter=counted_member_q()))
        if self.request.GET.get("pending"):
            # "Waiting for me": the step each role decides (CON-01).
            waiting = Q(pk__in=[])
            if user.organization_id:
                waiting |= Q(status=ConsortiumStatus.LEAD_OPINION, lead_unit_id=user.organization_id)
            if user.has_perm("consortia.review_consortium") and user.district:
                waiting |= Q(status=ConsortiumStatus.DISTRICT_REVIEW, district=user.district)
            if user.has_perm("consortia.review_consortium") and not user.district:
                waiting |= Q(status=ConsortiumStatus.CITY_REVIEW)
            queryset = queryset.filter(waiting)
        return queryset


def _step_rows(consortium, reviews):
    """The approval chain as the detail page shows it: each step with its opinions."""
    rows = []
    order = [ReviewStep.LEAD, ReviewStep.DISTRICT, ReviewStep.CITY]
    current = {ConsortiumStatus.LEAD_OPINION: ReviewStep.LEAD, ConsortiumStatus.DISTRICT_REVIEW: ReviewStep.DISTRICT,
               ConsortiumStatus.CITY_REVIEW: ReviewStep.CITY}.get(consortium.status)
    for step in order:
        step_reviews = [r for r in reviews if r.step == step]
        rows.append({"step": step, "label": ReviewStep(step).label, "reviews": step_reviews,
                     "current": step == current,
                     "done": bool(step_reviews) and step_reviews[-1].decision == "approve" and not step == current})
    return rows


class ConsortiumDetailView(ObjectDetailView):
    model = Consortium

    def get_extra_context(self, request, obj):
        user = request.user
        members = list(ConsortiumMember.objects.restrict(user).filter(consortium=obj).select_related("organization"))
        reviews = list(ConsortiumReview.objects.restrict(user).filter(consortium=obj).select_related("reviewer", "reviewer_org"))
        charters = ConsortiumCharter.objects.restrict(user).filter(consortium=obj)
        contributions = MemberContribution.objects.restrict(user).filter(consortium=obj).select_related(
            "member__organization")
        totals = {row["kind"]: row for row in contributions.values("kind").annotate(n=Count("id"), amount=Sum("amount"))}
        is_lead = consortium_is_lead_user(user, obj)
        can_change_member = ConsortiumMember.objects.restrict(user, "change").filter(consortium=obj).exists()
        prime_allowed(user, "view", [obj.lead_unit] + [m.organization for m in members])
        return {
            "lead_row": next((m for m in members if m.role == MemberRole.LEAD), None),
            "members": [m for m in members if m.role == MemberRole.MEMBER],
            "steps": _step_rows(obj, reviews),
            "review_step": consortium_review_step(user, obj),
            "charter": charters.first(),
            "charter_count": charters.count(),
            "can_see_inside": may(user, "view", MemberContribution) and Consortium.objects.filter(
                inside_consortium_q(user, prefix=""), pk=obj.pk).exists(),
            "contributions": contributions,
            "editable_contributions": set(MemberContribution.objects.restrict(user, "change").filter(
                consortium=obj).values_list("pk", flat=True)),
            "contribution_totals": [(ContributionKind(k).label, totals.get(k, {}).get("n", 0),
                                     totals.get(k, {}).get("amount")) for k in ContributionKind.values],
            "can_submit": obj.status == ConsortiumStatus.DRAFT and can_change_member and Consortium.objects.restrict(
                user, "change").filter(pk=obj.pk).exists(),
            "can_manage": obj.is_approved and is_lead and may(user, "add", ConsortiumMember),
            "can_charter": obj.is_approved and is_lead and may(user, "add", ConsortiumCharter),
            "can_contribute": obj.is_approved and may(user, "add", MemberContribution) and (
                is_lead or any(m.organization_id == user.organization_id and m.is_active for m in members)),
            "is_lead": is_lead,
            "current_member_count": sum(1 for m in members if obj.counts_member(m)),
            "offer_full_numbers": wordforms.offers_full_numbers(user, own=user.organization_id == obj.lead_unit_id),
        }


class ConsortiumApplicationView(LoginRequiredMixin, View):
    """Create or edit the Appendix A application with its member table (CON-01)."""

    model = Consortium
    template_name = "consortia/consortium_edit.html"

    def get_object(self, pk):
        if pk is None:
            if not may(self.request.user, "add", Consortium):
                raise PermissionDenied
            return None
        return get_restricted_or_404(Consortium.objects.all(), self.request.user, "change", pk=pk)

    def render_page(self, request, obj, form, formset):
        return render(request, self.template_name, {
            "object": obj, "form": form, "formset": formset, "opts": Consortium._meta,
            "title": (_("Edit %(name)s") % {"name": obj}) if obj else _("Apply for a quality innovation consortium"),
            "lead_unit": obj.lead_unit if obj else request.user.organization,
            "cancel_url": obj.get_absolute_url() if obj else reverse("consortia:consortium_list"),
        })

    def get(self, request, pk=None):
        obj = self.get_object(pk)
        form = forms.ConsortiumApplicationForm(instance=obj, user=request.user)
        rows = services.members_as_rows(obj)
        formset = forms.MemberRowFormSet(initial=rows or None, prefix="members")
        if not rows:
            formset = forms.MemberRowFormSet(prefix="members", initial=[{}] * 4)
        return self.render_page(request, obj, form, formset)

    def post(self, request, pk=None):
        obj = self.get_object(pk)
        form = forms.ConsortiumApplicationForm(data=request.POST, instance=obj, user=request.user)
        formset = forms.MemberRowFormSet(data=request.POST, prefix="members")
        header_valid, rows_valid = form.is_valid(), formset.is_valid()
        # Every row, blank ones included, so that the service's row numbers are the form's.
        rows = [dict(f.cleaned_data) if rows_valid else {} for f in formset.forms]
        if header_valid and rows_valid:
            data = {f: form.cleaned_data[f] for f in form.Meta.fields}
            try:
                saved = services.consortium_save_application(user=request.user, consortium=obj, data=data, members=rows)
            except ValidationError as exc:
                apply_service_errors(form, exc, shown_elsewhere=("members",))
            else:
                messages.success(request, _("Saved %(name)s.") % {"name": saved})
                return HttpResponseRedirect(saved.get_absolute_url())
        if rows_valid:
            # At the fields, and together with the header's errors, not one round later.
            for index, field_errors in services.member_row_errors(
                    user=request.user, consortium=obj, members=rows).items():
                for field, messages_ in field_errors.items():
                    for message in messages_:
                        formset.forms[index - 1].add_error(field, capfirst(message))
            form.member_error_rows = sorted(i for i, f in enumerate(formset.forms, start=1) if f.errors)
        return self.render_page(request, obj, form, formset)


class UnitLookupView(LoginRequiredMixin, View):
    """Directory units matching what is typed in a member row's name (or code), as the
    ``<option>``s of the form's datalist (htmx): each carries the unit's code for the row."""

    def get(self, request):
        typed = next((v.strip() for k, v in request.GET.items() if k == "q" or k.endswith(("-name", "-uscc"))), "")
        units = Organization.objects.none()
        if len(typed) >= 2:
            units = (Organization.objects.restrict(request.user, "view").exclude(kind=OrganizationKind.GOVERNMENT)
                     .exclude(uscc="").filter(Q(name__icontains=typed) | Q(uscc__startswith=typed.upper()))
                     .order_by("name")[:20])
        return render(request, "consortia/includes/unit_options.html", {"units": units})


class ConsortiumDeleteView(ObjectDeleteView):
    model = Consortium


class ConsortiumSubmitView(ObjectActionView):
    model = Consortium
    title = gettext_lazy("Submit the application")
    intro = gettext_lazy(
        "The application goes to the lead unit for its opinion, then to the district quality office and the "
        "city quality office. It cannot be edited while it is under review.")
    submit_label = gettext_lazy("Submit")

    def unavailable_reason(self, obj):
        if not Consortium.objects.restrict(self.request.user, "change").filter(pk=obj.pk).exists():
            return _("Only the lead unit submits its draft application.")
        return None

    def perform(self, obj, form):
        services.consortium_submit(user=self.request.user, consortium=obj)

    def success_message(self, obj):
        return _("Submitted for the lead unit's opinion.")


class ConsortiumReviewView(ObjectActionView):
    model = Consortium
    form_class = forms.ReviewForm
    template_name = "consortia/review.html"

    def get_title(self, obj):
        step = consortium_review_step(self.request.user, obj)
        return ReviewStep(step).label if step else _("Review")

    def unavailable_reason(self, obj):
        if consortium_review_step(self.request.user, obj) is None:
            return _("This application does not wait for your opinion.")
        return None

    def get_form_kwargs(self, obj):
        return {"step": consortium_review_step(self.request.user, obj)}

    def get_context(self, obj, form):
        return {"reviews": ConsortiumReview.objects.restrict(self.request.user).filter(consortium=obj)
                .select_related("reviewer", "reviewer_org"),
                "members": obj.members.filter(role=MemberRole.MEMBER).select_related("organization")}

    def perform(self, obj, form):
        services.consortium_review(user=self.request.user, consortium=obj, decision=form.cleaned_data["decision"],
                                   opinion=form.cleaned_data["opinion"])

    def success_message(self, obj):
        return _("Your opinion is recorded.")


class ConsortiumExportView(LoginRequiredMixin, View):
    """The application as the Appendix A Word form."""

    model = Consortium

    def get(self, request, pk):
        obj = get_restricted_or_404(Consortium.objects.all(), request.user, "view", pk=pk)
        return wordforms.form_response(request, obj, own=request.user.organization_id == obj.lead_unit_id,
                                       build=lambda: exports.application_docx(obj, request.user),
                                       what="附录A 质量创新联合体组建申请表",
                                       filename=f"质量创新联合体组建申请表-{obj.name}.docx")


class MemberJoinView(ObjectActionView):
    model = Consortium
    form_class = forms.MemberJoinForm
    template_name = "consortia/member_join.html"
    title = gettext_lazy("Admit a member unit")
    intro = gettext_lazy("Name the unit and its unified social credit code as registered in the directory.")
    submit_label = gettext_lazy("Admit")

    def unavailable_reason(self, obj):
        if not (obj.is_approved and consortium_is_lead_user(self.request.user, obj)
                and may(self.request.user, "add", ConsortiumMember)):
            return _("Only the lead unit of an approved consortium admits members.")
        return None

    def perform(self, obj, form):
        services.member_join(user=self.request.user, consortium=obj, data=form.cleaned_data)
        return obj.get_absolute_url() + "#members"

    def success_message(self, obj):
        return _("The unit has joined.")


class MemberLeaveView(ObjectActionView):
    model = ConsortiumMember
    form_class = forms.MemberLeaveForm
    title = gettext_lazy("Record a member's exit")
    submit_label = gettext_lazy("Record exit")
    submit_tone = "danger"

    def unavailable_reason(self, obj):
        user = self.request.user
        if not (obj.consortium.is_approved and consortium_is_lead_user(user, obj.consortium)
                and may(user, "change", ConsortiumMember)):
            return _("Only the lead unit records a member's exit.")
        if not obj.is_active or obj.role == MemberRole.LEAD:
            return _("This unit is not a member that can leave.")
        return None

    def back_url(self, obj):
        return obj.consortium.get_absolute_url() + "#members"

    def perform(self, obj, form):
        services.member_leave(user=self.request.user, member=obj, left_on=form.cleaned_data["left_on"],
                              reason=form.cleaned_data["exit_reason"])

    def success_message(self, obj):
        return _("The exit is recorded.")


class CharterAddView(ObjectActionView):
    model = Consortium
    form_class = forms.CharterForm
    title = gettext_lazy("Adopt a charter version")
    intro = gettext_lazy(
        "chain guide 5.2.3: organizational structure, operating mechanism, members' rights and obligations, "
        "IP ownership, benefit distribution and the entry and exit mechanism.")
    submit_label = gettext_lazy("Record the charter")

    def get_form_kwargs(self, obj):
        return {"user": self.request.user}

    def get_initial(self, obj):
        current = obj.charters.first()
        if current is None:
            return {}
        return {f: getattr(current, f) for f in forms.CharterForm.Meta.fields if f != "adopted_on"}

    def unavailable_reason(self, obj):
        if not (obj.is_approved and consortium_is_lead_user(self.request.user, obj)
                and may(self.request.user, "add", ConsortiumCharter)):
            return _("The lead unit of an approved consortium records its charter.")
        return None

    def perform(self, obj, form):
        data = {f: form.cleaned_data[f] for f in forms.CharterForm.Meta.fields}
        charter = services.charter_adopt(user=self.request.user, consortium=obj, data=data)
        return charter.get_absolute_url()

    def success_message(self, obj):
        return _("Charter recorded.")


class CharterDetailView(ObjectDetailView):
    model = ConsortiumCharter

    def get_extra_context(self, request, obj):
        return {"versions": ConsortiumCharter.objects.restrict(request.user).filter(consortium=obj.consortium)}


class ContributionAddView(ObjectActionView):
    model = Consortium
    form_class = forms.ContributionForm
    title = gettext_lazy("Record a member contribution")
    submit_label = gettext_lazy("Save")

    def get_form_kwargs(self, obj):
        return {"user": self.request.user, "consortium": obj}

    def unavailable_reason(self, obj):
        user = self.request.user
        if not (obj.is_approved and may(user, "add", MemberContribution)):
            return _("Contributions are recorded by the units of an approved consortium.")
        if not (consortium_is_lead_user(user, obj) or obj.active_members().filter(organization_id=user.organization_id).exists()):
            return _("Contributions are recorded by the units of an approved consortium.")
        return None

    def perform(self, obj, form):
        data = {f: form.cleaned_data[f] for f in forms.ContributionForm.Meta.fields}
        services.contribution_save(user=self.request.user, consortium=obj, data=data)
        return obj.get_absolute_url() + "#contributions"

    def success_message(self, obj):
        return _("Contribution recorded.")


class ContributionEditView(ObjectActionView):
    model = MemberContribution
    walk_action = "change"
    form_class = forms.ContributionForm
    title = gettext_lazy("Edit a member contribution")
    submit_label = gettext_lazy("Save")

    def get_object(self, pk):
        return get_restricted_or_404(MemberContribution.objects.all(), self.request.user, "change", pk=pk)

    def get_form_kwargs(self, obj):
        return {"user": self.request.user, "consortium": obj.consortium, "instance": obj}

    def back_url(self, obj):
        return obj.get_absolute_url()

    def perform(self, obj, form):
        data = {f: form.cleaned_data[f] for f in forms.ContributionForm.Meta.fields}
        services.contribution_save(user=self.request.user, consortium=obj.consortium, data=data, contribution=obj)

    def success_message(self, obj):
        return _("Saved.")
