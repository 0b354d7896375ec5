"""Whole signed-in pages kept per user until the data under them changes (core.resultcache).

``@kept_page`` on a view's ``get`` keeps the rendered page for the same user, roles,
language, date, path, parameters, htmx target and CSRF cookie; it is used again only while
no table the view read (its queries, the navigation's, the user's account and roles) has
changed. Pages with messages to show, answers other than 200 and answers that set cookies
are never kept.
"""

import functools
import hashlib
import pickle  # nosec B403 - only this platform's own answers, in its own cache

from django.conf import settings
from django.http import HttpResponse

from . import resultcache


class _Page:
    __slots__ = ("content", "content_type", "_zl_size")

    def __init__(self, content, content_type):
        self.content, self.content_type = content, content_type
        self._zl_size = len(content) + 200


def _pending_messages(request) -> bool:
    storage = getattr(request, "_messages", None)
    return bool(storage is not None and len(storage))


def _new_csrf_secret(request) -> bool:
    # Django sends the CSRF cookie again whenever a page used the token; only a page made
    # with a secret the browser does not have yet (its first page) must not be kept.
    return "CSRF_COOKIE" in request.META and request.META["CSRF_COOKIE"] != request.COOKIES.get(
        settings.CSRF_COOKIE_NAME)


def _key(view_id, request, args, kwargs) -> tuple:
    csrf = request.COOKIES.get(settings.CSRF_COOKIE_NAME, "")
    htmx = getattr(request, "htmx", None)
    return (view_id, request.path, tuple(args), tuple(sorted(kwargs.items())), resultcache.parameters_key(request),
            resultcache.context_key(request), hashlib.sha256(csrf.encode()).hexdigest()[:16],
            (bool(htmx), getattr(htmx, "target", None), getattr(htmx, "boosted", False)) if htmx is not None else None)


def _serve(view_id, request, args, kwargs, call):
    user = getattr(request, "user", None)
    if request.method != "GET" or user is None or not user.is_authenticated or _pending_messages(request):
        return call()
    answer = {}

    def compute():
        response = call()
        if hasattr(response, "render") and not getattr(response, "is_rendered", True):
            response.render()
        answer["response"] = response
        cookies = set(response.cookies) - {settings.CSRF_COOKIE_NAME}
        if (response.status_code != 200 or getattr(response, "streaming", False) or cookies
                or _new_csrf_secret(request) or _pending_messages(request)
                or set(response.headers) - {"Content-Type", "X-Frame-Options", "Vary"}):
            raise resultcache.Uncacheable(None)
        return _Page(response.content, response["Content-Type"])

    page = resultcache.cached("page", _key(view_id, request, args, kwargs), compute, depends_on=resultcache.ACCOUNT_TABLES)
    if "response" in answer:
        return answer["response"]
    return HttpResponse(page.content, content_type=page.content_type)


def kept_page(get):
    """For a class-based view's ``get`` (a view without side effects: lists, search)."""

    @functools.wraps(get)
    def wrapper(self, request, *args, **kwargs):
        view_id = (type(self).__module__, type(self).__qualname__)
        return _serve(view_id, request, args, kwargs, lambda: get(self, request, *args, **kwargs))

    return wrapper


def kept_view(view):
    """For a function view without side effects."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        return _serve((view.__module__, view.__qualname__), request, args, kwargs,
                      lambda: view(request, *args, **kwargs))

    return wrapper


class _KeptData:
    """An API answer's data kept as one pickled string.

    Kept as it is, a page of 25 records is some 800 dicts and lists, each watched by the
    garbage collector: a worker that had answered 300 varied API lists held 330,000 of them,
    and every full collection walked them all (about 200 ms, inside some request every few
    dozen). A string is not watched, and its size is what the store's budget counts (the
    dicts were counted at a few hundred bytes a page, so the budget never bounded them)."""

    __slots__ = ("blob", "_zl_size")

    def __init__(self, data):
        self.blob = pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)
        self._zl_size = len(self.blob) + 100

    def data(self):
        return pickle.loads(self.blob)  # nosec B301 - pickled above, by this platform


def kept_api_data(view, request, compute):
    """The data of a read-only API answer for this caller and these parameters, computed
    by ``compute()`` or kept (the links in it name the host and scheme asked for)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return compute()
    key = ((type(view).__module__, type(view).__qualname__, getattr(view, "action", None)), request.path,
           request.get_host(), request.scheme, resultcache.parameters_key(request), resultcache.context_key(request),
           getattr(getattr(request, "accepted_renderer", None), "format", None))
    computed = {}

    def keep():
        data = computed["data"] = compute()
        return _KeptData(data)

    kept = resultcache.cached("api", key, keep, depends_on=resultcache.ACCOUNT_TABLES)
    if "data" in computed:
        return computed["data"]
    return kept.data() if isinstance(kept, _KeptData) else kept
