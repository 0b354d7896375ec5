"""Writes of the directory that go beyond a single form (imports, working groups)."""

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from zhilian.core.permissions import allowed, may

from .choices import QualificationKind
from .models import Expert, ExpertQualification, Organization, ServiceDomain, TestingCapability, uscc_taken_message
from .selectors import Eligibility, attach_certificates, certificates_of_kind, expert_eligibility


def organization_matched(data: dict) -> Organization | None:
    """The record an upsert of ``data`` updates: by USCC, else by name among units without one."""
    if data.get("uscc"):
        return Organization.objects.filter(uscc=data["uscc"]).first()
    return Organization.objects.filter(name=data.get("name"), uscc__isnull=True).first()


def renaming_refused(*, user, record: Organization | None, data: dict) -> str | None:
    """Why an upsert of ``data`` may not update ``record``: a USCC registered to a unit of
    another name names that unit, it never renames it (GB 32100: one code, one legal entity).
    The message names the holder only when ``user`` may see it. Renaming is done on the unit's
    page. None when the upsert may go ahead."""
    if record is None or not data.get("uscc") or "name" not in data or record.name == data["name"]:
        return None
    if user is not None and allowed(user, "view", record):
        return _("This unified social credit code is already registered as “%(name)s”; "
                 "to rename the unit, edit it on its page.") % {"name": record.name}
    return uscc_taken_message(None)


@transaction.atomic
def organization_upsert(*, user, data: dict) -> tuple[Organization, bool]:
    """Create or update an organization matched by USCC (or name when it has none).

    A USCC already registered to a unit of another name is refused at ``name``
    (``renaming_refused``): the import, the form and the API refuse it the same way."""
    existing = organization_matched(data)
    if existing is not None:
        # First: the refusal of a rename names the holder only to who may see it.
        refused = renaming_refused(user=user, record=existing, data=data)
        if refused:
            raise ValidationError({"name": refused})
        if not Organization.objects.restrict(user, "change").filter(pk=existing.pk).exists():
            raise ValidationError(_("%(name)s exists and you may not change it.") % {"name": existing.name})
        for field, value in data.items():
            setattr(existing, field, value)
        existing.full_clean()
        existing.save()
        return existing, False
    if not may(user, "add", Organization):
        raise PermissionDenied
    org = Organization(**{k: (v if v != "" or k != "uscc" else None) for k, v in data.items()})
    org.full_clean()
    org.save()
    if not Organization.objects.restrict(user, "view").filter(pk=org.pk).exists():
        raise ValidationError(_("%(name)s would be outside your own scope (district).") % {"name": org.name})
    return org, True


def _expert_lookup(data: dict) -> Expert | None:
    """Find the expert a row describes: by identity number, else by name and mobile, else
    by name and employer, so that importing the same file twice updates, never duplicates."""
    if data.get("id_number"):
        found = Expert.objects.filter(id_number=data["id_number"]).first()
        if found is not None:
            return found
    if data.get("mobile"):
        found = Expert.objects.filter(name=data["name"], mobile=data["mobile"]).first()
        if found is not None:
            return found
    return Expert.objects.filter(name=data["name"], employer=data.get("employer", "")).first()


@transaction.atomic
def expert_upsert(*, user, data: dict, domain_codes: Iterable[str] | None = None,
                  qualification_kinds: Iterable[str] | None = None) -> tuple[Expert, bool]:
    """Create or update an expert of the library (DIR-02) with domains and qualifications.

    Empty cells keep what is recorded; qualification kinds listed are added if missing
    (certificates are managed on the expert's page, not removed by an import).
    """
    existing = _expert_lookup(data)
    if existing is not None:
        if not Expert.objects.restrict(user, "change").filter(pk=existing.pk).exists():
            raise ValidationError(_("%(name)s exists and you may not change it.") % {"name": existing.name})
        expert, created = existing, False
    else:
        if not may(user, "add", Expert):
            raise PermissionDenied
        expert, created = Expert(), True
    for name, value in data.items():
        if value in ("", None) and not created:
            continue
        setattr(expert, name, value)
    if expert.employer and expert.organization_id is None:
        expert.organization = Organization.objects.filter(name=expert.employer).first()
    expert.full_clean()
    expert.save()
    if domain_codes is not None and (domain_codes or created):
        expert.domains.set(ServiceDomain.objects.filter(code__in=list(domain_codes)))
    for kind in qualification_kinds or ():
        ExpertQualification.objects.get_or_create(expert=expert, kind=kind)
    return expert, created


