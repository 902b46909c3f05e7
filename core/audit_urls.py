from django.urls import path

from . import views_audit as views

app_name = "audit"
urlpatterns = [
    path("", views.changes, name="changes"),
    path("logins/", views.logins, name="logins"),
]
