import re

from django import forms
from django.utils.translation import gettext_lazy as _

from zhilian.core.forms import BaseModelForm
from zhilian.directory.models import Organization
from zhilian.directory.regions import PROVINCES

from . import selectors
from .choices import NATIONWIDE, LicenseMode, RightStatus
from .models import Achievement, License, PromotionEvent
from .services import DECLARATION

DATE = {"type": "date"}


class AchievementForm(BaseModelForm):
    """Table G.1 产业链质量攻关成果入库信息表."""

    targeted_organizations = forms.ModelMultipleChoiceField(
        queryset=Organization.objects.none(), required=False, label=_("Targeted organizations"),
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("For a targeted share: the organizations the result is pushed to (hold Ctrl to choose several)."))
    targeted_units = forms.CharField(
        required=False, label=_("Other units, by registered name and code"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The list offers the public units and those your unit works with (its consortia, licences, chain "
                    "and earlier targets); an enterprise's directory record is confidential. To target another unit, "
                    "type its full registered name and its unified social credit code, one unit per line."))

    class Meta:
        model = Achievement
        fields = ["name", "achievement_type", "summary", "problem_solved", "problems", "indicators",
                  "application_scope", "ip_type", "right_status", "certificate_no", "right_holder", "share_level",
                  "share_condition", "fee_terms", "targeted_organizations", "contact_name", "contact_phone"]
        widgets = {f: forms.Textarea(attrs={"rows": 3}) for f in ("summary", "problem_solved", "indicators",
                                                                  "application_scope")}
        widgets["problems"] = forms.CheckboxSelectMultiple

    def __init__(self, *args, project=None, **kwargs):
        super().__init__(*args, **kwargs)
        source = project or (self.instance.project if self.instance.pk else None)
        self.fields["problems"].queryset = source.problems.all() if source else self.fields["problems"].queryset.none()
        self.fields["problems"].required = False
        self.fields["targeted_organizations"].queryset = selectors.targetable_organizations(
            self.user, self.instance if self.instance.pk else None)

    def clean_targeted_units(self):
        """One unit a line: its registered name, then its 18-character code (space, tab or comma between)."""
        units, bad = [], []
        for number, line in enumerate((self.cleaned_data.get("targeted_units") or "").splitlines(), start=1):
            parts = [p for p in re.split(r"[\s,，、;；]+", line.strip()) if p]
            if not parts:
                continue
            if len(parts) < 2:
                bad.append(number)
                continue
            units.append({"name": " ".join(parts[:-1]), "uscc": parts[-1]})
        if bad:
            raise forms.ValidationError(_("Line %(lines)s: give the unit's full registered name and then its unified "
                                          "social credit code.") % {"lines": "、".join(map(str, bad))})
        return units


class DeclarationForm(forms.Form):
    declaration = forms.BooleanField(label=DECLARATION, required=False)


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect,
                                 choices=[("approve", _("List in the library")), ("return", _("Return for revision"))])
    opinion = forms.CharField(label=_("Review opinion"), widget=forms.Textarea(attrs={"rows": 3}))


class RightStatusForm(forms.Form):
    right_status = forms.ChoiceField(label=_("New right status"), choices=RightStatus.choices)
    effective_on = forms.DateField(label=_("Effective on"), widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"))
    note = forms.CharField(label=_("Note"), max_length=300)


class DelistForm(forms.Form):
    reason = forms.CharField(label=_("Reason for taking down"), max_length=300)


class RelistForm(forms.Form):
    note = forms.CharField(label=_("Why it applies again"), max_length=300)


TERRITORY_CHOICES = [(NATIONWIDE, _("Nationwide (全国)"))] + [(p, p) for p in PROVINCES]


class LicenseRequestForm(BaseModelForm):
    territories = forms.MultipleChoiceField(label=_("Territory"), choices=TERRITORY_CHOICES,
                                            widget=forms.SelectMultiple(attrs={"size": 6}))

    class Meta:
        model = License
        fields = ["mode", "territories", "field_of_use", "start_date", "end_date", "fee_amount", "fee_terms", "purpose",
                  "obligations", "breach", "dispute_resolution"]
        widgets = {"start_date": forms.DateInput(), "end_date": forms.DateInput(), "mode": forms.RadioSelect,
                   **{f: forms.Textarea(attrs={"rows": 2}) for f in ("purpose", "obligations", "breach",
                                                                      "dispute_resolution")}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mode"].choices = LicenseMode.choices


class LicenseDecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect,
                                 choices=[("approve", _("Approve")), ("reject", _("Refuse"))])
    fee_amount = forms.DecimalField(label=_("Fee (10k CNY)"), required=False, max_digits=12, decimal_places=2,
                                    min_value=0)
    fee_terms = forms.CharField(label=_("Fees and payment"), required=False, max_length=300)
    note = forms.CharField(label=_("Note to the requester"), widget=forms.Textarea(attrs={"rows": 2}))


class LicenseSignForm(forms.Form):
    """One party's signature: each party records its own (the other signs on its side)."""

    signed_on = forms.DateField(label=_("Signed on"), widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"))
    signatory = forms.CharField(label=_("Signed for your party by"), max_length=50)


class PromotionEventForm(BaseModelForm):
    class Meta:
        model = PromotionEvent
        fields = ["kind", "title", "held_on", "location", "achievements", "attendees", "attending_units", "summary"]
        widgets = {"held_on": forms.DateInput(), "achievements": forms.CheckboxSelectMultiple,
                   "attending_units": forms.Textarea(attrs={"rows": 2}), "summary": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, consortium=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["achievements"].queryset = Achievement.objects.restrict(self.user, "view").filter(
            consortium=consortium)
