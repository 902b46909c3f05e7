"""Diagnostics campaigns: list, creation, results entry, deficits, dynamics."""

from django.urls import path

from . import views_campaigns as views

urlpatterns: list = [
    path("campaigns/", views.campaign_list, name="campaigns"),
    path("campaigns/new/", views.campaign_create, name="campaign_create"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign_detail"),
    path("campaigns/<int:pk>/teachers/<int:teacher_pk>/", views.teacher_results, name="teacher_results"),
    path(
        "campaigns/<int:pk>/deficits/<int:deficit_pk>/delete/",
        views.specific_deficit_delete,
        name="specific_deficit_delete",
    ),
    path("dynamics/", views.dynamics, name="dynamics"),
]
