from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from zhilian.consortia.models import Consortium, ConsortiumMember, active_membership_q
from zhilian.consortia.selectors import consortia_of_organization
from zhilian.core.forms import BaseModelForm
from zhilian.core.lookups import LookupCheckboxSelectMultiple
from zhilian.directory.models import Expert, Organization
from zhilian.problems.models import Problem

from .choices import BudgetCategory, FundingSource, MidtermResult, RiskKind, RiskLevel, TargetKind
from . import selectors
from .models import Project
from .services import problems_for_new_project

DATE = {"type": "date"}
ISO = "%Y-%m-%d"  # what <input type=date> takes, whatever the language (SHORT_DATE_FORMAT is not it)
SMALL = {"class": "form-control form-control-sm"}
SMALL_SELECT = {"class": "form-select form-select-sm"}


class ProjectForm(BaseModelForm):
    """Appendix F 一 basic information, 三 content and route, 六 resource needs; the tables are formsets."""

    problems = forms.ModelMultipleChoiceField(
        queryset=None, label=_("Source problems"), widget=forms.CheckboxSelectMultiple,
        help_text=_("A breakthrough project originates from problems of the problem library (chain guide 5.5.2)."))

    class Meta:
        model = Project
        fields = ["name", "consortium", "problems", "direction", "leader_name", "leader_phone", "start_date",
                  "end_date", "content_and_route", "expected_outcomes", "resource_needs"]
        widgets = {"start_date": forms.DateInput(), "end_date": forms.DateInput(),
                   "content_and_route": forms.Textarea(attrs={"rows": 5}),
                   "expected_outcomes": forms.Textarea(attrs={"rows": 3}),
                   "resource_needs": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.user
        problems = problems_for_new_project(user)
        if self.instance.pk:
            problems = problems | self.instance.problems.all()
        self.fields["problems"].queryset = problems.distinct()
        self.fields["problems"].label_from_instance = Problem.choice_label
        org_id = user.organization_id if user else None
        self.fields["consortium"].queryset = Consortium.objects.restrict(user, "view").filter(
            pk__in=consortia_of_organization(org_id)) if org_id else Consortium.objects.none()


def participant_choices(user):
    """Units of the approved consortia the user's unit belongs to (project units are members)."""
    if not user.organization_id:
        return Organization.objects.none()
    members = ConsortiumMember.objects.filter(consortium__in=consortia_of_organization(user.organization_id)).filter(
        active_membership_q()).values("organization")
    return Organization.objects.restrict(user, "view").filter(pk__in=members)


class RowForm(forms.Form):
    """A row of a task-book table; ``cells`` renders each field marked when it is in error
    (is-invalid, described by its invalid-feedback), as the consortium's member rows are."""

    def cells(self):
        for field in self.visible_fields():
            if field.errors:
                css = f"{field.field.widget.attrs.get('class', '')} is-invalid".strip()
                yield field, field.as_widget(attrs={"class": css, "aria-invalid": "true",
                                                    "aria-describedby": f"{field.auto_id}-error"})
            else:
                yield field, field.as_widget()


class ParticipantRowForm(RowForm):
    organization = forms.ModelChoiceField(queryset=Organization.objects.none(), required=False, label=_("Unit"),
                                          widget=forms.Select(attrs=SMALL_SELECT))
    person_in_charge = forms.CharField(label=_("Person in charge"), max_length=50, required=False,
                                       widget=forms.TextInput(attrs=SMALL))
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False, widget=forms.TextInput(attrs=SMALL))
    tasks = forms.CharField(label=_("Main tasks"), required=False, widget=forms.TextInput(attrs=SMALL))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            self.fields["organization"].queryset = participant_choices(user)


class TargetRowForm(RowForm):
    kind = forms.ChoiceField(label=pgettext_lazy("classification", "Kind"), choices=TargetKind.choices, required=False,
                             widget=forms.Select(attrs=SMALL_SELECT))
    indicator = forms.CharField(label=_("Indicator"), max_length=200, required=False, widget=forms.TextInput(attrs=SMALL))
    unit = forms.CharField(label=_("Unit"), max_length=20, required=False, widget=forms.TextInput(attrs=SMALL))
    baseline = forms.DecimalField(label=_("Baseline"), required=False, max_digits=14, decimal_places=4,
                                  widget=forms.NumberInput(attrs={**SMALL, "step": "any"}))
    target = forms.DecimalField(label=_("Target"), required=False, max_digits=14, decimal_places=4,
                                widget=forms.NumberInput(attrs={**SMALL, "step": "any"}))
    description = forms.CharField(label=_("Description"), max_length=300, required=False,
                                  widget=forms.TextInput(attrs=SMALL))


