"""Writes of roadmaps and their items. Every service checks the gate and refuses in Russian."""

import datetime
import re
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from core.evidence import check_evidence, evidence_name
from core.policies import VIEW, policy_for
from core.roles import Role
from notifications import catalogue as events
from notifications.services import notify, people_who_may
from schools.models import Municipality, School

from . import transitions
from .models import ItemEvidence, ItemStatus, Roadmap, RoadmapItem
from .policies import ADD_EVIDENCE, MOVE


def _require_owner_writable(user, municipality: Municipality, school: School | None) -> None:
    if school is not None:
        if school.municipality_id != municipality.pk:
            raise ValidationError(f"Школа «{school}» не относится к муниципалитету «{municipality}».")
    policy_for(Roadmap).require_create_for(user, municipality, school)


@transaction.atomic
def roadmap_create(
    *,
    municipality: Municipality,
    title: str,
    period_start: datetime.date,
    period_end: datetime.date,
    user,
    school: School | None = None,
    order_number: str = "",
    order_date: datetime.date | None = None,
) -> Roadmap:
    _require_owner_writable(user, municipality, school)
    problem = transitions.period_problem(period_start, period_end)
    if problem:
        raise ValidationError(problem)
    roadmap = Roadmap(
        municipality=municipality,
        school=school,
        title=title.strip(),
        period_start=period_start,
        period_end=period_end,
        order_number=order_number.strip(),
        order_date=order_date,
        created_by=user if getattr(user, "pk", None) else None,
    )
    roadmap.full_clean()
    roadmap.save()
    return roadmap


def _shifted_title(source: Roadmap, years: int) -> str:
    """The title with each year of the source's period moved on («2025/2026» -> «2026/2027», not «2026/2026»)."""
    first, last = source.period_start.year, source.period_end.year

    def shift(match: re.Match) -> str:
        year = int(match[0])
        return str(year + years) if first <= year <= last else match[0]

    return re.sub(r"(?<!\d)\d{4}(?!\d)", shift, source.title)


@transaction.atomic
def roadmap_copy(*, source: Roadmap, user, years: int = 1, title: str | None = None) -> Roadmap:
    """A new roadmap from ``source`` with every date shifted by ``years``; items start over as planned."""
    policy_for(Roadmap).require(user, VIEW, source)
    copy = roadmap_create(
        municipality=source.municipality,
        school=source.school,
        title=title or _shifted_title(source, years),
        period_start=transitions.shift_date(source.period_start, years),
        period_end=transitions.shift_date(source.period_end, years),
        user=user,
    )
    copy.copied_from = source
    copy.save(update_fields=["copied_from"])
    for item in source.items.prefetch_related("responsible_users").order_by("position", "pk"):
        new = RoadmapItem.objects.create(
            roadmap=copy,
            number=item.number,
            position=item.position,
            activity=item.activity,
            start_date=transitions.shift_date(item.start_date, years),
            end_date=transitions.shift_date(item.end_date, years),
            all_year=item.all_year,
            responsible_text=item.responsible_text,
            result_kind=item.result_kind,
            expected_result=item.expected_result,
            target_indicator=item.target_indicator,
        )
        new.responsible_users.set(item.responsible_users.all())
    return copy


ITEM_FIELDS = (
    "number",
    "activity",
    "start_date",
    "end_date",
    "all_year",
    "responsible_text",
    "result_kind",
    "expected_result",
    "target_indicator",
    "note",
)


@transaction.atomic
def item_save(
    *,
    roadmap: Roadmap,
    user,
    item: RoadmapItem | None = None,
    responsible_users: Iterable | None = None,
    **fields,
) -> RoadmapItem:
    """Add or change an item's plan (not its status: see item_move). The municipality's methodologist plans."""
    _require_owner_writable(user, roadmap.municipality, roadmap.school)
    unknown = set(fields) - set(ITEM_FIELDS)
    if unknown:
        raise TypeError(f"unknown item fields: {sorted(unknown)}")
    problem = transitions.period_problem(fields.get("start_date"), fields.get("end_date"))
    if problem:
        raise ValidationError(problem)
    if item is None:
        position = (roadmap.items.order_by("-position").values_list("position", flat=True).first() or 0) + 1
        item = RoadmapItem(roadmap=roadmap, position=position)
    elif item.roadmap_id != roadmap.pk:
        raise PermissionDenied("Пункт относится к другой дорожной карте.")
    for name, value in fields.items():
        setattr(item, name, value.strip() if isinstance(value, str) else value)
    item.full_clean()
    item.save()
    if responsible_users is not None:
        item.responsible_users.set(responsible_users)
    return item


