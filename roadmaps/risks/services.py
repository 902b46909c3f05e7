"""Risk profiles of the ШНОР (the federal Проект 500+ approach): writes and the reads behind the pages.

A profile is one school's for one year: the catalogue's factors, each with its level (высокий, средний,
низкий), the anti-risk measures and the roadmap items that address it. The municipality's methodologist
fills it in; everybody who reaches the school reads it.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from core.policies import CHANGE, policy_for
from schools.models import ApprovedList, FlagDecision, School
from schools.selectors import shnor_of_year

from ..models import RiskEntry, RiskFactor, RiskLevel, RiskProfile, RoadmapItem

FIRST_YEAR = 2015


@dataclass(frozen=True)
class EntryInput:
    """One factor's line of a profile; an empty ``level`` leaves the factor out of the profile."""

    factor: RiskFactor
    level: str = ""
    measures: str = ""
    roadmap_item_ids: Sequence[int] = ()


def year_problem(year: int, today=None) -> str | None:
    today = today or timezone.localdate()
    if not FIRST_YEAR <= year <= today.year + 1:
        return f"Год профиля должен быть от {FIRST_YEAR} до {today.year + 1}."
    return None


def _require_editable_school(user, school: School) -> None:
    policy = policy_for(RiskProfile)
    if not policy.can_for_school(user, CHANGE, school):
        policy.require(user, CHANGE)  # not a methodologist anywhere: the general refusal
        raise PermissionDenied(
            f"Рисковый профиль школы «{school}» заполняет методист муниципалитета «{school.municipality}»."
        )


def roadmap_items_for(user, school: School, year: int):
    """Items a profile of ``school`` for ``year`` may link: of the school's own roadmaps and of its
    municipality's, whose period touches the year, among those the user sees."""
    return (
        RoadmapItem.objects.visible_to(user)
        .filter(
            Q(roadmap__school=school)
            | Q(roadmap__school__isnull=True, roadmap__municipality=school.municipality_id),
            roadmap__period_start__year__lte=year,
            roadmap__period_end__year__gte=year,
        )
        .select_related("roadmap")
        .order_by(
            F("roadmap__school").asc(nulls_first=True),  # the municipality's roadmap first
            "-roadmap__period_start",
            "roadmap_id",
            "position",
            "pk",
        )
    )


def factors_for(profile: RiskProfile | None):
    """The catalogue's active factors, and inactive ones already in the profile (kept to be seen)."""
    q = Q(is_active=True)
    if profile is not None and profile.pk:
        q |= Q(pk__in=profile.entries.values("factor_id"))
    return RiskFactor.objects.filter(q).order_by("position", "name")


@transaction.atomic
def risk_profile_save(
    *,
    school: School,
    year: int,
    entries: Sequence[EntryInput] | Mapping[RiskFactor, Mapping],
    user,
    note: str | None = None,
) -> RiskProfile:
    """Save the whole profile of ``school`` for ``year``: the factors given with a level, nothing else.

    ``entries`` lists every factor's line (``EntryInput``) or maps a factor to ``{"level", "measures",
    "roadmap_items"}`` (item ids); a factor left out or without a level is removed from the profile.
    """
    _require_editable_school(user, school)
    problem = year_problem(year)
    if problem:
        raise ValidationError(problem)
    if isinstance(entries, Mapping):
        entries = [
            EntryInput(
                factor=factor,
                level=values.get("level", ""),
                measures=values.get("measures", ""),
                roadmap_item_ids=values.get("roadmap_items", ()),
            )
            for factor, values in entries.items()
        ]
    School.objects.select_for_update().filter(
        pk=school.pk
    ).first()  # one save of a school's profile at a time
    profile = RiskProfile.objects.filter(school=school, year=year).first()
    existing = {e.factor_id: e for e in profile.entries.all()} if profile else {}
    linked: dict[int, set[int]] = {}  # links made before stay allowed (a roadmap's period may change)
    if profile is not None:
        for factor_id, item_id in RiskEntry.roadmap_items.through.objects.filter(
            riskentry__profile=profile
        ).values_list("riskentry__factor_id", "roadmapitem_id"):
            linked.setdefault(factor_id, set()).add(item_id)

    errors: list[str] = []
    seen: set[int] = set()
    allowed_items = set(roadmap_items_for(user, school, year).values_list("pk", flat=True))
    kept: list[EntryInput] = []
    for entry in entries:
        factor = entry.factor
        measures = (entry.measures or "").strip()
        item_ids = {int(pk) for pk in entry.roadmap_item_ids}
        if factor.pk in seen:
            errors.append(f"Фактор «{factor}» указан дважды.")
            continue
        seen.add(factor.pk)
        if not entry.level:
            if measures or item_ids:
                errors.append(
                    f"Фактор «{factor}»: укажите уровень риска — без него меры и пункты дорожной карты "
                    "не сохраняются."
                )
            continue
        if entry.level not in RiskLevel.values:
            errors.append(f"Фактор «{factor}»: неизвестный уровень риска.")
            continue
        if not factor.is_active and factor.pk not in existing:
            errors.append(f"Фактор «{factor}» исключён из справочника: добавить его в профиль нельзя.")
            continue
        if item_ids - allowed_items - linked.get(factor.pk, set()):
            errors.append(
                f"Фактор «{factor}»: можно связать только пункты дорожных карт школы или её муниципалитета "
                f"на {year} год."
            )
            continue
        kept.append(EntryInput(factor, entry.level, measures, sorted(item_ids)))
    if errors:
        raise ValidationError(errors)

    if profile is None:
        profile = RiskProfile(school=school, year=year, note=(note or "").strip())
        profile.full_clean()
        profile.save()
    elif note is not None and note.strip() != profile.note:
        profile.note = note.strip()
        profile.full_clean()
        profile.save(update_fields=["note", "updated_at"])

    keep_ids = {entry.factor.pk for entry in kept}
    profile.entries.exclude(factor_id__in=keep_ids).delete()
    for entry in kept:
        row = existing.get(entry.factor.pk) or RiskEntry(profile=profile, factor=entry.factor)
        if row.pk and row.level == entry.level and row.measures == entry.measures:
            pass
        else:
            row.level = entry.level
            row.measures = entry.measures
            row.full_clean()
            row.save()
        row.roadmap_items.set(entry.roadmap_item_ids)
    if kept or existing:
        profile.save(update_fields=["updated_at"])
    return profile


