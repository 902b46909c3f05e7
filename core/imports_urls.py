from django.urls import path

from . import views_imports as views

app_name = "imports"
urlpatterns = [
    path("", views.import_list, name="list"),
    path("<slug:kind>/new/", views.import_new, name="new"),
    path("<slug:kind>/template.xlsx", views.import_template, name="template"),
    path("<int:pk>/", views.import_detail, name="detail"),
    path("<int:pk>/apply/", views.import_apply, name="apply"),
    path("<int:pk>/errors.csv", views.import_errors_csv, name="errors"),
    path("<int:pk>/changes.csv", views.import_changes_csv, name="changes"),
]
