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
    path("imports/", include("core.imports_urls")),
    path("admin/", admin.site.urls),
]
