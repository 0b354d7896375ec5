from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.utils.translation import gettext_lazy

from zhilian.core.generic import BaseObjectView, ObjectDeleteView, ObjectDetailView, ObjectEditView, ObjectListView
from zhilian.core.pagecache import kept_page
from zhilian.core.permissions import get_restricted_or_404, may

from . import forms, services
from .filtersets import ChainFilterSet, MonitoredEventFilterSet
from .models import (
    Chain, ChainNode, ChainSnapshot, ChainStatus, MonitoredEvent, Placement, ReviewComment, Segment,
)
from .selectors import (
    chain_latest_snapshot, chain_map_data, chain_unpublished_changes, chain_version, map_diff, node_institutions,
    node_reach, published_node, snapshot_data,
)
from .tables import ChainTable, MonitoredEventTable


def add_errors(form, exc: ValidationError):
    """Show a service's ValidationError on the form: by field where the form has it, else on top."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for field, messages_ in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, messages_)


def _can(user, action, obj) -> bool:
    return type(obj).objects.restrict(user, action).filter(pk=obj.pk).exists()


class ChainListView(ObjectListView):
    model = Chain
    filterset_class = ChainFilterSet
    table_class = ChainTable
    add_url_name = "chains:chain_add"

    def get_queryset(self):
        return super().get_queryset().select_related("owner_enterprise")


class ChainDetailView(ObjectDetailView):
    """The chain's record: selection reasons, node tree, review, versions, events (MAP-01, 07, 08)."""

    model = Chain
    template_name = "chains/chain_detail.html"

    def get_extra_context(self, request, obj):
        user = request.user
        sees_draft = obj.can_see_draft(user)
        latest = chain_latest_snapshot(obj)
        if sees_draft:
            nodes = list(ChainNode.objects.restrict(user).filter(chain=obj).annotate(
                n_placements=Count("placements", distinct=True)).order_by("segment", "order", "id"))
            placement_count = Placement.objects.restrict(user).filter(chain=obj).count()
        else:
            # Everyone else reads the tree of the latest publication (MAP-07, PLT-02).
            nodes, placement_count = self.published_tree(user, obj, latest)
        ordered = []
        by_parent = {}
        for node in nodes:
            by_parent.setdefault(node.parent_id, []).append(node)

        def visit(parent_id, depth):
            for node in by_parent.get(parent_id, []):
                node.depth = depth
                ordered.append(node)
                visit(node.pk, depth + 1)

        visit(None, 0)
        placed = {n.pk for n in ordered}
        ordered += [n for n in nodes if n.pk not in placed]
        segments = [(code, label, [n for n in ordered if n.segment == code]) for code, label in Segment.choices]
        can_change = _can(user, "change", obj)
        return {
            "segments": segments,
            "node_count": len(nodes),
            "placement_count": placement_count,
            "latest": latest,
            "unpublished_changes": sees_draft and chain_unpublished_changes(obj, latest),
            "comments": ReviewComment.objects.restrict(user).filter(chain=obj).select_related("author", "node"),
            "snapshots": ChainSnapshot.objects.restrict(user).filter(chain=obj).select_related("published_by"),
            "events": MonitoredEvent.objects.restrict(user).filter(chain=obj)[:10],
            "can_build": can_change and obj.status != ChainStatus.REVIEW,
            "can_submit": can_change and obj.status != ChainStatus.REVIEW,
            "can_return": can_change and obj.status == ChainStatus.REVIEW,
            "can_publish": obj.status == ChainStatus.REVIEW and _can(user, "publish", obj),
            "can_comment": obj.status == ChainStatus.REVIEW and _can(user, "review", obj),
            "can_record_event": can_change,
            "sees_draft": sees_draft,
            "reviewers": obj.reviewers.all() if sees_draft else [],
        }

    @staticmethod
    def published_tree(user, chain, latest):
        """The links of the latest publication as unsaved nodes carrying its values."""
        if latest is None:
            return [], 0
        data = snapshot_data(latest)
        linkable = set(ChainNode.objects.restrict(user).filter(chain=chain).values_list("pk", flat=True))
        nodes = []
        for row in data["nodes"]:  # kept in tree order
            node = ChainNode(pk=row["id"], chain=chain, parent_id=row.get("parent"), segment=row["segment"],
                             name=row["name"])
            node.n_placements = len(row.get("enterprises", []))
            node.linkable = row["id"] in linkable  # a link removed since has no page
            nodes.append(node)
        return nodes, latest.placement_count or sum(n.n_placements for n in nodes)


