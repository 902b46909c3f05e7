from django.urls import path

from . import views
from .events import urls as events_urls
from .risks import urls as risks_urls

app_name = "roadmaps"
urlpatterns = [
    path("", views.roadmap_list, name="list"),
    path("new/", views.roadmap_create, name="create"),
    path("<int:pk>/", views.roadmap_detail, name="detail"),
    path("<int:pk>/copy/", views.roadmap_copy, name="copy"),
    path("<int:pk>/items/new/", views.item_edit, name="item_create"),
    path("<int:pk>/items/<int:item_pk>/", views.item_edit, name="item_edit"),
    path("items/<int:item_pk>/status/", views.item_move, name="item_move"),
    path("items/<int:item_pk>/evidence/", views.evidence_add, name="evidence_add"),
    path("evidence/<int:evidence_pk>/", views.evidence_download, name="evidence"),
    path("my/", views.my_items, name="my_items"),
    *events_urls.urlpatterns,
    *risks_urls.urlpatterns,
]
