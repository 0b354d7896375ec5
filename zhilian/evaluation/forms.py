from django import forms

from zhilian.core.forms import BaseModelForm

from .models import ChainSummaryInput


class ChainSummaryInputForm(BaseModelForm):
    class Meta:
        model = ChainSummaryInput
        fields = ["clusters", "sme_certifications", "employment", "market", "cost_savings", "indicator_note"]
        widgets = {f: forms.Textarea(attrs={"rows": 2}) for f in ("sme_certifications", "employment", "market",
                                                                 "cost_savings", "indicator_note")}
