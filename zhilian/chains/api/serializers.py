from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from zhilian.core.api.fields import RecordUrlField, reads_input

from zhilian.directory.models import Organization

from ..models import Chain, ChainNode, MonitoredEvent, Placement


class ChainSerializer(serializers.ModelSerializer):
    """A key industrial chain with its chain-owner enterprise and the reasons for both (MAP-08).

    ``status`` is one of draft, review, published and changes only through the review and
    publication workflow."""

    owner_enterprise = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.enterprises(),
                                                          allow_null=True, required=False)
    url = RecordUrlField(view_name="chain-detail")
    map_url = RecordUrlField(
        view_name="chain-map", help_text="URL of the chain's quality map (nodes, placed enterprises, institutions, "
                                         "problems) in this API.")

    class Meta:
        model = Chain
        fields = ["id", "url", "map_url", "name", "industry", "region", "description", "key_products",
                  "technology_routes", "selection_reason", "owner_enterprise", "owner_selection_reason", "status",
                  "update_cycle_months", "update_triggers", "next_update_due", "published_at", "version",
                  "created_at", "updated_at"]
        read_only_fields = ["status", "next_update_due", "published_at", "version", "created_at", "updated_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if reads_input(self) and "owner_enterprise" in self.fields:
            self.fields["owner_enterprise"].queryset = Organization.objects.enterprises().restrict(request.user, "view")


class ChainNodeSerializer(serializers.ModelSerializer):
    """A link of the chain (环节): ``segment`` is upstream, midstream or downstream; ``supplies``
    lists the downstream nodes its output goes into (PRB-05 impact reach).

    Builders, reviewers and the city-wide roles read the working copy. Everyone else reads
    the chain's latest publication: only the links it contains, with the values it
    published (``version`` is the link's version when published)."""

    class Meta:
        model = ChainNode
        fields = ["id", "chain", "parent", "segment", "name", "key_products", "technology_route", "keywords",
                  "description", "order", "supplies", "version"]
        read_only_fields = ["version"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if reads_input(self):
            self.fields["chain"].queryset = Chain.objects.restrict(request.user, "change")
            # A link of a chain the caller may not edit answers as an unknown id, not "belongs to
            # another chain", so ids cannot be probed for existence (PLT-02).
            editable = ChainNode.objects.restrict(request.user, "change")
            self.fields["parent"].queryset = editable
            self.fields["supplies"].child_relation.queryset = editable

    def to_representation(self, instance):
        data = super().to_representation(instance)
        published = self.context.get("published")
        row = published.node(instance.chain_id, instance.pk) if published is not None else None
        if row is not None:
            data.update({field: row.get(field, "" if field in ("description", "keywords") else None)
                         for field in ("parent", "segment", "name", "key_products", "technology_route", "keywords",
                                       "description", "order", "supplies")})
            data["version"] = instance.published_version
        return data

    def validate(self, attrs):
        instance = ChainNode(**{k: v for k, v in attrs.items() if k != "supplies"})
        if self.instance is not None:
            for field in ("chain", "parent", "segment"):
                if field not in attrs:
                    setattr(instance, field, getattr(self.instance, field))
            instance.pk = self.instance.pk
        instance.clean()
        for target in attrs.get("supplies", []):
            if target.chain_id != instance.chain_id:
                raise serializers.ValidationError({"supplies": _("A node supplies nodes of its own chain only.")})
        return attrs


class PlacementSerializer(serializers.ModelSerializer):
    """An enterprise placed on a node: ``role`` chain_owner / leading / supporting; ``ladder``
    leader / follower; ``in_province`` follows the enterprise's province (chain guide 5.3.3).

    Those who do not build or review the chain read the placements of its latest
    publication with their published values (``note`` is not published: empty)."""

    class Meta:
        model = Placement
        fields = ["id", "chain", "node", "enterprise", "role", "key_products", "ladder", "in_province", "note",
                  "version"]
        read_only_fields = ["chain", "in_province", "version"]
        validators = []  # Placement.clean says "already placed on this link" on the enterprise field

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if reads_input(self):
            self.fields["node"].queryset = ChainNode.objects.restrict(request.user, "change")
            self.fields["enterprise"].queryset = Organization.objects.enterprises().restrict(request.user, "view")

    def to_representation(self, instance):
        data = super().to_representation(instance)
        published = self.context.get("published")
        row = published.placement(instance.chain_id, instance.pk) if published is not None else None
        if row is not None:
            data.update({"node": row.get("node"), "enterprise": row.get("id"), "role": row.get("role"),
                         "key_products": row.get("key_products", ""), "ladder": row.get("ladder"),
                         "in_province": row.get("in_province"), "note": "", "version": instance.published_version})
        return data

    def validate(self, attrs):
        node = attrs.get("node") or getattr(self.instance, "node", None)
        attrs["chain"] = node.chain
        Placement(**{**{"node": node}, **attrs}, pk=getattr(self.instance, "pk", None)).clean()
        return attrs


class MonitoredEventSerializer(serializers.ModelSerializer):
    """An event watched for map updates, by chain guide 5.3.7 dimension."""

    class Meta:
        model = MonitoredEvent
        fields = ["id", "chain", "node", "dimension", "occurred_on", "title", "description", "source",
                  "triggers_update", "recorded_by", "created_at"]
        read_only_fields = ["recorded_by", "created_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if reads_input(self):
            # Events are recorded by a chain's builders: another chain's id answers as unknown (PLT-02).
            self.fields["chain"].queryset = Chain.objects.restrict(request.user, "change")
            self.fields["node"].queryset = ChainNode.objects.restrict(request.user, "change")

    def validate(self, attrs):
        probe = MonitoredEvent(**attrs)
        if self.instance is not None:
            for field in ("chain", "node"):
                if field not in attrs:
                    setattr(probe, field, getattr(self.instance, field))
        probe.clean()
        return attrs


# --------------------------------------------------------------------------- the map as JSON (documentation)
# ``chains/{id}/map/`` answers the dict ``selectors.chain_map_for`` builds, not a model: these
# serializers only document it in the schema (PLT-09). Codes (segment, role, ladder) are those
# of the map's own ``labels``; a publication shows what was published (MAP-07).


class ChainMapOwnerSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=gettext_lazy("Id of the organization."))
    name = serializers.CharField()


class ChainMapChainSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=gettext_lazy("Id of the chain."))
    name = serializers.CharField()
    industry = serializers.CharField()
    region = serializers.CharField()
    status = serializers.CharField(help_text=gettext_lazy("draft, review or published."))
    owner = ChainMapOwnerSerializer(allow_null=True, help_text=gettext_lazy("The chain-owner enterprise, or null."))
    key_products = serializers.CharField()
    technology_routes = serializers.CharField()


class ChainMapSegmentSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=gettext_lazy("upstream, midstream or downstream."))
    name = serializers.CharField(help_text=gettext_lazy("The segment's name in the caller's language."))
    node_count = serializers.IntegerField()
    enterprise_count = serializers.IntegerField(help_text=gettext_lazy("Placements on the segment's links."))
    problem_count = serializers.IntegerField()


