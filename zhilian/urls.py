from django.conf import settings
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from zhilian.accounts.api.views import ObtainTokenView

# Domain apps in dependency order; each owns its urls.py and api/urls.py.
DOMAIN_APPS = ["directory", "needs", "chains", "problems", "consortia", "projects", "achievements", "evaluation"]

api_patterns = [
    path("auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("zhilian.core.api.urls")),
    path("", include("zhilian.accounts.api.urls")),
] + [path("", include(f"zhilian.{app}.api.urls")) for app in DOMAIN_APPS]

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("accounts/", include("zhilian.accounts.urls")),
    path("api/v1/", include(api_patterns)),
    path("", include("zhilian.core.urls")),
] + [path(f"{app}/", include(f"zhilian.{app}.urls")) for app in DOMAIN_APPS]

if settings.DEBUG or getattr(settings, "ZHILIAN_ADMIN_ENABLED", True):
    from django.contrib import admin

    urlpatterns.insert(0, path("django-admin/", admin.site.urls))
