"""Automatic change records for registered models, plus explicit security events.

Register a model once (``audit.register(Organization)``) and every create, update and
delete through the ORM writes an :class:`AuditEvent` with the actor, the request id and
the before/after values of the fields that changed. Services that move an object through
a state wrap the save in :func:`transition` so the record says what happened and why.

Records keep values as data (choice codes, JSON as JSON, related objects by name) and are
put into words when shown (:func:`present_changes`), in the reader's language; an app
whose JSON needs its own words registers a formatter (``register(..., formatters=…)``).
"""

import contextlib
import contextvars
import datetime
import decimal
import functools
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.db.models.fields.files import FieldFile
from django.utils import formats, timezone, translation
from django.utils.dateformat import format as format_date
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.functional import LazyObject, empty
from django.utils.text import capfirst
from django.utils.translation import gettext, pgettext

from . import context, i18n
from .models import AuditAction, AuditEvent

logger = logging.getLogger(__name__)

ALWAYS_EXCLUDED = {"search_text", "search_doubled", "name_sort", "version", "updated_at", "created_at", "password", "last_login"}


def is_internal(name: str) -> bool:
    """A derived or bookkeeping column nobody edits: sort keys, search text, the row version."""
    return name in ALWAYS_EXCLUDED or name.endswith("_sort") or name.startswith("search_")


# formatter(value, *, object_id, changes) -> str: ``value`` as recorded (personal numbers
# masked), ``object_id`` the recorded object's id ("" when unknown), ``changes`` the record's
# other values ({field: {"before": …, "after": …}}); for a many-to-many field, each name.
Formatter = Callable[..., str]


@dataclass
class _Registration:
    exclude: set = field(default_factory=set)
    parent: str | None = None
    formatters: dict[str, Formatter] = field(default_factory=dict)


_registry: dict[type, _Registration] = {}
_suspended: contextvars.ContextVar[bool] = contextvars.ContextVar("zhilian_audit_suspended", default=False)
_pending: contextvars.ContextVar[dict | None] = contextvars.ContextVar("zhilian_audit_pending", default=None)


def register(model, *, exclude=(), parent: str | None = None, formatters: dict[str, Formatter] | None = None):
    """Record changes of ``model``; ``parent`` names a FK whose history also shows them.

    ``formatters`` puts a field's recorded values into words for history pages, the audit
    record page and exports, e.g. ``{"scores": fn}`` for a JSON field of scores by dimension
    code (see ``Formatter``); fields without one are shown by :func:`present_value`.
    """
    _registry[model] = _Registration(exclude=set(exclude) | ALWAYS_EXCLUDED, parent=parent,
                                     formatters=dict(formatters or {}))
    uid = f"zhilian-audit-{model._meta.label}"
    pre_save.connect(_pre_save, sender=model, dispatch_uid=uid + "-pre")
    post_save.connect(_post_save, sender=model, dispatch_uid=uid + "-post")
    post_delete.connect(_post_delete, sender=model, dispatch_uid=uid + "-del")
    for m2m in model._meta.local_many_to_many:
        if m2m.name not in _registry[model].exclude:
            m2m_changed.connect(_m2m_changed, sender=m2m.remote_field.through, dispatch_uid=f"{uid}-{m2m.name}")
    return model


def is_registered(model) -> bool:
    return model in _registry


@contextlib.contextmanager
def suspended():
    """Write no records inside the block: ``restore`` loads the log itself, with its history."""
    token = _suspended.set(True)
    try:
        yield
    finally:
        _suspended.reset(token)


@contextlib.contextmanager
def transition(obj, message: str = "", action: str = AuditAction.TRANSITION):
    """Mark the saves of ``obj`` inside the block as a state transition with ``message``.

    A message made with ``core.i18n.gettext`` (as the services' ``_``) is kept as its
    message ids and parameters and shown in the reader's language; plain text as written.
    """
    token = _pending.set({"key": (type(obj), obj.pk), "message": message, "action": action})
    try:
        yield
    finally:
        _pending.reset(token)


