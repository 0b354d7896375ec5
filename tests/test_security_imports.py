"""Imports are all-or-nothing and idempotent (SEC-11), proven on the organization directory's
Excel import (the same TabularImporter machinery serves every import)."""

import io
import os
import signal
import subprocess
import sys
import time

import openpyxl
import pytest
from django.db import connection

from zhilian.core.spreadsheets import TabularImporter
from zhilian.directory.exports import OrganizationImporter
from zhilian.directory.models import Organization

MARK = "导入测试机构"


def workbook(rows: int, bad_row: int | None = None) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["单位名称", "单位类型", "统一社会信用代码", "省份", "城市", "区县", "地址"])
    for n in range(1, rows + 1):
        kind = "不存在的类型" if n == bad_row else "institution"
        ws.append([f"{MARK}{n:05d}", kind, None, "福建省", "厦门市", "湖里区", f"湖里区测试路 {n} 号"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def imported() -> int:
    return Organization.objects.filter(name__startswith=MARK).count()


@pytest.mark.django_db
@pytest.mark.req("SEC-11")
def test_one_bad_row_imports_nothing_and_names_the_row(persona):
    result = OrganizationImporter(user=persona("city")).run(io.BytesIO(workbook(12, bad_row=9)))
    assert not result.committed and imported() == 0
    assert [(e.row, e.column) for e in result.errors] == [(10, "单位类型")]  # header is row 1


@pytest.mark.django_db
@pytest.mark.req("SEC-11")
def test_a_crash_half_way_through_the_writes_leaves_nothing(persona, monkeypatch):
    calls = {"n": 0}
    original = OrganizationImporter.save_row

    def crash_on_the_sixth(self, cleaned):
        calls["n"] += 1
        if calls["n"] == 6:
            raise RuntimeError("disk full")
        return original(self, cleaned)

    monkeypatch.setattr(OrganizationImporter, "save_row", crash_on_the_sixth)
    with pytest.raises(RuntimeError):
        OrganizationImporter(user=persona("city")).run(io.BytesIO(workbook(10)))
    assert calls["n"] == 6 and imported() == 0


@pytest.mark.django_db
@pytest.mark.req("SEC-11")
def test_importing_the_same_file_twice_creates_no_duplicates(persona):
    data = workbook(8)
    first = OrganizationImporter(user=persona("city")).run(io.BytesIO(data))
    second = OrganizationImporter(user=persona("city")).run(io.BytesIO(data))
    assert (first.created, first.updated) == (8, 0)
    assert (second.created, second.updated) == (0, 8)
    assert imported() == 8


@pytest.mark.django_db
@pytest.mark.req("SEC-11")
def test_duplicate_rows_within_one_file_are_refused(persona):
    wb = openpyxl.load_workbook(io.BytesIO(workbook(3)))
    wb.active.append([f"{MARK}00001", "institution", None, "福建省", "厦门市", "湖里区", "重复"])
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    result = OrganizationImporter(user=persona("city")).run(out)
    assert not result.committed and imported() == 0 and "Duplicate" in result.errors[0].message or "重复" in result.errors[0].message


def test_every_import_goes_through_the_all_or_nothing_importer():
    from zhilian.core.management.commands.import_xlsx import importers

    found = importers()
    assert "directory.organization" in found
    assert all(issubclass(cls, TabularImporter) for cls in found.values())


@pytest.mark.req("SEC-11")
def test_killing_an_import_process_half_way_writes_nothing(transactional_db, demo_data_tx, tmp_path):
    """A real ``zhilian import_xlsx`` process, SIGKILLed while it writes: no row survives."""
    source = tmp_path / "organizations.xlsx"
    source.write_bytes(workbook(1500))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "zhilian.settings", "ZHILIAN_DATA_DIR": str(tmp_path / "data"),
           "ZHILIAN_TESTING": "0"}
    if connection.vendor == "sqlite":
        db_file = tmp_path / "copy.sqlite3"
        with connection.cursor() as cursor:
            cursor.execute("VACUUM INTO %s", [str(db_file)])
        env["DATABASE_URL"] = f"sqlite:///{db_file}"
    else:
        settings_dict = connection.settings_dict
        env["DATABASE_URL"] = (f"postgres://{settings_dict['USER']}@{settings_dict['HOST']}:{settings_dict['PORT']}/"
                               f"{settings_dict['NAME']}")
    process = subprocess.Popen(
        [sys.executable, "-m", "zhilian.cli", "import_xlsx", "directory.organization", str(source), "--user", "city",
         "--progress", "100"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    seen = ""
    try:
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            seen = line or seen
            if line.startswith("saved 300/"):
                break
            if not line and process.poll() is not None:
                break
        assert seen.startswith("saved 300/"), (seen, process.stderr.read() if process.poll() is not None else "")
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == -signal.SIGKILL
    if connection.vendor == "sqlite":
        import sqlite3

        with sqlite3.connect(db_file) as copy:
            survivors = copy.execute("SELECT count(*) FROM directory_organization WHERE name LIKE ?", [f"{MARK}%"]).fetchone()[0]
            total = copy.execute("SELECT count(*) FROM directory_organization").fetchone()[0]
        assert total > 0
    else:
        survivors = imported()
    assert survivors == 0


@pytest.mark.req("SEC-11")
def test_exported_text_that_looks_like_a_formula_stays_text(client_as):
    """Formula injection: a value typed as =HYPERLINK(...) is exported as text, not a live formula."""
    from django.urls import reverse

    from zhilian.directory.models import Organization

    payload = '=HYPERLINK("http://evil.example/","点此")'
    org = Organization.objects.filter(kind="enterprise", district="翔安区").first()
    Organization.objects.filter(pk=org.pk).update(address=payload)
    export = client_as("city").get(reverse("directory:organization_list"), {"export": "xlsx", "q": org.name})
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    cells = [c for row in sheet.iter_rows() for c in row if c.value == payload]
    assert cells and all(c.data_type == "s" for c in cells)
