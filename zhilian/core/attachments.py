"""Evidence files attached to any registered object (PLT-04, SEC-08).

A file is accepted only if its extension is on the allow-list *and* its content is what
the extension claims (magic bytes); it is stored under a server-generated name and is
downloaded only through a view that checks the owner object with ``restrict``.
"""

import hashlib
import io
import zipfile
from pathlib import PurePosixPath

import filetype
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from . import audit
from .models import Attachment, AuditAction
from .permissions import allowed, may

_models: list = []

# extension -> (kind, accepted detected MIME types)
ALLOWED = {
    ".pdf": ("document", {"application/pdf"}),
    ".docx": ("document", {"docx"}),
    ".xlsx": ("spreadsheet", {"xlsx"}),
    ".pptx": ("document", {"pptx"}),
    ".doc": ("document", {"application/x-ole-storage", "application/msword"}),
    ".xls": ("spreadsheet", {"application/x-ole-storage", "application/vnd.ms-excel"}),
    ".jpg": ("image", {"image/jpeg"}),
    ".jpeg": ("image", {"image/jpeg"}),
    ".png": ("image", {"image/png"}),
    ".gif": ("image", {"image/gif"}),
    ".webp": ("image", {"image/webp"}),
    ".mp4": ("video", {"video/mp4"}),
    ".mov": ("video", {"video/quicktime"}),
    ".zip": ("archive", {"application/zip"}),
    ".txt": ("document", {"text/plain"}),
    ".csv": ("spreadsheet", {"text/plain"}),
}

_OOXML_MARKERS = {"docx": "word/", "xlsx": "xl/", "pptx": "ppt/"}


_owner_scopes: dict = {}


def register(model, *, owners=None):
    """Allow attachments on ``model``; its ``restrict`` decides who sees them.

    ``owners(user, action) -> QuerySet`` narrows that when a record is shown to more people
    than its files: an enterprise's record reaches the institutions assigned to its needs
    (a grant), its licences and reports do not (PLT-02).
    """
    if model not in _models:
        _models.append(model)
    if owners is not None:
        _owner_scopes[model] = owners
    return model


def owners_for(model, user, action: str):
    """The rows of ``model`` whose attachments ``user`` may ``action`` (view / change)."""
    scope = _owner_scopes.get(model)
    return scope(user, action) if scope is not None else model.objects.restrict(user, action)


def registered_models():
    return list(_models)


def _detect(head: bytes, data_for_zip) -> str | None:
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "application/x-ole-storage"
    kind = filetype.guess(head)
    if kind is None:
        try:
            head.decode("utf-8")
            return "text/plain"
        except UnicodeDecodeError:
            return None
    # filetype names OOXML files by their full MIME type; check the package's parts either way.
    if kind.mime == "application/zip" or kind.mime.startswith("application/vnd.openxmlformats"):
        try:
            with zipfile.ZipFile(data_for_zip()) as zf:
                names = zf.namelist()
        except zipfile.BadZipFile:
            return None
        for label, prefix in _OOXML_MARKERS.items():
            if "[Content_Types].xml" in names and any(n.startswith(prefix) for n in names):
                return label
        return "application/zip"
    return kind.mime


def _has_macros(data_for_zip) -> bool:
    """A macro-enabled Office file (docm / xlsm / pptm, also when renamed): 恶意代码防范."""
    try:
        with zipfile.ZipFile(data_for_zip()) as zf:
            return any(n.lower().endswith("vbaproject.bin") for n in zf.namelist())
    except zipfile.BadZipFile:
        return False


def validate_upload(uploaded) -> tuple[str, str]:
    """Return (kind, detected type) or raise ValidationError with a message for the user."""
    name = uploaded.name or ""
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in ALLOWED:
        raise ValidationError(
            _("Files of type “%(ext)s” are not accepted. Allowed: %(allowed)s.")
            % {"ext": suffix or name, "allowed": ", ".join(sorted(ALLOWED))},
            code="extension",
        )
    limit = settings.ZHILIAN_UPLOAD_MAX_BYTES
    if uploaded.size > limit:
        raise ValidationError(
            _("The file is %(size).1f MB; the limit is %(limit)d MB.")
            % {"size": uploaded.size / 1048576, "limit": limit // 1048576},
            code="size",
        )
    if uploaded.size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    uploaded.seek(0)
    head = uploaded.read(8192)
    uploaded.seek(0)

    def whole():
        uploaded.seek(0)
        data = io.BytesIO(uploaded.read())
        uploaded.seek(0)
        return data

    if head.startswith(b"PK\x03\x04") and _has_macros(whole):
        detected = "macro"
    else:
        detected = _detect(head, whole)
    if detected == "macro":
        raise ValidationError(_("“%(name)s” contains macros, which are not accepted. Save it without macros "
                                "(e.g. as .docx / .xlsx) and upload it again.") % {"name": name}, code="macro")
    kind, accepted = ALLOWED[suffix]
    if detected not in accepted:
        raise ValidationError(
            _("The content of “%(name)s” does not match its extension %(ext)s.") % {"name": name, "ext": suffix},
            code="content",
        )
    return kind, detected


@transaction.atomic
def attachment_add(*, user, owner, uploaded, category: str = "", description: str = "") -> Attachment:
    """Validate and store ``uploaded`` on ``owner``; the caller has checked ``change`` on it."""
    if type(owner) not in _models:
        raise ValidationError(_("Attachments are not enabled for this record."))
    kind, detected = validate_upload(uploaded)
    digest = hashlib.sha256()
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    attachment = Attachment(
        content_type=ContentType.objects.get_for_model(type(owner)),
        object_id=owner.pk,
        original_name=PurePosixPath(uploaded.name).name[:255],
        kind=kind,
        category=category[:100],
        description=description[:500],
        size=uploaded.size,
        sha256=digest.hexdigest(),
        mime_type=detected[:100],
        uploaded_by=user,
    )
    attachment.file.save(uploaded.name, uploaded, save=False)
    attachment.save()
    return attachment


def attachments_for(owner, user):
    """Attachments of ``owner`` that ``user`` may see: all of them when the user may see the
    owner (``Attachment``'s scope is exactly that), asked of the owner's scope alone instead
    of the scope over every model that has attachments."""
    ct = ContentType.objects.get_for_model(type(owner))
    if type(owner) in _owner_scopes:
        visible = owners_for(type(owner), user, "view").filter(pk=owner.pk).exists()
    else:
        visible = allowed(user, "view", owner)
    if not may(user, "view", Attachment) or not visible:
        return Attachment.objects.none()
    return Attachment.objects.filter(content_type=ct, object_id=owner.pk)


def record_download(attachment, user):
    audit.write(action=AuditAction.DOWNLOAD, instance=attachment, user=user,
                message=attachment.original_name)


audit.register(Attachment, exclude={"sha256"}, parent=None)
