from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Портал ШНОР — администрирование"
admin.site.site_title = "Портал ШНОР"
admin.site.index_title = "Справочники и данные"

urlpatterns = [
    path("", include("core.urls")),
    path("schools/", include("schools.urls")),
    path("mentoring/", include("mentoring.urls")),
    path("diagnostics/", include("diagnostics.urls")),
    path("roadmaps/", include("roadmaps.urls")),
    path("reports/", include("reports.urls")),
    path("imports/", include("core.imports_urls")),
    path("api/v1/", include("api.urls")),
    path("api-keys/", include("api.keys_urls")),
    path("admin/", admin.site.urls),
]
