import orjson
from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from zhilian.core import jsonpieces, resultcache
from zhilian.core.api.fields import id_parameter
from zhilian.core.api.viewsets import RestrictedModelViewSet
from zhilian.core.filters import id_field

from .. import exports, services
from ..models import Chain, ChainNode, MonitoredEvent, Placement, Segment
from ..selectors import (
    MAP_FILTERS, NODE_FILTERS, PLACEMENT_FILTERS, PublishedRows, chain_map_for, chain_version, filter_as_seen,
    filter_map,
)
from .serializers import (
    ChainMapSerializer, ChainNodeSerializer, ChainSerializer, MonitoredEventSerializer, PlacementSerializer,
)


def _map_json(data: dict) -> bytes:
    """The map as the JSON DRF's renderer writes (compact, UTF-8; dates, decimals and lazy
    strings through DRF's encoder), in a tenth of the time: a big chain's map is 12 MB."""
    return orjson.dumps(data, default=JSONEncoder().default,
                        option=orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME)


VERSION_PARAM = OpenApiParameter("version", int, description="A published version number; default: the working "
                                 "copy for its builders and reviewers, the last publication for everyone else.")
# The map page's filters, as query parameters of the static exports (MAP-06): the same names
# and values as the page's, applied by chains.selectors.filter_map.
MAP_FILTER_PARAMS = [
    OpenApiParameter("segment", str, enum=list(MAP_FILTERS["segment"]),
                     description="Only this segment's links and the problems on them"),
    OpenApiParameter("province", str, enum=list(MAP_FILTERS["province"]),
                     description="Only enterprises in the province (in) or out of it (out)"),
    OpenApiParameter("ladder", str, enum=list(MAP_FILTERS["ladder"]),
                     description="Only enterprises at this quality-ladder position"),
    OpenApiParameter("category", str, enum=list(MAP_FILTERS["category"]),
                     description="Only problems of this category"),
    OpenApiParameter("level", str, enum=list(MAP_FILTERS["level"]),
                     description="Only problems of this severity level (1 ★★★, 2 ★★, 3 ★; 0: unscored)"),
]
EXPORT_ERRORS = OpenApiResponse(dict, description="A filter's value is not one of its values: the errors under its name")


def map_filters(params) -> dict:
    """The map filters of a request's query parameters ({name: value}, blank ones left out); a 400
    with the errors under each parameter's name for a value that is not one of its values."""
    filters, errors = {}, {}
    for name, values in MAP_FILTERS.items():
        raw = params.get(name)
        if raw in (None, ""):
            continue
        try:
            filters[name] = forms.ChoiceField(choices=[(v, v) for v in values]).clean(raw)
        except DjangoValidationError as exc:
            errors[name] = exc.messages
    if errors:
        raise ValidationError(errors)
    return filters


class ChainViewSet(RestrictedModelViewSet):
    """Key industrial chains (MAP-01, MAP-08). ``/{id}/map/`` is the chain quality map as JSON:
    segments, nodes (tree order, with ``depth``) each with its placed enterprises, matching
    institution ids and problem ids, the institutions, and the starred problems (MAP-04).
    ``/{id}/map/pdf/`` and ``/{id}/map/png/`` are the static overview (MAP-06), narrowed by the
    map page's filters (``segment``, ``province``, ``ladder``, ``category``, ``level``) when given."""

    queryset = Chain.objects.select_related("owner_enterprise")
    serializer_class = ChainSerializer
    searchable = True

    def perform_create(self, serializer):
        with transaction.atomic():
            serializer.save(created_by=self.request.user)
            if not Chain.objects.restrict(self.request.user, "view").filter(pk=serializer.instance.pk).exists():
                raise PermissionDenied(_("You may not create a record outside your own scope."))

    def _map(self, request):
        chain = self.get_object()
        snapshot = None
        version = request.query_params.get("version")
        if version:
            snapshot = chain_version(request.user, chain, version)
            if snapshot is None:
                raise Http404
        return chain, chain_map_for(request.user, chain, snapshot)

    @extend_schema(parameters=[VERSION_PARAM], responses={200: ChainMapSerializer})
    @action(detail=True, methods=["get"], url_path="map", url_name="map")
    def map(self, request, pk=None):
        if getattr(request.accepted_renderer, "format", None) != "json":
            return Response(self._map(request)[1])
        self.get_object()  # 404 for a chain the caller may not see, before anything kept
        # The map of a big chain is megabytes of JSON (2,000 links, 20,000 placements):
        # written and compressed once, kept until a table under it changes (core.resultcache).
        # Written again, it is gzipped in pieces and only those that changed since the last
        # answer kept for the key are compressed again (core.jsonpieces).
        key = (pk, request.query_params.get("version"), resultcache.context_key(request))
        body = resultcache.cached("chain-map-json", key, lambda: jsonpieces.gzip_json(
            self._map(request)[1], _map_json, resultcache.previous("chain-map-json", key)))
        gzipped = "gzip" in request.headers.get("Accept-Encoding", "")
        response = HttpResponse(body.gzipped if gzipped else body.plain, content_type="application/json")
        if gzipped:
            response["Content-Encoding"] = "gzip"
        response["Vary"] = "Accept-Encoding"
        return response

    def _file(self, request, render, content_type, suffix):
        filters = map_filters(request.query_params)  # a bad value answers 400 before anything is read
        chain, data = self._map(request)
        data = filter_map(data, filters)
        label = f"v{data['version']}" if data.get("version") else timezone.localdate().isoformat()
        from zhilian.core.spreadsheets import file_response

        return file_response(render(data), f"{chain.name}质量图谱-{label}{'-筛选' if filters else ''}.{suffix}",
                             content_type,
                             ascii_name=f"chain-{chain.pk}-map-{label}{'-filtered' if filters else ''}.{suffix}")

    @extend_schema(parameters=[VERSION_PARAM, *MAP_FILTER_PARAMS],
                   responses={(200, "application/pdf"): bytes, 400: EXPORT_ERRORS})
    @action(detail=True, methods=["get"], url_path="map/pdf", url_name="map-pdf")
    def map_pdf(self, request, pk=None):
        return self._file(request, exports.map_pdf, "application/pdf", "pdf")

    @extend_schema(parameters=[VERSION_PARAM, *MAP_FILTER_PARAMS],
                   responses={(200, "image/png"): bytes, 400: EXPORT_ERRORS})
    @action(detail=True, methods=["get"], url_path="map/png", url_name="map-png")
    def map_png(self, request, pk=None):
        return self._file(request, exports.map_png, "image/png", "png")


