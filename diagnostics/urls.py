from django.urls import path

from . import urls_campaigns, views_forms, views_routes

app_name = "diagnostics"
urlpatterns = [
    *urls_campaigns.urlpatterns,
    path("routes/", views_routes.route_list, name="routes"),
    path("routes/new/<int:teacher_pk>/", views_routes.route_create, name="route_create"),
    path("routes/<int:pk>/", views_routes.route_detail, name="route_detail"),
    path("routes/<int:pk>/lines/new/", views_routes.line_edit, name="line_create"),
    path("routes/<int:pk>/lines/<int:line_pk>/", views_routes.line_edit, name="line_edit"),
    path("routes/<int:pk>/lines/<int:line_pk>/delete/", views_routes.line_delete, name="line_delete"),
    path("routes/<int:pk>/approve/", views_routes.route_approve_view, name="route_approve"),
    path("forms/", views_forms.form_index, name="forms"),
    path("forms/open/<int:school_pk>/<int:year>/<int:quarter>/", views_forms.form_open, name="form_open"),
    path("forms/<int:pk>/", views_forms.form_detail, name="form_detail"),
    path("forms/<int:pk>/review/", views_forms.form_review, name="form_review"),
    path("evidence/<int:entry_pk>/", views_forms.evidence_download, name="evidence"),
    path("dashboard/", views_forms.dashboard, name="dashboard"),
]
