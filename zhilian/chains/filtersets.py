import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from zhilian.core.filters import CheapCopyFilterSet, BooleanFilter, ModelChoiceFilter, YES_NO

from .models import Chain, ChainStatus, EventDimension, MonitoredEvent

SELECT = {"class": "form-select form-select-sm"}
TEXT = {"class": "form-control form-control-sm"}


class ChainFilterSet(CheapCopyFilterSet):
    status = django_filters.ChoiceFilter(choices=ChainStatus.choices, label=_("Status"),
                                         widget=forms.Select(attrs=SELECT))
    industry = django_filters.CharFilter(lookup_expr="icontains", label=_("Industry field"),
                                         widget=forms.TextInput(attrs=TEXT))
    # Whether the chain has a published map (``published_at``), also while a revision of it is
    # a draft or under review: the dashboard's "published maps" (status says only where the
    # working copy stands).
    published = BooleanFilter(field_name="published_at", lookup_expr="isnull", exclude=True,
                              label=_("Map published"), widget=forms.Select(attrs=SELECT, choices=YES_NO))

    class Meta:
        model = Chain
        fields = ["status", "industry", "published"]


class MonitoredEventFilterSet(CheapCopyFilterSet):
    chain = ModelChoiceFilter(queryset=Chain.objects.none(), label=_("Chain"),
                                             widget=forms.Select(attrs=SELECT))
    dimension = django_filters.ChoiceFilter(choices=EventDimension.choices, label=_("Monitoring dimension"),
                                            widget=forms.Select(attrs=SELECT))
    triggers_update = BooleanFilter(label=_("Triggers an update"),
                                    widget=forms.Select(attrs=SELECT, choices=YES_NO))

    class Meta:
        model = MonitoredEvent
        fields = ["chain", "dimension", "triggers_update"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        if request is not None:
            self.filters["chain"].offer(Chain, request.user)
