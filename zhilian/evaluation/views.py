from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from zhilian.chains.models import Chain
from zhilian.consortia.actions import apply_service_errors
from zhilian.core import audit
from zhilian.core.models import AuditAction
from zhilian.core.permissions import get_restricted_or_404, may, prime_allowed
from zhilian.core.spreadsheets import file_response

from . import exports, services
from .forms import ChainSummaryInputForm
from .models import ChainSummaryInput
from .selectors import chain_summary

PERMISSION = "evaluation.view_chainsummaryinput"
# A chain's page names what it counts; past this many, the rest open on demand (a chain of the
# benchmark's size names 374 enterprises and 554 solved problems).
SHOWN = 20


class SummaryTableView(LoginRequiredMixin, View):
    """Table I.1 for every chain the user may see, on screen and as Excel (EVA-01)."""

    def get(self, request):
        if not request.user.has_perm(PERMISSION):
            raise PermissionDenied
        chains = Chain.objects.restrict(request.user, "view").order_by("name_sort")
        summaries = [chain_summary(request.user, chain) for chain in chains]
        if request.GET.get("export") == "xlsx":
            audit.write(action=AuditAction.EXPORT, object_repr="表I.1 产业链质量提升工作总结汇总表")
            return file_response(exports.summary_workbook(summaries), "产业链质量提升工作总结汇总表.xlsx",
                                 ascii_name="chain-quality-summary-table-I1.xlsx")
        return render(request, "evaluation/summary_table.html", {
            "title": _("Chain quality improvement summary (Table I.1)"), "summaries": summaries,
            "columns": exports.COLUMNS, "groups": exports.header_groups(), "today": timezone.localdate()})


class ChainSummaryView(LoginRequiredMixin, View):
    """One chain's summary with what each figure counts, and the figures entered by the city."""

    walk_model = Chain

    def get_chain(self, pk):
        return get_restricted_or_404(Chain.objects.all(), self.request.user, "view", pk=pk)

    def render_page(self, request, chain, form):
        summary = chain_summary(request.user, chain)
        # The units and solved problems are linked each as the reader may open it (org_link, object_link).
        prime_allowed(request.user, "view", [*summary.enterprises, *summary.institutions, *summary.solved_problems])
        return render(request, "evaluation/chain_summary.html", {
            "title": _("Summary of %(chain)s") % {"chain": chain}, "chain": chain, "s": summary, "form": form,
            "shown": SHOWN, "minus_shown": -SHOWN,
            "today": timezone.localdate()})

    def can_edit(self, chain):
        record = ChainSummaryInput.objects.filter(chain=chain).first()
        if record is None:
            return may(self.request.user, "add", ChainSummaryInput)
        return ChainSummaryInput.objects.restrict(self.request.user, "change").filter(pk=record.pk).exists()

    def get(self, request, pk):
        chain = self.get_chain(pk)
        if not request.user.has_perm(PERMISSION):
            messages.info(request, _("The summary table is kept by the regulators and the management institution."))
            return HttpResponseRedirect(reverse("core:home"))
        form = ChainSummaryInputForm(instance=ChainSummaryInput.objects.filter(chain=chain).first(),
                                     user=request.user) if self.can_edit(chain) else None
        return self.render_page(request, chain, form)

    def post(self, request, pk):
        chain = self.get_chain(pk)
        if not self.can_edit(chain):
            raise PermissionDenied
        form = ChainSummaryInputForm(data=request.POST, instance=ChainSummaryInput.objects.filter(chain=chain).first(),
                                     user=request.user)
        if form.is_valid():
            try:
                services.summary_inputs_save(user=request.user, chain=chain,
                                             data={f: form.cleaned_data[f] for f in services.FIELDS})
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                return HttpResponseRedirect(reverse("evaluation:chain_summary", args=[chain.pk]))
        return self.render_page(request, chain, form)
