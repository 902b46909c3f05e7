"""Teachers of schools: personal data, every read through ``Teacher.objects.visible_to``.

A teacher outside the user's reach is a 404. Names never go to logs or messages beyond the page itself.
"""

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.forms import add_service_error
from core.policies import policy_for

from .forms import CourseForm, TeacherForm
from .models import ProfessionalCourse, School, Subject, Teacher
from .panels import school_panels
from .policies import MANAGE_TEACHERS
from .services import course_add, course_delete, subject_get_or_create, teacher_create, teacher_update

TEACHERS_PER_PAGE = 50


@login_required
def teacher_list(request):
    teachers = (
        Teacher.objects.visible_to(request.user)
        .select_related("school__municipality")
        .prefetch_related("subjects")
        .order_by("school__name", "last_name", "first_name", "pk")
    )
    schools = School.objects.filter(pk__in=teachers.values("school_id")).order_by("name")
    school_id = request.GET.get("school") or ""
    if school_id.isdigit():
        teachers = teachers.filter(school_id=int(school_id))
    subject_id = request.GET.get("subject") or ""
    if subject_id.isdigit():
        teachers = teachers.filter(subjects=int(subject_id))
    if request.GET.get("inactive") != "1":
        teachers = teachers.active()
    teachers = teachers.search(request.GET.get("q", ""))
    page = Paginator(teachers, TEACHERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "schools/teacher_list.html",
        {
            "page_obj": page,
            "schools": schools,
            "school_id": school_id,
            "subjects": Subject.objects.filter(
                teachers__in=Teacher.objects.visible_to(request.user)
            ).distinct(),
            "subject_id": subject_id,
            "q": request.GET.get("q", ""),
            "inactive": request.GET.get("inactive") == "1",
            "writable_schools": policy_for(School).instances(request.user, MANAGE_TEACHERS).order_by("name"),
        },
    )


@login_required
def teacher_detail(request, pk: int):
    teacher = get_object_or_404(
        Teacher.objects.visible_to(request.user)
        .select_related("school__municipality")
        .prefetch_related("subjects"),
        pk=pk,
    )
    return render(
        request,
        "schools/teacher_detail.html",
        {
            "teacher": teacher,
            "today": timezone.localdate(),
            "can_edit": Teacher.objects.editable_by(request.user).filter(pk=teacher.pk).exists(),
            "courses": ProfessionalCourse.objects.visible_to(request.user).filter(teacher=teacher),
            # the areas above schools add their parts of the card (mentoring: the tutors and the log)
            **school_panels("teacher", request.user, teacher, timezone.localdate()),
        },
    )


def _subjects(form) -> list:
    return [
        *form.cleaned_data["subjects"],
        *(subject_get_or_create(n) for n in form.cleaned_data["new_subjects"]),
    ]


@login_required
def teacher_create_view(request, school_pk: int):
    school = get_object_or_404(policy_for(School).instances(request.user, MANAGE_TEACHERS), pk=school_pk)
    form = TeacherForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("subjects", "new_subjects")}
        try:
            with transaction.atomic():
                teacher = teacher_create(school=school, user=request.user, subjects=_subjects(form), **data)
        except (ValidationError, PermissionDenied) as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Педагог добавлен.")
            return redirect("schools:teacher_detail", pk=teacher.pk)
    return render(request, "schools/teacher_form.html", {"form": form, "school": school, "teacher": None})


@login_required
def teacher_edit(request, pk: int):
    teacher = get_object_or_404(Teacher.objects.editable_by(request.user).select_related("school"), pk=pk)
    initial = {
        "last_name": teacher.last_name,
        "first_name": teacher.first_name,
        "middle_name": teacher.middle_name,
        "position": teacher.position,
        "subjects": list(teacher.subjects.all()),
        "category": teacher.category,
        "experience_years": teacher.experience_years,
        "is_active": teacher.is_active,
    }
    form = TeacherForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("subjects", "new_subjects")}
        try:
            with transaction.atomic():
                teacher_update(
                    teacher=copy.copy(teacher), user=request.user, subjects=_subjects(form), **data
                )
        except (ValidationError, PermissionDenied) as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Сведения о педагоге сохранены.")
            return redirect("schools:teacher_detail", pk=teacher.pk)
    return render(
        request, "schools/teacher_form.html", {"form": form, "school": teacher.school, "teacher": teacher}
    )


@login_required
def course_create_view(request, pk: int):
    teacher = get_object_or_404(Teacher.objects.editable_by(request.user).select_related("school"), pk=pk)
    form = CourseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            course_add(teacher=teacher, user=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Курс повышения квалификации добавлен.")
            return redirect("schools:teacher_detail", pk=teacher.pk)
    return render(
        request,
        "core/form_page.html",
        {
            "form": form,
            "title": f"Курс повышения квалификации: {teacher.short_name}",
            "crumbs": [
                (reverse("schools:detail", args=[teacher.school_id]), teacher.school.display_name),
                (reverse("schools:teacher_detail", args=[teacher.pk]), teacher.short_name),
            ],
            "crumb_current": "Новый курс",
            "cancel_url": reverse("schools:teacher_detail", args=[teacher.pk]),
        },
    )


@login_required
@require_POST
def course_delete_view(request, pk: int):
    course = get_object_or_404(ProfessionalCourse.objects.editable_by(request.user), pk=pk)
    teacher_id = course.teacher_id
    course_delete(course=course, user=request.user)
    messages.success(request, "Курс удалён.")
    return redirect("schools:teacher_detail", pk=teacher_id)