class ChainEditView(ObjectEditView):
    model = Chain
    form_class = forms.ChainForm

    def prepare(self, obj, form):
        if obj.pk is None:
            obj.created_by = self.request.user


class ChainDeleteView(ObjectDeleteView):
    model = Chain


class ChainMapView(ObjectDetailView):
    """The interactive chain quality map (MAP-04, MAP-05); data comes from the map API."""

    model = Chain
    template_name = "chains/chain_map.html"

    @kept_page  # the page has no side effects; its data comes from the (kept) map API
    def get(self, request, pk, *args, **kwargs):
        return super().get(request, pk, *args, **kwargs)

    def get_extra_context(self, request, obj):
        snapshot = chain_version(request.user, obj, request.GET["version"]) if request.GET.get("version") else None
        data_url = reverse("chain-map", args=[obj.pk])
        if snapshot is not None:
            data_url += f"?version={snapshot.number}"
        return {
            "map_i18n": map_i18n(),
            "snapshot": snapshot,
            "sees_draft": obj.can_see_draft(request.user),
            "latest": chain_latest_snapshot(obj),
            "map_config": {
                "dataUrl": data_url,
                "problemUrl": reverse("problems:problem_detail", args=[0]).replace("/0/", "/{id}/"),
                "enterpriseUrl": reverse("directory:organization_detail", args=[0]).replace("/0/", "/{id}/"),
                "nodeUrl": reverse("chains:node_detail", args=[0]).replace("/0/", "/{id}/"),
                "institutionUrl": reverse("directory:organization_detail", args=[0]).replace("/0/", "/{id}/"),
            },
        }


def map_i18n() -> dict:
    """Strings the map's script shows, translated here (the script has no catalogue of its own)."""
    return {
        "counts": _("%(n)s links · %(e)s enterprises · %(p)s problems shown"), "matches": _("%(m)s matches"),
        "segmentHints": {"upstream": _("materials, components, basic hardware and software"),
                         "midstream": _("intermediate products, manufacturing, systems"),
                         "downstream": _("end products and applications")},
        "keyProducts": _("Key products"), "technologyRoute": _("Technology route"), "drill": _("Drill down"),
        "openRecord": _("Open record"), "enterprises": _("Placed enterprises"), "problems": _("Problems"),
        "institutions": _("Technical institutions"), "noProblems": _("No problems recorded."), "link": _("Link"),
        "role": _("Role"), "province": _("Province"), "ladder": _("Quality ladder"),
        "inProvince": _("in province"), "outProvince": _("out of province"), "category": _("Category"),
        "status": _("Status"), "total": _("Weighted total"), "common": _("Common problem"),
        "openProblem": _("Open the problem"), "confidential": _("Details are visible to the reporter, the "
                                                                 "enterprises concerned and the regulators."),
        "reach": _("Impact reach"), "reachNodes": _("Downstream links:"), "reachEnterprises": _("Enterprises:"),
        "loadError": _("The map could not be loaded."),
        # a link's row in the overview of a big chain: "10 enterprises · in 6 · out 4 · ▲3"
        "enterpriseCount": pgettext("map row", "%(n)s enterprises"), "inCount": pgettext("map row", "in %(n)s"),
        "outCount": pgettext("map row", "out %(n)s"),
    }