def _jsonable(value):
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, FieldFile):
        return value.name or None
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def _field_value(f, value):
    """A decimal at its field's places, as the database keeps it: 60 and 60.00 are one amount,
    not a change (the value before a save is read back from the database, the value after is
    whatever the code assigned)."""
    if isinstance(f, models.DecimalField) and isinstance(value, decimal.Decimal) and value.is_finite():
        try:
            return value.quantize(decimal.Decimal(1).scaleb(-f.decimal_places))
        except decimal.InvalidOperation:
            return value
    return value


def snapshot(instance) -> dict:
    reg = _registry.get(type(instance))
    exclude = reg.exclude if reg else ALWAYS_EXCLUDED
    values = {}
    for f in instance._meta.concrete_fields:
        if f.name in exclude or f.primary_key or is_internal(f.name):
            continue
        values[f.name] = _jsonable(_field_value(f, getattr(instance, f.attname)))
    return values


def _display(instance, name, value):
    """The value a record keeps: related objects by name; everything else as stored, so
    choices keep their codes (a state change is field, from-code, to-code) and are
    labelled when shown, in the reader's language (``present_changes``)."""
    try:
        f = instance._meta.get_field(name)
    except Exception:  # noqa: BLE001 - unknown or removed field: show as stored
        return value
    if value is None:
        return None
    if f.is_relation and (f.many_to_one or f.one_to_one) and f.concrete:
        related = f.related_model._base_manager.filter(pk=value).first()
        return str(related) if related is not None else value
    return value


def _value_change(instance, name, before, after) -> dict:
    """A field's change as records keep it: ``before`` / ``after`` (:func:`_display`), and for
    a foreign key named by its row's name also the row's id (``before_id`` / ``after_id``), so
    that a history page names only the rows its reader may see (:class:`Reader`, PLT-02)."""
    change = {"before": _display(instance, name, before), "after": _display(instance, name, after)}
    f = _field(type(instance), name)
    if f is not None and f.is_relation and (f.many_to_one or f.one_to_one) and f.concrete:
        for side, value in (("before", before), ("after", after)):
            if value is not None and change[side] != value:
                change[f"{side}_id"] = value
    return change


def _parent(instance):
    reg = _registry.get(type(instance))
    if not reg or not reg.parent:
        return None, ""
    parent = getattr(instance, reg.parent, None)
    if parent is None:
        return None, ""
    return ContentType.objects.get_for_model(type(parent)), str(parent.pk)


def write(*, action, instance=None, changes=None, message="", content_type=None, object_id="",
          object_repr="", user=None):
    """Append one record; the actor and request come from the current context."""
    if _suspended.get():
        return None
    ctx = context.current()
    actor = user if user is not None else ctx.actor
    actor_ok = actor is not None and getattr(actor, "is_authenticated", False)
    parent_ct, parent_id = (None, "")
    while isinstance(instance, LazyObject):  # request.user (django-otp wraps it once more)
        if instance._wrapped is empty:
            instance._setup()
        instance = instance._wrapped
    if instance is not None:
        content_type = ContentType.objects.get_for_model(type(instance))
        object_id = str(instance.pk)
        object_repr = str(instance)[:255]
        parent_ct, parent_id = _parent(instance)
    return AuditEvent.objects.create(
        actor_id=actor.pk if actor_ok else None,
        actor_name=(actor.get_username() if actor_ok else "")[:150],
        action=action,
        content_type=content_type,
        object_id=object_id,
        object_repr=object_repr[:255],
        parent_content_type=parent_ct,
        parent_object_id=parent_id,
        changes=changes or {},
        message=i18n.stored(message),
        request_id=ctx.request_id,
        ip_address=ctx.ip_address,
        path=ctx.path,
    )


def _pre_save(sender, instance, raw=False, **kwargs):
    if raw or instance.pk is None or instance._state.adding:
        instance._audit_before = None
        return
    old = sender._base_manager.filter(pk=instance.pk).first()
    instance._audit_before = snapshot(old) if old is not None else None


