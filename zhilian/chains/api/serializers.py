from django.utils.translation import gettext as _
from rest_framework import serializers

from zhilian.directory.models import Organization

from ..models import Chain, ChainNode, MonitoredEvent, Placement


class ChainSerializer(serializers.ModelSerializer):
    """A key industrial chain with its chain-owner enterprise and the reasons for both (MAP-08).

    ``status`` is one of draft, review, published and changes only through the review and
    publication workflow."""

    owner_enterprise = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.enterprises(),
                                                          allow_null=True, required=False)
    url = serializers.HyperlinkedIdentityField(view_name="chain-detail")
    map_url = serializers.HyperlinkedIdentityField(
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
        if request is not None and "owner_enterprise" in self.fields:
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
        if request is not None:
            self.fields["chain"].queryset = Chain.objects.restrict(request.user, "change")

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
        if request is not None:
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
