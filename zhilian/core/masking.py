"""Personal-data masking (SEC-07, GB/T 35273): mobile and identity numbers.

Every page, API response and export shows ``138****1234`` and ``350203********123X``.
Users holding ``accounts.unmask_personal_data`` (the roles that must contact people) may
reveal one number at a time on a detail page, or ask an export / API call for full
numbers with ``unmask=1``; every such reveal is an ``unmask`` record in the audit log.
The parties of one record may do the same for that record only, as far as an app lets
them (:func:`register_reveal`: the commissioner who took a need calls its contact): the
reveal button of its page and ``?unmask=1`` on its API detail, audited alike.

Which fields hold personal numbers is decided once per model: by name (``mobile``,
``phone``, ``contact_phone``, ``*_mobile``, ``*_phone``, ``id_number``, ``*_id_number``…),
plus what an app declares with :func:`register`. The mechanisms that use it:

- :func:`masked` — a queryset whose rows come out masked (list pages, tables, exports);
- :func:`mask_instance` — one object and the related objects loaded with it (detail pages);
- ``BaseModelForm`` shows masked values and keeps the stored one when the field comes back
  unchanged, so a round trip through an edit form never writes ``138****1234``;
- ``RestrictedViewSetMixin`` masks serializer output (and keeps stored values on input);
- the ``mobile`` / ``id_number`` / ``personal`` template tags for anything else;
- :func:`scrub_text` for read-only free text such as audit records.

A masked instance refuses to be saved.
"""

import contextvars
import re
from functools import lru_cache

from django.db import models

UNMASK_PERMISSION = "accounts.unmask_personal_data"
MOBILE = "mobile"
ID_NUMBER = "id_number"

_MOBILE = re.compile(r"^(\+?86[- ]?)?(1\d{2})(\d{4})(\d{4})$")
_MOBILE_NAMES = {"mobile", "phone", "telephone", "tel", "contact_phone", "contact_mobile", "phone_number"}
_ID_NAMES = {"id_number", "id_card", "identity_number", "id_card_number"}

# In free text: an 11-digit mainland mobile, and an 18-character resident identity number
# (6-digit region, a birth date, 3 digits, check digit or X).
MOBILE_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(?:\+?86[- ]?)?1[3-9]\d{9}(?![0-9A-Za-z])")
ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])\d{6}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9A-Za-z])")

# Set while an API response is rendered for a permitted, audited ``unmask=1`` request.
REVEAL: contextvars.ContextVar[bool] = contextvars.ContextVar("zhilian_reveal_personal_data", default=False)

_explicit: dict[str, dict[str, str]] = {}
_excluded: dict[str, set[str]] = {}


def register(model, *, exclude=(), **fields):
    """Declare personal fields the naming convention misses (``register(M, emergency_contact=MOBILE)``)
    or fields it wrongly catches (``exclude=["hotline_phone"]``)."""
    label = model._meta.label
    _explicit.setdefault(label, {}).update(fields)
    _excluded.setdefault(label, set()).update(exclude)
    personal_fields.cache_clear()
    return model


def _kind_by_name(name: str) -> str | None:
    if name in _ID_NAMES or name.endswith("_id_number"):
        return ID_NUMBER
    if name in _MOBILE_NAMES or name.endswith(("_mobile", "_phone")):
        return MOBILE
    return None


@lru_cache(maxsize=None)
def personal_fields(model) -> dict[str, str]:
    """``{field name: MOBILE | ID_NUMBER}`` of ``model``'s concrete text fields."""
    label = model._meta.label
    found = {}
    for field in model._meta.concrete_fields:
        if not isinstance(field, (models.CharField, models.TextField)):
            continue
        kind = _explicit.get(label, {}).get(field.name) or _kind_by_name(field.name)
        if kind and field.name not in _excluded.get(label, ()):
            found[field.name] = kind
    return found


# --------------------------------------------------------------------------- values


def mask_mobile(value: str) -> str:
    """138****1234; landlines keep the first three and last four digits."""
    if not value:
        return value or ""
    raw = re.sub(r"[\s-]", "", str(value))
    m = _MOBILE.match(raw)
    if m:
        return f"{m.group(2)}****{m.group(4)}"
    if len(raw) >= 7:
        return raw[:3] + "*" * (len(raw) - 7) + raw[-4:] if len(raw) > 7 else raw[:3] + "****"
    return "****"


def mask_id_number(value: str) -> str:
    """350203********123X for an 18-character resident identity number."""
    if not value:
        return value or ""
    raw = str(value).strip()
    if len(raw) <= 8:
        return "*" * len(raw)
    return raw[:6] + "*" * (len(raw) - 10) + raw[-4:]


def mask(kind: str, value):
    if value in (None, ""):
        return value
    return mask_id_number(value) if kind == ID_NUMBER else mask_mobile(value)


def is_masked(value) -> bool:
    return isinstance(value, str) and "*" in value


def scrub_text(text):
    """Mask every mobile and identity number inside free text (read-only displays)."""
    if not text or not isinstance(text, str):
        return text
    text = ID_IN_TEXT.sub(lambda m: mask_id_number(m.group(0)), text)
    return MOBILE_IN_TEXT.sub(lambda m: mask_mobile(m.group(0)), text)


