from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import pgettext_lazy
from django.views import View

from zhilian.consortia import wordforms
from zhilian.consortia.actions import ObjectActionView, apply_service_errors
from zhilian.consortia.models import Consortium
from zhilian.core import audit
from zhilian.core.generic import ObjectDetailView, ObjectListView
from zhilian.core.models import AuditAction
from zhilian.core.permissions import get_restricted_or_404, may
from zhilian.projects.models import Project

from . import exports, forms, selectors, services
from .choices import AchievementStatus, LicenseStatus, ShareLevel, UsageKind
from .filtersets import AchievementFilterSet, LicenseFilterSet
from .models import Achievement, License, PromotionEvent, RightStatusChange
from .tables import AchievementTable, LicenseTable, PromotionEventTable


class AchievementListView(ObjectListView):
    model = Achievement
    filterset_class = AchievementFilterSet
    table_class = AchievementTable
    export_columns = exports.LIBRARY_COLUMNS
    export_heading = "产业链质量攻关成果共享库"
    extra_actions_template = "achievements/includes/list_actions.html"
    # The table's eight of an achievement's thirty-odd fields (the summary, indicators and the
    # search text twice not read for a page of rows).
    table_fields = ("code", "name", "achievement_type", "contributor__name", "share_level", "right_status", "status",
                    "listed_on")

    def get_queryset(self):
        return super().get_queryset().select_related("contributor")

    def export(self, request, queryset):
        return super().export(request, queryset.select_related("contributor", "project"))


class AchievementDetailView(ObjectDetailView):
    model = Achievement
    queryset = Achievement.objects.select_related("contributor", "project", "consortium__lead_unit")

    def get_extra_context(self, request, obj):
        user = request.user
        services.record_usage(user=user, achievement=obj)
        stats = selectors.usage_statistics(Achievement.objects.filter(pk=obj.pk), user)[0]
        licences = selectors.licences_of(user, obj)
        is_contributor = selectors.is_contributor_user(user, obj)
        problems = list(obj.problems.all())
        return {
            "stats": stats,
            "licences": licences,
            "right_changes": RightStatusChange.objects.restrict(user).filter(achievement=obj).select_related(
                "recorded_by"),
            "targeted": obj.targeted_organizations.all() if obj.share_level == ShareLevel.TARGETED and (
                is_contributor or selectors.may_operate(user, obj)) else [],
            "problems": problems,
            "problem_solved": selectors.problem_solved_text(obj, problems),
            "declaration": services.DECLARATION,
            "can_submit": obj.status == AchievementStatus.DRAFT and Achievement.objects.restrict(
                user, "change").filter(pk=obj.pk).exists(),
            "can_review": obj.status == AchievementStatus.SUBMITTED and selectors.may_review(user, obj),
            "can_operate": obj.status != AchievementStatus.DRAFT and selectors.may_operate(user, obj),
            "can_relist": obj.status == AchievementStatus.DELISTED and selectors.may_review(user, obj),
            "can_request": obj.is_listed and not is_contributor and bool(user.organization_id)
                           and may(user, "add", License) and not selectors.right_ended(obj),
            "right_ended": services.right_ended_reason(obj),
            "my_licences": licences.filter(licensee_id=user.organization_id) if user.organization_id else [],
            "offer_full_numbers": wordforms.offers_full_numbers(user, own=user.organization_id == obj.contributor_id),
        }


