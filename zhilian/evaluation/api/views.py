from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from zhilian.chains.models import Chain
from zhilian.core.api.fields import id_parameter
from zhilian.core.api.filters import OrderingFilter
from zhilian.core.api.viewsets import RestrictedViewSetMixin

from ..selectors import chain_summary


class ChainSummarySerializer(serializers.Serializer):
    """One row of Table I.1, computed from the records the caller may see."""

    id = serializers.IntegerField(help_text="The chain's id.")
    chain = serializers.CharField()
    districts = serializers.IntegerField(help_text="覆盖设区市或县（市、区）数量")
    clusters = serializers.IntegerField(help_text="产业集聚区数量")
    enterprises = serializers.IntegerField(help_text="参与企业数量")
    smes = serializers.IntegerField(help_text="参与中小微企业数量")
    institutions = serializers.IntegerField(help_text="参与技术机构数量")
    experts = serializers.IntegerField(help_text="参与技术专家数量")
    common_projects = serializers.IntegerField(help_text="开展共性质量技术攻关项目")
    problems_solved = serializers.IntegerField(help_text="解决质量问题数量")
    key_indicators = serializers.CharField(help_text="关键质量指标提升情况")
    sme_certifications = serializers.CharField()
    employment = serializers.CharField()
    market = serializers.CharField()
    cost_savings = serializers.CharField()
    budget = serializers.DecimalField(max_digits=14, decimal_places=2)
    spent = serializers.DecimalField(max_digits=14, decimal_places=2)
    member_funds = serializers.DecimalField(max_digits=14, decimal_places=2)


def summary_row(s) -> dict:
    return {"id": s.chain.pk, "chain": s.chain.name, "districts": len(s.districts), "clusters": s.clusters,
            "enterprises": len(s.enterprises), "smes": len(s.smes), "institutions": len(s.institutions),
            "experts": len(s.experts), "common_projects": len(s.common_projects),
            "problems_solved": len(s.solved_problems), "key_indicators": s.indicator_text,
            "sme_certifications": s.manual("sme_certifications"), "employment": s.manual("employment"),
            "market": s.manual("market"), "cost_savings": s.manual("cost_savings"), "budget": s.budget,
            "spent": s.spent, "member_funds": s.member_funds}


class ChainSummaryViewSet(RestrictedViewSetMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Table I.1 (EVA-01): one row per chain the caller may see; ``?chain=<id>`` for one chain.
    For regulators, the management institution and chain owners. Sort with ``ordering``
    (``chain``: the chain's name, by pinyin, the default)."""

    queryset = Chain.objects.all()
    serializer_class = ChainSummarySerializer
    pagination_class = None
    filter_backends = [OrderingFilter]
    ordering_fields = ["chain", "id"]
    ordering_sources = {"chain": "name_sort"}
    etag_actions = ()  # a summary computed from many records, not the chain's version

    @extend_schema(responses=ChainSummarySerializer(many=True))
    def list(self, request, *args, **kwargs):
        if not request.user.has_perm("evaluation.view_chainsummaryinput"):
            raise PermissionDenied(_("The summary table is kept by the regulators and the management institution."))
        chains = self.filter_queryset(self.get_queryset().order_by("name_sort"))
        chain = id_parameter(request.query_params, "chain")
        if chain:
            chains = chains.filter(pk=chain)
        return Response(ChainSummarySerializer([summary_row(chain_summary(request.user, c)) for c in chains],
                                               many=True).data)

    @extend_schema(responses=ChainSummarySerializer)
    def retrieve(self, request, *args, **kwargs):
        if not request.user.has_perm("evaluation.view_chainsummaryinput"):
            raise PermissionDenied(_("The summary table is kept by the regulators and the management institution."))
        return Response(ChainSummarySerializer(summary_row(chain_summary(request.user, self.get_object()))).data)
