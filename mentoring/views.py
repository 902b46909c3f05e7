"""Mentoring pages. Reads start at ``visible_to``; writes go through the services, which check the gate.

Objects outside the user's reach are 404 (guessed ids reveal nothing); a page the user's role has no use
for is 403 with an explanation.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.forms import add_service_error
from core.people import assignable_people
from core.policies import CHANGE, policy_for
from schools.models import FlagDecision, School, Teacher
from schools.school_years import school_year_of
from schools.selectors import flag_default_year, flag_list_years, school_results_table

from . import selectors, services
from .forms import (
    EndAssignmentForm,
    LogEntryForm,
    MentorLineFormSet,
    OrderForm,
    PartnershipForm,
    PlanItemForm,
    PlanMoveForm,
    TutorLineFormSet,
)
from .models import LogEntry, LogKind, MentorAssignment, Order, Partnership, PlanItem, TutorAssignment
from .policies import ASSIGN, COVERAGE, CREATE, EDIT_PLAN, LOG, OWN, TOTALS

PER_PAGE = 50


def _manages(user) -> bool:
    """The mentoring area's staff: who enters orders (mentoring.policies.OrderPolicy, ``create`` anywhere)."""
    return policy_for(Order).can(user, CREATE)


def _require_staff(user) -> None:
    if not _manages(user):
        raise PermissionDenied("Этот раздел ведут методисты органа управления образованием.")


def _status_filter(queryset, status: str, today):
    if status == "active":
        return queryset.active(today)
    if status == "ended":
        return queryset.filter(end_date__lt=today)
    if status == "future":
        return queryset.filter(start_date__gt=today)
    return queryset


STATUS_CHOICES = [("active", "действующие"), ("ended", "завершённые"), ("future", "будущие"), ("all", "все")]


@login_required
def index(request):
    """Mentors of schools: who is assigned where, by which order; active ones first."""
    today = timezone.localdate()
    status = request.GET.get("status") or "active"
    text = (request.GET.get("q") or "").strip()
    assignments = (
        MentorAssignment.objects.visible_to(request.user)
        .select_related("school__municipality", "mentor_user", "mentor_school", "order")
        .order_by("school__municipality__name", "school__name", "-start_date", "pk")
    )
    assignments = _status_filter(assignments, status, today)
    if text:
        assignments = assignments.filter(
            Q(school__name__icontains=text)
            | Q(school__short_name__icontains=text)
            | Q(school__code__icontains=text)
            | Q(mentor_user__last_name__icontains=text)
            | Q(mentor_school__name__icontains=text)
        )
    page = Paginator(assignments, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "mentoring/index.html",
        {
            "page_obj": page,
            "status": status,
            "q": text,
            "status_choices": STATUS_CHOICES,
            "today": today,
            "can_manage": policy_for(MentorAssignment).can(request.user, ASSIGN),
        },
    )


@login_required
def tutor_list(request):
    today = timezone.localdate()
    status = request.GET.get("status") or "active"
    assignments = (
        TutorAssignment.objects.visible_to(request.user)
        .select_related("teacher__school__municipality", "tutor", "subject", "order")
        .order_by("teacher__school__name", "teacher__last_name", "teacher__first_name", "subject__name", "pk")
    )
    assignments = _status_filter(assignments, status, today)
    page = Paginator(assignments, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "mentoring/tutor_list.html",
        {
            "page_obj": page,
            "status": status,
            "status_choices": STATUS_CHOICES,
            "today": today,
            "can_manage": policy_for(TutorAssignment).can(request.user, ASSIGN),
        },
    )


# --- orders ---------------------------------------------------------------------------------------------


@login_required
def order_list(request):
    orders = (
        Order.objects.visible_to(request.user)
        .select_related("municipality")
        .annotate(
            mentor_count=Count("mentor_assignments", distinct=True),
            tutor_count=Count("tutor_assignments", distinct=True),
            partnership_count=Count("partnerships", distinct=True),
        )
        .order_by("-date", "-pk")
    )
    page = Paginator(orders, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "mentoring/order_list.html",
        {"page_obj": page, "can_manage": _manages(request.user)},
    )


def _line_formsets(request, user, *, prefix_data=None):
    schools = School.objects.editable_by(user).active().select_related("municipality").order_by("name")
    people = assignable_people(user)
    mentor_schools = School.objects.visible_to(user).active().order_by("name")
    teachers = (
        Teacher.objects.editable_by(user)
        .filter(school__in=schools)
        .active()
        .select_related("school")
        .order_by("school__name", "last_name", "first_name")
    )
    data = request.POST if request.method == "POST" else None
    mentor_lines = MentorLineFormSet(
        data,
        prefix="mentors",
        form_kwargs={"schools": schools, "people": people, "mentor_schools": mentor_schools},
    )
    tutor_lines = TutorLineFormSet(
        data, prefix="tutors", form_kwargs={"teachers": teachers, "people": people}
    )
    return mentor_lines, tutor_lines


