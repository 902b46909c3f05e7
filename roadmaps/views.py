"""Roadmap pages. Reads start at ``visible_to``; writes go through roadmaps.services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.files import stored_file_response
from core.forms import add_service_error
from core.people import assignable_people
from core.policies import CHANGE, policy_for

from . import services
from .forms import EvidenceForm, ItemForm, MoveForm, RoadmapForm
from .models import ItemEvidence, Roadmap, RoadmapItem
from .policies import CREATE, MOVE
from .querysets import overdue_q
from .selectors import my_open_items, school_open_items


@login_required
def roadmap_list(request):
    today = timezone.localdate()
    roadmaps = (
        Roadmap.objects.visible_to(request.user)
        .select_related("municipality", "school")
        .annotate(
            item_count=Count("items", distinct=True),
            done_count=Count("items", filter=Q(items__status="done"), distinct=True),
            overdue_count=Count("items", filter=overdue_q(today, prefix="items__"), distinct=True),
        )
        .order_by("-period_start", "school__name", "pk")
    )
    overdue_items = None
    if request.GET.get("overdue") == "1":
        overdue_items = (
            RoadmapItem.objects.visible_to(request.user)
            .overdue(today)
            .select_related("roadmap__school", "roadmap__municipality")
            .order_by("end_date", "roadmap_id", "position")
        )
    page = Paginator(roadmaps, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "roadmaps/roadmap_list.html",
        {
            "page_obj": page,
            "overdue_items": overdue_items,
            "today": today,
            "can_create": policy_for(Roadmap).can(request.user, CREATE),
        },
    )


@login_required
def roadmap_create(request):
    policy = policy_for(Roadmap)
    municipalities = policy.municipalities(request.user).order_by("name")
    if not municipalities.exists():
        raise PermissionDenied("Дорожные карты ведёт методист муниципалитета.")
    form = RoadmapForm(
        request.POST or None,
        municipalities=municipalities,
        schools=policy.schools(request.user).active().order_by("name"),
    )
    if request.method == "POST" and form.is_valid():
        try:
            roadmap = services.roadmap_create(user=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Дорожная карта создана: добавьте пункты.")
            return redirect("roadmaps:detail", pk=roadmap.pk)
    return render(request, "roadmaps/roadmap_form.html", {"form": form})


@login_required
def roadmap_detail(request, pk: int):
    roadmap = get_object_or_404(
        Roadmap.objects.visible_to(request.user).select_related("municipality", "school", "copied_from"),
        pk=pk,
    )
    today = timezone.localdate()
    items = list(roadmap.items.prefetch_related("responsible_users", "evidence").order_by("position", "pk"))
    can_plan = policy_for(Roadmap).can(request.user, CHANGE, roadmap)
    updatable = set(
        policy_for(RoadmapItem)
        .instances(request.user, MOVE, roadmap.items.all())
        .values_list("pk", flat=True)
    )
    rows = [(item, item.is_overdue(today), item.pk in updatable) for item in items]
    return render(
        request,
        "roadmaps/roadmap_detail.html",
        {
            "roadmap": roadmap,
            "rows": rows,
            "can_plan": can_plan,
            "move_form": MoveForm(),
            "evidence_form": EvidenceForm(),
            "done": sum(1 for i in items if i.status == "done"),
            "overdue": sum(1 for _i, o, _u in rows if o),
        },
    )


@login_required
@require_POST
def roadmap_copy(request, pk: int):
    source = get_object_or_404(Roadmap.objects.visible_to(request.user), pk=pk)
    try:
        copy = services.roadmap_copy(source=source, user=request.user)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        return redirect("roadmaps:detail", pk=source.pk)
    messages.success(
        request, "Создана копия с датами, сдвинутыми на год. Проверьте пункты и реквизиты приказа."
    )
    return redirect("roadmaps:detail", pk=copy.pk)


@login_required
def item_edit(request, pk: int, item_pk: int | None = None):
    roadmap = get_object_or_404(
        Roadmap.objects.editable_by(request.user).select_related("municipality", "school"), pk=pk
    )
    item = get_object_or_404(roadmap.items.all(), pk=item_pk) if item_pk else None
    initial = {}
    if item is not None:
        initial = {name: getattr(item, name) for name in services.ITEM_FIELDS}
        initial["responsible_users"] = list(item.responsible_users.all())
    else:
        initial["number"] = str(roadmap.items.count() + 1)
    form = ItemForm(request.POST or None, initial=initial, people=assignable_people(request.user))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        users = data.pop("responsible_users")
        try:
            services.item_save(roadmap=roadmap, item=item, user=request.user, responsible_users=users, **data)
        except (ValidationError, PermissionDenied) as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Пункт сохранён.")
            return redirect("roadmaps:detail", pk=roadmap.pk)
    return render(request, "roadmaps/item_form.html", {"form": form, "roadmap": roadmap, "item": item})


@login_required
@require_POST
def item_move(request, item_pk: int):
    item = get_object_or_404(RoadmapItem.objects.visible_to(request.user), pk=item_pk)
    form = MoveForm(request.POST)
    if form.is_valid():
        try:
            services.item_move(item=item, user=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        else:
            messages.success(request, f"Пункт {item.number}: статус изменён.")
    if request.POST.get("from") == "my":
        return redirect("roadmaps:my_items")
    return redirect("roadmaps:detail", pk=item.roadmap_id)


@login_required
@require_POST
def evidence_add(request, item_pk: int):
    item = get_object_or_404(RoadmapItem.objects.visible_to(request.user), pk=item_pk)
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.evidence_add(item=item, user=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        else:
            messages.success(request, "Подтверждение приложено.")
    else:
        messages.error(request, "Подтверждение не приложено: проверьте ссылку.")
    return redirect("roadmaps:detail", pk=item.roadmap_id)


@login_required
def evidence_download(request, evidence_pk: int):
    evidence = get_object_or_404(
        ItemEvidence.objects.filter(item__in=RoadmapItem.objects.visible_to(request.user)), pk=evidence_pk
    )
    if not evidence.file:
        raise Http404("Файл не приложен.")
    return stored_file_response(evidence.file, name=evidence.name)


@login_required
def my_items(request):
    today = timezone.localdate()
    items = list(my_open_items(request.user, today)[:200])
    # A school admin also updates the items of their school's roadmap.
    school_items = (
        school_open_items(request.user)[:200] if not policy_for(Roadmap).can(request.user, CREATE) else []
    )
    return render(
        request,
        "roadmaps/my_items.html",
        {
            "items": [(i, i.is_overdue(today)) for i in items],
            "school_items": [(i, i.is_overdue(today)) for i in school_items],
            "move_form": MoveForm(),
        },
    )
