from django import forms
from django.db.models import Case, IntegerField, Value, When
from django.utils.translation import gettext_lazy as _

from zhilian.core.forms import BaseModelForm
from zhilian.core.lookups import LookupCheckboxSelectMultiple
from zhilian.directory.models import Expert, Organization

from .models import SEGMENT_ORDER, Chain, ChainNode, MonitoredEvent, Placement


class ChainForm(BaseModelForm):
    class Meta:
        model = Chain
        fields = ["name", "industry", "region", "owner_enterprise", "selection_reason", "owner_selection_reason",
                  "description", "key_products", "technology_routes", "update_cycle_months", "update_triggers"]
        widgets = {f: forms.Textarea(attrs={"rows": 3}) for f in (
            "selection_reason", "owner_selection_reason", "description", "key_products", "technology_routes",
            "update_triggers")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_enterprise"].queryset = Organization.objects.enterprises()
        self.restrict_choices("owner_enterprise")
        self.fields["selection_reason"].help_text = _(
            "SC guide 6.3: strategic emerging or future industry, or a traditional advantage industry, "
            "in line with the Quality Power Outline.")


def _node_in_segment(node) -> str:
    return f"{node.get_segment_display()} · {node.name}"


class ChainNodeForm(BaseModelForm):
    class Meta:
        model = ChainNode
        fields = ["segment", "parent", "name", "key_products", "technology_route", "keywords", "order", "supplies",
                  "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2}), "supplies": forms.CheckboxSelectMultiple}

    def __init__(self, *args, chain=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.chain = chain or self.instance.chain
        # In flow order (the model's own order sorts segments by their code: downstream first),
        # each named with its segment, so that a link is not picked by name alone from another
        # segment, nor a supply marked upstream by mistake.
        others = (ChainNode.objects.filter(chain=self.chain).exclude(pk=self.instance.pk)
                  .annotate(segment_position=Case(*(When(segment=s, then=Value(i)) for s, i in SEGMENT_ORDER.items()),
                                                  output_field=IntegerField()))
                  .order_by("segment_position", "order", "id"))
        for name in ("parent", "supplies"):
            self.fields[name].queryset = others
            self.fields[name].label_from_instance = _node_in_segment
        self.fields["supplies"].required = False
        self.fields["order"].required = False

    def clean_order(self):
        return self.cleaned_data.get("order") or 0


class PlacementForm(BaseModelForm):
    class Meta:
        model = Placement
        fields = ["enterprise", "role", "ladder", "key_products", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = Organization.objects.enterprises()
        self.restrict_choices("enterprise")


class ReviewSubmitForm(forms.Form):
    reviewers = forms.ModelMultipleChoiceField(queryset=Expert.objects.none(), widget=LookupCheckboxSelectMultiple,
                                               label=_("Expert reviewers"))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewers"].queryset = Expert.objects.restrict(user, "view").filter(
            user__isnull=False, is_active=True)
        self.fields["reviewers"].label_from_instance = Expert.choice_label


class ReviewCommentForm(forms.Form):
    node = forms.ModelChoiceField(queryset=ChainNode.objects.none(), required=False, label=_("About the link"))
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label=_("Comment"))

    def __init__(self, *args, chain=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["node"].queryset = ChainNode.objects.filter(chain=chain)


class PublishForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, label=_("Publication note"))


class MonitoredEventForm(BaseModelForm):
    class Meta:
        model = MonitoredEvent
        fields = ["dimension", "occurred_on", "title", "node", "description", "source", "triggers_update"]
        widgets = {"occurred_on": forms.DateInput(), "description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, chain=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.chain = chain or self.instance.chain
        self.fields["node"].queryset = ChainNode.objects.filter(chain=self.chain)