def _save_lines(order: Order, mentor_lines, tutor_lines, user) -> tuple[int, int]:
    """Every line or none (the caller's transaction); errors come back per line as ValidationError."""
    created = []
    for formset, create, section in (
        (mentor_lines, services.mentor_assign, "Наставники, строка"),
        (tutor_lines, services.tutor_assign, "Тьюторы, строка"),
    ):
        filled = [(n, form) for n, form in enumerate(formset, start=1) if form.cleaned_data and form.is_line]
        created.append(
            services.order_lines_create(
                lines=[{"order": order, **form.cleaned_data} for _n, form in filled],
                numbers=[n for n, _form in filled],
                create=create,
                user=user,
                section=section,
            )
        )
    return len(created[0]), len(created[1])


@login_required
def order_create(request):
    """A new order with its lines: mentors for schools and tutors for teachers, all saved or none."""
    from django.db import transaction

    _require_staff(request.user)
    municipalities = policy_for(Order).municipalities(request.user).order_by("name")
    if not municipalities.exists():
        raise PermissionDenied("Вносить приказы может только методист муниципалитета.")
    form = OrderForm(request.POST or None, municipalities=municipalities)
    mentor_lines, tutor_lines = _line_formsets(request, request.user)
    if request.method == "POST" and form.is_valid() and mentor_lines.is_valid() and tutor_lines.is_valid():
        try:
            with transaction.atomic():
                order = services.order_create(user=request.user, **form.cleaned_data)
                mentors, tutors = _save_lines(order, mentor_lines, tutor_lines, request.user)
        except (ValidationError, PermissionDenied) as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                f"Приказ № {order.number} от {order.date:%d.%m.%Y} внесён: наставников — {mentors}, тьюторов — {tutors}.",
            )
            return redirect("mentoring:order_detail", pk=order.pk)
    return render(
        request,
        "mentoring/order_form.html",
        {"form": form, "mentor_lines": mentor_lines, "tutor_lines": tutor_lines, "order": None},
    )


@login_required
def order_detail(request, pk: int):
    order = get_object_or_404(Order.objects.visible_to(request.user).select_related("municipality"), pk=pk)
    return render(
        request,
        "mentoring/order_detail.html",
        {
            "order": order,
            "today": timezone.localdate(),
            "mentors": MentorAssignment.objects.visible_to(request.user)
            .filter(order=order)
            .select_related("school", "mentor_user", "mentor_school"),
            "tutors": TutorAssignment.objects.visible_to(request.user)
            .filter(order=order)
            .select_related("teacher__school", "tutor", "subject"),
            "partnerships": Partnership.objects.visible_to(request.user)
            .filter(order=order)
            .select_related("school"),
            "can_edit": policy_for(Order).can(request.user, CHANGE, order),
        },
    )


@login_required
def order_lines_add(request, pk: int):
    from django.db import transaction

    order = get_object_or_404(Order.objects.editable_by(request.user).select_related("municipality"), pk=pk)
    mentor_lines, tutor_lines = _line_formsets(request, request.user)
    errors: list[str] = []
    if request.method == "POST" and mentor_lines.is_valid() and tutor_lines.is_valid():
        try:
            with transaction.atomic():
                mentors, tutors = _save_lines(order, mentor_lines, tutor_lines, request.user)
        except (ValidationError, PermissionDenied) as error:
            errors = error.messages if isinstance(error, ValidationError) else [str(error)]
        else:
            messages.success(request, f"Добавлено: наставников — {mentors}, тьюторов — {tutors}.")
            return redirect("mentoring:order_detail", pk=order.pk)
    return render(
        request,
        "mentoring/order_form.html",
        {
            "form": None,
            "order": order,
            "mentor_lines": mentor_lines,
            "tutor_lines": tutor_lines,
            "errors": errors,
        },
    )


# --- ending assignments ---------------------------------------------------------------------------------


