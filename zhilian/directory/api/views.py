"""Directory API (PLT-09): organizations, experts, capabilities, the service network.

Every viewset reads through ``restrict`` (core.api.viewsets); lists paginate
(``?page=``, ``?page_size=``), filter with the page filters, search Chinese with ``?q=``
and sort with ``?ordering=`` where ``name`` sorts by pinyin.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from zhilian.core.api.filters import OrderingFilter
from zhilian.core.api.viewsets import RestrictedModelViewSet, RestrictedReadOnlyViewSet

from .. import filtersets, selectors, services
from ..models import (
    EnterpriseTalent, Expert, Organization, ServiceCommissioner, ServiceDomain, ServicePoint, TestingCapability,
)
from . import serializers


class PinyinOrderingMixin:
    """``?ordering=name`` / ``-name`` sorts by pinyin; also ``id``, ``created_at``,
    ``updated_at``; another name answers 400 (``core.api.filters.OrderingFilter``)."""

    filter_backends = [filters.DjangoFilterBackend, OrderingFilter]
    ordering_fields = ["name", "id", "created_at", "updated_at"]
    ordering_sources = {"name": "name_sort"}


class OrganizationViewSet(PinyinOrderingMixin, RestrictedModelViewSet):
    """Organizations the caller may see. Filter with ``kind``, ``province``, ``district``,
    ``size``, ``industry``, ``service_domain``, ``qualification``, ``government_level``,
    ``is_active``, ``placed`` (placed on a chain map the caller sees); search with ``q``; sort
    with ``ordering`` (``name`` sorts by pinyin)."""

    queryset = Organization.objects.prefetch_related("service_domains", "qualifications")
    serializer_class = serializers.OrganizationSerializer
    filterset_class = filtersets.OrganizationFilterSet
    searchable = True


class ExpertViewSet(PinyinOrderingMixin, RestrictedModelViewSet):
    """The expert library (DIR-02). Filter with ``title_level``, ``domain``, ``qualification``,
    ``eligible``, ``specialty``; search with ``q``. Mobile and identity numbers are masked
    for callers without ``accounts.unmask_personal_data``."""

    queryset = Expert.objects.prefetch_related("domains", "qualifications")
    serializer_class = serializers.ExpertSerializer
    filterset_class = filtersets.ExpertFilterSet
    searchable = True
    required_action = {"eligibility": "view", "working_group_check": "view"}

    @extend_schema(responses=serializers.EligibilitySerializer)
    @action(detail=True, methods=["get"])
    def eligibility(self, request, pk=None):
        """Whether the expert may join an assistance working group (assistance spec 7.2.1.3), and why not."""
        result = selectors.expert_eligibility([self.get_object()])[0]
        return Response(serializers.EligibilitySerializer(result).data)

    @extend_schema(request=serializers.WorkingGroupCheckSerializer,
                   responses=serializers.EligibilitySerializer(many=True))
    # A verdict on the posted group, not a list of the library: no paging, no list filters.
    @action(detail=False, methods=["post"], url_path="working-group-check",
            pagination_class=None, filter_backends=[])
    def working_group_check(self, request):
        """Check a proposed working group; 400 with ``experts`` errors if any member is ineligible."""
        payload = serializers.WorkingGroupCheckSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        ids = payload.validated_data["experts"]
        visible = {e.pk: e for e in Expert.objects.restrict(request.user, "view").filter(pk__in=ids)}
        missing = [i for i in ids if i not in visible]
        if missing:
            raise ValidationError({"experts": [_("Unknown expert %(id)s.") % {"id": i} for i in missing]})
        results = services.working_group_check(experts=[visible[i] for i in ids])
        return Response(serializers.EligibilitySerializer(results, many=True).data)

    def restrict_action(self):
        if self.action in ("eligibility", "working_group_check"):
            return "view"
        return super().restrict_action()


class TestingCapabilityViewSet(RestrictedModelViewSet):
    """The testing-capability directory (DIR-04), searchable across institutions. Filter
    with ``product``, ``parameter``, ``method``, ``standard``, ``qualification``,
    ``district``, ``institution``; search with ``q`` (product, parameter, method,
    standard, institution name); sort with ``ordering`` (``product`` and ``institution_name``
    sort by pinyin)."""

    queryset = TestingCapability.objects.select_related("institution")
    serializer_class = serializers.TestingCapabilitySerializer
    filterset_class = filtersets.TestingCapabilityFilterSet
    filter_backends = [filters.DjangoFilterBackend, OrderingFilter]
    # By product (pinyin), then parameter, unless ?ordering= says otherwise.
    ordering_fields = ["product", "parameter", "institution_name", "standard_code", "qualification", "created_at",
                       "updated_at", "id"]
    ordering_sources = {"product": "product_sort", "institution_name": "institution__name_sort"}
    searchable = True
    search_title_field = "product"

    def get_queryset(self):
        # Each line's certificate_status in the same query (the day is today's, not the import's).
        return super().get_queryset().with_certificate()


class ServicePointViewSet(PinyinOrderingMixin, RestrictedModelViewSet):
    """Service points of the "1+3+N" network (DIR-03); ``parent`` links a station to its
    hub and a hub to the center."""

    queryset = ServicePoint.objects.prefetch_related("commissioners")
    serializer_class = serializers.ServicePointSerializer
    filterset_class = filtersets.ServicePointFilterSet
    searchable = True


class ServiceCommissionerViewSet(PinyinOrderingMixin, RestrictedModelViewSet):
    """Service commissioners (DIR-03). Filter with ``service_point``, ``district``,
    ``specialty``, ``is_active``; search with ``q``."""

    queryset = ServiceCommissioner.objects.select_related("service_point")
    serializer_class = serializers.ServiceCommissionerSerializer
    filterset_class = filtersets.ServiceCommissionerFilterSet
    searchable = True


class EnterpriseTalentViewSet(PinyinOrderingMixin, RestrictedModelViewSet):
    """The enterprise-talent library (DIR-03), as far as the caller may see the enterprises."""

    queryset = EnterpriseTalent.objects.select_related("enterprise")
    serializer_class = serializers.EnterpriseTalentSerializer
    filterset_class = filtersets.EnterpriseTalentFilterSet
    searchable = True


class ServiceDomainViewSet(RestrictedReadOnlyViewSet):
    """The NQI service fields (SC guide §5) by the codes organizations' ``service_domains``,
    experts' ``domains`` and the ``service_domain`` / ``domain`` filters use, in the directory's
    order; ``label`` reads in the caller's language. Sort with ``ordering`` (``code``, ``id``)."""

    queryset = ServiceDomain.objects.all()
    serializer_class = serializers.ServiceDomainSerializer
    ordering_fields = ["code", "id"]