@transaction.atomic
def risk_profile_copy(*, school: School, year: int, user) -> tuple[RiskProfile, int]:
    """Start ``year``'s profile of ``school`` from its latest earlier one: levels and measures.

    Roadmap items are not copied (a new year has its own roadmap) and neither are factors no longer in
    the catalogue. Refused when the year's profile already has factors. Returns the profile and the year
    copied from.
    """
    _require_editable_school(user, school)
    problem = year_problem(year)
    if problem:
        raise ValidationError(problem)
    source = (
        RiskProfile.objects.filter(school=school, year__lt=year)
        .annotate(n=Count("entries"))
        .filter(n__gt=0)
        .order_by("-year")
        .first()
    )
    if source is None:
        raise ValidationError(
            f"У школы нет заполненного рискового профиля до {year} года: копировать нечего."
        )
    target = RiskProfile.objects.filter(school=school, year=year).first()
    if target is not None and target.entries.exists():
        raise ValidationError(
            f"Профиль {year} года уже заполнен: копирование заменило бы его. Исправьте его на странице профиля."
        )
    entries = [
        EntryInput(factor=e.factor, level=e.level, measures=e.measures)
        for e in source.entries.select_related("factor").filter(factor__is_active=True)
    ]
    profile = risk_profile_save(school=school, year=year, entries=entries, user=user)
    return profile, source.year


# --- reads ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProfileRow:
    school: School
    in_list: bool
    profile: RiskProfile | None  # annotated with high, medium, low


def profile_rows(user, year: int) -> tuple[list[ProfileRow], str]:
    """The year's ШНОР (approved list, or the computed status where none is approved) with their profiles,
    and the schools that have a profile for the year without being in the list."""

    shnor, source, _lists = shnor_of_year(user, year)
    profiles = {
        p.school_id: p
        for p in RiskProfile.objects.filter(
            year=year, school__in=School.objects.visible_to(user).values("pk")
        )
        .select_related("school__municipality")
        .annotate(
            high=Count("entries", filter=Q(entries__level=RiskLevel.HIGH)),
            medium=Count("entries", filter=Q(entries__level=RiskLevel.MEDIUM)),
            low=Count("entries", filter=Q(entries__level=RiskLevel.LOW)),
        )
    }
    rows = [ProfileRow(school, True, profiles.get(school.pk)) for school in shnor]
    listed = {school.pk for school in shnor}
    extra = sorted(
        (p for school_id, p in profiles.items() if school_id not in listed),
        key=lambda p: (p.school.municipality.name, p.school.name),
    )
    rows += [ProfileRow(p.school, False, p) for p in extra]
    return rows, source


def profile_years(user) -> list[int]:
    """Years a user may pick: those of the ШНОР lists and statuses they see and of the profiles."""

    years = set(FlagDecision.objects.visible_to(user).values_list("list_year", flat=True).distinct())
    years |= set(ApprovedList.objects.visible_to(user).values_list("list_year", flat=True).distinct())
    years |= set(RiskProfile.objects.visible_to(user).values_list("year", flat=True).distinct())
    return sorted(years, reverse=True)
