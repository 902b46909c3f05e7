"""Events pages. Reads start at ``visible_to``; writes go through ``roadmaps.events.services``, which checks the gate.

An event outside the user's reach is 404; the create page is 403 for roles that do not record events.
Teachers' names appear only through ``Teacher.objects.visible_to``.
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
from core.policies import CHANGE, policy_for
from schools.models import School, Teacher

from ..models import Event, EventKind, EventLevel, RoadmapItem
from ..policies import TOTALS
from . import services
from .forms import EventForm

PER_PAGE = 50


def _ids(values) -> list[int]:
    return [int(v) for v in values if str(v).isdigit()]


def _year_choice(request, today) -> int | None:
    """The year filter: the current year unless another one (or «все», an empty value) was chosen."""
    if "year" not in request.GET:
        return today.year
    text = request.GET.get("year") or ""
    return int(text) if text.isdigit() and 1900 < int(text) < 3000 else None


@login_required
def event_list(request):
    user = request.user
    today = timezone.localdate()
    visible = Event.objects.visible_to(user)
    year = _year_choice(request, today)
    kind = request.GET.get("kind") or ""
    level = request.GET.get("level") or ""
    school_text = request.GET.get("school") or ""
    events = visible
    if year:
        events = events.filter(start_date__year=year)
    if kind in EventKind.values:
        events = events.filter(kind=kind)
    if level in EventLevel.values:
        events = events.filter(level=level)
    if school_text.isdigit():
        events = events.filter(schools=int(school_text))
    listing = (
        events.select_related("municipality")
        .prefetch_related(Prefetch("schools", queryset=School.objects.order_by("name")))
        .annotate(named_count=Count("teachers", distinct=True))
        .order_by("-start_date", "-pk")
    )
    page = Paginator(listing, PER_PAGE).get_page(request.GET.get("page"))
    years = sorted({d.year for d in visible.dates("start_date", "year")} | {today.year}, reverse=True)
    totals = services.event_totals(user, year) if year and policy_for(Event).can(user, TOTALS) else None
    return render(
        request,
        "roadmaps/event_list.html",
        {
            "page_obj": page,
            "year": year,
            "years": years,
            "kind": kind,
            "level": level,
            "school_id": school_text,
            "kinds": EventKind.choices,
            "levels": EventLevel.choices,
            "schools": School.objects.filter(pk__in=visible.values("schools")).order_by("name"),
            "totals": totals,
            "headlines": _headlines(totals) if totals else [],
            "can_manage": policy_for(Event).municipalities(user).exists(),
        },
    )


def _headlines(totals) -> list[str]:
    """«41 педагог ШНОР стал участником региональных (краевых, областных) мероприятий» per level."""
    lines = []
    for value, _label in totals.levels:
        n = totals.total_by_level[value]
        if n:
            lines.append(services.totals_sentence(n, value))
    return lines


def _event_form(request, user, event: Event | None = None) -> EventForm:
    municipalities = policy_for(Event).municipalities(user).order_by("name")
    current_schools = list(event.schools.values_list("pk", flat=True)) if event else []
    schools = (
        School.objects.visible_to(user)
        .filter(Q(is_active=True) | Q(pk__in=current_schools))
        .select_related("municipality")
        .order_by("municipality__name", "name")
    )
    if request.method == "POST":
        school_ids, teacher_ids = (
            _ids(request.POST.getlist("schools")),
            _ids(request.POST.getlist("teachers")),
        )
    elif event is not None:
        school_ids, teacher_ids = current_schools, list(event.teachers.values_list("pk", flat=True))
    else:
        school_ids, teacher_ids = _ids(request.GET.getlist("school")), []
    # The teachers of the chosen schools; the ones posted are kept so that the service explains a mismatch.
    teachers = (
        Teacher.objects.visible_to(user)
        .filter(Q(school_id__in=school_ids, is_active=True) | Q(pk__in=teacher_ids))
        .select_related("school")
        .order_by("school__name", "last_name", "first_name", "pk")
    )
    municipality_ids = list(municipalities.values_list("pk", flat=True)) + (
        [event.municipality_id] if event else []
    )
    roadmap_items = (
        RoadmapItem.objects.visible_to(user)
        .filter(roadmap__municipality_id__in=municipality_ids)
        .select_related("roadmap")
        .order_by("-roadmap__period_start", "roadmap_id", "position", "pk")
    )
    kwargs = {
        "municipalities": municipalities,
        "schools": schools,
        "teachers": teachers,
        "roadmap_items": roadmap_items,
        "editing": event is not None,
    }
    if request.method == "POST" and "refresh" in request.POST:
        # «Обновить список педагогов»: the same values again, unsaved, with the new schools' teachers.
        probe = EventForm(**kwargs)
        initial = {
            name: request.POST.getlist(name)
            if getattr(field.widget, "allow_multiple_selected", False)
            else request.POST.get(name)
            for name, field in probe.fields.items()
        }
        return EventForm(initial=initial, **kwargs)
    if request.method == "POST":
        return EventForm(request.POST, **kwargs)
    if event is not None:
        initial = {name: getattr(event, name) for name in services.EVENT_FIELDS}
        initial |= {"schools": school_ids, "teachers": teacher_ids}
        return EventForm(initial=initial, **kwargs)
    return EventForm(initial={"schools": school_ids, "start_date": timezone.localdate()}, **kwargs)


def _saving(request) -> bool:
    return request.method == "POST" and "refresh" not in request.POST


@login_required
def event_create(request):
    user = request.user
    if not policy_for(Event).municipalities(user).exists():
        raise PermissionDenied("Мероприятия вносят методисты органа управления образованием.")
    form = _event_form(request, user)
    if _saving(request) and form.is_valid():
        try:
            event = services.event_create(user=user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"Мероприятие «{event.topic}» внесено.")
            return redirect("roadmaps:event_detail", pk=event.pk)
    return render(request, "roadmaps/event_form.html", {"form": form, "event": None})


def _editable(user, pk: int) -> Event:
    return get_object_or_404(
        Event.objects.filter(pk__in=Event.objects.editable_by(user).values("pk")).select_related(
            "municipality"
        ),
        pk=pk,
    )


@login_required
def event_edit(request, pk: int):
    user = request.user
    event = _editable(user, pk)
    form = _event_form(request, user, event)
    if _saving(request) and form.is_valid():
        try:
            services.event_update(event=event, user=user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Мероприятие исправлено.")
            return redirect("roadmaps:event_detail", pk=event.pk)
    return render(request, "roadmaps/event_form.html", {"form": form, "event": event})


@login_required
@require_POST
def event_delete(request, pk: int):
    event = _editable(request.user, pk)
    topic = event.topic
    services.event_delete(event=event, user=request.user)
    messages.success(request, f"Мероприятие «{topic}» удалено.")
    return redirect("roadmaps:events")


@login_required
def event_detail(request, pk: int):
    user = request.user
    event = get_object_or_404(Event.objects.visible_to(user).select_related("municipality"), pk=pk)
    teachers = list(
        Teacher.objects.visible_to(user)
        .filter(pk__in=event.teachers.values("pk"))
        .select_related("school")
        .order_by("school__name", "last_name", "first_name", "pk")
    )
    named_total = event.teachers.count()
    return render(
        request,
        "roadmaps/event_detail.html",
        {
            "event": event,
            "schools": event.schools.select_related("municipality").order_by("name"),
            "teachers": teachers,
            "named_total": named_total,
            "hidden_teachers": named_total - len(teachers),
            "roadmap_item": RoadmapItem.objects.visible_to(user)
            .filter(pk=event.roadmap_item_id)
            .select_related("roadmap")
            .first()
            if event.roadmap_item_id
            else None,
            "can_edit": policy_for(Event).can(user, CHANGE, event),
        },
    )
