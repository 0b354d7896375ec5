"""Per-request context (actor, request id, address) for audit records outside views."""

import contextlib
import contextvars
import re
import uuid
from dataclasses import dataclass, field


@dataclass
class RequestContext:
    user: object = None
    request_id: str = ""
    ip_address: str | None = None
    path: str = ""
    request: object = field(default=None, repr=False)

    @property
    def actor(self):
        """Who acts now: the request's user as it stands when asked, else ``user``.

        Read from the request at the time of each record, not when the request came in: the
        API authenticates its token inside the view (DRF sets ``request.user`` then), after
        the middleware made this context; sign-in and sign-out change the user mid-request.
        """
        if self.request is not None:
            return getattr(self.request, "user", None)
        return self.user


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "zhilian_request_context", default=None
)


def current() -> RequestContext:
    return _current.get() or RequestContext()


@contextlib.contextmanager
def acting_as(user, *, path: str = ""):
    """Attribute the changes made inside the block to ``user`` (commands, jobs, tests)."""
    token = _current.set(RequestContext(user=user, request_id=str(uuid.uuid4()), path=path))
    try:
        yield
    finally:
        _current.reset(token)


_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def _request_id(supplied: str) -> str:
    """Keep a proxy's correlation id if it is a plain token; otherwise make one."""
    return supplied if _REQUEST_ID.match(supplied or "") else str(uuid.uuid4())


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or the entry our own proxies added to X-Forwarded-For.

    A client can send any X-Forwarded-For it likes, so only the last ``ZHILIAN_PROXY_COUNT``
    hops (the reverse proxies of the deployment) are trusted; by default none is, and the
    audit log and the per-address sign-in limits use the connection's address (SEC-02).
    """
    from django.conf import settings

    proxies = getattr(settings, "ZHILIAN_PROXY_COUNT", 0)
    if proxies:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(hops) >= proxies:
            return hops[-proxies] or None
    return request.META.get("REMOTE_ADDR") or None


def set_for_request(request) -> contextvars.Token:
    ip = client_ip(request)
    ctx = RequestContext(
        user=getattr(request, "user", None),
        request_id=_request_id(request.META.get("HTTP_X_REQUEST_ID", "")),
        ip_address=ip or None,
        path=request.path[:255],
        request=request,
    )
    request.request_id = ctx.request_id
    return _current.set(ctx)


def reset(token) -> None:
    _current.reset(token)


def safe_return_url(request, url: str | None, default: str = "/") -> str:
    """``url`` if it stays on this site, else ``default``: no open redirects (SEC-09)."""
    from django.utils.http import url_has_allowed_host_and_scheme

    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
        return url
    return default
