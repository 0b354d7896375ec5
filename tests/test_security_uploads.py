"""Uploads: allow-list checked against content, size limit, server-generated names,
downloads only through the permission-checked view as attachments (SEC-08)."""

import io
import struct
import uuid
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from zhilian.core import attachments
from zhilian.core.models import Attachment
from zhilian.directory.models import Organization

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


def ooxml(prefix="word/", macro=False) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr(f"{prefix}document.xml", "<w:document/>")
        if macro:
            zf.writestr(f"{prefix}vbaProject.bin", b"\xd0\xcf\x11\xe0macro")
    return out.getvalue()


def ole_file(clsid: str | None, entries: dict) -> bytes:
    """A minimal OLE compound file (MS-CFB version 3).

    ``entries`` maps a name to bytes (a stream) or to a dict (a storage with its own entries);
    ``clsid`` is the root storage's class id. Streams are padded to whole sectors of at least
    4096 bytes, so they live in ordinary sectors, not the mini stream.
    """
    SECTOR, END, FREE, FATSECT, NONE = 512, 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    dir_entries = []  # [name, type, clsid bytes, data, children]

    def add(name, value, kind=None):
        index = len(dir_entries)
        if isinstance(value, dict):
            dir_entries.append([name, kind or 1, b"\0" * 16, b"", []])
            for child_name, child in value.items():
                dir_entries[index][4].append(add(child_name, child))
        else:
            size = max(4096, -(-len(value) // 512) * 512)
            dir_entries.append([name, 2, b"\0" * 16, value.ljust(size, b"\0"), []])
        return index

    add("Root Entry", entries, kind=5)
    if clsid:
        dir_entries[0][2] = uuid.UUID(clsid).bytes_le
    dir_sectors = (len(dir_entries) + 3) // 4
    next_sector = 1 + dir_sectors  # sector 0 holds the FAT
    fat = [FATSECT] + [i + 1 if i < dir_sectors else END for i in range(1, dir_sectors + 1)]
    starts, body = {}, b""
    for index, (_name, kind, _clsid, data, _children) in enumerate(dir_entries):
        if kind == 2:
            count = len(data) // SECTOR
            starts[index] = next_sector
            fat += [next_sector + i + 1 for i in range(count - 1)] + [END]
            next_sector += count
            body += data
    assert len(fat) <= 128
    fat += [FREE] * (128 - len(fat))
    siblings = {}
    for _name, _kind, _clsid, _data, children in dir_entries:
        for a, b in zip(children, children[1:]):
            siblings[a] = b  # a degenerate tree: each child's right sibling is the next
    directory = b""
    for index, (name, kind, clsid_bytes, data, children) in enumerate(dir_entries):
        encoded = (name + "\0").encode("utf-16-le")
        directory += struct.pack("<64sHBBIII16sIQQIQ", encoded, len(encoded), kind, 1, NONE,
                                 siblings.get(index, NONE), children[0] if children else NONE, clsid_bytes,
                                 0, 0, 0, starts.get(index, END if kind != 2 else 0), len(data))
    unused = struct.pack("<64sHBBIII16sIQQIQ", b"", 0, 0, 0, NONE, NONE, NONE, b"\0" * 16, 0, 0, 0, 0, 0)
    directory += unused * (dir_sectors * 4 - len(dir_entries))
    header = struct.pack("<8s16sHHHHH6sIIIIIIIII", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"\0" * 16, 0x3E, 3,
                         0xFFFE, 9, 6, b"\0" * 6, 0, 1, 1, 0, 4096, END, 0, END, 0)
    header += struct.pack("<109I", 0, *([FREE] * 108))
    return header + struct.pack("<128I", *fat) + directory + body


WORD = "00020906-0000-0000-C000-000000000046"
EXCEL = "00020820-0000-0000-C000-000000000046"
MSI = "000C1084-0000-0000-C000-000000000046"


def org():
    return Organization.objects.get(name="厦门翔光玻璃基板有限公司")


def upload(client, name, content):
    url = reverse("core:attachment_upload", args=["directory.organization", org().pk])
    return client.post(url, {"file": SimpleUploadedFile(name, content)}, follow=True)


@pytest.mark.req("SEC-08")
@pytest.mark.parametrize("name, content, code", [
    ("tool.exe", EXE, "extension"),
    ("page.html", b"<html><script>alert(1)</script></html>", "extension"),
    ("logo.svg", b"<svg onload='alert(1)'/>", "extension"),
    ("report.pdf", EXE, "content"),                     # an executable renamed .pdf
    ("photo.png", b"just some text pretending", "content"),
    ("plan.docx", ooxml("xl/"), "content"),             # a spreadsheet renamed .docx
    ("plan.docx", ooxml(macro=True), "macro"),          # a macro document renamed .docx
    ("empty.pdf", b"", "empty"),
])
def test_files_are_checked_by_extension_and_by_content(name, content, code):
    with pytest.raises(ValidationError) as excinfo:
        attachments.validate_upload(SimpleUploadedFile(name, content))
    assert excinfo.value.code == code


LEGACY_DOC = {"WordDocument": b"\xec\xa5\xc1\x00", "1Table": b"t", "SummaryInformation": b"s"}
LEGACY_XLS = {"Workbook": b"\x09\x08\x10\x00", "SummaryInformation": b"s"}
VBA = {"VBA": {"dir": b"d", "_VBA_PROJECT": b"p"}, "PROJECT": b"ID=..."}


@pytest.mark.req("SEC-08")
@pytest.mark.parametrize("name, content, code", [
    ("installer.doc", ole_file(MSI, {"\u4840\u3b3f\u4577": b"cab", "SummaryInformation": b"s"}), "content"),
    ("installer.xls", ole_file(MSI, {"\u4840\u3b3f\u4577": b"cab", "SummaryInformation": b"s"}), "content"),
    ("anything.doc", ole_file(None, {"Contents": b"x"}), "content"),  # some other compound file
    ("book.doc", ole_file(EXCEL, LEGACY_XLS), "content"),           # a workbook renamed .doc
    ("letter.xls", ole_file(WORD, LEGACY_DOC), "content"),          # a document renamed .xls
    ("broken.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "content"),
    ("macro.doc", ole_file(WORD, {**LEGACY_DOC, "Macros": VBA}), "macro"),             # Word 97-2003 with VBA
    ("macro.xls", ole_file(EXCEL, {**LEGACY_XLS, "_VBA_PROJECT_CUR": VBA}), "macro"),  # Excel 97-2003 with VBA
    ("macro.docx", ole_file(WORD, {**LEGACY_DOC, "Macros": VBA}), "macro"),  # renamed: still macros
])
def test_legacy_office_files_must_be_word_or_excel_without_macros(name, content, code):
    with pytest.raises(ValidationError) as excinfo:
        attachments.validate_upload(SimpleUploadedFile(name, content))
    assert excinfo.value.code == code


@pytest.mark.req("SEC-08")
@pytest.mark.parametrize("name, content, expected", [
    ("旧版方案.doc", ole_file(WORD, LEGACY_DOC), ("document", "application/msword")),
    ("WPS 文档.doc", ole_file(None, LEGACY_DOC), ("document", "application/msword")),  # no class id
    ("旧版台账.xls", ole_file(EXCEL, LEGACY_XLS), ("spreadsheet", "application/vnd.ms-excel")),
    ("Excel 95.xls", ole_file(None, {"Book": b"\x09\x08"}), ("spreadsheet", "application/vnd.ms-excel")),
])
def test_genuine_legacy_office_files_are_accepted(name, content, expected):
    assert attachments.validate_upload(SimpleUploadedFile(name, content)) == expected


def chinese_csv(encoding: str, bom: bytes = b"") -> bytes:
    """A CSV over 8 KB whose 8192nd byte falls inside a Chinese character."""
    rows = "序号,企业名称,所在区,问题\n" + "".join(f"{n},厦门翔光玻璃基板有限公司,翔安区,良率波动\n" for n in range(400))
    for pad in range(4):
        data = bom + (" " * pad + rows).encode(encoding)
        try:
            data[:8192].decode(encoding.replace("gbk", "gb18030"))
        except UnicodeDecodeError:
            return data  # the first 8 KB end half-way through a character
    raise AssertionError("no padding cuts a character at 8 KB")


@pytest.mark.req("SEC-08")
@pytest.mark.parametrize("name, content", [
    ("企业名录.csv", chinese_csv("utf-8")),
    ("企业名录-bom.csv", chinese_csv("utf-8", bom=b"\xef\xbb\xbf")),  # what Excel writes as "CSV UTF-8"
    ("企业名录-gbk.csv", chinese_csv("gbk")),                           # Excel's CSV on Chinese Windows
    ("说明.txt", "质量问题清单说明：\r\n一、范围".encode("gb18030")),
])
def test_chinese_text_files_are_accepted_whatever_the_encoding_and_length(name, content):
    assert len(content) > 8192 or name.endswith(".txt")
    assert attachments.validate_upload(SimpleUploadedFile(name, content)) == (
        "spreadsheet" if name.endswith(".csv") else "document", "text/plain")


@pytest.mark.req("SEC-08")
@pytest.mark.parametrize("content", [b"a,b\n\x00\x01\x02\x03binary", b"\x80\xff\xfe\x81" * 3000])
def test_binary_content_is_not_text(content):
    with pytest.raises(ValidationError) as excinfo:
        attachments.validate_upload(SimpleUploadedFile("data.csv", content))
    assert excinfo.value.code == "content"


@pytest.mark.req("SEC-08")
def test_a_genuine_office_document_is_accepted():
    assert attachments.validate_upload(SimpleUploadedFile("方案.docx", ooxml())) == ("document", "docx")


@pytest.mark.req("SEC-08")
def test_an_oversized_file_is_dropped_while_it_streams_in(client_as, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.ZHILIAN_UPLOAD_MAX_BYTES = 64 * 1024
    response = upload(client_as("city"), "big.pdf", PDF + b"0" * (200 * 1024))
    assert "big.pdf" in response.content.decode() and "64 MB" not in response.content.decode()
    assert not Attachment.objects.filter(original_name="big.pdf").exists()
    assert not any(tmp_path.rglob("*.pdf"))


@pytest.mark.req("SEC-08")
def test_storage_names_are_generated_by_the_server(client_as, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    upload(client_as("city"), "../../etc/报告.pdf", PDF)
    attachment = Attachment.objects.get(original_name="报告.pdf")
    assert ".." not in attachment.file.name and "报告" not in attachment.file.name
    assert attachment.file.name.startswith("attachments/") and attachment.file.name.endswith(".pdf")
    assert (tmp_path / attachment.file.name).exists() and not (tmp_path.parent / "etc").exists()


@pytest.mark.req("SEC-08")
def test_downloads_go_only_through_the_permission_checked_view(client_as, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    upload(client_as("city"), "抽检报告.pdf", PDF)
    attachment = Attachment.objects.get(original_name="抽检报告.pdf")
    url = reverse("core:attachment_download", args=[attachment.pk])
    response = client_as("district").get(url)  # the enterprise is in 翔安区
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "application/octet-stream" and response["X-Content-Type-Options"] == "nosniff"
    assert client_as("owner").get(url).status_code == 404  # another enterprise's evidence
    assert client_as("owner").get(f"/media-not-served/{attachment.file.name}").status_code == 404
    assert client_as("city").get(f"/media/{attachment.file.name}").status_code == 404


@pytest.mark.req("SEC-09")
def test_the_upload_form_does_not_redirect_off_site(client_as, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    url = reverse("core:attachment_upload", args=["directory.organization", org().pk])
    response = client_as("city").post(url, {"file": SimpleUploadedFile("a.pdf", PDF), "return_url": "https://evil.example/"})
    assert response.status_code == 302 and not response["Location"].startswith("https://evil")
