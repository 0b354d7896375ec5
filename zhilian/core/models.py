"""Shared data: base model fields, the audit log, attachments, the calendar, notifications."""

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone
from django.utils.choices import CallableChoiceIterator
from django.utils.encoding import force_str
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from . import clock, i18n
from .exceptions import StaleObjectError
from .permissions import EVERYTHING, NOTHING, RestrictedManager, RestrictedQuerySet
from .text import doubled, normalize, pinyin_key


class RecordedTimeField(models.DateTimeField):
    """A created / updated time stamp that follows ``core.clock``.

    Inside ``clock.recorded_at(moment)`` (work recorded afterwards, the demo's history) a
    row made without an explicit time is created, and any row saved is updated, at that
    moment, as its audit record is; elsewhere it behaves as ``default=timezone.now`` /
    ``auto_now=True``. Only the value written differs, not the column, so migrations see a
    plain DateTimeField.
    """

    def get_default(self):
        moment = clock.recorded_moment()
        if moment is not None and self.has_default():
            return moment
        return super().get_default()

    def pre_save(self, model_instance, add):
        moment = clock.recorded_moment()
        if moment is not None and self.auto_now:
            setattr(model_instance, self.attname, moment)
            return moment
        return super().pre_save(model_instance, add)

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.DateTimeField", args, kwargs


