from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import include, path
from django.views import defaults
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from .health import health

urlpatterns = [
    path("health/", health, name="health"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("gaplanner.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file: the Content-Security-Policy allows
    # no inline script.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="gaplanner/swagger_ui.html"),
        name="api-docs",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("apps.feeds.urls")),
    path("", include("apps.web.urls")),
]


def _json_for_api(status: int, detail: str, fallback: Any) -> Any:
    def handler(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": detail}, status=status)
        return fallback(request, *args, **kwargs)

    return handler


# Outside DRF's views (an unknown /api/ path, a crash), API clients still get JSON.
handler400 = "apps.kernel.request_limits.bad_request"
handler404 = _json_for_api(404, "Not found.", defaults.page_not_found)
handler500 = _json_for_api(500, "Server error.", defaults.server_error)
