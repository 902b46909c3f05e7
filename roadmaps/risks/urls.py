"""Risk profiles pages; included by roadmaps/urls.py (app_name "roadmaps")."""

from django.urls import path

from . import views

urlpatterns = [
    path("risks/", views.risk_list, name="risks"),
    path("risks/<int:school_pk>/<int:year>/", views.risk_profile, name="risk_profile"),
    path("risks/<int:school_pk>/<int:year>/copy/", views.risk_profile_copy, name="risk_profile_copy"),
]
