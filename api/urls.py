from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from . import views, views_areas, views_docs, views_reports

router = DefaultRouter()
router.register("municipalities", views.MunicipalityViewSet, basename="municipality")
router.register("schools", views.SchoolViewSet, basename="school")
router.register("procedures", views.ProcedureViewSet, basename="procedure")
router.register("results", views.ResultViewSet, basename="result")
router.register("flags", views.FlagDecisionViewSet, basename="flag")
router.register("approved-lists", views.ApprovedListViewSet, basename="approved-list")
router.register("mentors", views_areas.MentorViewSet, basename="mentor")
router.register("tutors", views_areas.TutorViewSet, basename="tutor")
router.register("partnerships", views_areas.PartnershipViewSet, basename="partnership")
router.register("teachers", views_areas.TeacherViewSet, basename="teacher")
router.register("diagnostics", views_areas.DiagnosticsViewSet, basename="diagnostics")
router.register("route-progress", views_areas.RouteProgressViewSet, basename="route-progress")
router.register("roadmaps", views_areas.RoadmapViewSet, basename="roadmap")
router.register("roadmap-items", views_areas.RoadmapItemViewSet, basename="roadmap-item")
router.register("events", views_areas.EventViewSet, basename="event")
router.register("indicators", views_areas.IndicatorsViewSet, basename="indicators")
router.register("reports", views_reports.ReportViewSet, basename="report")

app_name = "api"
urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI whose start-up script is a same-origin file (?script), not inline: see api/views_docs.py (CSP).
    path("docs/", views_docs.ApiDocsView.as_view(url_name="api:schema"), name="docs"),
    path("results/intake/", views.ResultsIntakeView.as_view(), name="results-intake"),
    path("ping/", views.PingView.as_view(), name="ping"),
    path("", include(router.urls)),
    # Last: any other address under /api/v1/ ending in «/» is a 404 in the one error format, not the portal's HTML
    # page (an address without the slash is still redirected to the one with it by APPEND_SLASH).
    re_path(r"^.*/$", views.NotFoundView.as_view(), name="not-found"),
]
