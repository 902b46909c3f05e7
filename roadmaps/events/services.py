"""Events (семинары, мастер-классы, фестивали, методические десанты, сессии КПК): writes and the year's totals.

Every write checks the gate itself and refuses with a Russian message. The totals answer the reports'
«N педагогов ШНОР стали участниками краевых (региональных) мероприятий» from the recorded events.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from core.plural import count_noun, plural
from core.policies import CHANGE, policy_for
from schools.models import Municipality, School, Teacher
from schools.selectors import shnor_of_year

from ..models import Event, EventLevel, RoadmapItem
from ..policies import CREATE

# Levels whose participants come from the organising municipality only.
LOCAL_LEVELS = frozenset({EventLevel.SCHOOL, EventLevel.MUNICIPAL})

EVENT_FIELDS = (
    "kind",
    "level",
    "start_date",
    "end_date",
    "organiser",
    "topic",
    "participants_count",
    "materials",
    "roadmap_item",
)


def _names(objects: Iterable, limit: int = 3) -> str:
    objects = list(objects)
    text = ", ".join(f"«{o}»" for o in objects[:limit])
    return text + (f" и ещё {len(objects) - limit}" if len(objects) > limit else "")


def _require_municipality(user, municipality: Municipality) -> None:
    policy = policy_for(Event)
    if not policy.can_create_in(user, municipality):
        policy.require(user, CREATE)  # not a methodologist anywhere: the general refusal
        raise PermissionDenied(
            f"Вносить мероприятия муниципалитета «{municipality}» может только его методист."
        )


LEVEL_PREPOSITIONAL: dict[str, str] = {EventLevel.SCHOOL: "школьном", EventLevel.MUNICIPAL: "муниципальном"}
EITHER_OR = (
    "Укажите либо педагогов поимённо, либо число участников (когда имена неизвестны), но не то и другое."
)


def _check(
    *,
    user,
    municipality: Municipality,
    level: str,
    start_date: date,
    end_date: date,
    schools: Sequence[School],
    teachers: Sequence[Teacher],
    participants_count: int | None,
    roadmap_item: RoadmapItem | None,
    known_school_ids: frozenset[int] = frozenset(),
    known_teacher_ids: frozenset[int] = frozenset(),
) -> None:
    """The rules an event must satisfy beyond its fields' own validation.

    Schools and teachers already on the event (``known_*``) are not checked against the user's reach
    again: a regional event may name schools of several municipalities.
    """
    if start_date and end_date and end_date < start_date:
        raise ValidationError({"end_date": "Мероприятие заканчивается раньше, чем начинается."})
    school_ids = {s.pk for s in schools}
    added = school_ids - known_school_ids
    if len(School.objects.visible_to(user).filter(pk__in=added)) != len(added):
        raise ValidationError({"schools": "Среди школ-участниц есть школы вне вашего доступа."})
    if level in LOCAL_LEVELS:
        foreign = [s for s in schools if s.municipality_id != municipality.pk]
        if foreign:
            tail = (
                "относится к другому муниципалитету"
                if len(foreign) == 1
                else "относятся к другим муниципалитетам"
            )
            raise ValidationError(
                {
                    "schools": f"В {LEVEL_PREPOSITIONAL[level]} мероприятии участвуют школы муниципалитета "
                    f"«{municipality}»; {_names(foreign)} {tail}."
                }
            )
    teacher_ids = {t.pk for t in teachers}
    added = teacher_ids - known_teacher_ids
    if len(Teacher.objects.visible_to(user).filter(pk__in=added)) != len(added):
        raise ValidationError({"teachers": "Среди педагогов есть педагоги вне вашего доступа."})
    if teachers and participants_count is not None:
        raise ValidationError({"participants_count": EITHER_OR})
    outside = [t for t in teachers if t.school_id not in school_ids]
    if outside:
        who, verb = ("Педагог", "не работает") if len(outside) == 1 else ("Педагоги", "не работают")
        raise ValidationError(
            {
                "teachers": f"{who} {_names(outside)} {verb} ни в одной из школ-участниц: добавьте их школы "
                "к участницам или уберите педагогов из списка."
            }
        )
    if roadmap_item is not None:
        if not RoadmapItem.objects.visible_to(user).filter(pk=roadmap_item.pk).exists():
            raise ValidationError({"roadmap_item": "Пункт дорожной карты вне вашего доступа."})
        if roadmap_item.roadmap.municipality_id != municipality.pk:
            raise ValidationError(
                {"roadmap_item": f"Пункт дорожной карты относится не к муниципалитету «{municipality}»."}
            )


@transaction.atomic
def event_create(
    *,
    user,
    municipality: Municipality,
    kind: str,
    level: str,
    start_date: date,
    end_date: date,
    organiser: str,
    topic: str,
    schools: Sequence[School] = (),
    teachers: Sequence[Teacher] = (),
    participants_count: int | None = None,
    materials: str = "",
    roadmap_item: RoadmapItem | None = None,
) -> Event:
    """Record an event of ``municipality`` with its participating schools and teachers (or a head count)."""
    _require_municipality(user, municipality)
    schools, teachers = list(schools), list(teachers)
    _check(
        user=user,
        municipality=municipality,
        level=level,
        start_date=start_date,
        end_date=end_date,
        schools=schools,
        teachers=teachers,
        participants_count=participants_count,
        roadmap_item=roadmap_item,
    )
    event = Event(
        municipality=municipality,
        kind=kind,
        level=level,
        start_date=start_date,
        end_date=end_date,
        organiser=organiser.strip(),
        topic=topic.strip(),
        participants_count=participants_count,
        materials=materials.strip(),
        roadmap_item=roadmap_item,
    )
    event.full_clean()
    event.save()
    event.schools.set(schools)
    event.teachers.set(teachers)
    return event


def _require_editable(user, event: Event) -> None:
    policy = policy_for(Event)
    if not policy.can(user, CHANGE, event):
        policy.require(user, CREATE)  # not a methodologist anywhere: the general refusal
        raise PermissionDenied(
            f"Менять мероприятия муниципалитета «{event.municipality}» может только его методист."
        )


def _merge_hidden(current: list, given: Sequence | None, visible_ids: set[int]) -> list:
    """The new list: ``given`` (what the user chose among what they see) plus what they do not see."""
    if given is None:
        return current
    given = list(given)
    return given + [obj for obj in current if obj.pk not in visible_ids and obj not in given]


@transaction.atomic
def event_update(
    *,
    event: Event,
    user,
    schools: Sequence[School] | None = None,
    teachers: Sequence[Teacher] | None = None,
    **fields,
) -> Event:
    """Change an event; ``schools`` and ``teachers`` given replace the lists (None leaves them as they are).

    Schools and teachers already on the event that the user does not reach (another municipality's at a
    regional event) stay: the user adds or removes only what they see.
    """
    _require_editable(user, event)
    unknown = set(fields) - set(EVENT_FIELDS)
    if unknown:
        raise TypeError(f"unknown event fields: {sorted(unknown)}")
    event = Event.objects.select_for_update().select_related("municipality").get(pk=event.pk)
    current_schools = list(event.schools.all())
    current_teachers = list(event.teachers.all())
    new_schools = _merge_hidden(
        current_schools,
        schools,
        set(
            School.objects.visible_to(user)
            .filter(pk__in=[s.pk for s in current_schools])
            .values_list("pk", flat=True)
        ),
    )
    new_teachers = _merge_hidden(
        current_teachers,
        teachers,
        set(
            Teacher.objects.visible_to(user)
            .filter(pk__in=[t.pk for t in current_teachers])
            .values_list("pk", flat=True)
        ),
    )
    values = {name: getattr(event, name) for name in EVENT_FIELDS} | fields
    changed_item = "roadmap_item" in fields and fields["roadmap_item"] != event.roadmap_item
    _check(
        user=user,
        municipality=event.municipality,
        level=values["level"],
        start_date=values["start_date"],
        end_date=values["end_date"],
        schools=new_schools,
        teachers=new_teachers,
        participants_count=values["participants_count"],
        roadmap_item=values["roadmap_item"] if changed_item else None,
        known_school_ids=frozenset(s.pk for s in current_schools),
        known_teacher_ids=frozenset(t.pk for t in current_teachers),
    )
    for name, value in fields.items():
        setattr(event, name, value.strip() if isinstance(value, str) else value)
    event.full_clean()
    event.save()
    if schools is not None:
        event.schools.set(new_schools)
    if teachers is not None:
        event.teachers.set(new_teachers)
    return event


@transaction.atomic
def event_delete(*, event: Event, user) -> None:
    _require_editable(user, event)
    event.delete()


# --- totals ---------------------------------------------------------------------------------------------


@dataclass
class SchoolTotals:
    school: School
    by_level: dict[str, int] = field(default_factory=dict)  # level -> named teachers + counts
    total: int = 0


@dataclass
class EventTotals:
    """ШНОР teachers who took part in the year's events, by level and by school.

    Named participants are counted once per level (and once in the total, whatever the number of
    events); a head count given where names are not known is added as it is, per event — it cannot be
    de-duplicated. A head count is taken only when every participating school of the event is a ШНОР of
    the year (otherwise it is not known how many of them are ШНОР teachers); such events are listed in
    ``uncounted_events``.
    """

    year: int
    source: str  # shnor_of_year: "approved" | "computed" | "mixed"
    levels: list[tuple[str, str]]
    shnor_count: int
    named_by_level: dict[str, int]
    counted_by_level: dict[str, int]  # head counts
    total_by_level: dict[str, int]
    named_total: int  # distinct named teachers over all levels
    counted_total: int
    total: int
    rows: list[SchoolTotals]
    several_schools: dict[str, int]  # head counts of events with several ШНОР schools (not split by school)
    several_schools_total: int
    uncounted_events: int
    uncounted_participants: int
    event_count: int


def event_totals(user, year: int) -> EventTotals:
    """The totals of the events starting in ``year`` that ``user`` sees, for the ШНОР of the year's list."""

    shnor, source, _lists = shnor_of_year(user, year)
    shnor_ids = {s.pk for s in shnor}
    levels = list(EventLevel.choices)
    events = Event.objects.visible_to(user).filter(start_date__year=year)

    named: dict[str, set[int]] = {value: set() for value, _ in levels}
    named_school: dict[tuple[int, str], set[int]] = {}
    for event_level, teacher_id, school_id in (
        Event.teachers.through.objects.filter(event__in=events.values("pk"), teacher__school_id__in=shnor_ids)
        .values_list("event__level", "teacher_id", "teacher__school_id")
        .distinct()
    ):
        named[event_level].add(teacher_id)
        named_school.setdefault((school_id, event_level), set()).add(teacher_id)

    school_sets: dict[int, tuple[str, int, list[int]]] = {}
    for event_id, level, count, school_id in events.filter(participants_count__isnull=False).values_list(
        "pk", "level", "participants_count", "schools"
    ):
        entry = school_sets.setdefault(event_id, (level, count, []))
        if school_id is not None:
            entry[2].append(school_id)

    counted = dict.fromkeys(named, 0)
    counted_school: dict[tuple[int, str], int] = {}
    several = dict.fromkeys(named, 0)
    uncounted_events = uncounted_participants = 0
    for level, count, school_ids in school_sets.values():
        if not school_ids or any(s not in shnor_ids for s in school_ids):
            uncounted_events += 1
            uncounted_participants += count
            continue
        counted[level] += count
        if len(school_ids) == 1:
            key = (school_ids[0], level)
            counted_school[key] = counted_school.get(key, 0) + count
        else:
            several[level] += count

    rows = []
    for school in shnor:
        row = SchoolTotals(school)
        for value, _label in levels:
            n = len(named_school.get((school.pk, value), ())) + counted_school.get((school.pk, value), 0)
            row.by_level[value] = n
        row.total = len(set().union(*(named_school.get((school.pk, v), set()) for v, _ in levels))) + sum(
            counted_school.get((school.pk, v), 0) for v, _ in levels
        )
        rows.append(row)

    named_total = len(set().union(*named.values()))
    counted_total = sum(counted.values())
    return EventTotals(
        year=year,
        source=source,
        levels=levels,
        shnor_count=len(shnor),
        named_by_level={k: len(v) for k, v in named.items()},
        counted_by_level=counted,
        total_by_level={k: len(named[k]) + counted[k] for k in named},
        named_total=named_total,
        counted_total=counted_total,
        total=named_total + counted_total,
        rows=rows,
        several_schools=several,
        several_schools_total=sum(several.values()),
        uncounted_events=uncounted_events,
        uncounted_participants=uncounted_participants,
        event_count=events.count(),
    )


LEVEL_GENITIVE_PLURAL: dict[str, str] = {
    EventLevel.SCHOOL: "школьных",
    EventLevel.MUNICIPAL: "муниципальных",
    EventLevel.REGIONAL: "региональных (краевых, областных)",
    EventLevel.FEDERAL: "федеральных",
}


def totals_sentence(n: int, level: str) -> str:
    """«41 педагог ШНОР стал участником региональных (краевых, областных) мероприятий»."""
    became = plural(n, "стал участником", "стали участниками", "стали участниками")
    return f"{count_noun(n, 'педагог', 'педагога', 'педагогов')} ШНОР {became} {LEVEL_GENITIVE_PLURAL[level]} мероприятий"