class BaseModel(models.Model):
    """Timestamps and an edit version for optimistic locking (SEC-10)."""

    created_at = RecordedTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = RecordedTimeField(_("updated at"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    objects = RestrictedManager()

    class Meta:
        abstract = True

    def _get_FIELD_display(self, field):
        # Django rebuilds the whole label dict of a field on every get_FOO_display() call;
        # list pages call it for every choice cell, so the dict is kept on the field, and each
        # label's text in each language (translating a lazy label looked up the active
        # language and its catalogue every time: a tenth of a 25-row problem table).
        labels = field.__dict__.get("_zl_choice_labels")
        if labels is None:
            if isinstance(field.choices, CallableChoiceIterator):
                return super()._get_FIELD_display(field)
            labels = field.__dict__["_zl_choice_labels"] = dict(field.flatchoices)
        value = getattr(self, field.attname)
        texts = i18n.kept_texts(field, get_language())
        try:
            return texts[value]
        except KeyError:
            pass
        except TypeError:  # an unhashable value: Django's own path handles it
            return super()._get_FIELD_display(field)
        if value not in labels:
            return force_str(value, strings_only=True)
        text = texts[value] = force_str(labels[value], strings_only=True)
        return text

    def save(self, *args, expected_version=None, **kwargs):
        """Save, refusing a stale edit when ``expected_version`` is given.

        The version check is a conditional UPDATE inside the transaction, so of two edits
        made from the same version exactly one wins, whatever the timing.
        """
        if self.pk is None or self._state.adding:
            return super().save(*args, **kwargs)
        if expected_version is None:
            # Set by edit views and the API, which save through ModelForm / serializer.
            expected_version = self.__dict__.pop("_expected_version", None)
        with transaction.atomic():
            if expected_version is not None:
                bumped = type(self)._base_manager.filter(pk=self.pk, version=expected_version).update(
                    version=expected_version + 1
                )
                if not bumped:
                    raise StaleObjectError(self)
                self.version = expected_version + 1
            else:
                self.version = (self.version or 0) + 1
            update_fields = kwargs.get("update_fields")
            if update_fields is not None and "version" not in update_fields:
                kwargs["update_fields"] = list(update_fields) + ["version"]
            return super().save(*args, **kwargs)


class SearchableMixin(models.Model):
    """Keep a normalised text of ``SEARCH_FIELDS`` for Chinese substring search (PLT-08).

    ``search_text`` is what ``core.search`` matches; on PostgreSQL a trigram GIN index over it
    and its doubled text (``core.db.CombineSearchIndexes``) serves ``LIKE '%单晶棒%'`` without a
    sequential scan.
    """

    SEARCH_FIELDS: tuple[str, ...] = ("name",)
    DERIVED_FIELDS = ("search_text", "search_doubled")

    search_text = models.TextField(editable=False, blank=True, default="")
    # search_text with every character written twice, for two-character terms (core.search).
    search_doubled = models.TextField(editable=False, blank=True, default="")

    class Meta:
        abstract = True

    def compute_search_text(self) -> str:
        parts = []
        for name in self.SEARCH_FIELDS:
            value = self
            for attr in name.split("__"):
                value = getattr(value, attr, None) if value is not None else None
            if value:
                parts.append(str(value))
        return normalize(" | ".join(parts))

    def save(self, *args, **kwargs):
        self.search_text = self.compute_search_text()
        self.search_doubled = doubled(self.search_text)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            missing = [f for f in self.DERIVED_FIELDS if f not in update_fields]
            kwargs["update_fields"] = list(update_fields) + missing
        super().save(*args, **kwargs)


class PinyinSortMixin(models.Model):
    """Keep ``name_sort`` so lists sort Chinese names by pinyin on SQLite and PostgreSQL."""

    name_sort = models.CharField(max_length=500, editable=False, blank=True, default="", db_index=True)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.name_sort = pinyin_key(getattr(self, "name", "") or "")
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name_sort" not in update_fields:
            kwargs["update_fields"] = list(update_fields) + ["name_sort"]
        super().save(*args, **kwargs)


# --------------------------------------------------------------------------- audit


class AuditAction(models.TextChoices):
    CREATE = "create", _("Created")
    UPDATE = "update", _("Updated")
    DELETE = "delete", _("Deleted")
    TRANSITION = "transition", _("State change")
    LOGIN = "login", _("Signed in")
    LOGOUT = "logout", _("Signed out")
    LOGIN_FAILED = "login_failed", _("Sign-in failed")
    LOCKED = "locked", _("Account locked")
    PERMISSION_DENIED = "denied", _("Permission denied")
    UNMASK = "unmask", _("Personal data unmasked")
    EXPORT = "export", _("Exported")
    IMPORT = "import", _("Imported")
    DOWNLOAD = "download", _("File downloaded")
    SECURITY = "security", _("Security event")


# What happened to an object: the records its history and timelines show to everyone who
# sees the object (PLT-03). Access events (denials, downloads, unmasking, exports, sign-ins)
# name who tried to read what: they stay in the audit administrator's log only (SEC-06);
# otherwise anyone could write their name into another organization's history by asking
# for its URL.
CHANGE_ACTIONS = (AuditAction.CREATE, AuditAction.UPDATE, AuditAction.DELETE, AuditAction.TRANSITION,
                  AuditAction.IMPORT)


class AuditEventQuerySet(RestrictedQuerySet):
    def scope(self, user, action):
        # Audit records are only ever read by roles holding core.view_auditevent (audit
        # administrator); object-level history pages check the object itself instead.
        return EVERYTHING if action == "view" else NOTHING

    def changes(self):
        """Only the records of changes (``CHANGE_ACTIONS``), never access events."""
        return self.filter(action__in=CHANGE_ACTIONS)

    def for_object(self, obj):
        """The changes of ``obj`` and of its registered children, for its history page."""
        ct = ContentType.objects.get_for_model(obj.__class__)
        return self.changes().filter(
            models.Q(content_type=ct, object_id=str(obj.pk))
            | models.Q(parent_content_type=ct, parent_object_id=str(obj.pk))
        )


class AuditEvent(models.Model):
    """One append-only record of a change or a security event (PLT-03, SEC-06).

    Rows are written, never updated or deleted: database triggers refuse UPDATE and
    DELETE (see migration ``core.0002``). Relations are plain ids, not foreign keys, so
    that deleting a user or a content type never needs to touch the log.
    """

    timestamp = RecordedTimeField(_("time"), default=timezone.now, db_index=True)
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True, db_index=True)
    actor_name = models.CharField(_("actor"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=16, choices=AuditAction.choices, db_index=True)
    content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False,
        related_name="+", verbose_name=_("object type"),
    )
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=255, blank=True)
    parent_content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False,
        related_name="+",
    )
    parent_object_id = models.CharField(max_length=64, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    message = models.TextField(_("message"), blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    path = models.CharField(_("path"), max_length=255, blank=True)

    objects = RestrictedManager.from_queryset(AuditEventQuerySet)()

    class Meta:
        verbose_name = _("audit record")
        verbose_name_plural = _("audit log")
        ordering = ["-timestamp", "-id"]
        indexes = [
            models.Index(fields=["content_type", "object_id"]),
            models.Index(fields=["parent_content_type", "parent_object_id"]),
        ]
        permissions = [("export_auditevent", "Can export the audit log")]

    def __str__(self):
        return f"{self.timestamp:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.get_action_display()} {self.object_repr}"

    @property
    def changes_shown(self) -> dict:
        """``changes`` with personal numbers masked (SEC-07): what pages and exports show."""
        from .masking import mask_changes

        model = self.content_type.model_class() if self.content_type_id else None
        return mask_changes(model, self.changes)

    @property
    def message_shown(self) -> str:
        """The message in the reader's language when it was kept translatable (``core.i18n``)."""
        from .masking import scrub_text

        return scrub_text(i18n.shown(self.message))

    @property
    def object_shown(self) -> str:
        from .masking import scrub_text

        return scrub_text(self.object_repr)


# --------------------------------------------------------------------------- attachments


def attachment_path(instance, filename):
    # Server-generated names: the uploaded name is kept only as metadata (SEC-08).
    suffix = PurePosixPath(filename).suffix.lower()[:10]
    return f"attachments/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class AttachmentQuerySet(RestrictedQuerySet):
    def scope(self, user, action):
        """An attachment is as visible as the object it is attached to (or as the narrower
        ``owners`` scope its model registered, ``attachments.register``)."""
        from . import attachments

        condition = NOTHING
        owner_action = "view" if action in ("view", "download") else "change"
        for model in attachments.registered_models():
            ct = ContentType.objects.get_for_model(model)
            owners = attachments.owners_for(model, user, owner_action).values("pk")
            condition |= models.Q(content_type=ct, object_id__in=owners)
        return condition


class Attachment(BaseModel):
    """A file kept as evidence on any registered object (PLT-04)."""

    class Kind(models.TextChoices):
        DOCUMENT = "document", _("Document")
        IMAGE = "image", _("Image")
        VIDEO = "video", _("Video")
        SPREADSHEET = "spreadsheet", _("Spreadsheet")
        ARCHIVE = "archive", _("Archive")

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+",
                                     verbose_name=_("object type"))
    object_id = models.PositiveBigIntegerField(_("object id"), db_index=True)
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    category = models.CharField(_("category"), max_length=100, blank=True)
    description = models.CharField(_("description"), max_length=500, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    mime_type = models.CharField(_("content type"), max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("uploaded by"),
    )

    objects = RestrictedManager.from_queryset(AttachmentQuerySet)()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["content_type", "object_id"])]
        permissions = [("download_attachment", "Can download attachments")]

    def __str__(self):
        return self.original_name

    @property
    def owner(self):
        return self.content_type.get_object_for_this_type(pk=self.object_id)


