"""Needs API (DIR-05): the same rules as the pages; steps are POST actions on a need."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.decorators import action
from rest_framework.response import Response

from zhilian.core.api.validation import refuse_body
from zhilian.core.api.viewsets import PreconditionFailed, RestrictedModelViewSet
from zhilian.core.exceptions import StaleObjectError
from zhilian.core.permissions import may
from zhilian.directory.models import Expert, Organization

from .. import selectors, services
from ..filtersets import NeedFilterSet
from ..models import Need, NeedAssignment
from . import serializers

STEPS = ("take", "reject", "assign", "withdraw", "accept", "decline", "deliver", "confirm", "rework", "cancel",
         "close", "matches")


class NeedViewSet(RestrictedModelViewSet):
    """NQI needs the caller may see: its own (enterprise), the unassigned pool and the ones
    it took (commissioner), those assigned to it (institution, expert), its district's
    (district bureau), all (city bureau, management institution). Filter with ``status``,
    ``category``, ``district``, ``scope`` (open, unassigned, mine), ``overdue``; search
    with ``q``; sort with ``ordering`` (``enterprise_name`` sorts by pinyin)."""

    queryset = Need.objects.select_related("enterprise", "commissioner").prefetch_related("assignments")
    serializer_class = serializers.NeedSerializer
    filterset_class = NeedFilterSet
    # Newest filed first unless ?ordering= says otherwise; a need without a date sorts last.
    ordering_fields = ["filed_at", "expected_date", "response_due", "status", "category", "code", "title",
                       "enterprise_name", "id"]
    ordering_sources = {"enterprise_name": "enterprise__name_sort"}
    ordering_nulls_last = ("expected_date", "response_due")
    searchable = True
    search_title_field = "title"
    http_method_names = ["get", "post", "patch", "put", "head", "options"]
    required_action = {step: "view" for step in STEPS}

    def restrict_action(self):
        if self.action in STEPS:
            return "view"
        return super().restrict_action()

    @extend_schema(request=serializers.NeedCreateSerializer, responses={201: serializers.NeedSerializer})
    def create(self, request, *args, **kwargs):
        """File a need (an enterprise for itself, a commissioner for an enterprise it serves)."""
        if not may(request.user, "add", Need):
            raise exceptions.PermissionDenied()
        payload = serializers.NeedCreateSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)  # the fields' and the service's errors at once
        need = self._run(lambda: services.need_file(user=request.user, **payload.validated_data))
        data = self.get_serializer(need).data
        return Response(data, status=status.HTTP_201_CREATED, headers=self.get_success_headers(data))

    def perform_update(self, serializer, expected_version=None):
        fields = {k: v for k, v in serializer.validated_data.items()}
        self._run(lambda: services.need_update(user=self.request.user, need=serializer.instance,
                                               expected_version=expected_version, **fields))

    def update(self, request, *args, **kwargs):
        """Edit a need not yet taken. Send the ETag as ``If-Match`` (412 when stale) or the
        ``version`` read (409 when stale), so that a stale edit is refused (SEC-10)."""
        need = self.get_object()
        expected, from_header = self.expected_version(need)
        if expected is not None and from_header and need.version != expected:
            raise PreconditionFailed()
        serializer = self.get_serializer(need, data=request.data, partial=kwargs.pop("partial", False))
        serializer.is_valid(raise_exception=True)
        try:
            self.perform_update(serializer, expected_version=expected)
        except StaleObjectError:
            if from_header:
                raise PreconditionFailed() from None  # the race was lost after the header check
            raise
        need = Need.objects.get(pk=need.pk)
        response = Response(self.get_serializer(need).data)
        response["ETag"] = f'"{need.version}"'
        return response

    def _run(self, fn):
        try:
            return fn()
        except DjangoPermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc) or None) from None
        except Need.DoesNotExist:
            raise exceptions.NotFound() from None

    def _step(self, fn):
        need = self.get_object()
        self._run(lambda: fn(need))
        return Response(self.get_serializer(Need.objects.get(pk=need.pk)).data)

    def _payload(self, serializer_class):
        payload = serializer_class(data=self.request.data)
        payload.is_valid(raise_exception=True)
        return payload.validated_data

    @extend_schema(request=None, responses=serializers.NeedSerializer)
    @action(detail=True, methods=["post"])
    def take(self, request, pk=None):
        """A service commissioner takes the need."""
        refuse_body(request)  # this step reads no body: a key sent would be lost
        return self._step(lambda need: services.need_take(user=request.user, need=need))

    @extend_schema(request=serializers.ReasonSerializer, responses=serializers.NeedSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """The commissioner does not accept the need (with a reason)."""
        data = self._payload(serializers.ReasonSerializer)
        return self._step(lambda need: services.need_reject(user=request.user, need=need, reason=data["reason"]))

    @extend_schema(responses=serializers.MatchesSerializer)
    @action(detail=True, methods=["get"])
    def matches(self, request, pk=None):
        """Suggested institutions and experts, ranked, with the reasons."""
        need = self.get_object()
        if "assign" not in selectors.available_actions(need, request.user):
            raise exceptions.PermissionDenied()
        found = selectors.need_matches(need, request.user)
        return Response(serializers.MatchesSerializer(found).data)

    @extend_schema(request=serializers.AssignSerializer, responses=serializers.NeedSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        """Assign institutions and experts (ids) to the need."""
        data = self._payload(serializers.AssignSerializer)
        institutions = list(Organization.objects.restrict(request.user, "view").filter(pk__in=data["institutions"]))
        experts = list(Expert.objects.restrict(request.user, "view").filter(pk__in=data["experts"]))
        unknown = set(data["institutions"]) - {i.pk for i in institutions}
        if unknown or set(data["experts"]) - {e.pk for e in experts}:
            raise ValidationError({"institutions": _("Unknown institution or expert.")})
        return self._step(lambda need: services.need_assign(user=request.user, need=need, institutions=institutions,
                                                             experts=experts, note=data["note"]))

    @extend_schema(request=serializers.WithdrawSerializer, responses=serializers.NeedSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Withdraw one assignment that has not delivered."""
        data = self._payload(serializers.WithdrawSerializer)

        def run(need):
            assignment = NeedAssignment.objects.restrict(request.user).filter(need=need, pk=data["assignment"]).first()
            if assignment is None:
                raise ValidationError({"assignment": _("Unknown assignment.")})
            services.assignment_withdraw(user=request.user, assignment=assignment, reason=data["reason"])

        return self._step(run)

    @extend_schema(request=None, responses=serializers.NeedSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """The assigned institution or expert accepts."""
        refuse_body(request)  # this step reads no body: a key sent would be lost
        return self._step(lambda need: services.assignment_accept(user=request.user, need=need))

    @extend_schema(request=serializers.ReasonSerializer, responses=serializers.NeedSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        """The assigned institution or expert declines (with a reason)."""
        data = self._payload(serializers.ReasonSerializer)
        return self._step(lambda need: services.assignment_decline(user=request.user, need=need, reason=data["reason"]))

    @extend_schema(request=serializers.DeliverSerializer, responses=serializers.NeedSerializer)
    @action(detail=True, methods=["post"])
    def deliver(self, request, pk=None):
        """The provider reports the service delivered."""
        data = self._payload(serializers.DeliverSerializer)
        return self._step(lambda need: services.assignment_deliver(user=request.user, need=need, summary=data["summary"]))

    @extend_schema(request=serializers.ConfirmSerializer, responses=serializers.NeedSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        """The enterprise confirms with the satisfaction evaluation (Table F.1); the need closes."""
        data = self._payload(serializers.ConfirmSerializer)
        return self._step(lambda need: services.need_confirm(user=request.user, need=need, **data))

    @extend_schema(request=serializers.ReasonSerializer, responses=serializers.NeedSerializer)
    @action(detail=True, methods=["post"])
    def rework(self, request, pk=None):
        """The enterprise asks the providers to continue (with a reason)."""
        data = self._payload(serializers.ReasonSerializer)
        return self._step(lambda need: services.need_rework(user=request.user, need=need, reason=data["reason"]))

    @extend_schema(request=serializers.ReasonSerializer, responses=serializers.NeedSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """The enterprise cancels the need before the service starts (with a reason)."""
        data = self._payload(serializers.ReasonSerializer)
        return self._step(lambda need: services.need_cancel(user=request.user, need=need, reason=data["reason"]))

    @extend_schema(request=serializers.ReasonSerializer, responses=serializers.NeedSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Close a delivered need whose evaluation is overdue (with a reason)."""
        data = self._payload(serializers.ReasonSerializer)
        return self._step(lambda need: services.need_close(user=request.user, need=need, reason=data["reason"]))