class AchievementEditView(LoginRequiredMixin, View):
    """Enter a result of an accepted project with the Table G.1 fields, or edit the draft (ACH-01)."""

    model = Achievement
    template_name = "achievements/achievement_edit.html"

    def get_object(self, pk):
        if pk is None:
            if not may(self.request.user, "add", Achievement):
                raise PermissionDenied
            return None
        return get_restricted_or_404(Achievement.objects.all(), self.request.user, "change", pk=pk)

    def project(self, obj):
        if obj is not None:
            return obj.project
        try:
            return Project.objects.restrict(self.request.user, "view").get(pk=int(self.request.GET.get("project", 0)))
        except (Project.DoesNotExist, ValueError):
            return None

    def initial(self, obj, project):
        if obj is not None or project is None:
            return {}
        user = self.request.user
        return {"problem_solved": "；".join(f"{p.code} {p.name}" for p in project.problems.all()),
                "problems": list(project.problems.all()), "contact_name": user.full_name or user.username,
                "contact_phone": user.mobile, "right_holder": user.organization.name if user.organization else ""}

    def render_page(self, request, obj, project, form):
        return render(request, self.template_name, {
            "object": obj, "form": form, "project": project, "opts": Achievement._meta,
            "title": (_("Edit %(name)s") % {"name": obj}) if obj else _("Enter an achievement"),
            "cancel_url": obj.get_absolute_url() if obj else (project.get_absolute_url() if project
                                                              else reverse("achievements:achievement_list")),
            "accepted_projects": Project.objects.restrict(request.user, "view").filter(
                status__in=services.ACCEPTED_PROJECT, participants__organization_id=request.user.organization_id)
            if obj is None and project is None else None,
        })

    def get(self, request, pk=None):
        obj = self.get_object(pk)
        project = self.project(obj)
        form = forms.AchievementForm(instance=obj, user=request.user, project=project,
                                     initial=self.initial(obj, project))
        return self.render_page(request, obj, project, form)

    def post(self, request, pk=None):
        obj = self.get_object(pk)
        project = self.project(obj)
        form = forms.AchievementForm(data=request.POST, instance=obj, user=request.user, project=project)
        if form.is_valid():
            data = {f: form.cleaned_data[f] for f in services.INTAKE_FIELDS}
            try:
                saved = services.achievement_save(
                    user=request.user, achievement=obj, project=project, data=data,
                    problems=form.cleaned_data["problems"],
                    targeted_organizations=form.cleaned_data["targeted_organizations"],
                    targeted_units=form.cleaned_data["targeted_units"])
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("Saved %(name)s. Attach the proof documents, then submit.") % {
                    "name": saved})
                return HttpResponseRedirect(saved.get_absolute_url())
        return self.render_page(request, obj, project, form)


class AchievementSubmitView(ObjectActionView):
    model = Achievement
    form_class = forms.DeclarationForm
    title = gettext_lazy("Submit to the achievement library")
    intro = gettext_lazy(
        "chain guide 5.6.1: the rights must be clear and free of disputes; entering the library means the "
        "contributor confirms its rights and agrees to share on the declared terms.")
    submit_label = gettext_lazy("Declare and submit")

    def unavailable_reason(self, obj):
        if not Achievement.objects.restrict(self.request.user, "change").filter(pk=obj.pk).exists():
            return _("Only the contributor submits its draft.")
        return None

    def perform(self, obj, form):
        services.achievement_submit(user=self.request.user, achievement=obj,
                                    declaration=form.cleaned_data["declaration"])

    def success_message(self, obj):
        return _("Submitted for review.")


class AchievementReviewView(ObjectActionView):
    model = Achievement
    form_class = forms.ReviewForm
    title = gettext_lazy("Review the achievement")
    submit_label = pgettext_lazy("achievement", "Record review")

    def unavailable_reason(self, obj):
        if not (obj.status == AchievementStatus.SUBMITTED and selectors.may_review(self.request.user, obj)):
            return _("This achievement does not wait for your review.")
        return None

    def perform(self, obj, form):
        services.achievement_review(user=self.request.user, achievement=obj,
                                    approve=form.cleaned_data["decision"] == "approve",
                                    opinion=form.cleaned_data["opinion"])

    def success_message(self, obj):
        return _("Review recorded.")


class RightStatusView(ObjectActionView):
    model = Achievement
    form_class = forms.RightStatusForm
    title = gettext_lazy("Maintain the right status")
    intro = gettext_lazy("chain guide 5.6.4: keep the status of the results up to date, e.g. a patent that lapsed.")
    submit_label = pgettext_lazy("button", "Record")

    def unavailable_reason(self, obj):
        if not (obj.status != AchievementStatus.DRAFT and selectors.may_operate(self.request.user, obj)):
            return _("The contributor or the lead unit maintains the achievement's status.")
        return None

    def get_initial(self, obj):
        return {"right_status": obj.right_status, "effective_on": timezone.localdate()}

    def perform(self, obj, form):
        services.achievement_maintain_right(user=self.request.user, achievement=obj, **form.cleaned_data)

    def success_message(self, obj):
        return _("Right status recorded.")


