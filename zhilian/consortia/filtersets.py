import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from zhilian.core.filters import CheapCopyFilterSet, ModelChoiceFilter
from zhilian.chains.models import Chain
from zhilian.directory.filtersets import district_widget

from .choices import ConsortiumStatus
from .models import Consortium

SELECT = {"class": "form-select form-select-sm"}


class ConsortiumFilterSet(CheapCopyFilterSet):
    status = django_filters.ChoiceFilter(choices=ConsortiumStatus.choices, label=_("Status"),
                                         widget=forms.Select(attrs=SELECT))
    chain = ModelChoiceFilter(queryset=Chain.objects.none(), label=_("Industrial chain"),
                                             widget=forms.Select(attrs=SELECT))
    # As on the other lists: the city's districts to pick from (the API takes any text).
    district = django_filters.CharFilter(label=_("District"), widget=district_widget())

    class Meta:
        model = Consortium
        fields = ["status", "chain", "district"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        if request is not None:
            self.filters["chain"].offer(Chain, request.user)
