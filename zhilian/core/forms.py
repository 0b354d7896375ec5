from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from . import masking
from .calendar import COMPUTABLE_YEARS
from .lookups import use_lookups
from .models import CalendarDay, CalendarYear


class BaseModelForm(forms.ModelForm):
    """A ModelForm that knows the acting user (to limit choices to what the user may see).

    Personal numbers (SEC-07) are shown masked; a masked value that comes back unchanged
    keeps the stored number, a new value replaces it.
    """

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, forms.DateInput):
                field.widget.input_type = "date"
                field.widget.format = "%Y-%m-%d"
        use_lookups(self)  # a directory-sized choice is searched, not listed
        self._personal = {}
        if self.instance is not None and self.instance.pk:
            for name, kind in masking.personal_fields(type(self.instance)).items():
                stored = getattr(self.instance, name, "")
                if name in self.fields and stored:
                    self._personal[name] = (kind, stored)
                    self.initial[name] = masking.mask(kind, stored)
                    self.fields[name].help_text = _("Shown masked; leave it as it is to keep the number, or type a new one.")

    def full_clean(self):
        if not (self.is_bound and self._personal):
            return super().full_clean()
        shown = self.data
        data = self.data.copy()
        for name, (kind, stored) in self._personal.items():
            key = self.add_prefix(name)
            if data.get(key) == masking.mask(kind, stored):
                data[key] = stored
        self.data = data
        try:
            super().full_clean()
        finally:
            self.data = shown  # re-rendered with errors, the page still shows the masked value

    def restrict_choices(self, field_name, action="view"):
        """Offer only related rows the user may see in a ForeignKey / M2M field."""
        field = self.fields.get(field_name)
        if field is not None and self.user is not None:
            field.queryset = field.queryset.restrict(self.user, action)


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File"))
    category = forms.CharField(label=_("Category"), max_length=100, required=False)
    description = forms.CharField(label=_("Description"), max_length=500, required=False)


class CalendarDayForm(BaseModelForm):
    class Meta:
        model = CalendarDay
        fields = ["date", "is_workday", "name"]
        widgets = {"date": forms.DateInput()}


class CalendarYearForm(BaseModelForm):
    class Meta:
        model = CalendarYear
        fields = ["year", "complete", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # a year the calendar can show (year 0 or 10000 saved, then its page failed)
        self.fields["year"].min_value = COMPUTABLE_YEARS[0]
        self.fields["year"].max_value = COMPUTABLE_YEARS[-1]
        self.fields["year"].validators += [MinValueValidator(COMPUTABLE_YEARS[0]), MaxValueValidator(COMPUTABLE_YEARS[-1])]
        self.fields["year"].widget.attrs.update(min=COMPUTABLE_YEARS[0], max=COMPUTABLE_YEARS[-1])


class WorkingDayForm(forms.Form):
    start = forms.DateField(label=_("Start date"), widget=forms.DateInput(attrs={"type": "date"}))
    days = forms.IntegerField(label=_("Working days"), min_value=-366, max_value=366, initial=5)

    def clean(self):
        cleaned = super().clean()
        start = cleaned.get("start")
        if start and not (COMPUTABLE_YEARS[0] <= start.year <= COMPUTABLE_YEARS[-1]):
            # 366 working days from 9999-12-30 run past the last date there is (a 500)
            self.add_error("start", _("Enter a date between the years %(first)d and %(last)d.")
                           % {"first": COMPUTABLE_YEARS[0], "last": COMPUTABLE_YEARS[-1]})
        return cleaned
