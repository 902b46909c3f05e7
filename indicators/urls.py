"""The programme's indicators and the methodologist's dashboard: shnor_portal/urls.py puts them under /roadmaps/ in the
«roadmaps» namespace, beside the roadmaps' own pages (they were a part of roadmaps until #18 §2)."""

from django.urls import path

from . import views

urlpatterns: list = [
    path("indicators/", views.indicators_page, name="indicators"),
    path("dashboard/", views.dashboard, name="dashboard"),
]
