"""Links to an object's page without a pass through the URL resolver per link.

``reverse()`` walks the resolver on every call (30–70 µs here); a list page or an
institution's page links dozens of rows, each to the same view with another id. ``id_url``
reverses a view once per URL configuration and script prefix with a sentinel id and puts
each id in its place afterwards: the same string ``reverse`` returns.
"""

import functools

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf, reverse

_SENTINEL = "918273645546372819"  # no page's URL contains it


@functools.lru_cache(maxsize=512)
def _halves(viewname: str, urlconf, prefix: str) -> tuple[str, str] | None:
    url = reverse(viewname, args=[int(_SENTINEL)], urlconf=urlconf)
    if url.count(_SENTINEL) != 1:
        return None  # a converter that changes the id: reverse each time
    head, _sep, tail = url.partition(_SENTINEL)
    return head, tail


def id_url(viewname: str, pk) -> str:
    """``reverse(viewname, args=[pk])`` for a view whose only argument is an integer id."""
    halves = _halves(viewname, get_urlconf(), get_script_prefix())
    if halves is None or pk is None:
        return reverse(viewname, args=[pk])
    return f"{halves[0]}{int(pk)}{halves[1]}"


@receiver(setting_changed)
def _forget(*, setting, **kwargs):
    if setting == "ROOT_URLCONF":
        _halves.cache_clear()
