from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from zhilian.chains.models import Chain
from zhilian.core.forms import BaseModelForm

from .choices import ReviewDecision
from .models import Consortium, ConsortiumCharter, MemberContribution

TEXTAREA = {"rows": 4}


class ConsortiumApplicationForm(BaseModelForm):
    """Appendix A header and construction content; the member table is a formset."""

    class Meta:
        model = Consortium
        fields = ["name", "chain", "chain_domain", "person_in_charge", "person_phone", "goals", "work_plan"]
        widgets = {"goals": forms.Textarea(attrs=TEXTAREA), "work_plan": forms.Textarea(attrs=TEXTAREA)}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["chain"].queryset = Chain.objects.all()
        self.restrict_choices("chain")


class MemberRowForm(forms.Form):
    """One row of Appendix A 一、主要成员单位."""

    name = forms.CharField(label=_("Member unit name"), max_length=200, required=False)
    uscc = forms.CharField(label=_("Unified social credit code"), max_length=18, required=False)
    contact_name = forms.CharField(label=_("Contact person"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=30, required=False)
    responsibilities = forms.CharField(label=_("Responsibilities"), max_length=300, required=False)


MemberRowFormSet = forms.formset_factory(MemberRowForm, extra=2, max_num=60)


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=ReviewDecision.choices, widget=forms.RadioSelect)
    opinion = forms.CharField(label=_("Opinion"), widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, step=None, **kwargs):
        super().__init__(*args, **kwargs)
        if step == "lead":
            self.fields["decision"].choices = [c for c in ReviewDecision.choices if c[0] != ReviewDecision.REJECT]


class MemberJoinForm(MemberRowForm):
    joined_on = forms.DateField(label=_("Joined on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("name", "contact_name", "contact_phone"):
            self.fields[name].required = True
        # The unit is picked from the directory by name (htmx datalist); its code follows.
        self.fields["name"].widget.attrs.update({
            "list": "unit-options", "autocomplete": "off", "hx-get": reverse_lazy("consortia:unit_lookup"),
            "hx-trigger": "input changed delay:250ms", "hx-target": "#unit-options", "hx-swap": "innerHTML"})
        self.fields["uscc"].help_text = _("Filled in when the unit is picked from the list.")


class MemberLeaveForm(forms.Form):
    left_on = forms.DateField(label=_("Left on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    exit_reason = forms.CharField(label=_("Reason for leaving"), max_length=300)


class CharterForm(BaseModelForm):
    class Meta:
        model = ConsortiumCharter
        fields = ["adopted_on", "organization_structure", "operating_mechanism", "rights_obligations", "ip_ownership",
                  "benefit_distribution", "entry_exit_rules", "talent_development"]
        widgets = {"adopted_on": forms.DateInput(), **{f: forms.Textarea(attrs={"rows": 3}) for f in (
            "organization_structure", "operating_mechanism", "rights_obligations", "ip_ownership",
            "benefit_distribution", "entry_exit_rules", "talent_development")}}


class ContributionForm(BaseModelForm):
    class Meta:
        model = MemberContribution
        fields = ["member", "kind", "description", "amount", "quantity", "unit", "provided_on"]
        widgets = {"provided_on": forms.DateInput()}

    def __init__(self, *args, consortium=None, **kwargs):
        super().__init__(*args, **kwargs)
        members = consortium.members.select_related("organization").filter(joined_on__isnull=False)
        user = self.user
        if user is not None and user.organization_id != consortium.lead_unit_id:
            members = members.filter(organization_id=user.organization_id)
        self.fields["member"].queryset = members
        self.fields["member"].label_from_instance = lambda m: m.organization.name + (
            "" if m.left_on is None else f"（{m.left_on:%Y-%m-%d} 退出）")
