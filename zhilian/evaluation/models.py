"""Performance evaluation: the Appendix I summary table (EVA-01).

The summary is computed from the records; this model keeps only the figures the platform
does not hold (employment, market share, cost savings, SMEs' certifications), entered per
chain by the city bureau or the management institution.
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zhilian.accounts.roles import Role
from zhilian.core.links import id_url
from zhilian.core.models import BaseModel
from zhilian.core.permissions import EVERYTHING, NOTHING, RestrictedManager, RestrictedQuerySet


class ChainSummaryInputQuerySet(RestrictedQuerySet):
    def scope(self, user, action):
        from zhilian.chains.models import Chain

        if action == "view":
            return Q(chain__in=Chain.objects.restrict(user, "view").values("pk"))
        return EVERYTHING if user.has_role(Role.CITY_REGULATOR, Role.MANAGEMENT_INSTITUTION) else NOTHING


class ChainSummaryInput(BaseModel):
    """Figures of Table I.1 that come from outside the platform, for one chain."""

    chain = models.OneToOneField("chains.Chain", on_delete=models.CASCADE, related_name="summary_input",
                                 verbose_name=_("industrial chain"))
    clusters = models.PositiveIntegerField(_("industrial clusters (entered)"), null=True, blank=True,
                                           validators=[MinValueValidator(0)],
                                           help_text=_("Leave empty to count the cities where the chain's units are."))
    sme_certifications = models.TextField(_("certifications obtained by SMEs"), blank=True)
    employment = models.TextField(_("employment generated"), blank=True)
    market = models.TextField(_("market size or market share gained"), blank=True)
    cost_savings = models.TextField(_("cost savings"), blank=True)
    indicator_note = models.TextField(_("further key quality indicators"), blank=True,
                                      help_text=_("Added to the indicators computed from accepted projects."))
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("updated by"), editable=False)

    objects = RestrictedManager.from_queryset(ChainSummaryInputQuerySet)()

    class Meta:
        verbose_name = _("summary table figures")
        verbose_name_plural = _("summary table figures")
        ordering = ["chain"]

    def __str__(self):
        label = _("summary table figures")  # outside the f-string, where makemessages reads it
        return f"{self.chain} · {label}"

    def get_absolute_url(self):
        return id_url("evaluation:chain_summary", self.chain_id)
