from django.contrib import admin
from django.urls import include, path

from core.health import WEB_CHECKS, HealthView
from indicators import urls as indicators_urls
from roadmaps import urls as roadmaps_urls

from . import views

admin.site.site_header = "Портал ШНОР — администрирование"
admin.site.site_title = "Портал ШНОР"
admin.site.index_title = "Справочники и данные"

urlpatterns = [
    path("", views.home, name="home"),  # the portal shell's home page gathers every area
    path("", include("core.urls")),
    path("schools/", include("schools.urls")),
    path("mentoring/", include("mentoring.urls")),
    path("diagnostics/", include("diagnostics.urls")),
    # The programme's indicators and the dashboard (the indicators app, above roadmaps) keep their addresses under
    # /roadmaps/ and their names in the «roadmaps» namespace, beside the roadmaps' own pages.
    path("roadmaps/", include((roadmaps_urls.urlpatterns + indicators_urls.urlpatterns, "roadmaps"))),
    path("reports/", include("reports.urls")),
    path("imports/", include("core.imports_urls")),
    path("audit/", include("core.audit_urls")),
    path("notifications/", include("notifications.urls")),
    path("api/v1/", include("api.urls")),
    path("api-keys/", include("api.keys_urls")),
    path("admin/", admin.site.urls),
    # Monitoring, without login (core/health.py; docs/operations.md): everything, or what the web process needs.
    path("health/", HealthView.as_view(), name="health"),
    path("health/web/", HealthView.as_view(checks=WEB_CHECKS), name="health_web"),
]

# A lost database connection gives the 503 page even when it is raised in a middleware (core/middleware.py).
handler500 = "core.middleware.server_error"
