from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from zhilian.consortia.api.transitions import run_transition, transition_schema
from zhilian.core.api.viewsets import RestrictedCreateListRetrieveViewSet, RestrictedModelViewSet
from zhilian.core.permissions import may

from .. import selectors, services
from ..choices import AchievementStatus, LicenseStatus
from ..filtersets import AchievementFilterSet, LicenseFilterSet
from ..models import Achievement, License, PromotionEvent
from . import serializers as s


def _reason(ok, message):
    return None if ok else message


class AchievementViewSet(RestrictedModelViewSet):
    """The achievement sharing library (ACH-01…06). Every list, search (``q``), detail and
    export answers only with achievements the caller may see by their share level; an
    achievement the caller may not see answers 404 like a missing one. Filter with
    ``achievement_type``, ``share_level``, ``status``, ``right_status``, ``consortium``, ``project``.
    """

    queryset = Achievement.objects.select_related("contributor", "consortium").prefetch_related(
        "problems", "targeted_organizations")
    serializer_class = s.AchievementSerializer
    filterset_class = AchievementFilterSet
    ordering_sources = {"name": "name_sort", "contributor__name": "contributor__name_sort"}  # pinyin
    searchable = True
    required_action = None

    def perform_create(self, serializer):
        serializer.save()

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        response = Response(self.get_serializer(instance).data)
        response["ETag"] = f'"{instance.version}"'
        services.record_usage(user=request.user, achievement=instance)
        return response

    @transition_schema(request=s.DeclarationSerializer, response=s.AchievementSerializer,
                       description="submit the draft with the contributor's declaration")
    @action(detail=True, methods=["get", "post"], required_action="view")
    def submit(self, request, pk=None):
        obj = self.get_object()
        ok = Achievement.objects.restrict(request.user, "change").filter(pk=obj.pk).exists()
        return run_transition(request, reason=_reason(ok, _("Only the contributor submits its draft.")),
                              input_serializer=s.DeclarationSerializer,
                              perform=lambda d: services.achievement_submit(user=request.user, achievement=obj, **d),
                              output=lambda a: s.AchievementSerializer(a, context=self.get_serializer_context()).data)

    @transition_schema(request=s.ReviewSerializer, response=s.AchievementSerializer,
                       description="list the submitted achievement or return it")
    @action(detail=True, methods=["get", "post"], required_action="view")
    def review(self, request, pk=None):
        obj = self.get_object()
        ok = obj.status == AchievementStatus.SUBMITTED and selectors.may_review(request.user, obj)
        return run_transition(request, reason=_reason(ok, _("This achievement does not wait for your review.")),
                              input_serializer=s.ReviewSerializer,
                              perform=lambda d: services.achievement_review(user=request.user, achievement=obj, **d),
                              output=lambda a: s.AchievementSerializer(a, context=self.get_serializer_context()).data)

    @transition_schema(request=s.RightStatusSerializer, response=s.AchievementSerializer,
                       description="record a change of the right status (e.g. patent lapsed)")
    @action(detail=True, methods=["get", "post"], required_action="view", url_path="right-status")
    def right_status(self, request, pk=None):
        obj = self.get_object()
        ok = obj.status != AchievementStatus.DRAFT and selectors.may_operate(request.user, obj)
        return run_transition(request, reason=_reason(ok, _("The contributor or the lead unit maintains the status.")),
                              input_serializer=s.RightStatusSerializer,
                              perform=lambda d: services.achievement_maintain_right(user=request.user, achievement=obj,
                                                                                    **d),
                              output=lambda _c: s.AchievementSerializer(Achievement.objects.get(pk=obj.pk),
                                                                        context=self.get_serializer_context()).data)

    @transition_schema(request=s.TakeDownSerializer, response=s.AchievementSerializer,
                       description="take the listed achievement down")
    @action(detail=True, methods=["get", "post"], required_action="view", url_path="take-down")
    def take_down(self, request, pk=None):
        obj = self.get_object()
        ok = obj.status == AchievementStatus.LISTED and selectors.may_operate(request.user, obj)
        return run_transition(request, reason=_reason(ok, _("Listed achievements are taken down by their contributor "
                                                          "or the lead unit.")),
                              input_serializer=s.TakeDownSerializer,
                              perform=lambda d: services.achievement_delist(user=request.user, achievement=obj, **d),
                              output=lambda a: s.AchievementSerializer(a, context=self.get_serializer_context()).data)

    @transition_schema(request=s.NoteSerializer, response=s.AchievementSerializer,
                       description="list a taken-down achievement again")
    @action(detail=True, methods=["get", "post"], required_action="view")
    def relist(self, request, pk=None):
        obj = self.get_object()
        ok = obj.status == AchievementStatus.DELISTED and selectors.may_review(request.user, obj)
        return run_transition(request, reason=_reason(ok, _("The reviewer puts a taken-down achievement back.")),
                              input_serializer=s.NoteSerializer,
                              perform=lambda d: services.achievement_relist(user=request.user, achievement=obj, **d),
                              output=lambda a: s.AchievementSerializer(a, context=self.get_serializer_context()).data)

    @extend_schema(responses=s.UsageSerializer, description="Usage statistics: views, units, downloads, licences.")
    @action(detail=True, methods=["get"], required_action="view")
    def usage(self, request, pk=None):
        obj = self.get_object()
        row = selectors.usage_statistics(Achievement.objects.filter(pk=obj.pk), request.user)[0]
        return Response(s.UsageSerializer({k: v for k, v in row.items() if k != "achievement"}).data)


