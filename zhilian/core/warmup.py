"""Work a served process would otherwise do for its first requests, done as it starts.

A new gunicorn worker imported every URLconf (and with them openpyxl, python-docx and the
API's views), loaded jieba's dictionary and compiled the templates it met on its first
requests: measured on a 2-core machine, its first search took 0.6–1.0 s and its first list
pages 0.1–0.3 s more than the next ones. After a deployment, or when a worker is replaced,
the first users paid for that. ``zhilian.wsgi`` calls :func:`warm` before the worker accepts
a connection. Nothing here touches the database or the shared cache, so it is safe in a
process that forks afterwards.
"""

import logging
import time
from pathlib import Path

logger = logging.getLogger(__name__)

YOUNG_GENERATION = 10_000  # allocations between collections of the youngest generation


def _templates() -> list[str]:
    """Names of the platform's own templates (its apps' template folders)."""
    from django.apps import apps

    names = []
    for config in apps.get_app_configs():
        if not config.name.startswith("zhilian"):
            continue
        folder = Path(config.path) / "templates"
        if folder.is_dir():
            names += [path.relative_to(folder).as_posix() for path in folder.rglob("*.html")]
    return sorted(names)


def _segmenter():
    from .text import _jieba

    _jieba()


def _freeze():
    """Leave what was loaded so far out of the garbage collector's full passes.

    After the steps above a worker holds ~400,000 container objects that live as long as it
    does (pypinyin's phrase dictionary, compiled templates, URL tables). Every full collection
    walked all of them: measured on a 2-core machine, a 170–300 ms pause inside some request
    every few thousand requests, the longer the worker had run. Frozen, its full collections
    took 27–69 ms. Nothing frozen is ever freed, which is what these objects are for anyway.
    """
    import gc

    gc.collect()
    gc.freeze()
    # A request makes tens of thousands of objects (querysets, records, template contexts, an
    # API answer's dicts): at the default 700 allocations the youngest generation was collected
    # one to three times in every request, each time walking what the request still held.
    # Every 10,000: about once in ten requests, the same objects walked once (in process, an
    # API list's collections 1.5 -> 0.8 ms a request, a web list's 0.54 -> 0.34).
    gc.set_threshold(YOUNG_GENERATION, *gc.get_threshold()[1:])


def warm() -> dict:
    """Import the URLconfs, load the segmenter, compile the templates and freeze what they loaded
    (see :func:`_freeze`); return the milliseconds each took. A step that fails is logged and
    skipped: a warm-up never stops a server."""
    from django.conf import settings
    from django.template.loader import get_template
    from django.urls import get_resolver
    from django.utils import translation

    spent = {}

    def step(name, work):
        start = time.perf_counter()
        try:
            work()
        except Exception:  # noqa: BLE001 - logged; the request that needs it will raise it again
            logger.exception("warm-up step %s failed", name)
        spent[name] = round((time.perf_counter() - start) * 1000)

    def compile_templates():
        for name in _templates():
            get_template(name)

    def urls():
        resolver = get_resolver()
        for code, _name in settings.LANGUAGES:
            # The resolver builds its table for reverse() once per language, on first use.
            with translation.override(code):
                resolver.reverse_dict

    def catalogues():
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                translation.gettext("Search")

    step("urls", urls)
    step("jieba", _segmenter)
    step("translations", catalogues)
    step("templates", compile_templates)
    step("freeze", _freeze)
    logger.info("warm-up (ms): %s", spent)
    return spent
