from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from zhilian.core import masking
from zhilian.core.forms import BaseModelForm
from zhilian.directory.models import Organization

from .choices import Satisfaction
from .models import Need


class NeedForm(BaseModelForm):
    """File or edit a need. ``enterprise`` is offered to commissioners registering a need
    for an enterprise they serve; an enterprise files for itself."""

    class Meta:
        model = Need
        fields = ["enterprise", "category", "title", "product", "description", "expected_date", "contact_name",
                  "contact_phone"]
        widgets = {"expected_date": forms.DateInput(), "description": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = Organization.objects.filter(kind="enterprise")
        self.restrict_choices("enterprise")
        user = self.user
        if self.instance.pk or (user is not None and user.organization_id and
                                user.organization and user.organization.kind == "enterprise"):
            # The enterprise files for itself; an existing need keeps its enterprise.
            del self.fields["enterprise"]
        if self.instance.pk is None and user is not None and not self.initial.get("contact_name"):
            # The person filing is the likely contact; model_to_dict put "" there already.
            self.initial["contact_name"] = user.full_name
            # Shown masked like every number on a page (SEC-07); the stored one is kept on save.
            self.initial["contact_phone"] = self.initial.get("contact_phone") or masking.mask_mobile(user.mobile)

    def clean_contact_phone(self):
        value = self.cleaned_data.get("contact_phone", "")
        user = self.user
        if masking.is_masked(value) and user is not None and user.mobile and value == masking.mask_mobile(user.mobile):
            return user.mobile
        if masking.is_masked(value):
            raise forms.ValidationError(_("Enter the full telephone number."))
        return value

    def clean_expected_date(self):
        value = self.cleaned_data.get("expected_date")
        if value and value < timezone.localdate() and (self.instance.pk is None or "expected_date" in self.changed_data):
            raise forms.ValidationError(_("The expected date cannot be in the past."))
        return value


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class DeliverForm(forms.Form):
    summary = forms.CharField(label=_("Service summary"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000,
                              help_text=_("What was delivered: test reports, measurements, advice, training held."))


class ConfirmForm(forms.Form):
    """SC guide Table F.1 服务质量满意度调查表."""

    timeliness = forms.ChoiceField(label=_("Timeliness of the institution's service"), choices=Satisfaction.choices,
                                   widget=forms.RadioSelect)
    professionalism = forms.ChoiceField(label=_("Professionalism of the service"), choices=Satisfaction.choices,
                                        widget=forms.RadioSelect)
    courtesy = forms.ChoiceField(label=_("Courtesy of the service"), choices=Satisfaction.choices,
                                 widget=forms.RadioSelect)
    overall = forms.ChoiceField(label=_("Overall evaluation of the service"), choices=Satisfaction.choices,
                                widget=forms.RadioSelect)
    resolved = forms.TypedChoiceField(label=_("Was your problem solved?"), choices=[("yes", _("Yes")), ("no", _("No"))],
                                      coerce=lambda v: v == "yes", widget=forms.RadioSelect)
    feedback = forms.CharField(label=_("Your opinions or suggestions"), required=False,
                               widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)


class AssignForm(forms.Form):
    institutions = forms.ModelMultipleChoiceField(queryset=Organization.objects.none(), required=False,
                                                  label=_("Technical institutions"))
    experts = forms.ModelMultipleChoiceField(queryset=Organization.objects.none(), required=False,
                                             label=pgettext_lazy("need", "Experts"))
    note = forms.CharField(label=_("Instructions to the providers"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user=None, **kwargs):
        from zhilian.directory.models import Expert

        super().__init__(*args, **kwargs)
        self.fields["institutions"].queryset = Organization.objects.restrict(user, "view").filter(
            kind="institution", is_active=True)
        self.fields["experts"].queryset = Expert.objects.restrict(user, "view").filter(is_active=True)
