"""Writes of the evaluation module: the figures of Table I.1 the platform does not hold."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from zhilian.core.permissions import may

from .models import ChainSummaryInput

FIELDS = ("clusters", "sme_certifications", "employment", "market", "cost_savings", "indicator_note")


@transaction.atomic
def summary_inputs_save(*, user, chain, data: dict) -> ChainSummaryInput:
    """Record the city's figures for a chain's summary row (EVA-01)."""
    record = ChainSummaryInput.objects.filter(chain=chain).first()
    if record is None:
        if not may(user, "add", ChainSummaryInput):
            raise PermissionDenied(_("The city bureau or the management institution enters these figures."))
        record = ChainSummaryInput(chain=chain)
    elif not ChainSummaryInput.objects.restrict(user, "change").filter(pk=record.pk).exists():
        raise PermissionDenied(_("The city bureau or the management institution enters these figures."))
    for field in FIELDS:
        if field in data:
            setattr(record, field, data[field] if data[field] is not None or field == "clusters" else "")
    record.updated_by = user
    record.full_clean()
    record.save()
    return record
