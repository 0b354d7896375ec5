from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from zhilian.chains.models import Chain, ChainNode
from zhilian.core.forms import BaseModelForm
from zhilian.directory.models import Organization

from .models import Problem, ProblemReview, SeverityModel
from .selectors import problem_reporting_units


class ProblemForm(BaseModelForm):
    """Every field of chain guide 5.4.2 a–g and Table C.1 (PRB-01)."""

    class Meta:
        model = Problem
        fields = ["name", "chain", "segment", "node", "product", "reported_on", "reporter_name", "reporter_org", "source",
                  "category", "sub_area", "description", "impact", "cause_technical", "cause_management",
                  "suggestion", "is_common", "related", "concerned_enterprises", "code"]
        widgets = {
            "reported_on": forms.DateInput(),
            **{f: forms.Textarea(attrs={"rows": 3}) for f in (
                "description", "impact", "cause_technical", "cause_management", "suggestion")},
            "related": forms.SelectMultiple(attrs={"size": 6}),
            "concerned_enterprises": forms.SelectMultiple(attrs={"size": 6}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["chain"].queryset = Chain.objects.all()
        self.restrict_choices("chain")
        self.fields["node"].queryset = ChainNode.objects.restrict(self.user, "view").select_related("chain") \
            if self.user else ChainNode.objects.all()
        self.fields["node"].label_from_instance = ChainNode.choice_label
        if self.user is not None:
            # 填报单位: one's own organization, or those one enters problems for (the service checks it too)
            units = problem_reporting_units(self.user)
            if self.instance.reporter_org_id:
                units = units | Organization.objects.filter(pk=self.instance.reporter_org_id)
            self.fields["reporter_org"].queryset = units.distinct()
            if self.instance.pk is None and not self.initial.get("reporter_org"):
                self.initial["reporter_org"] = self.user.organization_id
            if self.user.organization_id and not units.exclude(pk=self.user.organization_id).exists():
                # one's own organization is the only choice: no empty option
                self.fields["reporter_org"].required = True
                self.fields["reporter_org"].empty_label = None
        self.fields["concerned_enterprises"].queryset = Organization.objects.enterprises()
        self.restrict_choices("concerned_enterprises")
        # By number, as the library numbers them (the model's order is newest reported first).
        self.fields["related"].queryset = Problem.objects.exclude(pk=self.instance.pk).order_by("code")
        self.restrict_choices("related")
        self.fields["segment"].help_text = _("Taken from the node when you choose one; for a problem of no "
                                             "single node, choose it here.")
        self.fields["code"].required = False
        self.fields["code"].help_text = _("Leave empty to number it automatically.")
        self.fields["reported_on"].required = False


    def clean(self):
        cleaned = super().clean()
        node = cleaned.get("node")
        if node is not None and "node" in self.changed_data and "segment" not in self.changed_data:
            # a new node brings its segment; a segment chosen with it must agree (Problem.clean)
            cleaned["segment"] = node.segment
            self.instance.segment = node.segment
        return cleaned


class AssessmentForm(forms.Form):
    """One 1–5 score per dimension of the current model, with its Appendix D level descriptions."""

    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}), required=False,
                              label=_("Comment"))

    def __init__(self, *args, model: SeverityModel, initial_scores=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.model = model
        self.dimensions = list(model.dimensions.all())
        choices = [(str(i), str(i)) for i in range(1, 6)]
        for dim in self.dimensions:
            self.fields[f"score_{dim.code}"] = forms.TypedChoiceField(
                choices=choices, coerce=int, required=False, label=f"{dim.name}（{dim.weight * 100:.0f}%）",
                widget=forms.RadioSelect, initial=(initial_scores or {}).get(dim.code))

    def scores(self):
        return {d.code: self.cleaned_data.get(f"score_{d.code}") for d in self.dimensions}

    def dimension_rows(self):
        return [(dim, self[f"score_{dim.code}"]) for dim in self.dimensions]


class ProblemReviewForm(BaseModelForm):
    class Meta:
        model = ProblemReview
        fields = ["reviewed_on", "conclusion", "notes"]
        widgets = {"reviewed_on": forms.DateInput(), "notes": forms.Textarea(attrs={"rows": 3})}


class SeverityModelForm(forms.Form):
    """A new version of the severity model: thresholds and up to six dimensions."""

    name = forms.CharField(max_length=100, label=_("Name"))
    level1_min = forms.DecimalField(max_digits=4, decimal_places=2, label=_("Level 1 (★★★) from total ≥"),
                                    initial="4.0")
    level2_min = forms.DecimalField(max_digits=4, decimal_places=2, label=_("Level 2 (★★) from total ≥"),
                                    initial="2.5")
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, label=_("Note"))
    ROWS = 6
    LEVELS = ("5", "3-4", "1-2")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.table_errors = []  # the service's errors about the dimensions as a whole (the weights' sum)
        self.row_numbers = []
        for i in range(1, self.ROWS + 1):
            self.fields[f"dim{i}_code"] = forms.SlugField(max_length=30, required=False, label=_("Code"))
            self.fields[f"dim{i}_name"] = forms.CharField(max_length=100, required=False, label=_("Dimension"))
            self.fields[f"dim{i}_weight"] = forms.DecimalField(max_digits=4, decimal_places=2, required=False,
                                                               label=_("Weight"))
            for level in self.LEVELS:
                self.fields[f"dim{i}_level_{level}"] = forms.CharField(max_length=300, required=False,
                                                                      label=_("%(s)s points") % {"s": level})
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("class", "form-control form-control-sm")

    def dimension_rows(self):
        return [(i, self[f"dim{i}_code"], self[f"dim{i}_name"], self[f"dim{i}_weight"],
                 [self[f"dim{i}_level_{lv}"] for lv in self.LEVELS]) for i in range(1, self.ROWS + 1)]

    def _row_fields(self, i):
        return [f"dim{i}_code", f"dim{i}_name", f"dim{i}_weight"] + [f"dim{i}_level_{lv}" for lv in self.LEVELS]

    def _row_filled(self, i) -> bool:
        """Whether the administrator typed anything in row ``i`` (a value that failed the
        field's own check counts too: the row is theirs, not an empty one)."""
        return any(str(self.data.get(self.add_prefix(name), "")).strip() for name in self._row_fields(i))

    def dimensions(self):
        """The rows the administrator filled in, in the form's order. A row with only a weight
        or only level descriptions is a row too: the service refuses it for its missing code or
        name rather than the page dropping it. ``row_numbers`` maps each entry back to its row."""
        rows, self.row_numbers = [], []
        for i in range(1, self.ROWS + 1):
            if not self._row_filled(i):
                continue
            self.row_numbers.append(i)
            rows.append({"code": self.cleaned_data.get(f"dim{i}_code") or "",
                         "name": self.cleaned_data.get(f"dim{i}_name") or "",
                         "weight": self.cleaned_data.get(f"dim{i}_weight"),
                         "levels": [{"scores": lv, "description": self.cleaned_data.get(f"dim{i}_level_{lv}") or ""}
                                    for lv in self.LEVELS]})
        return rows

    def weight_total(self):
        """The sum of the weights typed in that are numbers (None before a submission or
        without any), shown under the weight column."""
        weights = [w for i in range(1, self.ROWS + 1)
                   if (w := getattr(self, "cleaned_data", {}).get(f"dim{i}_weight")) is not None]
        return sum(weights, Decimal(0)) if weights else None

    def mark_invalid(self):
        """Give every field with an error Bootstrap's red outline (the table's inputs are not
        rendered by bootstrap_field, which does this for the fields above the table)."""
        invalid = [name for name in self.errors if name in self.fields]
        total = self.weight_total()
        if self.table_errors and total is not None and total != 1:
            invalid += [f"dim{i}_weight" for i in range(1, self.ROWS + 1)
                        if self.cleaned_data.get(f"dim{i}_weight") is not None]
        for name in invalid:
            widget = self.fields[name].widget
            if "is-invalid" not in widget.attrs.get("class", ""):
                widget.attrs["class"] = (widget.attrs.get("class", "") + " is-invalid").strip()
