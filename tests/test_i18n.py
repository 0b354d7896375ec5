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


# Django merges the catalogues of all installed apps into one: for the same (context, msgid) the
# catalogue of LOCALE_PATHS wins, then the app listed first in INSTALLED_APPS, Django's own last.
# A string an app translates in its catalogue must show that translation, not another app's.
_LANGUAGE_CODES = {"zh_Hans": "zh-hans", "en": "en"}


def _catalogue_key(entry):
    msgid = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
    return (msgid, 0) if entry.msgid_plural else msgid


def _merged_catalogues(lang):
    """Return (name, catalogue) in Django's order of precedence for `lang`."""
    import gettext

    import django
    from django.apps import apps
    from django.conf import settings

    places = [(str(p), Path(p)) for p in settings.LOCALE_PATHS]
    places += [(a.name, Path(a.path) / "locale") for a in apps.get_app_configs()]
    places.append(("django", Path(django.__file__).parent / "conf" / "locale"))
    return [(name, getattr(gettext.translation("django", str(d), [lang], fallback=True), "_catalog", {}))
            for name, d in places if d.is_dir()]


def _runtime(entry, n=1):
    from django.utils import translation

    if entry.msgid_plural:
        if entry.msgctxt:
            return translation.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, n)
        return translation.ngettext(entry.msgid, entry.msgid_plural, n)
    if entry.msgctxt:
        return translation.pgettext(entry.msgctxt, entry.msgid)
    return translation.gettext(entry.msgid)


@pytest.mark.req("PLT-10")
@pytest.mark.parametrize("lang", sorted(_LANGUAGE_CODES))
def test_each_app_string_shows_its_own_catalogues_translation(lang):
    """At runtime every string of an app's catalogue reads as that catalogue says, not as another app's.

    Chinese: every translated entry. English: every entry; an empty msgstr shows the English source,
    so another catalogue's English wording must not replace it either.
    """
    from django.utils import translation

    clashes = []
    with translation.override(_LANGUAGE_CODES[lang]):
        for app in APPS:
            po_path = _catalogue(app, lang)
            if not po_path.exists():
                continue
            for entry in polib.pofile(str(po_path)):
                if entry.obsolete or entry.fuzzy:
                    continue
                if entry.msgid_plural:
                    forms = [(1, entry.msgstr_plural.get(0) or (entry.msgid if lang == "en" else ""))]
                    if lang == "en":
                        forms.append((2, entry.msgstr_plural.get(1) or entry.msgid_plural))
                else:
                    forms = [(1, entry.msgstr or (entry.msgid if lang == "en" else ""))]
                for n, expected in forms:
                    got = _runtime(entry, n)
                    if expected and got != expected:
                        clashes.append((app, entry, expected, got))
    if not clashes:
        return
    catalogues = _merged_catalogues(lang)
    lines = []
    for app, entry, expected, got in clashes:
        key = _catalogue_key(entry)
        winner = next((name for name, cat in catalogues if key in cat), "?")
        lines.append(f"{app}: {entry.msgid!r} context={entry.msgctxt!r} expected {expected!r}, "
                     f"got {got!r} from {winner}")
    pytest.fail(f"{len(clashes)} strings show another catalogue's translation ({lang}):\n" + "\n".join(lines))


def _translated_at_import(path):
    """Yield the lines where a module or class body calls gettext (not the lazy form): frozen in one language."""
    import ast

    eager = {"gettext", "pgettext", "ngettext", "npgettext"}
    tree = ast.parse(path.read_text())
    names = {a.asname or a.name for node in tree.body if isinstance(node, ast.ImportFrom)
             and node.module == "django.utils.translation" for a in node.names if a.name in eager}

    def walk(node):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                yield from (n for d in child.args.defaults + [d for d in child.args.kw_defaults if d] for n in walk_node(d))
                continue  # a function body runs per request, in the request's language
            yield from walk_node(child)

    def walk_node(node):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names:
            yield node.lineno
        yield from walk(node)

    yield from walk(tree) if names else ()


@pytest.mark.req("PLT-10")
def test_no_string_is_translated_once_at_import():
    """A class attribute such as ``title = gettext("…")`` keeps the language of the request that imported it."""
    found = [f"{path.relative_to(PACKAGE.parent)}:{line}" for path in sorted(PACKAGE.rglob("*.py"))
             if "tests" not in path.parts and "migrations" not in path.parts
             for line in _translated_at_import(path)]
    assert not found, f"use gettext_lazy / pgettext_lazy at import time: {found}"


@pytest.mark.req("PLT-10")
def test_every_field_the_change_history_shows_has_a_translated_label():
    """The history page labels a change by the field's verbose_name: one Django derives from the
    attribute name ("Response due provisional") stays English on a Chinese page."""
    from django.utils.functional import Promise

    from zhilian.core import audit

    unlabelled = sorted(
        f"{model._meta.label}.{f.name}"
        for model, registration in audit._registry.items()
        for f in [*model._meta.concrete_fields, *model._meta.local_many_to_many]
        if not f.primary_key and f.name not in registration.exclude and not audit.is_internal(f.name)
        and not isinstance(f.verbose_name, Promise))
    assert not unlabelled, f"give these fields a verbose_name with gettext_lazy: {unlabelled}"


@pytest.mark.req("PLT-10")
def test_no_translation_call_hides_inside_an_f_string():
    """xgettext does not read a call inside an f-string's braces: such a string is left out of a
    regenerated catalogue and shows untranslated ('Member 4: 请填写联系电话' after 32846cf).
    Build the translated part before the f-string."""
    import ast

    names = {"_", "gettext", "gettext_lazy", "pgettext", "pgettext_lazy", "ngettext", "npgettext"}
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.JoinedStr):
                for inner in ast.walk(node):
                    if isinstance(inner, ast.Call) and getattr(inner.func, "id", getattr(inner.func, "attr", None)) in names:
                        found.append(f"{path.relative_to(PACKAGE)}:{inner.lineno}")
    assert not found, f"translation calls inside f-strings: {found}"
