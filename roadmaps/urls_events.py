"""Events and risk profiles; included by roadmaps/urls.py (app_name "roadmaps")."""

from django.urls import path

from . import views_events, views_risks

urlpatterns = [
    path("events/", views_events.event_list, name="events"),
    path("events/new/", views_events.event_create, name="event_create"),
    path("events/<int:pk>/", views_events.event_detail, name="event_detail"),
    path("events/<int:pk>/edit/", views_events.event_edit, name="event_edit"),
    path("events/<int:pk>/delete/", views_events.event_delete, name="event_delete"),
    path("risks/", views_risks.risk_list, name="risks"),
    path("risks/<int:school_pk>/<int:year>/", views_risks.risk_profile, name="risk_profile"),
    path("risks/<int:school_pk>/<int:year>/copy/", views_risks.risk_profile_copy, name="risk_profile_copy"),
]