def scrub(data):
    """``scrub_text`` through nested lists and dicts (audit ``changes``)."""
    if isinstance(data, str):
        return scrub_text(data)
    if isinstance(data, list):
        return [scrub(v) for v in data]
    if isinstance(data, dict):
        return {k: scrub(v) for k, v in data.items()}
    return data


def mask_changes(model, changes: dict) -> dict:
    """An audit record's before/after values as people may see them."""
    personal = personal_fields(model) if model is not None else {}
    shown = {}
    for name, change in (changes or {}).items():
        kind = personal.get(name) or _kind_by_name(name)
        if kind and isinstance(change, dict):
            change = {k: mask(kind, v) if isinstance(v, str) else v for k, v in change.items()}
        shown[name] = scrub(change)
    return shown


def may_unmask(user) -> bool:
    return bool(user and getattr(user, "is_authenticated", False) and user.has_perm(UNMASK_PERMISSION))


_reveal_rules: dict = {}


def register_reveal(model, rule):
    """Let the parties of a record reveal some of its personal fields, one record at a time:
    ``rule(user, obj)`` returns the names of the fields of ``obj`` that ``user`` may see in
    full (e.g. the need's contact phone to the commissioner who took it). The reveal is made
    and audited as with the unmask permission (:func:`unmask_field`, ``?unmask=1`` on the
    record's API detail); everyone else keeps seeing the number masked."""
    _reveal_rules[model._meta.label] = rule
    return model


def revealable_fields(user, obj) -> set[str]:
    """The personal fields of ``obj`` that ``user`` may reveal: all of them with the unmask
    permission, else those the model's :func:`register_reveal` rule grants."""
    if obj is None or not isinstance(obj, models.Model) or not getattr(obj, "pk", None):
        return set()
    personal = set(personal_fields(type(obj)))
    if may_unmask(user):
        return personal
    rule = _reveal_rules.get(type(obj)._meta.label)
    if rule is None or not (user and getattr(user, "is_authenticated", False)):
        return set()
    return set(rule(user, obj) or ()) & personal


def may_reveal(user, obj, field: str) -> bool:
    return field in revealable_fields(user, obj)


def mobile_for(user, value: str) -> str:
    """The number as ``user`` sees it: masked (pages reveal one with the ``personal`` tag)."""
    return value if REVEAL.get() else mask_mobile(value)


def id_number_for(user, value: str) -> str:
    return value if REVEAL.get() else mask_id_number(value)


# --------------------------------------------------------------------------- objects and querysets


def mask_instance(obj, _seen=None):
    """Mask ``obj``'s personal fields in place, and those of related objects loaded with it."""
    if obj is None or not isinstance(obj, models.Model):
        return obj
    seen = _seen if _seen is not None else set()
    if id(obj) in seen:
        return obj
    seen.add(id(obj))
    for name, kind in personal_fields(type(obj)).items():
        attname = obj._meta.get_field(name).attname
        value = obj.__dict__.get(attname)
        if value not in (None, ""):
            obj.__dict__[attname] = mask(kind, value)
            obj._zl_masked = True
    for related in list(getattr(obj._state, "fields_cache", {}).values()):
        mask_instance(related, seen)
    for cached in getattr(obj, "_prefetched_objects_cache", {}).values():
        for item in getattr(cached, "_result_cache", None) or ():
            mask_instance(item, seen)
    return obj


class MaskedQuerySetMixin:
    """Rows (and their select_related / prefetched relations) come out masked."""

    def _fetch_all(self):
        fresh = self._result_cache is None
        super()._fetch_all()
        if fresh:
            for obj in self._result_cache:
                mask_instance(obj)

    def iterator(self, chunk_size=None):
        for obj in super().iterator(chunk_size=chunk_size):
            yield mask_instance(obj)


_masked_classes: dict[type, type] = {}


def masked(queryset):
    """A copy of ``queryset`` whose model instances come out masked (values() rows untouched)."""
    base = type(queryset)
    if issubclass(base, MaskedQuerySetMixin) or not personal_fields_anywhere(queryset.model):
        return queryset
    cls = _masked_classes.get(base)
    if cls is None:
        cls = _masked_classes[base] = type(f"Masked{base.__name__}", (MaskedQuerySetMixin, base), {})
    clone = queryset._chain()
    clone.__class__ = cls
    return clone


def personal_fields_anywhere(model) -> bool:
    """Whether ``model`` or a model it points to has personal fields (worth masking its rows)."""
    if personal_fields(model):
        return True
    return any(f.is_relation and f.related_model is not None and personal_fields(f.related_model)
               for f in model._meta.get_fields() if getattr(f, "related_model", None) is not None)


def refuse_masked_save(sender, instance, raw=False, **kwargs):
    """pre_save guard: a masked instance carries 138****1234 and must never be written."""
    if getattr(instance, "_zl_masked", False) and not raw:
        raise RuntimeError(f"Refusing to save a masked {sender.__name__}: load it again unmasked.")


def unmask_field(*, user, obj, field: str) -> str:
    """Return the stored value of ``obj.field`` for ``user`` and record that it was revealed."""
    from django.core.exceptions import PermissionDenied

    from . import audit
    from .models import AuditAction

    if not may_reveal(user, obj, field):
        raise PermissionDenied
    value = type(obj)._base_manager.filter(pk=obj.pk).values_list(field, flat=True).first() or ""
    audit.write(action=AuditAction.UNMASK, instance=obj, user=user,
                message=str(obj._meta.get_field(field).verbose_name))
    return value
