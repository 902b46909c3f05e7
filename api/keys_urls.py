from django.urls import path

from . import views_keys

app_name = "api_keys"
urlpatterns = [
    path("", views_keys.key_list, name="list"),
    path("<str:pk>/revoke/", views_keys.key_revoke, name="revoke"),
]
