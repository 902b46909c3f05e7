"""Risk-profile pages. A profile is read by whoever reaches its school and filled in by the methodologist.

A school outside the user's reach is 404; saving or copying by a reader is 403 with an explanation.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.policies import CHANGE, policy_for
from schools.criteria import default_list_year
from schools.models import School

from ..models import RiskEntry, RiskLevel, RiskProfile, RoadmapItem
from . import services
from .forms import RiskEntryForm, RiskNoteForm

READ_ONLY = "Рисковый профиль заполняет методист муниципалитета; вам он доступен для просмотра."


@login_required
def risk_list(request):
    user = request.user
    today = timezone.localdate()
    years = services.profile_years(user)
    text = request.GET.get("year") or ""
    if text.isdigit() and services.year_problem(int(text), today) is None:
        year = int(text)
    else:
        year = default_list_year(years, today.year) or today.year  # the list year every page opens on
    if year not in years:
        years = sorted({*years, year}, reverse=True)
    rows, source = services.profile_rows(user, year)
    editable = set(
        policy_for(RiskProfile)
        .schools(user, CHANGE)
        .filter(pk__in=[row.school.pk for row in rows])
        .values_list("pk", flat=True)
    )
    return render(
        request,
        "roadmaps/risk_list.html",
        {
            "year": year,
            "years": years,
            "rows": rows,
            "source": source,
            "editable": editable,
            "listed": sum(1 for row in rows if row.in_list),
            "filled": sum(1 for row in rows if row.in_list and row.profile is not None),
        },
    )


def _school(user, school_pk: int, year: int) -> School:
    if services.year_problem(year) is not None:
        raise Http404("Нет такого года.")
    return get_object_or_404(School.objects.visible_to(user).select_related("municipality"), pk=school_pk)


def _item_label(item: RoadmapItem) -> str:
    return f"{item.roadmap.title}: {item.number}. {item.activity[:90]}"


@login_required
def risk_profile(request, school_pk: int, year: int):
    user = request.user
    school = _school(user, school_pk, year)
    can_edit = policy_for(RiskProfile).can_for_school(user, CHANGE, school)
    if request.method == "POST" and not can_edit:
        raise PermissionDenied(READ_ONLY)
    profile = RiskProfile.objects.filter(school=school, year=year).first()
    entries: dict[int, RiskEntry] = {}
    if profile is not None:
        entries = {
            entry.factor_id: entry
            for entry in profile.entries.prefetch_related(
                Prefetch(
                    "roadmap_items",
                    queryset=RoadmapItem.objects.visible_to(user).select_related("roadmap"),
                    to_attr="visible_items",
                )
            )
        }
    factors = list(services.factors_for(profile))
    context = {
        "school": school,
        "year": year,
        "profile": profile,
        "can_edit": can_edit,
        "levels": RiskLevel.choices,
        "previous": RiskProfile.objects.filter(school=school, year__lt=year, entries__isnull=False)
        .order_by("-year")
        .values_list("year", flat=True)
        .first(),
    }
    if not can_edit:
        context["rows"] = [(factor, entries.get(factor.pk)) for factor in factors]
        return render(request, "roadmaps/risk_profile.html", context)

    items = {item.pk: item for item in services.roadmap_items_for(user, school, year)}
    for entry in entries.values():  # links made before stay selectable
        items.update({item.pk: item for item in entry.visible_items})
    choices = [(pk, _item_label(item)) for pk, item in items.items()]
    data = request.POST if request.method == "POST" else None
    forms = []
    for factor in factors:
        entry = entries.get(factor.pk)
        initial = (
            {
                "level": entry.level,
                "measures": entry.measures,
                "roadmap_items": [item.pk for item in entry.visible_items],
            }
            if entry
            else {}
        )
        forms.append(
            (factor, RiskEntryForm(data, prefix=f"f{factor.pk}", initial=initial, item_choices=choices))
        )
    note_form = RiskNoteForm(data, initial={"note": profile.note if profile else ""})
    errors: list[str] = []
    if data is not None and note_form.is_valid() and all(form.is_valid() for _f, form in forms):
        try:
            services.risk_profile_save(
                school=school,
                year=year,
                user=user,
                note=note_form.cleaned_data["note"],
                entries=[
                    services.EntryInput(
                        factor=factor,
                        level=form.cleaned_data["level"],
                        measures=form.cleaned_data["measures"],
                        roadmap_item_ids=form.cleaned_data["roadmap_items"],
                    )
                    for factor, form in forms
                ],
            )
        except (ValidationError, PermissionDenied) as error:
            errors = error.messages if isinstance(error, ValidationError) else [str(error)]
        else:
            messages.success(request, f"Рисковый профиль школы «{school}» на {year} год сохранён.")
            return redirect("roadmaps:risk_profile", school_pk=school.pk, year=year)
    elif data is not None:
        errors = ["Профиль не сохранён: исправьте отмеченное."]
    context |= {"forms": forms, "note_form": note_form, "errors": errors, "has_items": bool(choices)}
    return render(request, "roadmaps/risk_profile.html", context)


@login_required
@require_POST
def risk_profile_copy(request, school_pk: int, year: int):
    user = request.user
    school = _school(user, school_pk, year)
    if not policy_for(RiskProfile).can_for_school(user, CHANGE, school):
        raise PermissionDenied(READ_ONLY)
    try:
        _profile, source_year = services.risk_profile_copy(school=school, year=year, user=user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            f"Уровни и меры скопированы из профиля {source_year} года. Проверьте их и выберите пункты "
            f"дорожной карты {year} года.",
        )
    return redirect("roadmaps:risk_profile", school_pk=school.pk, year=year)