class _PublishedForOthers:
    """Serve those who do not build or review a chain its latest publication (MAP-07)."""

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "published": PublishedRows(self.request.user)}


@extend_schema_view(list=extend_schema(parameters=[
    OpenApiParameter("segment", str, enum=Segment.values, description="upstream, midstream or downstream"),
    OpenApiParameter("parent", int, description="Links under this link")]))
class ChainNodeViewSet(_PublishedForOthers, RestrictedModelViewSet):
    """Links of chains (环节), a tree per segment.

    Builders, reviewers and the city-wide roles get the working copy. Everyone else gets
    only the links of the chain's latest publication, each with the values published
    (a link added or changed since shows as it was published, or not at all)."""

    queryset = ChainNode.objects.all()
    serializer_class = ChainNodeSerializer
    searchable = True
    filterset_fields = ["chain"]

    def get_queryset(self):
        queryset = super().get_queryset()
        params = self.request.query_params
        chain = id_parameter(params, "chain")
        if chain:
            queryset = queryset.filter(chain=chain)
        if params.get("q", "").strip():
            queryset = queryset.searchable(self.request.user)  # never match unpublished text
        # ?segment= and ?parent= match the values the caller reads: the publication's for
        # those who see only the publication, never a working-copy value (MAP-07).
        fields = {"segment": forms.ChoiceField(choices=Segment.choices), "parent": id_field()}
        filters = {}
        for name, field in fields.items():
            if params.get(name):
                try:
                    filters[name] = field.clean(params[name])
                except DjangoValidationError as exc:  # 400 under the parameter, as the other filters answer
                    raise ValidationError({name: exc.messages}) from None
        return filter_as_seen(queryset, self.request.user, filters, NODE_FILTERS)


@extend_schema_view(list=extend_schema(parameters=[
    OpenApiParameter("chain", int, description="Placements on this chain (id)"), OpenApiParameter("node", int, description="Placements on this link"),
    OpenApiParameter("enterprise", int, description="Placements of this enterprise")]))
class PlacementViewSet(_PublishedForOthers, RestrictedModelViewSet):
    """Enterprises placed on chain nodes (MAP-02).

    As for links: those who do not build or review the chain get only the placements of
    its latest publication, with the published values."""

    queryset = Placement.objects.select_related("enterprise")
    serializer_class = PlacementSerializer

    def get_queryset(self):
        queryset = super().get_queryset()
        params = self.request.query_params
        chain = id_parameter(params, "chain")
        if chain:
            queryset = queryset.filter(chain=chain)
        # ?node= and ?enterprise= match the values the caller reads (the publication's for
        # those who see only the publication, MAP-07).
        filters = {key: value for key in ("node", "enterprise") if (value := id_parameter(params, key))}
        return filter_as_seen(queryset, self.request.user, filters, PLACEMENT_FILTERS)


class MonitoredEventViewSet(RestrictedModelViewSet):
    """Monitored events by chain guide 5.3.7 dimension; one with ``triggers_update`` makes the map due."""

    queryset = MonitoredEvent.objects.all()
    serializer_class = MonitoredEventSerializer

    def perform_create(self, serializer):
        data = serializer.validated_data
        if not Chain.objects.restrict(self.request.user, "change").filter(pk=data["chain"].pk).exists():
            raise PermissionDenied(_("You may not record events of this chain."))
        serializer.instance = services.event_record(user=self.request.user, **data)