class PlacedEnterpriseSerializer(serializers.Serializer):
    """An enterprise placed on a link, as the map and a problem's reach both answer it
    (chains.selectors.enterprises_by_node); documentation only."""

    id = serializers.IntegerField(help_text=gettext_lazy("Id of the enterprise (organization)."))
    placement = serializers.IntegerField(help_text=gettext_lazy("Id of the placement (placements/)."))
    name = serializers.CharField()
    province = serializers.CharField()
    district = serializers.CharField()
    in_province = serializers.BooleanField()
    role = serializers.CharField(help_text=gettext_lazy("chain_owner, leading or supporting."))
    ladder = serializers.CharField(help_text=gettext_lazy("leader or follower."))
    key_products = serializers.CharField()


class ChainMapEnterpriseSerializer(PlacedEnterpriseSerializer):
    role = serializers.CharField(help_text=gettext_lazy("chain_owner, leading or supporting (labels.roles)."))
    ladder = serializers.CharField(help_text=gettext_lazy("leader or follower (labels.ladders)."))


class ChainMapNodeSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=gettext_lazy("Id of the link (chain-nodes/)."))
    name = serializers.CharField()
    segment = serializers.CharField(help_text=gettext_lazy("upstream, midstream or downstream."))
    parent = serializers.IntegerField(allow_null=True, help_text=gettext_lazy("Id of the parent link, or null."))
    depth = serializers.IntegerField(help_text=gettext_lazy("Depth in the segment's tree, from 0."))
    key_products = serializers.CharField()
    technology_route = serializers.CharField()
    keywords = serializers.CharField()
    description = serializers.CharField()
    order = serializers.IntegerField()
    supplies = serializers.ListField(child=serializers.IntegerField(),
                                     help_text=gettext_lazy("Ids of the links this link supplies."))
    institutions = serializers.ListField(child=serializers.IntegerField(),
                                         help_text=gettext_lazy("Ids of the matching institutions (institutions)."))
    enterprises = ChainMapEnterpriseSerializer(many=True)
    problems = serializers.ListField(child=serializers.IntegerField(),
                                     help_text=gettext_lazy("Ids of the problems on this link (problems)."))


class ChainMapInstitutionSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=gettext_lazy("Id of the institution (organization)."))
    name = serializers.CharField()
    products = serializers.ListField(child=serializers.CharField(),
                                     help_text=gettext_lazy("Products it tests that match the chain's keywords "
                                                            "(at most 12)."))


class ChainMapProblemSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=gettext_lazy("Id of the problem (problems/)."))
    code = serializers.CharField()
    name = serializers.CharField()
    node = serializers.IntegerField(allow_null=True, help_text=gettext_lazy("Id of its link, or null."))
    segment = serializers.CharField()
    category = serializers.CharField()
    category_label = serializers.CharField()
    level = serializers.IntegerField(allow_null=True, help_text=gettext_lazy("Severity level 1–3, null while not "
                                                                             "assessed."))
    stars = serializers.IntegerField(help_text=gettext_lazy("3, 2 or 1 stars by level; 0 while not assessed."))
    total = serializers.CharField(help_text=gettext_lazy("Weighted total (\"3.75\"), empty while not assessed."))
    status = serializers.CharField()
    status_label = serializers.CharField()
    is_common = serializers.BooleanField()
    detail = serializers.BooleanField(help_text=gettext_lazy("Whether the caller may open the problem itself."))


class ChainMapLabelsSerializer(serializers.Serializer):
    segments = serializers.DictField(child=serializers.CharField())
    roles = serializers.DictField(child=serializers.CharField())
    ladders = serializers.DictField(child=serializers.CharField())
    provinces = serializers.DictField(child=serializers.CharField())


class ChainMapSerializer(serializers.Serializer):
    """The chain quality map (MAP-01…05): the working copy for its builders and reviewers, else the
    latest publication (or the one ``version`` names)."""

    chain = ChainMapChainSerializer()
    version = serializers.IntegerField(allow_null=True, help_text=gettext_lazy(
        "Number of the publication shown, or null for the working copy."))
    generated_at = serializers.DateTimeField(help_text=gettext_lazy("When the map data was made."))
    published_at = serializers.DateTimeField(allow_null=True, help_text=gettext_lazy(
        "When the publication shown was made, or null for the working copy."))
    segments = ChainMapSegmentSerializer(many=True)
    nodes = ChainMapNodeSerializer(many=True, help_text=gettext_lazy("Links in tree order, segment by segment."))
    institutions = ChainMapInstitutionSerializer(many=True)
    problems = ChainMapProblemSerializer(many=True, help_text=gettext_lazy(
        "The chain's problems, most severe first: a summary for everyone, the problem itself where detail is "
        "true."))
    labels = ChainMapLabelsSerializer(help_text=gettext_lazy("Names of the codes in the caller's language."))
