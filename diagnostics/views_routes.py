"""Individual routes (ИОМ): drafted from a diagnostics, edited and approved by the methodologist or tutor."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.forms import add_service_error
from core.people import assignable_people
from core.plural import count_noun
from core.policies import VIEW, policy_for
from schools.models import Teacher
from schools.school_years import school_year_label, school_year_of

from . import selectors, services
from .forms import RouteApproveForm, RouteCreateForm, RouteLineForm
from .models import Campaign, Route, RouteLine, RouteStatus
from .policies import DRAFT, WRITE
from .routes import school_year_quarters


@login_required
def route_list(request):
    status = request.GET.get("status") or ""
    due = request.GET.get("due") == "1"
    routes = (
        selectors.routes_listed(
            request.user,
            status=status,
            due=due,
            school=selectors.school_param(request.GET.get("school")),
            today=timezone.localdate(),
        )
        .select_related("teacher__school", "campaign", "approved_by")
        .order_by("-school_year", "teacher__school__name", "teacher__last_name", "teacher__first_name", "pk")
    )
    year = request.GET.get("year") or ""
    if year.isdigit():
        routes = routes.filter(school_year=int(year))
    page = Paginator(routes, 50).get_page(request.GET.get("page"))
    years = sorted(
        set(Route.objects.visible_to(request.user).values_list("school_year", flat=True)), reverse=True
    )
    return render(
        request,
        "diagnostics/route_list.html",
        {
            "page_obj": page,
            "years": years,
            "year": year,
            "status": status,
            "statuses": RouteStatus.choices,
            "due": due,
            "show_tabs": policy_for(Campaign).can(request.user, VIEW),
        },
    )


@login_required
def route_create(request, teacher_pk: int):
    teacher = get_object_or_404(
        Teacher.objects.visible_to(request.user).select_related("school"), pk=teacher_pk
    )
    if not policy_for(Route).can_for_teacher(request.user, DRAFT, teacher):
        raise PermissionDenied("Составлять ИОМ могут методист муниципалитета и тьютор педагога.")
    campaigns = Campaign.objects.filter(results__teacher=teacher).distinct().order_by("-start_date")
    this_year = school_year_of(timezone.localdate())
    initial = {"school_year": this_year}
    if (request.GET.get("campaign") or "").isdigit():
        initial["campaign"] = int(request.GET["campaign"])
    form = RouteCreateForm(
        request.POST or None, campaigns=campaigns, years=[this_year, this_year + 1], initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            route = services.route_draft(teacher=teacher, user=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as error:
            add_service_error(form, error)
        else:
            messages.success(
                request, "Черновик ИОМ составлен по дефицитам. Проверьте строки и утвердите маршрут."
            )
            return redirect("diagnostics:route_detail", pk=route.pk)
    return render(
        request,
        "diagnostics/route_create.html",
        {"form": form, "teacher": teacher, "has_campaigns": campaigns.exists()},
    )


@login_required
def route_detail(request, pk: int):
    route = get_object_or_404(
        Route.objects.visible_to(request.user).select_related("teacher__school", "campaign", "approved_by"),
        pk=pk,
    )
    lines = route.lines.select_related("activity", "responsible").order_by("position", "pk")
    today = timezone.localdate()
    return render(
        request,
        "diagnostics/route_detail.html",
        {
            "route": route,
            "lines": lines,
            "today": today,
            "can_edit": policy_for(Route).can_for_teacher(request.user, WRITE, route.teacher),
        },
    )


@login_required
def line_edit(request, pk: int, line_pk: int | None = None):
    route = get_object_or_404(
        Route.objects.editable_by(request.user).select_related("teacher__school"), pk=pk
    )
    line = get_object_or_404(RouteLine.objects.filter(route=route), pk=line_pk) if line_pk else None
    initial = {}
    if line is not None:
        initial = {
            "deficit": line.deficit,
            "task": line.task,
            "activity": line.activity,
            "form": line.form,
            "due": f"{line.due_year}-{line.due_quarter}",
            "responsible": line.responsible,
            "expected_result": line.expected_result,
            "reporting_form": line.reporting_form,
        }
    quarters = school_year_quarters(route.school_year) + [school_year_quarters(route.school_year)[-1].next()]
    form = RouteLineForm(
        request.POST or None, initial=initial, quarters=quarters, people=assignable_people(request.user)
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        due = data.pop("due")
        try:
            services.route_line_save(
                route=route, line=line, user=request.user, due_year=due.year, due_quarter=due.number, **data
            )
        except (ValidationError, PermissionDenied) as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Строка ИОМ сохранена.")
            return redirect("diagnostics:route_detail", pk=route.pk)
    return render(request, "diagnostics/line_form.html", {"form": form, "route": route, "line": line})


@login_required
@require_POST
def line_delete(request, pk: int, line_pk: int):
    route = get_object_or_404(Route.objects.editable_by(request.user), pk=pk)
    line = get_object_or_404(RouteLine.objects.filter(route=route), pk=line_pk)
    try:
        services.route_line_delete(line=line, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Строка удалена.")
    return redirect("diagnostics:route_detail", pk=route.pk)


@login_required
def route_approve_view(request, pk: int):
    """GET: what approving fixes (the teacher, the lines, their period) and a box to tick. POST: approve once the box
    is ticked (RouteApproveForm, checked here on the server) — issue #20 §3."""
    route = get_object_or_404(
        Route.objects.editable_by(request.user).select_related("teacher__school", "campaign"), pk=pk
    )
    if route.status == RouteStatus.APPROVED:
        messages.info(request, "ИОМ уже утверждён.")
        return redirect("diagnostics:route_detail", pk=route.pk)
    form = RouteApproveForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.route_approve(route=route, user=request.user)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "ИОМ утверждён: его строки появятся в квартальных формах школы.")
            return redirect("diagnostics:route_detail", pk=route.pk)
    lines = list(route.lines.select_related("activity", "responsible").order_by("position", "pk"))
    dues = sorted({line.due for line in lines})
    responsible = sorted(
        {line.responsible.full_name or line.responsible.username for line in lines if line.responsible}
    )
    return render(
        request,
        "diagnostics/route_approve.html",
        {
            "route": route,
            "form": form,
            "lines": lines,
            "lines_text": count_noun(len(lines), "строка", "строки", "строк"),
            "first_due": dues[0] if dues else None,
            "last_due": dues[-1] if dues else None,
            "school_year": school_year_label(route.school_year),
            "responsible": responsible,
        },
        status=400 if request.method == "POST" else 200,
    )
