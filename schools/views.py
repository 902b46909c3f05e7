"""School registry pages.

Every read goes through ``School.objects.visible_to``, every write through ``School.objects.editable_by``:
a school outside the user's scope is a 404, not a 403, so guessed ids reveal nothing.
"""

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from core.policies import VIEW, policy_for

from .filters import SchoolFilter
from .forms import SchoolForm
from .models import SMALL_SAMPLE, School, Teacher
from .panels import school_panels
from .policies import MANAGE_TEACHERS
from .selectors import school_results_table, school_status_history, school_teachers
from .selectors_path_out import card_path_out
from .services import school_update

# A municipality has a few dozen schools, a region a few hundred to a couple of thousand: 50 rows keep a
# municipality on one or two pages and a page light enough to print.
SCHOOLS_PER_PAGE = 50


@login_required
def school_list(request):
    schools = (
        School.objects.visible_to(request.user)
        .select_related("municipality")
        .order_by("municipality__name", "name", "pk")  # pk breaks ties so pages never overlap
    )
    school_filter = SchoolFilter(request.GET or None, queryset=schools, request=request)
    page = Paginator(school_filter.qs, SCHOOLS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "schools/school_list.html", {"filter": school_filter, "page_obj": page})


@login_required
def school_detail(request, pk: int):
    school = get_object_or_404(
        School.objects.visible_to(request.user).select_related("municipality__region"), pk=pk
    )
    can_edit = School.objects.editable_by(request.user).filter(pk=school.pk).exists()
    today = timezone.localdate()
    results = school_results_table(request.user, school)
    history = school_status_history(request.user, school)
    return render(
        request,
        "schools/school_detail.html",
        {
            "school": school,
            "can_edit": can_edit,
            "results": results,
            "history": history,
            "path_out": card_path_out(history, results),  # issue #21 §1, from what the card has read
            "small_sample": SMALL_SAMPLE,
            "teachers": school_teachers(request.user, school),
            "may_see_teachers": policy_for(Teacher).can(request.user, VIEW),
            "can_add_teacher": policy_for(School).can(request.user, MANAGE_TEACHERS, school),
            "today": today,
            # the areas above schools add their parts of the card (mentoring: its panel and the log button)
            **school_panels("school", request.user, school, today),
        },
    )


@login_required
def school_edit(request, pk: int):
    school = get_object_or_404(
        School.objects.editable_by(request.user).select_related("municipality__region"), pk=pk
    )
    # The form validates a copy: a ModelForm writes the cleaned values into its instance, and the
    # service must compare them with the stored ones to save only what changed.
    form = SchoolForm(request.POST or None, instance=copy.copy(school))
    if request.method == "POST" and form.is_valid():
        school_update(school=school, user=request.user, **form.cleaned_data)
        messages.success(request, "Сведения о школе сохранены.")
        return redirect("schools:detail", pk=school.pk)
    return render(request, "schools/school_form.html", {"school": school, "form": form})