class _ChainChildEditView(ObjectEditView):
    """Add or edit a row that belongs to a chain; adding needs the chain's change right."""

    chain = None

    def get_object(self, pk):
        if pk is None:
            self.chain = get_restricted_or_404(Chain.objects.all(), self.request.user, "change",
                                               pk=self.kwargs["chain_pk"])
            if not self.can("add"):
                raise PermissionDenied
            return self.model(chain=self.chain)
        obj = super().get_object(pk)
        self.chain = obj.chain
        return obj

    def get_form_kwargs(self, obj):
        return {**super().get_form_kwargs(obj), "chain": self.chain}

    def get(self, request, pk=None, chain_pk=None):
        return super().get(request, pk)

    def post(self, request, pk=None, chain_pk=None):
        obj = self.get_object(pk)
        if obj.chain.status == ChainStatus.REVIEW:
            messages.error(request, _("The map is under expert review; return it to draft to edit it."))
            return HttpResponseRedirect(obj.chain.get_absolute_url())
        return super().post(request, pk)


class ChainNodeDetailView(ObjectDetailView):
    """One link: its products, enterprises, institutions, problems and impact reach (MAP-02, 03; PRB-05)."""

    model = ChainNode
    template_name = "chains/chainnode_detail.html"

    def get_extra_context(self, request, obj):
        user = request.user
        if not obj.chain.can_see_draft(user):
            return self.published_context(obj)
        matched, institutions = node_institutions([{"id": obj.pk, "keywords": obj.keywords}])
        return {
            "placements": Placement.objects.restrict(user).filter(node=obj).select_related("enterprise"),
            "children": ChainNode.objects.restrict(user).filter(parent=obj),
            "institutions": institutions,
            "supplies": obj.supplies.all(),
            "supplied_by": obj.supplied_by.all(),
            "reach": node_reach(obj, user),
            "can_build": _can(user, "change", obj.chain) and obj.chain.status != ChainStatus.REVIEW,
            "sees_draft": True,
        }

    @staticmethod
    def published_context(obj):
        """The link as the chain's latest publication shows it, for those who see only that
        (MAP-07, PLT-02): values, enterprises, institutions and reach of the snapshot."""
        from zhilian.directory.models import Organization

        from .selectors import map_reach

        chain = obj.chain
        latest = chain_latest_snapshot(chain)
        data = snapshot_data(latest) if latest is not None else None
        row = published_node(data, obj.pk) if data is not None else None
        if row is None:  # restrict lets only published rows through; a race with a deletion
            raise Http404

        def stub(brief):
            return ChainNode(pk=brief["id"], chain=chain, name=brief["name"], segment=row["segment"])

        node = ChainNode(pk=obj.pk, chain=chain, segment=row["segment"], name=row["name"],
                         key_products=row.get("key_products", ""), technology_route=row.get("technology_route", ""),
                         keywords=row.get("keywords", ""), description=row.get("description", ""))
        if row["parent_node"]:
            node.parent = stub(row["parent_node"])
        placements = []
        for e in row.get("enterprises", []):
            enterprise = Organization(pk=e["id"], name=e["name"], province=e.get("province") or "")
            placements.append(Placement(pk=e.get("placement"), chain=chain, node=node, enterprise=enterprise,
                                        role=e["role"], ladder=e["ladder"], in_province=e["in_province"],
                                        key_products=e.get("key_products", "")))
        return {
            "object": node, "title": str(node), "can_change": False, "can_delete": False,
            "placements": placements, "children": [stub(c) for c in row["children"]],
            "institutions": row["institution_rows"], "supplies": [stub(n) for n in row["supplies_nodes"]],
            "supplied_by": [stub(n) for n in row["supplied_by_nodes"]], "reach": map_reach(data, obj.pk),
            "can_build": False, "sees_draft": False, "published_version": latest.number,
        }


class ChainNodeEditView(_ChainChildEditView):
    model = ChainNode
    form_class = forms.ChainNodeForm

    def get_initial(self, request):
        initial = super().get_initial(request)
        if request.GET.get("parent"):
            parent = ChainNode.objects.filter(chain=self.chain, pk=request.GET["parent"]).first()
            if parent is not None:
                initial.update(parent=parent.pk, segment=parent.segment)
        return initial


