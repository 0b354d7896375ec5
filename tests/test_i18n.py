"""Every UI string is translated (PLT-10): catalogues complete, current and compiled."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "zhilian"
APPS = sorted(p.parent.name for p in PACKAGE.glob("*/apps.py"))


def _catalogue(app, lang="zh_Hans"):
    return PACKAGE / app / "locale" / lang / "LC_MESSAGES" / "django.po"


def _has_strings(app):
    return _catalogue(app).exists()


@pytest.mark.req("PLT-10")
@pytest.mark.parametrize("app", APPS)
def test_chinese_catalogue_is_complete_and_compiled(app):
    po_path = _catalogue(app)
    if not po_path.exists():
        pytest.skip(f"{app} has no translatable strings yet")
    po = polib.pofile(str(po_path))
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert not untranslated, f"{app}: untranslated {untranslated[:10]}"
    assert not fuzzy, f"{app}: fuzzy {fuzzy[:10]}"
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists(), f"{app}: run compilemessages"
    compiled = {(e.msgctxt, e.msgid): (e.msgstr or e.msgstr_plural.get(0)) for e in polib.mofile(str(mo_path))}
    for entry in po.translated_entries():
        value = entry.msgstr or entry.msgstr_plural.get(0)
        assert compiled.get((entry.msgctxt, entry.msgid)) == value, f"{app}: .mo is stale for {entry.msgid!r}"


@pytest.mark.req("PLT-10")
@pytest.mark.parametrize("app", APPS)
def test_catalogue_holds_every_string_of_the_code(app, tmp_path):
    """Re-extract the app's strings into a scratch copy; none may be missing from the catalogue."""
    if shutil.which("xgettext") is None:
        pytest.skip("gettext is not installed")
    source = PACKAGE / app
    copy = tmp_path / app
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    (copy / "locale").mkdir(exist_ok=True)
    for po in (copy / "locale").rglob("django.po"):
        po.unlink()
    # -P: the cwd is an app folder whose selectors.py would shadow the standard library.
    subprocess.run([sys.executable, "-P", "-m", "zhilian.cli", "makemessages", "-l", "zh_Hans", "--no-obsolete"],
                   cwd=copy, check=True, capture_output=True)
    fresh = copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    if not fresh.exists():
        return
    extracted = {(e.msgctxt, e.msgid) for e in polib.pofile(str(fresh))}
    committed_path = _catalogue(app)
    committed = {(e.msgctxt, e.msgid) for e in polib.pofile(str(committed_path)) if not e.obsolete} if committed_path.exists() else set()
    missing = sorted(m for _c, m in extracted - committed)
    assert not missing, f"{app}: strings not in the catalogue (run makemessages and translate): {missing[:10]}"