class LicenseViewSet(RestrictedCreateListRetrieveViewSet):
    """Sharing licence agreements (Appendix H; ACH-03): the caller's unit requests (POST), the
    contributor ``decide``s, either party records the signing (``sign``), the requester may
    ``withdraw`` an open request. Exclusive and sole licences block overlapping ones."""

    queryset = License.objects.select_related("achievement", "licensor", "licensee")
    serializer_class = s.LicenseSerializer
    filterset_class = LicenseFilterSet
    ordering_sources = {"licensor__name": "licensor__name_sort", "licensee__name": "licensee__name_sort"}  # pinyin
    required_action = None

    def perform_create(self, serializer):
        serializer.save()

    @transition_schema(request=s.LicenseDecisionSerializer, response=s.LicenseSerializer,
                       description="approve or refuse the licence request as the contributor")
    @action(detail=True, methods=["get", "post"], required_action="view")
    def decide(self, request, pk=None):
        obj = self.get_object()
        ok = (obj.status == LicenseStatus.REQUESTED and request.user.organization_id == obj.licensor_id
              and may(request.user, "approve", License))
        return run_transition(request, reason=_reason(ok, _("This request does not wait for your decision.")),
                              input_serializer=s.LicenseDecisionSerializer,
                              perform=lambda d: services.license_decide(user=request.user, licence=obj, **d),
                              output=lambda lic: s.LicenseSerializer(lic, context=self.get_serializer_context()).data)

    @transition_schema(request=s.LicenseSignSerializer, response=s.LicenseSerializer,
                       description="record the signing of the approved agreement")
    @action(detail=True, methods=["get", "post"], required_action="view")
    def sign(self, request, pk=None):
        obj = self.get_object()
        ok = obj.status == LicenseStatus.APPROVED and request.user.organization_id in (obj.licensor_id, obj.licensee_id)
        return run_transition(request, reason=_reason(ok, _("The parties record the signing of an approved agreement.")),
                              input_serializer=s.LicenseSignSerializer,
                              perform=lambda d: services.license_sign(user=request.user, licence=obj, **d),
                              output=lambda lic: s.LicenseSerializer(lic, context=self.get_serializer_context()).data)

    @transition_schema(response=s.LicenseSerializer, description="withdraw the open request")
    @action(detail=True, methods=["get", "post"], required_action="view")
    def withdraw(self, request, pk=None):
        obj = self.get_object()
        ok = obj.status == LicenseStatus.REQUESTED and request.user.organization_id == obj.licensee_id
        return run_transition(request, reason=_reason(ok, _("Only an open request of your unit can be withdrawn.")),
                              perform=lambda d: services.license_withdraw(user=request.user, licence=obj),
                              output=lambda lic: s.LicenseSerializer(lic, context=self.get_serializer_context()).data)


class PromotionEventViewSet(RestrictedModelViewSet):
    """Promotion events and trainings on the library (chain guide 5.6.4; ACH-05)."""

    queryset = PromotionEvent.objects.prefetch_related("achievements")
    serializer_class = s.PromotionEventSerializer
    filterset_fields = ["consortium", "kind"]

    def perform_create(self, serializer):
        serializer.save()