class DelistView(ObjectActionView):
    model = Achievement
    form_class = forms.DelistForm
    title = gettext_lazy("Take the achievement down")
    submit_label = gettext_lazy("Take down")
    submit_tone = "danger"

    def unavailable_reason(self, obj):
        if not (obj.status == AchievementStatus.LISTED and selectors.may_operate(self.request.user, obj)):
            return _("Listed achievements are taken down by their contributor or the lead unit.")
        return None

    def perform(self, obj, form):
        services.achievement_delist(user=self.request.user, achievement=obj, reason=form.cleaned_data["reason"])

    def success_message(self, obj):
        return _("Taken down.")


class RelistView(ObjectActionView):
    model = Achievement
    form_class = forms.RelistForm
    title = gettext_lazy("List the achievement again")
    submit_label = gettext_lazy("List again")

    def unavailable_reason(self, obj):
        if not (obj.status == AchievementStatus.DELISTED and selectors.may_review(self.request.user, obj)):
            return _("The reviewer puts a taken-down achievement back.")
        return None

    def perform(self, obj, form):
        services.achievement_relist(user=self.request.user, achievement=obj, note=form.cleaned_data["note"])

    def success_message(self, obj):
        return _("Listed again.")


class AchievementExportView(LoginRequiredMixin, View):
    """The achievement as the Table G.1 Word form."""

    model = Achievement

    def get(self, request, pk):
        obj = get_restricted_or_404(Achievement.objects.all(), request.user, "view", pk=pk)
        services.record_usage(user=request.user, achievement=obj, kind=UsageKind.EXPORT)
        return wordforms.form_response(request, obj, own=request.user.organization_id == obj.contributor_id,
                                       build=lambda: exports.intake_docx(obj, request.user),
                                       what="表 G.1 产业链质量攻关成果入库信息表", filename=f"成果入库信息表-{obj.code}.docx")


class UsageStatisticsView(LoginRequiredMixin, View):
    """Usage of the achievements a user runs or contributed: views, downloads, licences (ACH-05)."""

    def get(self, request):
        user = request.user
        if not may(user, "view", Achievement):
            raise PermissionDenied
        queryset = Achievement.objects.restrict(user, "view").filter(selectors.operated_by(user)).exclude(
            status=AchievementStatus.DRAFT).order_by(F("listed_on").desc(nulls_last=True), "-id")
        rows = selectors.usage_statistics(queryset[:200], user)
        totals = {k: sum(r[k] for r in rows) for k in ("views", "downloads", "exports", "requested", "signed", "fees")}
        option = {
            # The legend above the plot and the grid sized to hold the rotated labels: at the foot
            # the legend overlapped them.
            "tooltip": {"trigger": "axis"}, "legend": {"top": 0},
            "grid": {"left": 30, "right": 20, "top": 36, "bottom": 10, "containLabel": True},
            "xAxis": {"type": "category", "data": [r["achievement"].code for r in rows[:15]],
                      "axisLabel": {"rotate": 30}},
            "yAxis": {"type": "value", "minInterval": 1},
            "series": [{"name": str(_("Views")), "type": "bar", "data": [r["views"] for r in rows[:15]]},
                       {"name": str(_("Downloads")), "type": "bar", "data": [r["downloads"] for r in rows[:15]]},
                       {"name": str(_("Licences signed")), "type": "bar", "data": [r["signed"] for r in rows[:15]]}],
        }
        events = PromotionEvent.objects.restrict(user, "view")[:10]
        return render(request, "achievements/statistics.html", {
            "title": _("Usage statistics"), "rows": rows, "totals": totals, "option": option, "events": events})


class LicenseListView(ObjectListView):
    model = License
    filterset_class = LicenseFilterSet
    table_class = LicenseTable
    search_title_field = "code"

    def get_queryset(self):
        return super().get_queryset().select_related("achievement", "licensor", "licensee")