# --------------------------------------------------------------------------- calendar


class CalendarYear(BaseModel):
    """A year whose holidays and adjusted working days an administrator has entered.

    chinesecalendar covers the years the State Council has published; for later years
    the platform counts weekends only and flags its deadlines as provisional until an
    administrator marks that year's entries complete here (PLT-05).
    """

    year = models.PositiveIntegerField(_("year"), unique=True)
    complete = models.BooleanField(_("complete"), default=False,
                                   help_text=_("All holidays and adjusted working days of the year are entered."))
    note = models.CharField(_("source / note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["-year"]

    def __str__(self):
        return str(self.year)


class CalendarDay(BaseModel):
    """A statutory holiday or adjusted working day entered by an administrator."""

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("working day"), default=False,
                                     help_text=_("Tick for an adjusted working day on a weekend; leave empty for a holiday."))
    name = models.CharField(_("name"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {self.name}"


# --------------------------------------------------------------------------- notifications


class NotificationQuerySet(RestrictedQuerySet):
    def scope(self, user, action):
        return models.Q(recipient=user)

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """An in-app message to one user; e-mailed too when mail is configured (PLT-06)."""

    class Level(models.TextChoices):
        INFO = "info", _("Information")
        DUE = "due", _("Due soon")
        OVERDUE = "overdue", _("Overdue")
        WARNING = "warning", _("Warning")

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    created_at = RecordedTimeField(default=timezone.now, db_index=True)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices, default=Level.INFO)
    # Title and body as ``core.i18n`` keeps them: a text made with its ``gettext`` as message ids
    # and parameters, shown in the reader's language (``title_shown`` / ``body_shown``); any
    # other text, and the rows written before, as written.
    title = models.TextField(_("title"))
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(max_length=500, blank=True)
    key = models.CharField(max_length=200, help_text="Deduplication key: one notification per key and recipient.")
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    objects = RestrictedManager.from_queryset(NotificationQuerySet)()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["recipient", "key"], name="notification_unique_key")]

    def __str__(self):
        return self.title_shown

    @property
    def title_shown(self) -> str:
        """The title in the reader's (the active) language."""
        return i18n.shown(self.title)

    @property
    def body_shown(self) -> str:
        return i18n.shown(self.body)


class TableVersion(models.Model):
    """The current version of a database table's rows (``core.versions``)."""

    table_name = models.CharField(max_length=128, primary_key=True)
    version = models.BigIntegerField()

    class Meta:
        verbose_name = _("table version")
        verbose_name_plural = _("table versions")