class ChainNodeDeleteView(ObjectDeleteView):
    model = ChainNode

    def success_url(self, obj):
        return obj.chain.get_absolute_url()


class PlacementEditView(ObjectEditView):
    """Place an enterprise on a node (MAP-02), or edit its placement."""

    model = Placement
    form_class = forms.PlacementForm
    node = None

    def get_object(self, pk):
        if pk is None:
            self.node = get_restricted_or_404(ChainNode.objects.all(), self.request.user, "change",
                                              pk=self.kwargs["node_pk"])
            if not self.can("add"):
                raise PermissionDenied
            return Placement(node=self.node, chain=self.node.chain)
        obj = super().get_object(pk)
        self.node = obj.node
        return obj

    def get(self, request, pk=None, node_pk=None):
        return super().get(request, pk)

    def post(self, request, pk=None, node_pk=None):
        return super().post(request, pk)

    def success_url(self, obj):
        return obj.node.get_absolute_url()


class PlacementDeleteView(ObjectDeleteView):
    model = Placement

    def success_url(self, obj):
        return obj.node.get_absolute_url()


class _ChainActionView(BaseObjectView):
    """GET shows a confirmation form, POST runs a lifecycle service (MAP-07)."""

    model = Chain
    walk_action = "change"
    form_class = None
    template_name = "chains/chain_action.html"
    title = ""
    button = ""

    def get_chain(self, pk):
        return get_restricted_or_404(Chain.objects.all(), self.request.user, self.walk_action, pk=pk)

    def make_form(self, chain, data=None):
        if self.form_class is None:
            return None
        return self.form_class(data, **self.form_kwargs(chain))

    def form_kwargs(self, chain):
        return {}

    def render_page(self, chain, form):
        return render(self.request, self.template_name, {
            "object": chain, "form": form, "title": f"{self.title} · {chain}", "button": self.button,
            "opts": Chain._meta, "open_comments": chain.review_comments.filter(resolved=False).count()})

    def get(self, request, pk):
        chain = self.get_chain(pk)
        return self.render_page(chain, self.make_form(chain))

    def post(self, request, pk):
        chain = self.get_chain(pk)
        form = self.make_form(chain, request.POST)
        if form is not None and not form.is_valid():
            return self.render_page(chain, form)
        try:
            self.perform(chain, form.cleaned_data if form is not None else {})
        except ValidationError as exc:
            if form is None:
                messages.error(request, " ".join(exc.messages))
                return HttpResponseRedirect(chain.get_absolute_url())
            add_errors(form, exc)
            return self.render_page(chain, form)
        messages.success(request, self.done_message(chain))
        return HttpResponseRedirect(chain.get_absolute_url())

    def done_message(self, chain):
        return _("Done.")


class ChainSubmitView(_ChainActionView):
    form_class = forms.ReviewSubmitForm
    title = gettext_lazy("Submit for expert review")
    button = gettext_lazy("Submit for review")

    def form_kwargs(self, chain):
        return {"user": self.request.user, "initial": {"reviewers": [
            e.pk for e in chain.reviewers.all() for e in [getattr(e, "expert_profile", None)] if e is not None]}}

    def perform(self, chain, data):
        services.chain_submit_for_review(user=self.request.user, chain=chain,
                                         reviewers=[e.user for e in data["reviewers"]])

    def done_message(self, chain):
        return _("%(name)s was sent to expert review.") % {"name": chain}


class ChainReturnView(_ChainActionView):
    title = gettext_lazy("Return to draft")
    button = gettext_lazy("Return to draft")

    def perform(self, chain, data):
        services.chain_return_to_draft(user=self.request.user, chain=chain)


