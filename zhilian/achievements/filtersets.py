import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from zhilian.core.filters import CheapCopyFilterSet, ModelChoiceFilter
from zhilian.consortia.models import Consortium
from zhilian.projects.models import Project

from .choices import AchievementStatus, AchievementType, LicenseMode, LicenseStatus, RightStatus, ShareLevel
from .models import Achievement, License

SELECT = {"class": "form-select form-select-sm"}


class AchievementFilterSet(CheapCopyFilterSet):
    achievement_type = django_filters.ChoiceFilter(choices=AchievementType.choices, label=pgettext_lazy("achievement", "Type"),
                                                   widget=forms.Select(attrs=SELECT))
    share_level = django_filters.ChoiceFilter(choices=ShareLevel.choices, label=_("Share level"),
                                              widget=forms.Select(attrs=SELECT))
    status = django_filters.ChoiceFilter(choices=AchievementStatus.choices, label=_("Status"),
                                         widget=forms.Select(attrs=SELECT))
    right_status = django_filters.ChoiceFilter(choices=RightStatus.choices, label=_("Right status"),
                                               widget=forms.Select(attrs=SELECT))
    consortium = ModelChoiceFilter(queryset=Consortium.objects.none(), label=_("Consortium"),
                                                  widget=forms.Select(attrs=SELECT))

    class Meta:
        model = Achievement
        fields = ["achievement_type", "share_level", "status", "right_status", "consortium", "project"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        if request is not None:
            self.filters["consortium"].offer(Consortium, request.user, build=lambda rows: rows.approved(),
                                             kept_as="approved")
            # A hidden filter (a project's page links here) offers no choices: its scope is
            # worked out only when the list is narrowed by it, not for every page of the list.
            self.filters["project"].queryset = Project.objects.restrict(request.user, "view") \
                if self.data.get("project") else Project.objects.none()
        self.filters["project"].extra["widget"] = forms.HiddenInput()


class LicenseFilterSet(CheapCopyFilterSet):
    status = django_filters.ChoiceFilter(choices=LicenseStatus.choices, label=_("Status"),
                                         widget=forms.Select(attrs=SELECT))
    mode = django_filters.ChoiceFilter(choices=LicenseMode.choices, label=_("Licence mode"),
                                       widget=forms.Select(attrs=SELECT))

    class Meta:
        model = License
        fields = ["status", "mode", "achievement"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        if request is not None:
            self.filters["achievement"].queryset = Achievement.objects.restrict(request.user, "view") \
                if self.data.get("achievement") else Achievement.objects.none()
        self.filters["achievement"].extra["widget"] = forms.HiddenInput()