def _post_save(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    after = snapshot(instance)
    before = None if created else getattr(instance, "_audit_before", None)
    if created or before is None:
        changes = {k: _value_change(instance, k, None, v) for k, v in after.items() if v not in (None, "", [], {})}
        action = AuditAction.CREATE
    else:
        changes = {k: _value_change(instance, k, before.get(k), v) for k, v in after.items() if before.get(k) != v}
        action = AuditAction.UPDATE
    message = ""
    pending = _pending.get()
    if pending and pending["key"] == (sender, instance.pk):
        action = pending["action"] if not created else action
        message = pending["message"]
    if action == AuditAction.UPDATE and not changes:
        return
    write(action=action, instance=instance, changes=changes, message=message)


def _post_delete(sender, instance, **kwargs):
    write(action=AuditAction.DELETE, instance=instance,
          changes={k: _value_change(instance, k, v, None)
                   for k, v in snapshot(instance).items() if v not in (None, "", [], {})})


def _m2m_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    if reverse or action not in ("pre_remove", "post_add", "post_remove", "pre_clear") \
            or type(instance) not in _registry:
        return
    field = next((f for f in type(instance)._meta.local_many_to_many if f.remote_field.through is sender), None)
    if field is None:
        return
    field_name = field.name
    if action == "pre_remove":
        # ``remove()`` reports every id it was given, related or not: keep those that are.
        removing = instance.__dict__.setdefault("_audit_removing", {})
        removing[field_name] = set(getattr(instance, field_name).filter(pk__in=pk_set or [])
                                   .values_list("pk", flat=True))
        return
    if action == "pre_clear":
        items = list(getattr(instance, field_name).all())
    else:
        if action == "post_remove":
            pk_set = instance.__dict__.get("_audit_removing", {}).pop(field_name, pk_set)
        items = list(model._base_manager.filter(pk__in=pk_set or []))
    if not items:
        return
    side = "added" if action == "post_add" else "removed"
    write(action=AuditAction.UPDATE, instance=instance, changes={field_name: items_change(side, items)})
    if _is_symmetrical(field):
        # A symmetrical relation (a problem's related problems) is one relation seen from both
        # ends, and Django signals it once, from the end it was changed on: the other ends'
        # histories record it too, by the same actor at the same moment (PRB-05, PLT-03).
        for other in items:
            if other.pk != instance.pk:
                write(action=AuditAction.UPDATE, instance=other, changes={field_name: items_change(side, [instance])})


def _is_symmetrical(field) -> bool:
    """Whether a many-to-many field relates its model to itself both ways (no ``related_name``
    of its own: Django stores both rows and signals one side)."""
    return bool(getattr(field.remote_field, "symmetrical", False)) and field.related_model is field.model


def items_change(side: str, items) -> dict:
    """A many-to-many change as records keep it: the items by name (``side``: "added" or
    "removed") and by id (``<side>_ids``, in the same order), so that a history page names
    only the items its reader may see (:class:`Reader`, PLT-02)."""
    items = list(items)
    return {side: [str(o) for o in items], f"{side}_ids": [o.pk for o in items]}


# --------------------------------------------------------------------------- showing records


def _field(model, name):
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


@functools.lru_cache(maxsize=None)
def _choice_codes(model, name) -> dict:
    """Code of each choice by its code and by its label in every language: records written
    before codes were kept hold the label of the language of the moment."""
    f = model._meta.get_field(name)
    codes = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for code, label in f.flatchoices:
                codes.setdefault(str(label), code)
    codes.update({str(code): code for code, _label in f.flatchoices})
    return codes


def joined(parts) -> str:
    """The items of one recorded value in a line, in the reader's language: "对产业链安全与竞争力的
    影响 4；问题影响的扩散性 4" (formatters use it, so every structured value reads alike)."""
    return pgettext("separator of the items of a recorded value", "; ").join(str(p) for p in parts)


def _is_scalar(value) -> bool:
    return not isinstance(value, (dict, list, tuple))


def value_text(value, *, nested: bool = False) -> str:
    """A recorded value of no known shape (JSON without a formatter) as text, never Python's
    repr: a dict as ``key: value`` items, a list of names joined by 、, yes / no, — for empty;
    a dict or list inside another in brackets."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, (list, tuple)) and all(_is_scalar(v) for v in value):
        return "、".join(value_text(v, nested=True) for v in value) or "—"
    if isinstance(value, (list, tuple)):
        items = [value_text(v, nested=True) for v in value]
        return "、".join(items) if nested else joined(items)
    if not isinstance(value, dict):
        return str(value)
    if not value:
        return "—"
    items = [f"{key}: {value_text(item, nested=True)}" for key, item in value.items()]
    if not nested:
        return joined(items)
    return pgettext("a recorded value inside another", "(%(items)s)") % {
        "items": pgettext("separator of the items of a recorded value inside another", ", ").join(items)}


def _formatter(model, name) -> Formatter | None:
    reg = _registry.get(model) if model is not None else None
    return reg.formatters.get(name) if reg is not None else None


def _formatted(formatter, model, name, value, object_id, changes):
    """``formatter``'s words for ``value``; None if it cannot read it (an old record's shape):
    the value is then shown as any other."""
    try:
        return formatter(value, object_id=str(object_id or ""), changes=changes or {})
    except Exception:  # noqa: BLE001 - a history page must show every record, formatter or not
        logger.warning("audit formatter of %s.%s failed on %r", getattr(model, "__name__", model), name, value,
                       exc_info=True)
        return None


def present_value(model, name, value, *, object_id=None, changes=None):
    """A recorded value as the reader sees it: the field's registered formatter's words, else
    choices by their label in the reader's language, yes / no, related objects by name,
    decimals at the field's places, times in local time like every other page, and JSON as
    ``key: value`` items (:func:`value_text`). Empty values stay None / "" (empty JSON: None).

    ``object_id`` and ``changes`` (the record's id and other values) are passed to formatters."""
    if value is None or value == "":
        return value
    formatter = _formatter(model, name)
    if formatter is not None:
        text = _formatted(formatter, model, name, value, object_id, changes)
        if text is not None:
            return text
    if isinstance(value, (list, tuple, dict)) and not value:
        return None
    if isinstance(value, (list, tuple)) and all(_is_scalar(v) for v in value):
        return "、".join(str(_present(model, name, v)) for v in value)
    if isinstance(value, (list, tuple, dict)):
        return value_text(value)
    return _present(model, name, value)


def _present(model, name, value):
    """One recorded scalar as the reader sees it (``present_value`` without formatters)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    f = _field(model, name)
    if f is None:
        return value
    if f.choices and isinstance(value, (str, int)):
        code = _choice_codes(model, name).get(str(value))
        labels = dict(f.flatchoices)
        return str(labels[code]) if code in labels else value
    if f.is_relation and (f.many_to_one or f.one_to_one) and isinstance(value, int):
        # Records keep related objects by name; a bare id is from before one-to-one fields were
        # named, or a deletion record: named now if the object still exists.
        related = f.related_model._base_manager.filter(pk=value).first()
        return str(related) if related is not None else value
    if isinstance(f, models.DecimalField) and isinstance(value, (str, int, float)):
        try:
            number = decimal.Decimal(str(value))
        except decimal.InvalidOperation:
            return value
        if number.is_finite():
            return formats.number_format(number, decimal_pos=f.decimal_places)
        return value
    if isinstance(f, models.DateTimeField) and isinstance(value, str):
        moment = parse_datetime(value)
        if moment is not None:
            if timezone.is_aware(moment):
                moment = timezone.localtime(moment)
            return format_date(moment, "Y-m-d H:i")
    elif isinstance(f, models.DateField) and isinstance(value, str):
        day = parse_date(value[:10])
        return format_date(day, "Y-m-d") if day is not None else value
    return value


def _item_text(model, name, value, object_id, changes) -> str:
    """One name added to or removed from a many-to-many field."""
    formatter = _formatter(model, name)
    if formatter is not None:
        text = _formatted(formatter, model, name, value, object_id, changes)
        if text is not None:
            return text
    return value_text(value)


def present_changes(model, changes: dict, *, object_id=None, reader: "Reader | None" = None) -> list[dict]:
    """The rows of a record's changes for people, labelled by ``model``'s own fields (the model
    the record is about, which may be a child of the page's object); derived columns left out.

    Each row: ``name``, ``label``, and ``before`` / ``after``, or ``added`` / ``removed`` for
    many-to-many fields; values are text (:func:`present_value`), never a dict or list. Pass
    ``AuditEvent.changes_shown`` (personal numbers masked) and the record's ``object_id``,
    which formatters may need (the assessment whose model names the score dimensions).

    With a ``reader`` (a history page's), a many-to-many row names only the items of a
    confidential model the reader may see; the others are one placeholder (PLT-02). A foreign
    key's value is named likewise (:meth:`Reader.value_hidden`)."""
    rows = []
    changes = changes or {}
    for name, change in changes.items():
        if is_internal(name) or not isinstance(change, dict):
            continue
        f = _field(model, name)
        label = capfirst(str(f.verbose_name)) if f is not None and hasattr(f, "verbose_name") else name
        if "added" in change or "removed" in change:
            row = {"name": name, "label": label, "many": True}
            related = reader.restricted_model(model, name) if reader is not None else None
            for side in ("added", "removed"):
                names, hidden = list(change.get(side) or []), []
                if related is not None and names:
                    names, hidden = reader.split(related, names, change.get(f"{side}_ids"))
                row[side] = [_item_text(model, name, v, object_id, changes) for v in names]
                if hidden:  # neither named nor counted (as ``permissions.visible_objects``)
                    row[side].append(reader.placeholder(related))
            rows.append(row)
        else:
            row = {"name": name, "label": label, "many": False}
            for side in ("before", "after"):
                value = change.get(side)
                hidden = reader.value_hidden(model, object_id, name, value, change.get(f"{side}_id")) \
                    if reader is not None else None
                row[side] = hidden if hidden is not None else present_value(
                    model, name, value, object_id=object_id, changes=changes)
            rows.append(row)
    return rows


def present_event_changes(event, *, reader: "Reader | None" = None) -> list[dict]:
    """``present_changes`` of one :class:`AuditEvent`, by the model it records."""
    model = event.content_type.model_class() if event.content_type_id else None
    return present_changes(model, event.changes_shown, object_id=event.object_id, reader=reader)


# model -> lookup(names) -> {name: pk}: finds the rows a record written before many-to-many
# records kept ids names (``Reader``); e.g. problems by the code their name starts with.
_name_lookups: dict[type, Callable] = {}


def register_names(model, lookup: Callable) -> None:
    """Let :class:`Reader` find ``model``'s rows named by records that kept no ids:
    ``lookup(names) -> {name: pk}`` (names it cannot find left out)."""
    _name_lookups[model] = lookup


# message id -> (parameter, model label, message id shown instead): kept messages that name a
# row of another model in a parameter (``register_mention``).
_mentions: dict[str, tuple[str, str, str]] = {}


def register_mention(message: str, *, param: str, model: str, hidden: str) -> None:
    """A kept message (``core.i18n``) whose parameter ``param`` names a row of ``model``
    ("app.Model"), e.g. a problem's "Breakthrough project %(p)s started" naming the project:
    :class:`Reader` shows a reader who may not see that row the message ``hidden`` instead,
    with the other parameters (PLT-02). The row is the parameter ``<param>_id`` when the
    record keeps it, else the row ``register_names`` finds by the name; a row that no longer
    exists (or is not found) is named only to who sees every row of the model."""
    _mentions[message] = (param, model, hidden)


class Reader:
    """What one reader of a history page may learn from the items a record names (PLT-02).

    A many-to-many record names the rows added or removed (a problem's related problems, the
    enterprises it concerns). A history page names such a row of a confidential model (one
    with ``restrict``) only to a reader who may see it, as it shows a child's records only to
    those who may see the child (:func:`history_events`); the others are one placeholder,
    "quality problems you may not see", neither named nor counted, and the record's message
    does not name them either.

    A foreign key's recorded value (a problem's reporting unit before it was changed) is named
    by the same rule, except the row the object holds now, which its page shows to whoever
    may see the object: records keep its id beside its name (``before_id`` / ``after_id``).

    A row that no longer exists is named only to readers who may see every row of its model:
    who could see it while it existed cannot be told any more (a problem's reporter may
    change it and still not see a confidential problem related to it). Records written
    before ids were kept are read through :func:`register_names`; a name it cannot find is,
    likewise, named only to readers who see every row.
    """

    def __init__(self, user, events=()):
        self.user = user
        self._may_see: dict[type, dict] = {}  # model -> {pk: bool}
        self._by_name: dict[type, dict] = {}  # model -> {name: pk | None} of records without ids
        self._whole: dict[type, bool] = {}
        self._current_rows: dict[type, dict] = {}  # model -> {object id: {attname: value}}
        self._names: dict[tuple, str] = {}  # (model, pk) -> its name now
        wanted: dict[type, list] = {}
        objects: dict[type, set] = {}
        for event in events:
            for related, names, ids in self._sides(event):
                wanted.setdefault(related, []).extend(k for k in self._keys(related, names, ids) if k is not None)
            for model, _name, related, value, recorded_id in self._values(event):
                objects.setdefault(model, set()).add(event.object_id)
                key = self._value_key(related, value, recorded_id)
                if key is not None:
                    wanted.setdefault(related, []).append(key)
        for related, keys in wanted.items():
            self._load(related, keys)
        for model, object_ids in objects.items():
            self._load_current(model, object_ids)

    def restricted_model(self, model, name):
        """The model of ``model``'s many-to-many field ``name`` if it is confidential, else None."""
        f = _field(model, name)
        related = f.related_model if f is not None and f.many_to_many else None
        return related if related is not None and hasattr(getattr(related, "objects", None), "restrict") else None

    def restricted_single(self, model, name):
        """The model of ``model``'s foreign key (or one-to-one field) ``name`` if it is
        confidential, else None."""
        f = _field(model, name)
        single = f is not None and f.is_relation and (f.many_to_one or f.one_to_one) and f.concrete
        related = f.related_model if single else None
        return related if related is not None and hasattr(getattr(related, "objects", None), "restrict") else None

    def placeholder(self, related) -> str:
        return gettext("%(things)s you may not see") % {"things": related._meta.verbose_name_plural}

    def placeholder_one(self, related) -> str:
        return gettext("%(thing)s you may not see") % {"thing": related._meta.verbose_name}

    def value_hidden(self, model, object_id, name, value, recorded_id) -> str | None:
        """The placeholder to show instead of ``value``, one recorded value of ``model``'s field
        ``name`` in the record of object ``object_id``, if it names a row of a confidential
        model the reader may not see; None to show it. The row the object holds now is shown:
        the object's page shows it to whoever may see the object."""
        related = self.restricted_single(model, name)
        if related is None or value is None or value == "" or isinstance(value, bool):
            return None
        current = self._current(model, object_id, name)
        key = self._value_key(related, value, recorded_id)
        if key is not None:
            if current is not None and str(key) == str(current):
                return None
            self._load(related, [key])
            seen = self._may_see[related].get(key, False)
        elif current is not None and str(value) == self._name_now(related, current):
            return None
        else:
            seen = self._sees_whole(related)
        return None if seen else self.placeholder_one(related)

    def split(self, related, names, ids) -> tuple[list, list]:
        """``names`` (with their recorded ``ids``) as (those the reader may see, the others)."""
        keys = self._keys(related, names, ids)
        self._load(related, [k for k in keys if k is not None])
        shown, hidden = [], []
        for name, key in zip(names, keys, strict=True):
            seen = self._may_see[related].get(key, False) if key is not None else self._sees_whole(related)
            (shown if seen else hidden).append(name)
        return shown, hidden

    def message(self, event) -> str:
        """The record's message in the reader's language, with no name the reader may not see."""
        text = event.message_shown
        if not text:
            return text
        if _mentions and (parts := i18n.kept_parts(event.message)) is not None:
            unmentioned = [self._unmentioned(part) for part in parts]
            if unmentioned != parts:
                from .masking import scrub_text

                text = scrub_text(i18n.render(unmentioned))
        for related, names, ids in self._sides(event, shown=True):
            for name in self.split(related, names, ids)[1]:
                if name:
                    text = text.replace(str(name), self.placeholder(related))
        for model, name, _related, value, recorded_id in self._values(event, shown=True):
            if isinstance(value, str) and value and (
                    hidden := self.value_hidden(model, event.object_id, name, value, recorded_id)):
                text = text.replace(value, hidden)
        return text

    def _unmentioned(self, part):
        """One kept part of a message, as ``register_mention``'s hidden message if it names a
        row the reader may not see."""
        if isinstance(part, str) or not isinstance(part, list) or len(part) != 2:
            return part
        msgid, params = part
        mention = _mentions.get(msgid)
        if mention is None or not isinstance(params, dict):
            return part
        param, label, hidden = mention
        from django.apps import apps

        related = apps.get_model(label)
        key = self._value_key(related, params.get(param), params.get(f"{param}_id"))
        if key is None:
            seen = self._sees_whole(related)
        else:
            self._load(related, [key])
            seen = self._may_see[related].get(key, False)
        if seen:
            return part
        return [hidden, {k: v for k, v in params.items() if k not in (param, f"{param}_id")}]

    def _sides(self, event, shown=False):
        model = event.content_type.model_class() if event.content_type_id else None
        for name, change in ((event.changes_shown if shown else event.changes) or {}).items():
            related = self.restricted_model(model, name) if isinstance(change, dict) else None
            if related is None:
                continue
            for side in ("added", "removed"):
                if names := change.get(side):
                    yield related, list(names), change.get(f"{side}_ids")

    def _values(self, event, shown=False):
        """(model, field, related model, value, recorded id) of each recorded value of a
        confidential foreign key in ``event``."""
        model = event.content_type.model_class() if event.content_type_id else None
        for name, change in ((event.changes_shown if shown else event.changes) or {}).items():
            related = self.restricted_single(model, name) if isinstance(change, dict) else None
            if related is None:
                continue
            for side in ("before", "after"):
                value = change.get(side)
                if value is not None and value != "" and not isinstance(value, bool):
                    yield model, name, related, value, change.get(f"{side}_id")

    def _value_key(self, related, value, recorded_id):
        """The id of the row a recorded value names: kept beside it, the value itself (a bare
        id), or found by its name (``register_names``); None if unknown."""
        if isinstance(recorded_id, (int, str)) and not isinstance(recorded_id, bool):
            return recorded_id
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        return self._keys(related, [value], None)[0] if isinstance(value, str) else None

    def _load_current(self, model, object_ids) -> None:
        rows = self._current_rows.setdefault(model, {})
        wanted = set()
        for object_id in object_ids:
            if str(object_id) in rows:
                continue
            rows[str(object_id)] = None  # gone (or not an id)
            try:
                wanted.add(model._meta.pk.to_python(object_id))
            except Exception:  # noqa: BLE001 - a malformed id names no row
                continue
        if not wanted:
            return
        fields = [f.attname for f in model._meta.concrete_fields
                  if f.is_relation and (f.many_to_one or f.one_to_one)]
        for row in model._base_manager.filter(pk__in=wanted).values("pk", *fields):
            rows[str(row["pk"])] = row

    def _current(self, model, object_id, name):
        """The id of the row ``model``'s object ``object_id`` holds in field ``name`` now."""
        if model is None or object_id in (None, ""):
            return None
        self._load_current(model, [object_id])
        row = self._current_rows[model].get(str(object_id))
        f = _field(model, name)
        return row.get(f.attname) if row is not None and f is not None else None

    def _name_now(self, related, pk) -> str:
        if (related, pk) not in self._names:
            obj = related._base_manager.filter(pk=pk).first()
            self._names[(related, pk)] = str(obj) if obj is not None else ""
        return self._names[(related, pk)]

    def _keys(self, related, names, ids) -> list:
        if isinstance(ids, list) and len(ids) == len(names):
            return [i if isinstance(i, (int, str)) else None for i in ids]
        known = self._by_name.setdefault(related, {})
        missing = [n for n in names if isinstance(n, str) and n not in known]
        if missing:
            lookup = _name_lookups.get(related)
            found = lookup(missing) if lookup is not None else {}
            known.update({n: found.get(n) for n in missing})
        return [known.get(n) if isinstance(n, str) else None for n in names]

    def _load(self, related, keys) -> None:
        seen = self._may_see.setdefault(related, {})
        wanted = {k for k in keys if k not in seen}
        if not wanted:
            return
        visible = set(related.objects.restrict(self.user, "view").filter(pk__in=wanted).values_list("pk", flat=True))
        existing = set(related._base_manager.filter(pk__in=wanted).values_list("pk", flat=True))
        for key in wanted:
            pk = related._meta.pk.to_python(key)
            seen[key] = pk in visible or (pk not in existing and self._sees_whole(related))

    def _sees_whole(self, related) -> bool:
        if related not in self._whole:
            from .permissions import sees_every

            self._whole[related] = sees_every(self.user, related)
        return self._whole[related]


def history_events(obj, user):
    """The recorded changes of ``obj`` and of those of its children ``user`` may see (PLT-02).

    A child may be confidential where its parent is not: an institution assigned to a need
    sees the need, not the other providers' assignments. A child that no longer exists is
    shown to those who may change the parent.
    """
    from .models import AuditEvent
    from .permissions import allowed

    events = AuditEvent.objects.for_object(obj)
    # A model may keep some actors' records from a user (``history_hidden_actors``): a need
    # hides what the other providers assigned to it did from an assigned institution.
    hidden_actors = getattr(obj, "history_hidden_actors", None)
    if hidden_actors is not None and (ids := hidden_actors(user)):
        events = events.exclude(actor_id__in=ids)
    ct = ContentType.objects.get_for_model(type(obj))
    children = (AuditEvent.objects.filter(parent_content_type=ct, parent_object_id=str(obj.pk))
                .exclude(content_type=ct, object_id=str(obj.pk)).values_list("content_type_id", "object_id").distinct())
    ids_by_type: dict[int, set[str]] = {}
    for type_id, object_id in children:
        ids_by_type.setdefault(type_id, set()).add(object_id)
    hidden = models.Q(pk__in=[])
    may_change_parent = None
    for type_id, object_ids in ids_by_type.items():
        model = ContentType.objects.get_for_id(type_id).model_class()
        manager = getattr(model, "objects", None) if model is not None else None
        if manager is None or not hasattr(manager, "restrict"):
            continue  # a child with no confidentiality of its own: as visible as its parent
        numeric = [int(i) for i in object_ids if i.isdigit()]
        existing = {str(pk) for pk in model._base_manager.filter(pk__in=numeric).values_list("pk", flat=True)}
        visible = {str(pk) for pk in manager.restrict(user, "view").filter(pk__in=numeric).values_list("pk", flat=True)}
        gone = object_ids - existing
        if gone:
            if may_change_parent is None:
                may_change_parent = allowed(user, "change", obj)
            if may_change_parent:
                visible |= gone
        if object_ids - visible:
            hidden |= models.Q(content_type_id=type_id, object_id__in=sorted(object_ids - visible))
    return events.exclude(hidden)
