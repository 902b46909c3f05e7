from django.urls import path

from . import views

app_name = "mentoring"
urlpatterns = [
    path("", views.index, name="index"),
    path("my/", views.my, name="my"),
    path("tutors/", views.tutor_list, name="tutors"),
    path("mentors/<int:pk>/end/", views.mentor_end, name="mentor_end"),
    path("tutors/<int:pk>/end/", views.tutor_end, name="tutor_end"),
    path("orders/", views.order_list, name="orders"),
    path("orders/new/", views.order_create, name="order_create"),
    path("orders/<int:pk>/", views.order_detail, name="order_detail"),
    path("orders/<int:pk>/lines/", views.order_lines_add, name="order_lines_add"),
    path("partnerships/", views.partnership_list, name="partnerships"),
    path("partnerships/new/", views.partnership_create, name="partnership_create"),
    path("partnerships/<int:pk>/", views.partnership_detail, name="partnership_detail"),
    path("partnerships/<int:pk>/items/", views.plan_item_add, name="plan_item_add"),
    path("plan-items/<int:pk>/status/", views.plan_item_move, name="plan_item_move"),
    path("log/", views.log_list, name="log"),
    path("log/new/", views.log_create, name="log_create"),
    path("log/<int:pk>/edit/", views.log_edit, name="log_edit"),
    path("log/<int:pk>/delete/", views.log_delete, name="log_delete"),
    path("coverage/", views.coverage, name="coverage"),
]