@transaction.atomic
def item_move(
    *, item: RoadmapItem, status: str, user, reason: str = "", completed_on: datetime.date | None = None
) -> RoadmapItem:
    item = RoadmapItem.objects.select_for_update().get(pk=item.pk)
    policy_for(RoadmapItem).require(user, MOVE, item)
    has_evidence = item.evidence.exists()
    problem = transitions.move_problem(item.status, status, reason, has_evidence=has_evidence)
    if problem:
        raise ValidationError(problem)
    today = timezone.localdate()
    if status == ItemStatus.DONE:
        item.completed_on = (
            completed_on or (item.completed_on if item.status == ItemStatus.DONE else None) or today
        )
        if item.completed_on > today:
            raise ValidationError("Дата выполнения ещё не наступила.")
    else:
        item.completed_on = None
    item.status = status
    if transitions.keeps_reason(status, has_evidence=has_evidence):
        if reason.strip():
            # saving a postponed item again without a reason keeps its reason
            item.status_reason = reason.strip()
    else:
        # a reason belongs to «перенесено», «отменено» and «выполнено» without a document or a link only
        item.status_reason = ""
    item.full_clean()
    item.save(update_fields=["status", "status_reason", "completed_on", "updated_at"])
    return item


@transaction.atomic
def evidence_add(*, item: RoadmapItem, user, name: str = "", upload=None, link: str = "") -> ItemEvidence:
    policy_for(RoadmapItem).require(user, ADD_EVIDENCE, item)
    if upload is None and not link:
        raise ValidationError("Приложите файл или укажите ссылку.")
    # check_evidence refuses a file of the wrong kind; the name takes the extension of its content
    stored_name = evidence_name(upload, check_evidence(upload)) if upload is not None else ""
    evidence = ItemEvidence(item=item, name=(name or stored_name or link)[:255], link=link, uploaded_by=user)
    if upload is not None:
        evidence.file.save(stored_name, upload, save=False)
    evidence.full_clean()
    evidence.save()
    return evidence


# --- reminders: an item due in 5 days ---------------------------------------------------------------------------

DUE_NOTICE_DAYS = 5  # issue #20 §2: «roadmap item due in 5 days», the quarterly forms' reminder too


def _item_people(item: RoadmapItem) -> list:
    """Who marks an open item's progress (the item's policy, MOVE): the people named responsible on it, and the
    admins of a school's roadmap; the municipality's methodologists when nobody else is."""
    policy = policy_for(RoadmapItem)
    people = [person for person in item.responsible_users.all() if policy.can(person, MOVE, item)]
    if item.roadmap.school_id is not None:
        people += people_who_may(item, MOVE, roles=[Role.SCHOOL_ADMIN], school=item.roadmap.school_id)
    if not people:
        people = people_who_may(item, MOVE, roles=[Role.METHODIST], municipality=item.roadmap.municipality_id)
    return people


def roadmap_items_due_notify(*, today: datetime.date | None = None) -> int:
    """Tell whoever marks the progress of each open item due in ``DUE_NOTICE_DAYS`` days; the number of items
    told about. Run daily by beat; safe to run twice (one notification per item, due date and person)."""
    today = today or timezone.localdate()
    due_day = today + datetime.timedelta(days=DUE_NOTICE_DAYS)
    items = (
        RoadmapItem.objects.filter(status__in=transitions.OPEN)
        .filter(
            Q(end_date=due_day, all_year=False)
            | ((Q(all_year=True) | Q(end_date__isnull=True)) & Q(roadmap__period_end=due_day))
        )
        .select_related("roadmap")
        .prefetch_related("responsible_users")
        .order_by("pk")
    )
    told = 0
    for item in items:
        due = transitions.due_date(
            end=item.end_date, all_year=item.all_year, period_end=item.roadmap.period_end
        )
        if due != due_day:
            continue
        made = notify(
            event=events.ROADMAP_ITEM_DUE,
            recipients=_item_people(item),
            key=f"roadmap-item:{item.pk}:due:{due.isoformat()}",
            context={
                "due": due.strftime("%d.%m.%Y"),
                "number": item.number,
                "roadmap": item.roadmap.title,
                "activity": item.activity,
            },
            url=reverse("roadmaps:detail", kwargs={"pk": item.roadmap_id}),
            subject_obj=item,
        )
        told += bool(made)
    return told