class ChainPublishView(_ChainActionView):
    walk_action = "publish"
    form_class = forms.PublishForm
    title = gettext_lazy("Publish the chain quality map")
    button = gettext_lazy("Publish")

    def perform(self, chain, data):
        self.snapshot = services.chain_publish(user=self.request.user, chain=chain, note=data.get("note", ""))

    def done_message(self, chain):
        return _("Published as version %(n)d.") % {"n": self.snapshot.number}


class ReviewCommentAddView(_ChainActionView):
    walk_action = "review"
    form_class = forms.ReviewCommentForm
    title = gettext_lazy("Review comment")
    button = gettext_lazy("Add comment")

    def form_kwargs(self, chain):
        return {"chain": chain}

    def perform(self, chain, data):
        services.review_comment_add(user=self.request.user, chain=chain, comment=data["comment"], node=data["node"])

    def done_message(self, chain):
        return _("Comment recorded.")


class ReviewCommentResolveView(BaseObjectView):
    model = ReviewComment
    walk_model = ReviewComment
    walk_action = "view"

    def get(self, request, pk):
        comment = get_restricted_or_404(ReviewComment.objects.all(), request.user, "view", pk=pk)
        return HttpResponseRedirect(comment.chain.get_absolute_url() + "#review")

    def post(self, request, pk):
        comment = get_restricted_or_404(ReviewComment.objects.all(), request.user, "view", pk=pk)
        services.review_comment_resolve(user=request.user, comment=comment)
        messages.success(request, _("Comment marked as resolved."))
        return HttpResponseRedirect(comment.chain.get_absolute_url() + "#review")


class ChainSnapshotDetailView(ObjectDetailView):
    """A kept publication compared with the current working copy (MAP-07)."""

    model = ChainSnapshot
    template_name = "chains/chainsnapshot_detail.html"

    def get_extra_context(self, request, obj):
        chain = obj.chain
        published = snapshot_data(obj)
        compare = None
        if chain.can_see_draft(request.user):
            other = request.GET.get("with", "draft")
            if other == "draft":
                current, label = chain_map_data(chain), _("current working copy")
            else:
                newer = chain_version(request.user, chain, other)
                current, label = (snapshot_data(newer), _("version %(n)s") % {"n": newer.number}) if newer else (None, "")
            if current is not None:
                compare = {"label": label, "diff": map_diff(published, current)}
        return {"compare": compare, "chain": chain,
                "others": ChainSnapshot.objects.restrict(request.user).filter(chain=chain).exclude(pk=obj.pk),
                "sees_draft": chain.can_see_draft(request.user),
                "node_total": len(published.get("nodes", [])),
                "placement_total": sum(len(n.get("enterprises", [])) for n in published.get("nodes", [])),
                "problem_total": len(published.get("problems", []))}


class MonitoredEventListView(ObjectListView):
    model = MonitoredEvent
    table_class = MonitoredEventTable
    filterset_class = MonitoredEventFilterSet
    search_title_field = "title"

    def get_queryset(self):
        return super().get_queryset().select_related("chain")


class MonitoredEventDetailView(ObjectDetailView):
    model = MonitoredEvent


class MonitoredEventEditView(_ChainChildEditView):
    """Record or edit a monitored event through the generic edit view (its stale-edit refusal
    included); an event that triggers an update brings the chain's next update forward."""

    model = MonitoredEvent
    form_class = forms.MonitoredEventForm

    def prepare(self, obj, form):
        if obj.pk is None:
            obj.chain, obj.recorded_by = self.chain, self.request.user

    def after_save(self, obj, form):
        if obj.triggers_update:  # chain guide 5.3.7: 触发更新的条件
            services.chain_update_triggered(chain=obj.chain, event=obj)

    def success_url(self, obj):
        return obj.chain.get_absolute_url() + "#events"

    def post(self, request, pk=None, chain_pk=None):
        # Events are logged while the map is under review too (they are not part of it).
        return ObjectEditView.post(self, request, pk)


def may_build(user, chain) -> bool:
    return may(user, "change", Chain) and _can(user, "change", chain)
