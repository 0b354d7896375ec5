from django.utils.translation import gettext as _
from rest_framework import mixins, viewsets
from rest_framework.decorators import action

from zhilian.core.api.viewsets import RestrictedModelViewSet, RestrictedReadOnlyViewSet, RestrictedViewSetMixin
from zhilian.core.permissions import may

from .. import services
from ..filtersets import ConsortiumFilterSet
from ..models import Consortium, ConsortiumCharter, ConsortiumMember, MemberContribution
from ..selectors import consortium_is_lead_user, consortium_review_step
from . import serializers as s
from .transitions import run_transition, transition_schema


class ConsortiumViewSet(RestrictedModelViewSet):
    """Quality innovation consortia and their Appendix A applications (CON-01, CON-02).

    Create or edit a draft with its ``members``; then ``submit``; the lead unit, the
    district quality office and the city quality office each ``review``. Search with ``q``;
    filter with ``status``, ``chain``, ``district``.
    """

    queryset = Consortium.objects.select_related("lead_unit", "chain").prefetch_related("reviews__reviewer",
                                                                                         "reviews__reviewer_org")
    serializer_class = s.ConsortiumSerializer
    filterset_class = ConsortiumFilterSet
    searchable = True
    required_action = None  # set per transition action (role level: view; the service decides)

    def perform_create(self, serializer):
        serializer.save()

    @transition_schema(response=s.ConsortiumSerializer, description="submit the draft application")
    @action(detail=True, methods=["get", "post"], required_action="view")
    def submit(self, request, pk=None):
        obj = self.get_object()
        reason = None if Consortium.objects.restrict(request.user, "change").filter(pk=obj.pk).exists() else (
            _("Only the lead unit submits its draft application."))
        return run_transition(request, reason=reason,
                              perform=lambda d: services.consortium_submit(user=request.user, consortium=obj),
                              output=lambda c: s.ConsortiumSerializer(c, context=self.get_serializer_context()).data)

    @transition_schema(request=s.ReviewInputSerializer, response=s.ConsortiumReviewSerializer,
                       description="record the opinion of the step the application waits for")
    @action(detail=True, methods=["get", "post"], required_action="view")
    def review(self, request, pk=None):
        obj = self.get_object()
        reason = None if consortium_review_step(request.user, obj) else _("This application does not wait for your opinion.")
        return run_transition(request, reason=reason, input_serializer=s.ReviewInputSerializer,
                              perform=lambda d: services.consortium_review(user=request.user, consortium=obj, **d),
                              output=lambda r: s.ConsortiumReviewSerializer(r).data)

    @transition_schema(request=s.MemberJoinSerializer, response=s.ConsortiumMemberSerializer,
                       description="admit a member unit to the approved consortium")
    @action(detail=True, methods=["get", "post"], required_action="view", url_path="join")
    def join(self, request, pk=None):
        obj = self.get_object()
        ok = obj.is_approved and consortium_is_lead_user(request.user, obj) and may(request.user, "add", ConsortiumMember)
        return run_transition(request, reason=None if ok else _("Only the lead unit of an approved consortium admits members."),
                              input_serializer=s.MemberJoinSerializer,
                              perform=lambda d: services.member_join(user=request.user, consortium=obj, data=d),
                              output=lambda m: s.ConsortiumMemberSerializer(m, context=self.get_serializer_context()).data)


class ConsortiumMemberViewSet(RestrictedReadOnlyViewSet):
    """Member units of the consortia the caller may see, with join and exit dates (CON-02)."""

    queryset = ConsortiumMember.objects.select_related("organization", "consortium")
    serializer_class = s.ConsortiumMemberSerializer
    filterset_fields = ["consortium", "role", "cross_region"]
    required_action = None

    @transition_schema(request=s.MemberLeaveSerializer, response=s.ConsortiumMemberSerializer,
                       description="record the member unit's exit")
    @action(detail=True, methods=["get", "post"], required_action="view")
    def leave(self, request, pk=None):
        obj = self.get_object()
        ok = (obj.consortium.is_approved and consortium_is_lead_user(request.user, obj.consortium)
              and may(request.user, "change", ConsortiumMember) and obj.is_active)
        return run_transition(request, reason=None if ok else _("Only the lead unit records a current member's exit."),
                              input_serializer=s.MemberLeaveSerializer,
                              perform=lambda d: services.member_leave(user=request.user, member=obj,
                                                                      left_on=d["left_on"], reason=d["exit_reason"]),
                              output=lambda m: s.ConsortiumMemberSerializer(m, context=self.get_serializer_context()).data)


class ConsortiumCharterViewSet(RestrictedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Charter versions (chain guide 5.2.3); a new version is recorded, never edited."""

    queryset = ConsortiumCharter.objects.all()
    serializer_class = s.ConsortiumCharterSerializer
    filterset_fields = ["consortium"]


class MemberContributionViewSet(RestrictedModelViewSet):
    """Members' contributions: funds, technology, people, equipment, space (chain guide 5.2.4)."""

    queryset = MemberContribution.objects.select_related("member__organization")
    serializer_class = s.MemberContributionSerializer
    filterset_fields = ["consortium", "kind", "member"]

    def perform_create(self, serializer):
        serializer.save()