def working_group_check(*, experts: Iterable[Expert]) -> list[Eligibility]:
    """Return each expert's eligibility, refusing a group with any ineligible member.

    assistance spec 7.2.1.3: the working group consists of experts familiar with quality
    management who hold an intermediate or higher technical title or a certification-
    auditor / production-licence-reviewer (or similar) qualification and have research or
    practice in quality management. Raises ``ValidationError({"experts": [...]})`` naming
    every ineligible member and why; the assistance module calls this before it forms a group.
    """
    experts = list(experts)
    if not experts:
        raise ValidationError({"experts": _("Choose at least one expert.")})
    ids = [e.pk for e in experts]
    if len(set(ids)) != len(ids):
        raise ValidationError({"experts": _("An expert is listed twice.")})
    results = expert_eligibility(experts)
    refused = [r for r in results if not r.eligible]
    if refused:
        raise ValidationError({"experts": [
            _("%(name)s is not eligible: %(reasons)s.") % {"name": r.expert.name, "reasons": "；".join(r.reasons)}
            for r in refused]})
    return results


# --------------------------------------------------------------------------- testing capabilities (DIR-04)


def _kind_shown(kind: str) -> str:
    """The kind as a badge shows it: CMA, CNAS, CAL, or 其他 in the reader's language."""
    return str(QualificationKind(kind).label) if kind == QualificationKind.OTHER else kind


def capability_certificate_errors(*, user, institution: Organization | None, qualification: str) -> dict[str, list[str]]:
    """The certificate check of a capability line, for the form and the API alike (DIR-04).

    A line accredited under a kind (CMA / CNAS / CAL / other) of which the institution has no
    certificate on record at all cannot be claimed under it: refused at ``qualification``.
    A certificate on record that does not cover today (expired, or not yet in force) does not
    refuse the line: the pages list such a line flagged "not counted as qualified", and it
    counts again, untouched, once a valid certificate is entered (a renewal); saving it is
    told instead (:func:`capability_certificate_warning`).
    """
    if institution is None or not qualification or certificates_of_kind(user, institution, qualification):
        return {}
    return {"qualification": [
        _("%(institution)s has no %(kind)s certificate on record, so the line cannot be accredited under it: "
          "add the certificate on the institution's page first, or choose what the line is accredited under.")
        % {"institution": institution.name, "kind": _kind_shown(qualification)}]}


def capability_certificate_warning(*, user, capability: TestingCapability) -> str:
    """What to tell whoever saved a line whose certificate does not cover it today (expired,
    or issued only later): the line is kept, flagged and not counted as qualified, as the
    pages show it. Empty when the certificate covers the line (or it is not accredited)."""
    if not capability.qualification:
        return ""
    certificates = certificates_of_kind(user, capability.institution, capability.qualification)
    if not certificates:
        return ""
    status = attach_certificates([capability], certificates)[0].certificate_status
    if status == "expired":
        latest = max(certificates, key=lambda c: c.valid_until)
        return _("Saved, but the certificate %(certificate)s of %(institution)s expired on %(date)s: the line is "
                 "listed as expired and not counted as qualified until a valid certificate is on record.") % {
            "certificate": latest.label, "institution": capability.institution.name,
            "date": f"{latest.valid_until:%Y-%m-%d}"}
    if status == "not_yet_valid":  # every certificate of the kind is issued after today
        first = min(certificates, key=lambda c: c.issued_on)
        return _("Saved, but the certificate %(certificate)s of %(institution)s is in force only from %(date)s: "
                 "until then the line is not counted as qualified.") % {
            "certificate": first.label, "institution": capability.institution.name,
            "date": f"{first.issued_on:%Y-%m-%d}"}
    return ""
