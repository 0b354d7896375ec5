"""Industrial chains: the panorama map's segments, node tree and placed enterprises (MAP-01…08)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from zhilian.accounts.roles import ADMINISTRATORS, Role
from zhilian.core.links import id_url
from zhilian.core.models import BaseModel, PinyinSortMixin, SearchableMixin
from zhilian.core.permissions import EVERYTHING, NOTHING, RestrictedManager, RestrictedQuerySet


class Segment(models.TextChoices):
    UPSTREAM = "upstream", _("Upstream")
    MIDSTREAM = "midstream", _("Midstream")
    DOWNSTREAM = "downstream", _("Downstream")


SEGMENT_ORDER = {Segment.UPSTREAM: 0, Segment.MIDSTREAM: 1, Segment.DOWNSTREAM: 2}


class ChainStatus(models.TextChoices):
    # SC guide 6.2 / chain guide 5.3: draft → expert review → published
    DRAFT = "draft", _("Draft")
    REVIEW = "review", _("Expert review")
    PUBLISHED = "published", _("Published")


class PlacementRole(models.TextChoices):
    CHAIN_OWNER = "chain_owner", _("Chain owner")
    LEADING = "leading", _("Leading backbone")
    SUPPORTING = "supporting", _("Supporting")


class LadderPosition(models.TextChoices):
    # chain guide 5.3.4
    LEADER = "leader", _("Leader")
    FOLLOWER = "follower", _("Follower")


class EventDimension(models.TextChoices):
    # chain guide 5.3.7
    TECHNOLOGY = "technology", _("Technology R&D")
    PROCUREMENT = "procurement", _("Procurement and supply")
    APPLICATION = "application", _("Application scenarios")
    INDUSTRY = "industry", _("Industrial activities")
    POLICY = "policy", _("Policy and regulation")
    PRODUCT = "product", _("Product progress")
    CERTIFICATION = "certification", _("Certification and qualification")
    INVESTMENT = "investment", _("Major projects and investment")


def _chain_managers(user) -> bool:
    return user.has_role(Role.CITY_REGULATOR, Role.MANAGEMENT_INSTITUTION)


def _building(user) -> Q:
    building = Q(created_by=user)
    if user.organization_id:
        building |= Q(owner_enterprise_id=user.organization_id)
    return building


def _reviewing(user) -> Q:
    return Q(pk__in=Chain.reviewers.through.objects.filter(user=user).values("chain"))


def working_copy_scope(user) -> Q:
    """The chains whose working copy (and review comments) ``user`` sees: Q over ``Chain``.

    Builders, reviewers and the city-wide roles; everyone else sees only the latest
    publication (MAP-07, PLT-02). ``Chain.can_see_draft`` answers the same for one chain.
    """
    if user.has_role(*ADMINISTRATORS):
        return NOTHING  # 等保 8.1.4.2 d: administrators read no working copy
    if _chain_managers(user):
        return EVERYTHING
    return _building(user) | _reviewing(user)


class ChainQuerySet(RestrictedQuerySet):
    def scope(self, user, action):
        """Published maps are visible to every role; drafts only to those who build and review them.

        "Published" means the chain has at least one kept publication (``published_at``):
        while its builders revise the working copy, everyone else keeps seeing the last
        published version (SC guide 6.2: experts review the draft before it is used).
        """
        if user.has_role(*ADMINISTRATORS):  # 等保 8.1.4.2 d: the published map only, like the public
            return Q(published_at__isnull=False) if action == "view" else NOTHING
        if _chain_managers(user):
            return EVERYTHING
        building, reviewing = _building(user), _reviewing(user)
        if action == "publish":
            return NOTHING
        if action == "review":
            return reviewing & Q(status=ChainStatus.REVIEW)
        if action != "view":
            return building
        return Q(published_at__isnull=False) | building | reviewing


class Chain(SearchableMixin, PinyinSortMixin, BaseModel):
    """A key industrial chain selected by the regulator, with its chain-owner enterprise (MAP-08)."""

    SEARCH_FIELDS = ("name", "industry", "description", "key_products", "owner_enterprise__name")

    name = models.CharField(_("name"), max_length=100, unique=True)
    industry = models.CharField(_("industry field"), max_length=100, blank=True)
    region = models.CharField(_("region"), max_length=50, default="厦门市")
    description = models.TextField(_("description"), blank=True)
    key_products = models.TextField(_("key products"), blank=True)
    technology_routes = models.TextField(_("technology routes"), blank=True)
    selection_reason = models.TextField(_("why this chain was selected"), blank=True,
                                        help_text=_("SC guide 6.3: strategic emerging, future or traditional advantage industry…"))
    owner_enterprise = models.ForeignKey("directory.Organization", null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="owned_chains", verbose_name=_("chain-owner enterprise"))
    owner_selection_reason = models.TextField(_("why this chain owner"), blank=True)
    status = models.CharField(_("status"), max_length=12, choices=ChainStatus.choices, default=ChainStatus.DRAFT,
                              db_index=True)
    # at least a month: a cycle of 0 read 每 0 个月 while the next update was set 12 months on (MAP-07)
    update_cycle_months = models.PositiveSmallIntegerField(_("update cycle (months)"), default=12,
                                                           validators=[MinValueValidator(1)])
    update_triggers = models.TextField(_("update triggers"), blank=True,
                                       help_text=_("Conditions that trigger an update, e.g. a major technology breakthrough."))
    next_update_due = models.DateField(_("next update due"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("created by"))
    reviewers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="reviewed_chains",
                                       verbose_name=_("expert reviewers"))

    objects = RestrictedManager.from_queryset(ChainQuerySet)()

    class Meta:
        verbose_name = _("industrial chain")
        verbose_name_plural = _("industrial chains")
        ordering = ["name_sort"]
        permissions = [("publish_chain", "Can publish chain maps after expert review"),
                       ("review_chain", "Can comment on chain maps under expert review")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return id_url("chains:chain_detail", self.pk)

    def clean(self):
        if self.owner_enterprise_id and not self.owner_enterprise.is_enterprise:
            raise ValidationError({"owner_enterprise": _("The chain owner must be an enterprise.")})

    @property
    def is_published(self):
        return self.published_at is not None

    def can_see_draft(self, user) -> bool:
        """Return whether ``user`` builds, reviews or manages this chain (sees the working copy)."""
        if user.is_superuser or _chain_managers(user):
            return True
        if user.has_role(*ADMINISTRATORS):
            return False
        if self.created_by_id == user.pk or (user.organization_id and self.owner_enterprise_id == user.organization_id):
            return True
        return self.reviewers.filter(pk=user.pk).exists()

    def history_visible_to(self, user) -> bool:
        """The change log shows unpublished edits of the map: builders and reviewers only."""
        return self.can_see_draft(user)


def _chain_scoped(user, action, field="chain"):
    return Q(**{f"{field}__in": Chain.objects.restrict(user, action).values("pk")})


def _working_copy_scoped(user, field="chain") -> Q:
    condition = working_copy_scope(user)
    if condition == EVERYTHING:
        return EVERYTHING
    return Q(**{f"{field}__in": Chain.objects.filter(condition).values("pk")})


def _published_rows_scope(user) -> Q:
    """Rows of a chain's map: all of them for its builders and reviewers, for everyone else
    only the rows of its latest publication (``published_version`` set when it was made)."""
    working = _working_copy_scoped(user)
    if working == EVERYTHING:
        return _chain_scoped(user, "view")
    return _chain_scoped(user, "view") & (Q(published_version__isnull=False) | working)


class ChainNodeQuerySet(RestrictedQuerySet):
    # ``searchable`` narrows by the working-copy scope, which the view scope is built from
    # too: a site search's kept statement (core.search) keyed by the view scope's token
    # follows it.
    searchable_within_scope = True

    def scope(self, user, action):
        if action == "view":
            return _published_rows_scope(user)
        return _chain_scoped(user, action)

    def searchable(self, user):
        """The rows whose current text may answer ``user``'s search: a link changed since the
        last publication matches only its builders' and reviewers' searches (everyone else
        sees it with its published values, PLT-02)."""
        working = _working_copy_scoped(user)
        if working == EVERYTHING:
            return self
        return self.filter(working | Q(published_version=F("version")))


class ChainNode(SearchableMixin, BaseModel):
    """A link (环节) of the chain: a tree per segment, e.g. 面板 → TFT-LCD 面板 (MAP-01)."""

    SEARCH_FIELDS = ("name", "key_products", "technology_route", "keywords")

    chain = models.ForeignKey(Chain, on_delete=models.CASCADE, related_name="nodes", verbose_name=_("chain"))
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children",
                               verbose_name=_("parent node"))
    segment = models.CharField(_("segment"), max_length=12, choices=Segment.choices)
    name = models.CharField(_("name"), max_length=100)
    key_products = models.CharField(_("key products"), max_length=300, blank=True)
    technology_route = models.CharField(_("technology route"), max_length=300, blank=True)
    keywords = models.CharField(_("capability keywords"), max_length=300, blank=True,
                                help_text=_("Products matched against institutions' testing capabilities, comma-separated."))
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    supplies = models.ManyToManyField("self", symmetrical=False, blank=True, related_name="supplied_by",
                                      verbose_name=_("supplies to"),
                                      help_text=_("Downstream nodes this node's output goes into (PRB-05 impact reach)."))
    published_version = models.PositiveIntegerField(
        _("version at the last publication"), null=True, blank=True, editable=False,
        help_text=_("Set when the chain is published; empty for a link added since (MAP-07)."))

    objects = RestrictedManager.from_queryset(ChainNodeQuerySet)()

    class Meta:
        verbose_name = _("chain node")
        verbose_name_plural = _("chain nodes")
        ordering = ["chain", "segment", "order", "id"]
        indexes = [models.Index(fields=["chain", "segment", "order"])]
        constraints = [models.UniqueConstraint(fields=["chain", "parent", "name"], name="chainnode_unique_name")]

    def __str__(self):
        return self.name

    CHOICE_LABEL_RELATED = ("chain",)

    def choice_label(self):
        """How a form offers a link from more than one chain."""
        return f"{self.chain} · {self.get_segment_display()} · {self.name}"

    def get_absolute_url(self):
        return id_url("chains:node_detail", self.pk)

    def history_visible_to(self, user) -> bool:
        return self.chain.can_see_draft(user)

    def clean(self):
        if self.parent_id:
            if self.parent.chain_id != self.chain_id:
                raise ValidationError({"parent": _("The parent node belongs to another chain.")})
            if self.parent.segment != self.segment:
                raise ValidationError({"parent": _("A child node stays in its parent's segment.")})
            ancestor = self.parent
            while ancestor is not None:
                if ancestor.pk == self.pk:
                    raise ValidationError({"parent": _("A node cannot be its own ancestor.")})
                ancestor = ancestor.parent


class PlacementQuerySet(RestrictedQuerySet):
    def scope(self, user, action):
        if action == "view":
            return _published_rows_scope(user)
        return _chain_scoped(user, action)


class Placement(BaseModel):
    """An enterprise placed on a node with its role, products and quality-ladder position (MAP-02)."""

    chain = models.ForeignKey(Chain, on_delete=models.CASCADE, related_name="placements", verbose_name=_("chain"))
    node = models.ForeignKey(ChainNode, on_delete=models.CASCADE, related_name="placements", verbose_name=_("node"))
    enterprise = models.ForeignKey("directory.Organization", on_delete=models.PROTECT, related_name="placements",
                                   verbose_name=_("enterprise"))
    role = models.CharField(_("role"), max_length=12, choices=PlacementRole.choices, default=PlacementRole.SUPPORTING)
    key_products = models.CharField(_("key products"), max_length=300, blank=True)
    ladder = models.CharField(_("quality-ladder position"), max_length=10, choices=LadderPosition.choices,
                              default=LadderPosition.FOLLOWER)
    in_province = models.BooleanField(_("in province"), default=True, editable=False,
                                      help_text=_("Copied from the enterprise's province when saved (chain guide 5.3.3)."))
    note = models.CharField(_("note"), max_length=300, blank=True)
    published_version = models.PositiveIntegerField(
        _("version at the last publication"), null=True, blank=True, editable=False,
        help_text=_("Set when the chain is published; empty for a placement added since (MAP-07)."))

    objects = RestrictedManager.from_queryset(PlacementQuerySet)()

    class Meta:
        verbose_name = _("placement")
        verbose_name_plural = _("placements")
        ordering = ["node", "-role", "id"]
        constraints = [models.UniqueConstraint(fields=["node", "enterprise"], name="placement_unique_enterprise")]
        indexes = [models.Index(fields=["chain", "node"]), models.Index(fields=["enterprise"])]

    def __str__(self):
        return f"{self.enterprise} @ {self.node}"

    def get_absolute_url(self):
        return id_url("chains:node_detail", self.node_id)

    def history_visible_to(self, user) -> bool:
        return self.chain.can_see_draft(user)

    def clean(self):
        if self.node_id and self.chain_id and self.node.chain_id != self.chain_id:
            raise ValidationError({"node": _("The node belongs to another chain.")})
        if self.enterprise_id and not self.enterprise.is_enterprise:
            raise ValidationError({"enterprise": _("Only enterprises are placed on nodes.")})
        # Said plainly on the field, before the unique constraint's generic message.
        if self.node_id and self.enterprise_id and Placement._base_manager.filter(
                node_id=self.node_id, enterprise_id=self.enterprise_id).exclude(pk=self.pk).exists():
            raise ValidationError({"enterprise": _("This enterprise is already placed on this link.")})

    def save(self, *args, **kwargs):
        if self.node_id and not self.chain_id:
            self.chain_id = self.node.chain_id
        if self.enterprise_id:
            self.in_province = self.enterprise.is_in_home_province
        super().save(*args, **kwargs)


class ChainSnapshot(BaseModel):
    """A published version of the chain quality map, kept as it was (MAP-07)."""

    chain = models.ForeignKey(Chain, on_delete=models.CASCADE, related_name="snapshots", verbose_name=_("chain"))
    number = models.PositiveIntegerField(_("version"))
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                                     verbose_name=_("published by"))
    note = models.TextField(_("publication note"), blank=True)
    data = models.JSONField(_("map data"))
    # Counted when published: a working copy with fewer published rows lost some since.
    node_count = models.PositiveIntegerField(_("links"), default=0)
    placement_count = models.PositiveIntegerField(_("placements"), default=0)

    class QS(RestrictedQuerySet):
        def scope(self, user, action):
            return _chain_scoped(user, "view") if action == "view" else NOTHING

    class Manager(RestrictedManager.from_queryset(QS)):
        # The map JSON (megabytes on a big chain) is loaded only where it is read:
        # ``chains.selectors.snapshot_data``, or ``.data`` on one object.
        def get_queryset(self):
            return super().get_queryset().defer("data")

    objects = Manager()

    class Meta:
        verbose_name = _("published map version")
        verbose_name_plural = _("published map versions")
        ordering = ["chain", "-number"]
        constraints = [models.UniqueConstraint(fields=["chain", "number"], name="snapshot_unique_number")]

    def __str__(self):
        return f"{self.chain} v{self.number}"

    def get_absolute_url(self):
        return id_url("chains:chainsnapshot_detail", self.pk)


class ReviewComment(BaseModel):
    """An expert's comment on a draft map, optionally about one node (MAP-07)."""

    chain = models.ForeignKey(Chain, on_delete=models.CASCADE, related_name="review_comments", verbose_name=_("chain"))
    node = models.ForeignKey(ChainNode, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                             verbose_name=_("node"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                               verbose_name=_("author"))
    comment = models.TextField(_("comment"))
    resolved = models.BooleanField(_("resolved"), default=False)

    class QS(RestrictedQuerySet):
        def scope(self, user, action):
            # Review comments are about the working copy: its builders and reviewers only.
            if action == "view":
                return _chain_scoped(user, "view") & _working_copy_scoped(user)
            return Q(author=user)

    objects = RestrictedManager.from_queryset(QS)()

    class Meta:
        verbose_name = _("review comment")
        verbose_name_plural = _("review comments")
        ordering = ["chain", "created_at"]

    def __str__(self):
        return self.comment[:40]


class MonitoredEvent(BaseModel):
    """An event on the chain watched for map updates, by chain guide 5.3.7 dimension (MAP-07)."""

    chain = models.ForeignKey(Chain, on_delete=models.CASCADE, related_name="events", verbose_name=_("chain"))
    node = models.ForeignKey(ChainNode, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                             verbose_name=_("node"))
    dimension = models.CharField(_("dimension"), max_length=16, choices=EventDimension.choices)
    occurred_on = models.DateField(_("date"))
    # A context of its own: other catalogues read "title" as 职称 (an expert's) or 需求标题.
    title = models.CharField(pgettext_lazy("monitored event", "title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)
    triggers_update = models.BooleanField(_("triggers a map update"), default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                                    verbose_name=_("recorded by"))

    class QS(RestrictedQuerySet):
        def scope(self, user, action):
            return _chain_scoped(user, action)

    objects = RestrictedManager.from_queryset(QS)()

    class Meta:
        verbose_name = _("monitored event")
        verbose_name_plural = _("monitored events")
        ordering = ["chain", "-occurred_on"]

    def __str__(self):
        return self.title

    def clean(self):
        if self.node_id and self.chain_id and self.node.chain_id != self.chain_id:
            raise ValidationError({"node": _("The node belongs to another chain.")})

    def get_absolute_url(self):
        return id_url("chains:event_detail", self.pk)
