from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.cache import add_never_cache_headers

from . import context


class PlatformLanguageMiddleware(LocaleMiddleware):
    """Pages are in Simplified Chinese unless the user picked English with the switch.

    A browser's Accept-Language is not consulted for pages: an official whose computer is set
    to English still gets the platform in its working language until choosing otherwise. API
    clients of other systems (no session cookie) choose with Accept-Language (PLT-10); the
    platform's own pages calling the API (the map) get their page's language.
    """

    def process_request(self, request):
        from_a_page = settings.SESSION_COOKIE_NAME in request.COOKIES or settings.LANGUAGE_COOKIE_NAME in request.COOKIES
        if request.path_info.startswith("/api/") and not from_a_page:
            return super().process_request(request)
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        try:
            language = translation.get_supported_language_variant(chosen) if chosen else settings.LANGUAGE_CODE
        except LookupError:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class RequestContextMiddleware:
    """Expose the acting user and a request id to audit records made during the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = context.set_for_request(request)
        try:
            response = self.get_response(request)
        finally:
            context.reset(token)
        response["X-Request-ID"] = request.request_id
        return response


class SecurityHeadersMiddleware:
    """Headers Django's SecurityMiddleware does not set, and the audit of refused requests.

    - ``Cache-Control: no-store`` on every response to a signed-in user, so pages holding
      confidential data stay in no browser or proxy cache (等保 剩余信息保护, SEC-09);
    - ``Permissions-Policy`` switching off device APIs the platform never uses;
    - a ``PermissionDenied`` raised by any view is recorded in the audit log (SEC-06).
    """

    PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", self.PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith("/static/"):
            add_never_cache_headers(response)
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, PermissionDenied):
            from . import audit
            from .models import AuditAction

            audit.write(action=AuditAction.PERMISSION_DENIED, message=f"{request.method} {request.path}"[:500])
        return None
