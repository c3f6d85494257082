"""The project's routes: the admin, the schema and its docs, the API v1 of every app, the public 公示 pages."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from certification.public_views import verify_page
from config.health import ReadyView, health
from config.metrics import metrics
from reviews.public_urls import pages as public_pages

handler400 = "config.api.errors.json_400"
handler404 = "config.api.errors.json_404"
handler500 = "config.api.errors.json_500"

api_v1 = [
    path("", include("accounts.urls")),
    path("", include("applications.urls")),
    path("", include("reviews.urls")),
    path("", include("reviews.public_urls")),
    path("", include("certification.urls")),
    path("", include("notifications.urls")),
]

urlpatterns = [
    path("health/", health, name="health"),
    path("ready/", ReadyView.as_view(), name="ready"),
    path("metrics", metrics, name="metrics"),
    # The page the QR code on a certificate opens (public, Chinese, for a phone).
    path("verify/<str:code>/", verify_page, name="verify-page"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file of its own: no inline script under the CSP.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("api/v1/", include(api_v1)),
    # The public announcement (公示) pages: no login, de-identified data only.
    path("gongshi/", include((public_pages, "gongshi"))),
]
