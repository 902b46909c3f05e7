from django.urls import path

from . import views, views_identity, views_teachers, views_vpr_scales
from .views_flags import approved_lists, rule, statuses

app_name = "schools"
urlpatterns = [
    path("", views.school_list, name="list"),
    path("<int:pk>/", views.school_detail, name="detail"),
    path("<int:pk>/edit/", views.school_edit, name="edit"),
    # an import's preview: the school picked for a name that matched none or several (#19 §1)
    path("imports/<int:pk>/pick/", views_identity.import_pick, name="import_pick"),
    # teachers
    path("teachers/", views_teachers.teacher_list, name="teachers"),
    path("teachers/<int:pk>/", views_teachers.teacher_detail, name="teacher_detail"),
    path("teachers/<int:pk>/edit/", views_teachers.teacher_edit, name="teacher_edit"),
    path("teachers/<int:pk>/courses/new/", views_teachers.course_create_view, name="course_create"),
    path("courses/<int:pk>/delete/", views_teachers.course_delete_view, name="course_delete"),
    path("<int:school_pk>/teachers/new/", views_teachers.teacher_create_view, name="teacher_create"),
    # ШНОР: computed statuses, the rule, approved lists
    path("flags/", statuses.flags, name="flags"),
    path("flags/export.csv", statuses.flags_export, name="flags_export"),
    path("flags/recompute/", statuses.flags_recompute, name="flags_recompute"),
    path("rule/", rule.flag_rule, name="flag_rule"),
    # ВПР conversion scales (#19 §3.4)
    path("vpr-scales/", views_vpr_scales.vpr_scale_list, name="vpr_scales"),
    path("vpr-scales/new/", views_vpr_scales.vpr_scale_create, name="vpr_scale_create"),
    path("vpr-scales/<int:pk>/", views_vpr_scales.vpr_scale_edit, name="vpr_scale_edit"),
    path("lists/", approved_lists.approved_list_index, name="approved_list_index"),
    path("lists/new/", approved_lists.approved_list_create_view, name="approved_list_create"),
    path("lists/<int:pk>/", approved_lists.approved_list_detail, name="approved_list_detail"),
    path(
        "lists/<int:pk>/schools/<int:school_pk>/",
        approved_lists.approved_list_inclusion,
        name="approved_list_inclusion",
    ),
]