class LicenseDetailView(ObjectDetailView):
    model = License
    queryset = License.objects.select_related("achievement", "licensor", "licensee")

    def get_extra_context(self, request, obj):
        user = request.user
        party = user.organization_id in (obj.licensor_id, obj.licensee_id)
        conflicts = []
        if obj.status == LicenseStatus.REQUESTED:
            conflicts = selectors.conflicts_seen_by(user, selectors.conflicting_licenses(
                obj.achievement, mode=obj.mode, territories=obj.territories, field_of_use=obj.field_of_use,
                start_date=obj.start_date, end_date=obj.end_date, exclude_pk=obj.pk))
        return {
            "can_decide": obj.status == LicenseStatus.REQUESTED and user.organization_id == obj.licensor_id
                          and may(user, "approve", License),
            "can_sign": obj.status == LicenseStatus.APPROVED and party and obj.achievement.is_listed
                        and not _own_signature(user, obj),
            "achievement_unlisted": obj.status in (LicenseStatus.REQUESTED, LicenseStatus.APPROVED)
                                    and not obj.achievement.is_listed,
            "can_withdraw": obj.status == LicenseStatus.REQUESTED and user.organization_id == obj.licensee_id,
            "conflicts": conflicts,
            "in_force": obj.is_in_force(),
            "right_ended": selectors.right_ended(obj.achievement) and obj.status in (
                LicenseStatus.REQUESTED, LicenseStatus.APPROVED, LicenseStatus.SIGNED),
            "right_change": RightStatusChange.objects.restrict(user).filter(
                achievement=obj.achievement_id, after=obj.achievement.right_status).first(),
            "achievement_visible": Achievement.objects.restrict(user).filter(pk=obj.achievement_id).exists(),
        }


def _own_signature(user, licence):
    """The date the user's party signed the agreement, if it has."""
    if user.organization_id == licence.licensor_id:
        return licence.licensor_signed_on
    if user.organization_id == licence.licensee_id:
        return licence.licensee_signed_on
    return None


class LicenseRequestView(ObjectActionView):
    model = Achievement
    form_class = forms.LicenseRequestForm
    title = gettext_lazy("Request a licence (Appendix H)")
    intro = gettext_lazy(
        "Your unit is party B. The contributor (party A) approves the request; then both sign. An exclusive or "
        "sole licence admits no other licence with an overlapping territory, field of use and term.")
    submit_label = gettext_lazy("Send request")

    def unavailable_reason(self, obj):
        user = self.request.user
        if not (obj.is_listed and user.organization_id and user.organization_id != obj.contributor_id
                and may(user, "add", License)):
            return _("Listed achievements are licensed to other units.")
        return services.right_ended_reason(obj)

    def get_form_kwargs(self, obj):
        return {"user": self.request.user}

    def get_initial(self, obj):
        today = timezone.localdate()
        return {"start_date": today, "end_date": today.replace(year=today.year + 3), "territories": ["福建省"],
                "fee_terms": obj.fee_terms}

    def get_context(self, obj, form):
        return {"side_note": _("Licences already granted on this achievement restrict what can be requested.")}

    def perform(self, obj, form):
        data = {f: form.cleaned_data[f] for f in forms.LicenseRequestForm.Meta.fields}
        licence = services.license_request(user=self.request.user, achievement=obj, data=data)
        return licence.get_absolute_url()

    def success_message(self, obj):
        return _("Licence requested.")


class LicenseDecideView(ObjectActionView):
    model = License
    form_class = forms.LicenseDecisionForm
    title = gettext_lazy("Decide on the licence request")
    submit_label = gettext_lazy("Record decision")

    def unavailable_reason(self, obj):
        user = self.request.user
        if not (obj.status == LicenseStatus.REQUESTED and user.organization_id == obj.licensor_id
                and may(user, "approve", License)):
            return _("This request does not wait for your decision.")
        return None

    def get_initial(self, obj):
        return {"fee_amount": obj.fee_amount, "fee_terms": obj.fee_terms}

    def perform(self, obj, form):
        d = form.cleaned_data
        services.license_decide(user=self.request.user, licence=obj, approve=d["decision"] == "approve",
                                note=d["note"], fee_amount=d["fee_amount"], fee_terms=d["fee_terms"])

    def success_message(self, obj):
        return _("Decision recorded.")


