"""The programme's indicators and the methodologist's dashboard (included by roadmaps/urls.py)."""

from django.urls import path

from . import views_dashboard

urlpatterns: list = [
    path("indicators/", views_dashboard.indicators_page, name="indicators"),
    path("dashboard/", views_dashboard.dashboard, name="dashboard"),
]