def _end_view(request, model, pk: int, end_service, back: str):
    assignment = get_object_or_404(model.objects.editable_by(request.user).select_related("order"), pk=pk)
    form = EndAssignmentForm(request.POST or None, initial={"end_date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            end_service(assignment=assignment, user=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Назначение завершено; запись о нём сохранена в истории.")
            return redirect(back)
    return render(
        request, "mentoring/assignment_end.html", {"form": form, "assignment": assignment, "back": back}
    )


@login_required
def mentor_end(request, pk: int):
    return _end_view(request, MentorAssignment, pk, services.mentor_assignment_end, "mentoring:index")


@login_required
def tutor_end(request, pk: int):
    return _end_view(request, TutorAssignment, pk, services.tutor_assignment_end, "mentoring:tutors")


# --- partnerships ---------------------------------------------------------------------------------------


@login_required
def partnership_list(request):
    school_year = school_year_of(timezone.localdate())
    partnerships = (
        Partnership.objects.visible_to(request.user)
        .select_related("school__municipality", "order")
        .prefetch_related("partners")
        .order_by("-last_year", "school__name", "pk")
    )
    page = Paginator(partnerships, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "mentoring/partnership_list.html",
        {
            "page_obj": page,
            "school_year": school_year,
            "can_manage": policy_for(Partnership).can(request.user, CREATE),
        },
    )


@login_required
def partnership_create(request):
    _require_staff(request.user)
    today = timezone.localdate()
    form = PartnershipForm(
        request.POST or None,
        schools=School.objects.editable_by(request.user).active().order_by("name"),
        partners=School.objects.visible_to(request.user).active().order_by("name"),
        current_year=school_year_of(today),
        initial={"school": request.GET.get("school")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            partnership = services.partnership_create(user=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Партнёрство создано. Добавьте пункты совместного плана.")
            return redirect("mentoring:partnership_detail", pk=partnership.pk)
    return render(request, "mentoring/partnership_form.html", {"form": form})


@login_required
def partnership_detail(request, pk: int):
    partnership = get_object_or_404(
        Partnership.objects.visible_to(request.user).select_related("school__municipality", "order"), pk=pk
    )
    today = timezone.localdate()
    # Partners may lie outside the user's reach (a regional school); their results are shown only where
    # the gate lets the user see them.
    partners = list(partnership.partners.all().order_by("name"))
    visible_partner_ids = set(
        School.objects.visible_to(request.user)
        .filter(pk__in=[p.pk for p in partners])
        .values_list("pk", flat=True)
    )
    columns = [(partnership.school, school_results_table(request.user, partnership.school))]
    columns += [(p, school_results_table(request.user, p)) for p in partners if p.pk in visible_partner_ids]
    statuses: dict[int, FlagDecision] = {}
    for decision in FlagDecision.objects.filter(school__in=[c[0] for c in columns]).order_by("-list_year"):
        statuses.setdefault(decision.school_id, decision)  # the latest year's status of each school
    items = list(partnership.plan_items.all())
    can_edit_plan = policy_for(Partnership).can(request.user, EDIT_PLAN, partnership)
    return render(
        request,
        "mentoring/partnership_detail.html",
        {
            "partnership": partnership,
            "partners": partners,
            "columns": columns,
            "statuses": statuses,
            "items": [(item, item.is_overdue(today)) for item in items],
            "can_edit_plan": can_edit_plan,
            "item_form": PlanItemForm() if can_edit_plan else None,
            "status_choices": PlanMoveForm.base_fields["status"].choices,
            "comparison": _comparison(columns),
        },
    )


def _comparison(columns):
    """Rows procedure × year with the share of «2» of each school side by side (latest three years)."""
    years = sorted({y for _school, table in columns for y in table.years})[-3:]
    keys: dict[tuple, dict] = {}
    for index, (_school, table) in enumerate(columns):
        for row in table.rows:
            key = (row.kind, row.subject, row.grade)
            cells = dict(zip(table.years, row.cells, strict=True))
            keys.setdefault(key, {})[index] = [cells.get(y) for y in years]
    rows = []
    for key in sorted(keys):
        per_school = [keys[key].get(i, [None] * len(years)) for i in range(len(columns))]
        rows.append({"kind": key[0], "subject": key[1], "grade": key[2], "schools": per_school})
    return {"years": years, "rows": rows}


@login_required
@require_POST
def plan_item_add(request, pk: int):
    partnership = get_object_or_404(Partnership.objects.visible_to(request.user), pk=pk)
    form = PlanItemForm(request.POST)
    if form.is_valid():
        try:
            services.plan_item_add(partnership=partnership, user=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        else:
            messages.success(request, "Пункт плана добавлен.")
    else:
        messages.error(request, "Пункт не добавлен: укажите мероприятие и срок.")
    return redirect("mentoring:partnership_detail", pk=partnership.pk)


@login_required
@require_POST
def plan_item_move(request, pk: int):
    item = get_object_or_404(PlanItem.objects.visible_to(request.user).select_related("partnership"), pk=pk)
    form = PlanMoveForm(request.POST)
    if form.is_valid():
        try:
            services.plan_item_move(item=item, user=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        else:
            messages.success(request, f"Статус пункта «{item.title}»: {item.get_status_display()}.")
    return redirect("mentoring:partnership_detail", pk=item.partnership_id)


# --- the log --------------------------------------------------------------------------------------------


@login_required
def log_list(request):
    entries = LogEntry.objects.visible_to(request.user)
    school_id = request.GET.get("school")
    kind = request.GET.get("kind")
    if school_id and school_id.isdigit():
        entries = entries.filter(school_id=int(school_id))
    if kind in LogKind.values:
        entries = entries.filter(kind=kind)
    listing = (
        entries.select_related("school", "author")
        .prefetch_related(
            Prefetch(
                "teachers", queryset=Teacher.objects.visible_to(request.user), to_attr="visible_teachers"
            )
        )
        .order_by("-date", "-pk")
    )
    page = Paginator(listing, PER_PAGE).get_page(request.GET.get("page"))
    staff = policy_for(LogEntry).can(request.user, TOTALS)
    return render(
        request,
        "mentoring/log_list.html",
        {
            "page_obj": page,
            "totals": selectors.log_totals(entries) if staff else None,
            "kinds": LogKind.choices,
            "kind": kind,
            "schools": School.objects.visible_to(request.user)
            .filter(mentoring_log__isnull=False)
            .distinct()
            .order_by("name"),
            "school_id": school_id,
            "can_log": policy_for(LogEntry).can(request.user, LOG),
            "can_manage": _manages(request.user),
        },
    )


def _log_form(request, user, instance=None):
    schools = policy_for(LogEntry).schools(user, LOG).select_related("municipality").order_by("name")
    teachers = (
        Teacher.objects.visible_to(instance.author if instance else user)
        .active()
        .filter(school__in=schools if instance is None else [instance.school])
        .select_related("school")
        .order_by("school__name", "last_name", "first_name")
    )
    initial = {"date": timezone.localdate()}
    if request.GET.get("school", "").isdigit():
        initial["school"] = int(request.GET["school"])
    return LogEntryForm(
        request.POST or None, instance=instance, schools=schools, teachers=teachers, initial=initial
    )


@login_required
def log_create(request):
    if not policy_for(LogEntry).can(request.user, LOG):
        raise PermissionDenied("Вести журнал могут наставники и тьюторы, назначенные приказом, и методисты.")
    form = _log_form(request, request.user)
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.log_entry_create(author=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"Запись «{entry.topic}» добавлена в журнал.")
            return redirect("mentoring:log" if _manages(request.user) else "mentoring:my")
    return render(request, "mentoring/log_form.html", {"form": form, "entry": None})


@login_required
def log_edit(request, pk: int):
    entry = get_object_or_404(
        LogEntry.objects.editable_by(request.user).select_related("school", "author"), pk=pk
    )
    form = _log_form(request, request.user, instance=entry)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "school"}
        try:
            services.log_entry_update(entry=LogEntry.objects.get(pk=entry.pk), user=request.user, **data)
        except (ValidationError, PermissionDenied) as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Запись журнала исправлена.")
            return redirect("mentoring:log")
    return render(request, "mentoring/log_form.html", {"form": form, "entry": entry})


@login_required
@require_POST
def log_delete(request, pk: int):
    entry = get_object_or_404(LogEntry.objects.editable_by(request.user), pk=pk)
    services.log_entry_delete(entry=entry, user=request.user)
    messages.success(request, "Запись журнала удалена.")
    return redirect("mentoring:log")


# --- coverage and the mentor's own page -----------------------------------------------------------------


@login_required
def coverage(request):
    policy_for(MentorAssignment).require(request.user, COVERAGE)
    years = flag_list_years(request.user)
    year_text = request.GET.get("year") or ""
    year = (
        int(year_text)
        if year_text.isdigit() and int(year_text) in years
        else flag_default_year(request.user, years=years)
    )
    report = selectors.coverage_report(request.user, year, today=timezone.localdate()) if year else None
    return render(request, "mentoring/coverage.html", {"report": report, "years": years, "year": year})


@login_required
def my(request):
    user = request.user
    policy_for(MentorAssignment).require(user, OWN)
    context = selectors.my_mentoring(user, today=timezone.localdate())
    context["can_log"] = policy_for(LogEntry).can(user, LOG)
    return render(request, "mentoring/my.html", context)
