"""Pages of the needs intake (DIR-05): list, filing, the need's page with its timeline and
the step the user may take next, and one small page per step for plain (non-JS) use."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from zhilian.core.exceptions import StaleObjectError
from zhilian.core.filters import as_id
from zhilian.core.generic import ObjectDetailView, ObjectEditView, ObjectListView
from zhilian.core.i18n import listed
from zhilian.core.permissions import get_restricted_or_404
from zhilian.core.spreadsheets import Column

from . import filtersets, forms, selectors, services, tables
from .choices import AssignmentStatus
from .models import Need, NeedAssignment


class NeedListView(ObjectListView):
    model = Need
    filterset_class = filtersets.NeedFilterSet
    table_class = tables.NeedTable
    add_url_name = "needs:need_add"
    search_title_field = "title"
    export_heading = "企业 NQI 需求台账"
    export_columns = [
        Column("编号", "code", width=14), Column("企业", "enterprise__name", width=30),
        Column("区县", "enterprise__district", width=10),
        Column("类别", "category", width=12, value=lambda n: n.get_category_display()),
        Column("需求标题", "title", width=36), Column("产品 / 对象", "product", width=18),
        Column("状态", "status", width=14, value=lambda n: n.get_status_display()),
        Column("服务专员", "commissioner__name", width=10), Column("提交时间", "filed_at", width=18),
        Column("受理时限", "response_due", width=12), Column("期望完成", "expected_date", width=12),
        Column("总体评价", "overall", width=10, value=lambda n: n.get_overall_display()),
    ]

    def get_queryset(self):
        return super().get_queryset().select_related("enterprise", "commissioner")


class NeedDetailView(ObjectDetailView):
    model = Need
    template_name = "needs/need_detail.html"

    def get_extra_context(self, request, obj):
        user = request.user
        actions = selectors.available_actions(obj, user)
        context = {
            "actions": actions,
            "next_actions": actions - {"edit", "withdraw"},
            "assignments": NeedAssignment.objects.restrict(user).filter(need=obj)
            .select_related("institution", "expert").order_by("assigned_at"),
            "my_assignment": selectors.assignment_of(obj, user),
            "timeline": selectors.need_timeline(obj, user),
            "reason_form": forms.ReasonForm(),
            "deliver_form": forms.DeliverForm(),
            "confirm_form": forms.ConfirmForm(),
            "can_change": "edit" in actions,
            "can_delete": False,
        }
        if "assign" in actions:
            context["matches"] = selectors.need_matches(obj, user)
        return context


class NeedEditView(ObjectEditView):
    """File a need (enterprise, or a commissioner for an enterprise) or edit it before it is taken."""

    model = Need
    form_class = forms.NeedForm
    template_name = "needs/need_form.html"

    def post(self, request, pk=None, *args, **kwargs):
        obj = self.get_object(pk)
        form = self.form_class(data=request.POST, **self.get_form_kwargs(obj))
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "enterprise"}
            try:
                if obj.pk is None:
                    enterprise = form.cleaned_data.get("enterprise") or request.user.organization
                    need = services.need_file(user=request.user, enterprise=enterprise, **data)
                    messages.success(request, _("Need %(code)s filed. A service commissioner will respond by %(due)s.")
                                     % {"code": need.code, "due": need.response_due})
                else:
                    need = services.need_update(user=request.user, need=obj,
                                                expected_version=self.expected_version(request), **data)
                    messages.success(request, _("Saved %(name)s.") % {"name": need})
                return HttpResponseRedirect(need.get_absolute_url())
            except StaleObjectError as exc:
                # Someone saved the need after this form was loaded (SEC-10): show what is saved
                # now beside the user's entries, as every other edit page does.
                form.add_error(None, str(exc.message))
                current = Need._base_manager.get(pk=obj.pk)
                stale = {"current_version": current.version, "differences": self.stale_differences(form, current),
                         "history_url": reverse("core:history", args=[Need._meta.label_lower, obj.pk])}
                return self.render_form(request, obj, form, stale=stale)
            except ValidationError as exc:
                _add_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc) or _("You may not do this."))
        return self.render_form(request, obj, form)


def _add_errors(form, exc: ValidationError):
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class NeedActionView(LoginRequiredMixin, View):
    """One step of a need (take, assign, accept, deliver, confirm, …).

    GET shows the step's form, or goes back to the need when the step is not available;
    POST calls the service. A need the user may not see answers 404 (PLT-02).
    """

    walk_model = Need
    walk_action = "view"
    action = ""
    title = ""
    form_class = None
    service = None

    def get_need(self, pk):
        return get_restricted_or_404(Need.objects.select_related("enterprise", "commissioner"), self.request.user,
                                     "view", pk=pk)

    def make_form(self, data=None):
        return self.form_class(data) if self.form_class else None

    def call(self, need, form):
        raise NotImplementedError

    def render_page(self, need, form, status=200):
        return render(self.request, "needs/need_action.html", {
            "object": need, "opts": Need._meta, "form": form, "title": self.title, "action": self.action,
        }, status=status)

    def get(self, request, pk):
        need = self.get_need(pk)
        if self.action not in selectors.available_actions(need, request.user):
            messages.info(request, _("That step is not available for this need now."))
            return HttpResponseRedirect(need.get_absolute_url())
        return self.render_page(need, self.make_form())

    def post(self, request, pk):
        need = self.get_need(pk)
        form = self.make_form(request.POST)
        if form is not None and not form.is_valid():
            return self.render_page(need, form, status=400)
        try:
            message = self.call(need, form)
        except ValidationError as exc:
            if form is None:
                messages.error(request, " ".join(exc.messages))
                return HttpResponseRedirect(need.get_absolute_url())
            _add_errors(form, exc)
            return self.render_page(need, form, status=400)
        except PermissionDenied:
            messages.error(request, _("That step is not available for this need now."))
            return HttpResponseRedirect(need.get_absolute_url())
        if message:
            messages.success(request, message)
        return HttpResponseRedirect(need.get_absolute_url())


class NeedTakeView(NeedActionView):
    action = "take"
    title = gettext_lazy("Take this need")

    def call(self, need, form):
        need = services.need_take(user=self.request.user, need=need)
        return _("You took %(code)s. Match institutions and experts below.") % {"code": need.code}


class NeedRejectView(NeedActionView):
    action = "reject"
    title = gettext_lazy("Do not accept this need")
    form_class = forms.ReasonForm

    def call(self, need, form):
        services.need_reject(user=self.request.user, need=need, reason=form.cleaned_data["reason"])
        return _("The need was not accepted; the enterprise sees your reason.")


class NeedCancelView(NeedActionView):
    action = "cancel"
    title = gettext_lazy("Cancel this need")
    form_class = forms.ReasonForm

    def call(self, need, form):
        services.need_cancel(user=self.request.user, need=need, reason=form.cleaned_data["reason"])
        return _("The need was cancelled.")


class NeedCloseView(NeedActionView):
    action = "close"
    title = gettext_lazy("Close without evaluation")
    form_class = forms.ReasonForm

    def call(self, need, form):
        services.need_close(user=self.request.user, need=need, reason=form.cleaned_data["reason"])
        return _("The need was closed.")


class NeedAssignView(NeedActionView):
    action = "assign"
    title = gettext_lazy("Assign institutions and experts")

    def make_form(self, data=None):
        return forms.AssignForm(data, user=self.request.user)

    def render_page(self, need, form, status=200):
        return render(self.request, "needs/need_assign.html", {
            "object": need, "opts": Need._meta, "form": form, "title": self.title,
            "matches": selectors.need_matches(need, self.request.user, limit=15),
        }, status=status)

    def call(self, need, form):
        # The service keeps why each provider matched (the suggestions' reasons), as for the API.
        created = services.need_assign(user=self.request.user, need=need,
                                       institutions=form.cleaned_data["institutions"],
                                       experts=form.cleaned_data["experts"], note=form.cleaned_data["note"])
        return _("Assigned %(names)s.") % {"names": listed(str(a.provider) for a in created)}


class NeedWithdrawView(NeedActionView):
    """Withdraw one assignment: ``?assignment=<id>`` names it."""

    action = "withdraw"
    title = gettext_lazy("Withdraw an assignment")
    form_class = forms.ReasonForm

    def assignment(self, need):
        pk = self.request.GET.get("assignment") or self.request.POST.get("assignment")
        return NeedAssignment.objects.restrict(self.request.user).filter(
            need=need, pk=as_id(pk) or 0,
            status__in=[AssignmentStatus.OFFERED, AssignmentStatus.ACCEPTED]).first()

    def call(self, need, form):
        assignment = self.assignment(need)
        if assignment is None:
            raise ValidationError({"reason": _("Choose an assignment that is still open.")})
        services.assignment_withdraw(user=self.request.user, assignment=assignment, reason=form.cleaned_data["reason"])
        return _("Withdrew %(name)s.") % {"name": assignment.provider}


class NeedAcceptView(NeedActionView):
    action = "accept"
    title = gettext_lazy("Accept the assignment")

    def call(self, need, form):
        services.assignment_accept(user=self.request.user, need=need)
        return _("You accepted the assignment. Deliver the service and report it here.")


class NeedDeclineView(NeedActionView):
    action = "decline"
    title = gettext_lazy("Decline the assignment")
    form_class = forms.ReasonForm

    def call(self, need, form):
        services.assignment_decline(user=self.request.user, need=need, reason=form.cleaned_data["reason"])
        return _("You declined the assignment; the commissioner will be told.")


class NeedDeliverView(NeedActionView):
    action = "deliver"
    title = gettext_lazy("Report the service delivered")
    form_class = forms.DeliverForm

    def call(self, need, form):
        services.assignment_deliver(user=self.request.user, need=need, summary=form.cleaned_data["summary"])
        return _("Delivery recorded.")


class NeedConfirmView(NeedActionView):
    action = "confirm"
    title = gettext_lazy("Confirm and evaluate the service")
    form_class = forms.ConfirmForm

    def call(self, need, form):
        services.need_confirm(user=self.request.user, need=need, **form.cleaned_data)
        return _("Thank you. The need is closed with your evaluation.")


class NeedReworkView(NeedActionView):
    action = "rework"
    title = gettext_lazy("Ask for rework")
    form_class = forms.ReasonForm

    def call(self, need, form):
        services.need_rework(user=self.request.user, need=need, reason=form.cleaned_data["reason"])
        return _("The providers were asked to continue the service.")


STEP_VIEWS = {
    "take": NeedTakeView, "reject": NeedRejectView, "cancel": NeedCancelView, "close": NeedCloseView,
    "assign": NeedAssignView, "withdraw": NeedWithdrawView, "accept": NeedAcceptView, "decline": NeedDeclineView,
    "deliver": NeedDeliverView, "confirm": NeedConfirmView, "rework": NeedReworkView,
}
