from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhilian.core import calendar, search
from zhilian.core.api.fields import id_parameter
from zhilian.core.api.filters import OrderingFilter
from zhilian.core.api.viewsets import RestrictedReadOnlyViewSet
from zhilian.core.pagecache import kept_api_data
from zhilian.core.models import AuditAction, AuditEvent, Notification


class SearchHitSerializer(serializers.Serializer):
    type = serializers.CharField()
    id = serializers.IntegerField()
    title = serializers.CharField()
    url = serializers.CharField()


class SearchView(APIView):
    """Chinese full-text search across every searchable resource the caller may see."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        parameters=[OpenApiParameter("q", str, required=True, description="Query, e.g. 单晶棒"),
                    OpenApiParameter("type", str, required=False, description="Restrict to one type, e.g. directory.organization")],
        responses=inline_serializer("SearchResponse", {
            "query": serializers.CharField(),
            "results": inline_serializer("SearchGroup", {
                "type": serializers.CharField(), "label": serializers.CharField(),
                "total": serializers.IntegerField(help_text=gettext_lazy(
                    "How many hits of the type the caller may see, counted up to 1,000 (the server's "
                    "ZHILIAN_SEARCH_COUNT_CAP); with more, the cap.")),
                "total_capped": serializers.BooleanField(help_text=gettext_lazy("True when there are more hits than total.")),
                "hits": SearchHitSerializer(many=True)}, many=True)}),
    )
    def get(self, request):
        query = request.query_params.get("q", "")

        def compute():
            groups = []
            for st, hits, total, capped in search.search(request.user, query, limit_per_type=20,
                                                         only=request.query_params.get("type") or None):
                groups.append({"type": st.key, "label": str(st.label), "total": total, "total_capped": capped, "hits": [
                    {"type": st.key, "id": h.pk, "title": str(h), "url": h.get_absolute_url()} for h in hits]})
            return {"query": query, "results": groups}

        return Response(kept_api_data(self, request, compute))


class WorkingDaysQuerySerializer(serializers.Serializer):
    refuse_unknown_fields = False  # query parameters (?format=json …), not a body

    start = serializers.DateField()
    days = serializers.IntegerField(min_value=-366, max_value=366)

    def validate_start(self, value):
        # 366 working days from 9999-12-30 ran past the last date there is (a 500)
        years = calendar.COMPUTABLE_YEARS
        if value.year not in years:
            raise serializers.ValidationError(_("Enter a date between the years %(first)d and %(last)d.")
                                              % {"first": years[0], "last": years[-1]})
        return value


class WorkingDaysView(APIView):
    """Add working days to a date with the Chinese statutory calendar (PLT-05)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        parameters=[OpenApiParameter("start", str, required=True, description="ISO date, e.g. 2026-09-30"),
                    OpenApiParameter("days", int, required=True, description="Working days to add (negative: before)")],
        responses=inline_serializer("WorkingDaysResponse", {"date": serializers.DateField(),
                                                            "provisional": serializers.BooleanField()}),
    )
    def get(self, request):
        params = WorkingDaysQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        result = calendar.add_working_days(params.validated_data["start"], params.validated_data["days"])
        return Response({"date": result.date, "provisional": result.provisional})


class NotificationSerializer(serializers.ModelSerializer):
    title = serializers.CharField(source="title_shown", read_only=True)
    body = serializers.CharField(source="body_shown", read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "created_at", "level", "title", "body", "url", "read_at"]


class NotificationListView(generics.ListAPIView):
    """The caller's own notifications, newest first."""

    serializer_class = NotificationSerializer
    permission_classes = [permissions.IsAuthenticated]
    queryset = Notification.objects.all()

    def get_queryset(self):
        return Notification.objects.restrict(self.request.user, "view")



class AuditEventSerializer(serializers.ModelSerializer):
    object_type = serializers.SerializerMethodField()
    object_repr = serializers.CharField(source="object_shown")
    changes = serializers.JSONField(source="changes_shown")
    message = serializers.CharField(source="message_shown")

    class Meta:
        model = AuditEvent
        fields = ["id", "timestamp", "actor_id", "actor_name", "action", "object_type", "object_id", "object_repr",
                  "changes", "message", "ip_address", "path", "request_id"]

    def get_object_type(self, obj) -> str | None:
        return f"{obj.content_type.app_label}.{obj.content_type.model}" if obj.content_type_id else None


class AuditEventViewSet(RestrictedReadOnlyViewSet):
    """The audit log, read-only, for the audit administrator (SEC-06) and log shipping.

    Ship the log incrementally with ``after_id`` (records with a larger id, oldest first);
    filter with ``action``, ``actor`` (name contains), ``since`` / ``until`` (ISO date-times);
    sort with ``ordering`` (newest first by default)."""

    queryset = AuditEvent.objects.select_related("content_type")
    serializer_class = AuditEventSerializer
    filter_backends = [OrderingFilter]
    ordering_fields = ["timestamp", "id", "actor_name", "action"]

    @extend_schema(parameters=[
        OpenApiParameter("after_id", int, required=False, description="Only records with a larger id, oldest first"),
        OpenApiParameter("action", str, required=False, enum=[c for c, _label in AuditAction.choices],
                         description="Kind of record (create, update, delete, transition, login, denied, unmask, …)"),
        OpenApiParameter("actor", str, required=False, description="Actor name contains"),
        OpenApiParameter("since", str, required=False, description="ISO date-time, inclusive"),
        OpenApiParameter("until", str, required=False, description="ISO date-time, exclusive"),
    ])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        from django.utils.dateparse import parse_datetime
        from rest_framework.exceptions import ValidationError

        queryset = super().get_queryset()
        params = self.request.query_params
        after_id = id_parameter(params, "after_id", minimum=0)
        if after_id is not None:
            queryset = queryset.filter(id__gt=after_id).order_by("id")
        if params.get("action"):
            queryset = queryset.filter(action=params["action"])
        if params.get("actor"):
            queryset = queryset.filter(actor_name__icontains=params["actor"])
        for name, lookup in (("since", "timestamp__gte"), ("until", "timestamp__lt")):
            if params.get(name):
                value = parse_datetime(params[name])
                if value is None:
                    raise ValidationError({name: _("An ISO 8601 date-time, e.g. 2026-01-31T00:00:00+08:00.")})
                if timezone.is_naive(value):
                    value = timezone.make_aware(value)
                queryset = queryset.filter(**{lookup: value})
        return queryset
