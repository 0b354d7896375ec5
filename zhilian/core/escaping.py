"""Django's HTML escaping without its lazy-argument check on every call.

``django.utils.html.escape`` and ``django.utils.safestring.mark_safe`` are wrapped by
``keep_lazy``: each call first looks through its arguments for a lazy translation (a
generator over ``itertools.chain`` of the arguments and keyword values). ``conditional_escape``
(the template engine's autoescape, form widgets, the list tables) and ``format_html`` (every
link a table or a widget writes) call them for nearly every value a page shows: 700 to
1,500 times for a 25-row list page, where the check cost more than the escaping (about a
tenth of a list page's CPU, 0.7-1.5 ms). The replacements ask the one question the wrapper
asked (is the one argument lazy?) and hand a lazy argument to Django's own function, so every
caller gets what it got before.
"""

import html

from django.utils import html as django_html
from django.utils.functional import Promise
from django.utils.safestring import SafeString

_django_escape = django_html.escape
_django_mark_safe = django_html.mark_safe


def escape(text):
    """``django.utils.html.escape``: the same answers (for a lazy argument, a lazy result)."""
    if isinstance(text, Promise):
        return _django_escape(text)
    return SafeString(html.escape(str(text)))  # nosec B703 - the text was just escaped, as Django's does


def mark_safe(s):
    """``django.utils.safestring.mark_safe``: the same answers (a lazy argument and a function
    to decorate still go to Django's)."""
    if hasattr(s, "__html__"):
        return s
    if isinstance(s, Promise) or callable(s):
        return _django_mark_safe(s)
    return SafeString(s)  # nosec B703 - mark_safe itself: its callers vouch for the text, as with Django's


def install():
    """Put both where ``conditional_escape``, ``format_html`` and ``format_html_join`` look them
    up (``django.utils.html``'s globals). Modules that imported either by name before keep
    Django's, with the same answers."""
    if django_html.escape is _django_escape:
        django_html.escape = escape
    if django_html.mark_safe is _django_mark_safe:
        django_html.mark_safe = mark_safe
