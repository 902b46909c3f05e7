"""The programme's indicators and the methodologist's dashboard (included by roadmaps/urls.py)."""

from django.urls import path

from . import views

urlpatterns: list = [
    path("indicators/", views.indicators_page, name="indicators"),
    path("dashboard/", views.dashboard, name="dashboard"),
]