class LicenseSignView(ObjectActionView):
    model = License
    form_class = forms.LicenseSignForm
    title = gettext_lazy("Record the signing")
    intro = gettext_lazy("Record your party's signature; the other party records its own. Attach the signed and sealed "
                         "agreement on the agreement's page.")
    submit_label = gettext_lazy("Record signing")

    def unavailable_reason(self, obj):
        if not (obj.status == LicenseStatus.APPROVED
                and self.request.user.organization_id in (obj.licensor_id, obj.licensee_id)):
            return _("The parties record the signing of an approved agreement.")
        if not obj.achievement.is_listed:
            return _("The achievement is not listed in the library (taken down or not yet reviewed): the agreement "
                     "is signed once it is listed again.")
        if _own_signature(self.request.user, obj):
            return _("Your party has signed this agreement already.")
        return None

    def get_initial(self, obj):
        return {"signed_on": timezone.localdate()}

    def get_context(self, obj, form):
        party = _("party A (licensor)") if self.request.user.organization_id == obj.licensor_id else _(
            "party B (licensee)")
        return {"side_note": _("You sign for %(p)s. The agreement is in force once both parties have signed.")
                % {"p": party}}

    def perform(self, obj, form):
        services.license_sign(user=self.request.user, licence=obj, **form.cleaned_data)

    def success_message(self, obj):
        return _("The agreement is signed and in force.")


class LicenseWithdrawView(ObjectActionView):
    model = License
    title = gettext_lazy("Withdraw the request")
    submit_label = gettext_lazy("Withdraw")
    submit_tone = "danger"

    def unavailable_reason(self, obj):
        if not (obj.status == LicenseStatus.REQUESTED and self.request.user.organization_id == obj.licensee_id):
            return _("Only an open request of your unit can be withdrawn.")
        return None

    def perform(self, obj, form):
        services.license_withdraw(user=self.request.user, licence=obj)

    def success_message(self, obj):
        return _("Request withdrawn.")


class LicenseExportView(LoginRequiredMixin, View):
    """The agreement as the Appendix H Word form."""

    model = License

    def get(self, request, pk):
        obj = get_restricted_or_404(License.objects.all(), request.user, "view", pk=pk)
        audit.write(action=AuditAction.EXPORT, instance=obj, message="附录H 成果共享许可协议")
        return exports.license_docx(obj, request.user).response(f"成果共享许可协议-{obj.code}.docx")


class PromotionEventListView(ObjectListView):
    model = PromotionEvent
    table_class = PromotionEventTable
    search_title_field = "title"

    def get_queryset(self):
        return super().get_queryset().select_related("consortium")


class PromotionEventDetailView(ObjectDetailView):
    model = PromotionEvent

    def get_extra_context(self, request, obj):
        return {"shown": Achievement.objects.restrict(request.user).filter(pk__in=obj.achievements.values("pk"))}


class PromotionEventAddView(ObjectActionView):
    model = Consortium
    form_class = forms.PromotionEventForm
    title = gettext_lazy("Record a promotion event or training")
    submit_label = gettext_lazy("Save")

    def unavailable_reason(self, obj):
        user = self.request.user
        if not (obj.is_approved and user.organization_id == obj.lead_unit_id and may(user, "add", PromotionEvent)):
            return _("The lead unit of an approved consortium records its events.")
        return None

    def get_form_kwargs(self, obj):
        return {"user": self.request.user, "consortium": obj}

    def perform(self, obj, form):
        data = {f: form.cleaned_data[f] for f in forms.PromotionEventForm.Meta.fields if f != "achievements"}
        event = services.promotion_event_save(user=self.request.user, event=None, consortium=obj, data=data,
                                              achievements=form.cleaned_data["achievements"])
        return event.get_absolute_url()

    def success_message(self, obj):
        return _("Saved.")

