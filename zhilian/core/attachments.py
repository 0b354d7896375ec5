"""Evidence files attached to any registered object (PLT-04, SEC-08).

A file is accepted only if its extension is on the allow-list *and* its content is what
the extension claims (magic bytes; for Office files the parts inside, for text files the
encoding). Office files carrying macros are refused, OOXML and legacy (OLE) alike. A file is
stored under a server-generated name and is downloaded only through a view that checks the
owner object with ``restrict``.
"""

import codecs
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
    ".doc": ("document", {"application/msword"}),
    ".xls": ("spreadsheet", {"application/vnd.ms-excel"}),
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

# Legacy Office files are OLE compound files, like MSI installers and many other formats; the
# root storage's class id and the stream that holds the document tell which one it is
# (MS-DOC 2.1.1 "WordDocument", MS-XLS 2.1.2 "Workbook", BIFF5 "Book"). Tools other than
# Office (WPS, LibreOffice) may leave the class id empty.
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_NULL_CLSID = "00000000-0000-0000-0000-000000000000"
_OLE_KINDS = {
    "application/msword": ({"00020906-0000-0000-C000-000000000046",   # Word 97-2003 document
                            "00020900-0000-0000-C000-000000000046",   # Word 6 / 95 document
                            _NULL_CLSID}, {"worddocument"}),
    "application/vnd.ms-excel": ({"00020820-0000-0000-C000-000000000046",  # Excel 97-2003 worksheet
                                  "00020810-0000-0000-C000-000000000046",  # Excel 5 / 95 worksheet
                                  _NULL_CLSID}, {"workbook", "book"}),
}
# Where Word ("Macros") and Excel ("_VBA_PROJECT_CUR") keep VBA projects in legacy files.
_OLE_MACRO_STORAGES = {"macros", "_vba_project_cur", "_vba_project", "vba"}

# Text files: what spreadsheets and editors on Chinese Windows write (UTF-8 with or without
# BOM, GBK / GB18030). Controls other than these mean the file is not text.
_TEXT_ENCODINGS = ("utf-8", "gb18030")
_TEXT_CONTROLS = set("\t\n\r\f\v\x1a")


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


def _is_text(head: bytes, complete: bool) -> bool:
    """Whether ``head`` is text in one of ``_TEXT_ENCODINGS``.

    When ``head`` is only the start of the file (``complete`` false), it may end inside a
    multibyte character: the incremental decoder keeps such an unfinished sequence back
    instead of calling it an error.
    """
    for encoding in _TEXT_ENCODINGS:
        try:
            text = codecs.getincrementaldecoder(encoding)().decode(head, final=complete)
        except UnicodeDecodeError:
            continue
        return not any(ch < " " and ch not in _TEXT_CONTROLS for ch in text)
    return False


def _ole_kind(data_for_ole) -> str | None:
    """The legacy Office type of an OLE compound file, "macro" when it carries a VBA
    project, or None when it is some other compound file (an MSI installer, say)."""
    import olefile

    try:
        with olefile.OleFileIO(data_for_ole()) as ole:
            clsid = (ole.root.clsid or _NULL_CLSID).upper()
            entries = ole.listdir(streams=True, storages=True)
    except Exception:  # noqa: BLE001 - a damaged container is simply not an Office file
        return None
    if any(part.lower() in _OLE_MACRO_STORAGES for entry in entries for part in entry):
        return "macro"
    top = {entry[0].lower() for entry in entries if len(entry) == 1}
    for mime, (class_ids, streams) in _OLE_KINDS.items():
        if clsid in class_ids and top & streams:
            return mime
    return None


def _detect(head: bytes, data_for_zip, complete: bool = True) -> str | None:
    if head.startswith(_OLE_MAGIC):
        return _ole_kind(data_for_zip)
    kind = filetype.guess(head)
    if kind is None:
        return "text/plain" if _is_text(head, complete) else None
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
        detected = _detect(head, whole, complete=len(head) >= uploaded.size)
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


def attachment_rows(owner) -> tuple:
    """``owner``'s attachments as a ``core.related`` check: (model, {field: value})."""
    return Attachment, {"content_type": ContentType.objects.get_for_model(type(owner)), "object_id": owner.pk}


def attachments_for(owner, user):
    """Attachments of ``owner`` that ``user`` may see: all of them when the user may see the
    owner (``Attachment``'s scope is exactly that), asked of the owner's scope alone instead
    of the scope over every model that has attachments."""
    if type(owner) in _owner_scopes:
        visible = owners_for(type(owner), user, "view").filter(pk=owner.pk).exists()
    else:
        visible = allowed(user, "view", owner)
    if not may(user, "view", Attachment) or not visible:
        return Attachment.objects.none()
    return Attachment.objects.filter(**attachment_rows(owner)[1])


def record_download(attachment, user):
    audit.write(action=AuditAction.DOWNLOAD, instance=attachment, user=user,
                message=attachment.original_name)


audit.register(Attachment, exclude={"sha256"}, parent=None)
