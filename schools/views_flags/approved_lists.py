"""Approved ШНОР lists: the index, creating a list from the computed one, a list's page and hand inclusion."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.errors import ApplicationError
from core.forms import add_service_error
from core.plural import count_noun
from core.policies import VIEW, policy_for

from ..flags import LowItem, low_items
from ..forms import ApprovedListForm, InclusionForm
from ..models import (
    SMALL_SAMPLE,
    ApprovedList,
    ApprovedListEntry,
    FlagStatus,
    Municipality,
    School,
)
from ..selectors import approved_list_comparison, flag_default_year, lists_awaiting_order
from ..services import approved_list_create, approved_list_preview, approved_list_set_inclusion

APPROVED_LISTS_PER_PAGE = 50

# --- approved lists ------------------------------------------------------------------------------------

OVERRIDE = (Q(entries__included=True) & ~Q(entries__computed_status=FlagStatus.SHNOR)) | Q(
    entries__included=False, entries__computed_status=FlagStatus.SHNOR
)


@login_required
def approved_list_index(request):
    lists = (
        ApprovedList.objects.visible_to(request.user)
        .select_related("municipality", "created_by")
        .annotate(
            schools_count=Count("entries"),
            included_count=Count("entries", filter=Q(entries__included=True)),
            override_count=Count("entries", filter=OVERRIDE),
        )
        .order_by("-list_year", "municipality__name", "pk")
    )
    page = Paginator(lists, APPROVED_LISTS_PER_PAGE).get_page(request.GET.get("page"))
    may_see_lists = policy_for(ApprovedList).can(request.user, VIEW)
    return render(
        request,
        "schools/approved_list_index.html",
        {
            "page_obj": page,
            "can_create": Municipality.objects.editable_by(request.user).exists(),
            "may_see_lists": may_see_lists,
            "awaiting": lists_awaiting_order(request.user) if may_see_lists else [],
        },
    )


@login_required
def approved_list_create_view(request):
    municipalities = Municipality.objects.editable_by(request.user).order_by("name")
    if not municipalities.exists():
        raise PermissionDenied("Утверждать перечень ШНОР может только методист муниципалитета.")
    initial = {"list_year": flag_default_year(request.user)}
    if len(municipalities) == 1:
        initial["municipality"] = municipalities[0]
    # «Утвердить» beside a list awaiting its order (the lists page) names the municipality.
    elif (asked := request.GET.get("municipality") or "").isdigit():
        initial["municipality"] = municipalities.filter(pk=int(asked)).first()
    form = ApprovedListForm(request.POST or None, municipalities=municipalities, initial=initial)
    # Two steps (issue #20 §3): the first POST shows what will be fixed (the preview writes nothing); the list is
    # created only when the box is ticked under that very summary (``seen``), checked here on the server.
    preview, key = None, ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        key = ApprovedListForm.summary_key(data)
        try:
            preview = approved_list_preview(
                municipality=data["municipality"], list_year=data["list_year"], user=request.user
            )
        except (ValidationError, ApplicationError, PermissionDenied) as error:
            add_service_error(form, error)
        else:
            if data["seen"] == key and data["confirm"]:
                try:
                    approved = approved_list_create(
                        municipality=data["municipality"],
                        list_year=data["list_year"],
                        order_number=data["order_number"],
                        order_date=data["order_date"],
                        note=data["note"],
                        user=request.user,
                    )
                except (ValidationError, ApplicationError, PermissionDenied) as error:
                    add_service_error(form, error)
                else:
                    messages.success(
                        request,
                        f"Перечень ШНОР {approved.list_year} года утверждён приказом № {approved.order_number} "
                        f"от {approved.order_date:%d.%m.%Y} и создан из расчётного: проверьте его и при "
                        "необходимости включите или исключите школы с указанием основания.",
                    )
                    return redirect("schools:approved_list_detail", pk=approved.pk)
            elif data["seen"] == key:
                form.add_error("confirm", ApprovedListForm.CONFIRM_REQUIRED)
            elif data["seen"]:
                form.add_error(None, ApprovedListForm.CHANGED)
    return render(
        request,
        "schools/approved_list_form.html",
        {
            "form": form,
            "preview": preview,
            "seen": key if preview else "",
            "included_text": count_noun(preview.included, "школа", "школы", "школ") if preview else "",
        },
    )


@dataclass
class ListRow:
    school: School
    entry: ApprovedListEntry
    computed_status: str
    criteria: str
    lows: list[LowItem]
    included: bool
    override: bool
    changed_since_approval: bool
    form: InclusionForm | None = None

    @property
    def action_overrides(self) -> bool:
        """Whether the row's button (the opposite of its current place) departs from the computed status."""
        return (not self.included) != (self.entry.computed_status == FlagStatus.SHNOR)


def _render_list_detail(request, approved: ApprovedList, *, failed_form=None, failed_school_id=None):
    can_edit = Municipality.objects.editable_by(request.user).filter(pk=approved.municipality_id).exists()
    rows = [
        ListRow(
            school=row["school"],
            entry=row["entry"],
            computed_status=row["computed_status"],
            criteria=row["criteria"],
            lows=low_items(row["reasons"]),
            included=row["included"],
            override=row["override"],
            changed_since_approval=row["changed_since_approval"],
            form=failed_form if row["school"].pk == failed_school_id else None,
        )
        for row in approved_list_comparison(approved)
    ]
    events = approved.events.select_related("school", "user").order_by("-at", "-pk")
    return render(
        request,
        "schools/approved_list_detail.html",
        {
            "approved": approved,
            "rows": rows,
            "events": events,
            "can_edit": can_edit,
            "included_count": sum(row.included for row in rows),
            "override_count": sum(row.override for row in rows),
            "changed_count": sum(row.changed_since_approval for row in rows),
            "small_sample": SMALL_SAMPLE,
        },
    )


def _visible_list(request, pk: int) -> ApprovedList:
    return get_object_or_404(
        ApprovedList.objects.visible_to(request.user).select_related("municipality__region", "created_by"),
        pk=pk,
    )


@login_required
def approved_list_detail(request, pk: int):
    return _render_list_detail(request, _visible_list(request, pk))


@login_required
@require_POST
def approved_list_inclusion(request, pk: int, school_pk: int):
    """Include or exclude one school by hand (the service demands a reason for departing from the computation)."""
    approved = _visible_list(request, pk)
    if not Municipality.objects.editable_by(request.user).filter(pk=approved.municipality_id).exists():
        raise PermissionDenied("Изменять перечень может только методист этого муниципалитета.")
    school = get_object_or_404(School.objects.filter(municipality_id=approved.municipality_id), pk=school_pk)
    form = InclusionForm(request.POST)
    if form.is_valid():
        included = form.cleaned_data["included"]
        try:
            approved_list_set_inclusion(
                approved_list=approved,
                school=school,
                included=included,
                reason=form.cleaned_data["reason"],
                user=request.user,
            )
        except (ValidationError, ApplicationError, PermissionDenied) as error:
            add_service_error(form, error)
        else:
            what = "включена в перечень" if included else "исключена из перечня"
            messages.success(request, f"Школа «{school.display_name}» {what}.")
            return redirect(
                f"{reverse('schools:approved_list_detail', args=[approved.pk])}#school-{school.pk}"
            )
    return _render_list_detail(request, approved, failed_form=form, failed_school_id=school.pk)