class MilestoneRowForm(RowForm):
    name = forms.CharField(label=_("Milestone"), max_length=200, required=False, widget=forms.TextInput(attrs=SMALL))
    due_date = forms.DateField(label=_("Due date"), required=False,
                               widget=forms.DateInput(attrs={**SMALL, **DATE}, format=ISO))
    deliverable = forms.CharField(label=_("Deliverable / check criterion"), max_length=300, required=False,
                                  widget=forms.TextInput(attrs=SMALL))


class BudgetRowForm(RowForm):
    category = forms.ChoiceField(label=pgettext_lazy("budget", "Category"), choices=BudgetCategory.choices, required=False,
                                 widget=forms.Select(attrs=SMALL_SELECT))
    source = forms.ChoiceField(label=_("Source of funds"), choices=FundingSource.choices, required=False,
                               widget=forms.Select(attrs=SMALL_SELECT))
    description = forms.CharField(label=_("Description"), max_length=200, required=False,
                                  widget=forms.TextInput(attrs=SMALL))
    amount = forms.DecimalField(label=_("Amount (10k CNY)"), required=False, max_digits=12, decimal_places=2,
                                widget=forms.NumberInput(attrs={**SMALL, "step": "0.01"}))


class _UserFormSet(forms.BaseFormSet):
    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {"user": self.user}


ParticipantFormSet = forms.formset_factory(ParticipantRowForm, formset=_UserFormSet, extra=2, max_num=30)
TargetFormSet = forms.formset_factory(TargetRowForm, extra=2, max_num=30)
MilestoneFormSet = forms.formset_factory(MilestoneRowForm, extra=2, max_num=40)
BudgetFormSet = forms.formset_factory(BudgetRowForm, extra=2, max_num=30)


class SignForm(forms.Form):
    signatory = forms.CharField(label=_("Signed for my unit by"), max_length=50,
                                help_text=_("The person in charge who signs; the unit's seal is affixed on paper."))


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect,
                                 choices=[("approve", _("Approve")), ("return", _("Return for revision"))])
    opinion = forms.CharField(label=_("Opinion"), widget=forms.Textarea(attrs={"rows": 3}))


class ProgressReportForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(label=_("Quarter"), coerce=int, choices=[(1, "Q1"), (2, "Q2"), (3, "Q3"), (4, "Q4")])
    summary = forms.CharField(label=_("Progress this quarter"), widget=forms.Textarea(attrs={"rows": 4}))
    spent_to_date = forms.DecimalField(label=_("Spent to date (10k CNY)"), max_digits=12, decimal_places=2, min_value=0)
    issues = forms.CharField(label=_("Problems encountered"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    next_steps = forms.CharField(label=_("Plan for next quarter"), required=False,
                                 widget=forms.Textarea(attrs={"rows": 2}))
    correction_reason = forms.CharField(
        label=_("Reason for the correction"), required=False, max_length=300,
        help_text=_("Only when correcting a quarter already filed: the values it replaces are kept with the reason."))

    def __init__(self, *args, milestones=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.milestones = list(milestones)
        for m in self.milestones:
            self.fields[f"m{m.pk}_progress"] = forms.IntegerField(
                label=m.name, min_value=0, max_value=100, initial=m.progress,
                widget=forms.NumberInput(attrs={**SMALL, "data-milestone": m.pk}))
            self.fields[f"m{m.pk}_completed_on"] = forms.DateField(
                label=_("Completed on"), required=False, initial=m.completed_on,
                widget=forms.DateInput(attrs={**SMALL, **DATE}, format=ISO))
            self.fields[f"m{m.pk}_note"] = forms.CharField(label=_("Note"), required=False, max_length=300,
                                                           widget=forms.TextInput(attrs=SMALL))

    def milestone_rows(self):
        return [(m, self[f"m{m.pk}_progress"], self[f"m{m.pk}_completed_on"], self[f"m{m.pk}_note"])
                for m in self.milestones]

    def milestone_data(self):
        return [{"milestone": m, "progress": self.cleaned_data.get(f"m{m.pk}_progress"),
                 "completed_on": self.cleaned_data.get(f"m{m.pk}_completed_on"),
                 "note": self.cleaned_data.get(f"m{m.pk}_note")} for m in self.milestones]


class MidtermCheckForm(forms.Form):
    checked_on = forms.DateField(label=_("Checked on"), widget=forms.DateInput(attrs=DATE, format=ISO))
    experts = forms.ModelMultipleChoiceField(queryset=Expert.objects.none(), label=pgettext_lazy("people", "Experts"),
                                             widget=LookupCheckboxSelectMultiple)
    result = forms.ChoiceField(label=_("Result"), choices=MidtermResult.choices, widget=forms.RadioSelect)
    opinion = forms.CharField(label=_("Expert opinion"), widget=forms.Textarea(attrs={"rows": 3}))
    rectification_items = forms.CharField(label=_("Rectification items"), required=False,
                                          widget=forms.Textarea(attrs={"rows": 2}))
    rectification_working_days = forms.IntegerField(
        label=_("Rectification deadline (working days)"), initial=20, min_value=1, max_value=120, required=False,
        help_text=_("Counted with statutory holidays and adjusted working days."))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["experts"].queryset = Expert.objects.restrict(user, "view").filter(is_active=True)
        self.fields["experts"].label_from_instance = Expert.choice_label


class RectificationForm(forms.Form):
    report = forms.CharField(label=_("What was rectified"), widget=forms.Textarea(attrs={"rows": 4}))


class ChangeReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason for the change"), widget=forms.Textarea(attrs={"rows": 3}))


class ContentChangeForm(ChangeReasonForm):
    content_and_route = forms.CharField(label=_("Main content and technical route"),
                                        widget=forms.Textarea(attrs={"rows": 5}))
    expected_outcomes = forms.CharField(label=_("Expected outcomes"), widget=forms.Textarea(attrs={"rows": 3}))


class LeaderChangeForm(ChangeReasonForm):
    leader_name = forms.CharField(label=_("New project leader"), max_length=50)
    leader_phone = forms.CharField(label=_("New leader's phone"), max_length=30)


class PeriodChangeForm(ChangeReasonForm):
    start_date = forms.DateField(label=_("Start date"), widget=forms.DateInput(attrs=DATE, format=ISO))
    end_date = forms.DateField(label=_("End date"), widget=forms.DateInput(attrs=DATE, format=ISO))

    def __init__(self, *args, milestones=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.milestones = list(milestones)
        for m in self.milestones:
            self.fields[f"m{m.pk}"] = forms.DateField(label=m.name, initial=m.due_date, required=False,
                                                      widget=forms.DateInput(attrs=DATE, format=ISO))

    def after(self):
        return {"start_date": self.cleaned_data["start_date"], "end_date": self.cleaned_data["end_date"],
                "milestones": {str(m.pk): self.cleaned_data.get(f"m{m.pk}") or m.due_date for m in self.milestones}}


class ChangeDecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect,
                                 choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    note = forms.CharField(label=_("Decision note"), widget=forms.Textarea(attrs={"rows": 3}))


class RiskForm(forms.Form):
    kind = forms.ChoiceField(label=pgettext_lazy("classification", "Kind"), choices=[c for c in RiskKind.choices if c[0] not in (
        "overdue_milestone", "missing_update", "budget_overrun")])
    level = forms.ChoiceField(label=pgettext_lazy("risk level", "Level"), choices=RiskLevel.choices, initial=RiskLevel.MEDIUM)
    title = forms.CharField(label=pgettext_lazy("heading", "Title"), max_length=200)
    description = forms.CharField(label=_("Description and possible consequence"),
                                  widget=forms.Textarea(attrs={"rows": 3}))


class ResolveRiskForm(forms.Form):
    resolution = forms.CharField(label=_("Resolution"), widget=forms.Textarea(attrs={"rows": 3}))


class AcceptanceApplyForm(forms.Form):
    summary = forms.CharField(label=_("Summary of work"), widget=forms.Textarea(attrs={"rows": 4}))
    results = forms.CharField(label=_("Technical results"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, targets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.targets = list(targets)
        for t in self.targets:
            self.fields[f"t{t.pk}_achieved"] = forms.DecimalField(
                label=t.indicator, required=False, max_digits=14, decimal_places=4,
                initial=None if t.achieved is None else selectors.number(t.achieved),
                widget=forms.NumberInput(attrs={**SMALL, "step": "any"}))
            self.fields[f"t{t.pk}_note"] = forms.CharField(label=_("Note"), required=False, max_length=300,
                                                           initial=t.achieved_note, widget=forms.TextInput(attrs=SMALL))

    def target_rows(self):
        return [(t, self[f"t{t.pk}_achieved"], self[f"t{t.pk}_note"]) for t in self.targets]

    def achieved(self):
        return {t.pk: (self.cleaned_data.get(f"t{t.pk}_achieved"), self.cleaned_data.get(f"t{t.pk}_note"))
                for t in self.targets}


class AcceptanceDecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Result"), widget=forms.RadioSelect,
                                 choices=[("pass", _("Passed")), ("fail", _("Not passed"))])
    accepted_on = forms.DateField(label=_("Acceptance date"), widget=forms.DateInput(attrs=DATE, format=ISO))
    experts = forms.ModelMultipleChoiceField(queryset=Expert.objects.none(), label=_("Acceptance experts"),
                                             widget=LookupCheckboxSelectMultiple)
    conclusion = forms.CharField(label=_("Acceptance conclusion"), widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["experts"].queryset = Expert.objects.restrict(user, "view").filter(is_active=True)
        self.fields["experts"].label_from_instance = Expert.choice_label
