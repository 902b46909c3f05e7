"""Writes of the mentoring area. Every service checks the gate itself and refuses with a Russian message."""

from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core.access import forget_scope
from core.policies import CHANGE, VIEW, policy_for
from core.roles import Role
from core.services import model_update, role_grant
from notifications import catalogue as events
from notifications.services import notify, people_who_may
from schools.models import Municipality, School, Subject, Teacher

from . import rules
from .models import LogEntry, MentorAssignment, Order, Partnership, PlanItem, TutorAssignment
from .policies import ASSIGN, CREATE, DELETE, EDIT_PLAN, LOG

T = TypeVar("T")


def _fmt(day: date | None) -> str:
    return "без срока" if day is None else f"{day:%d.%m.%Y}"


def _period_text(period: rules.Period) -> str:
    return f"с {_fmt(period.start)}" + ("" if period.end is None else f" по {_fmt(period.end)}")


def _require_school_in_scope(user, model, action: str, school: School, what: str) -> None:
    """``model``'s policy decides; a methodologist of another municipality is told whose school it is."""
    policy = policy_for(model)
    if not policy.can_for_school(user, action, school):
        policy.require(user, action)  # not the area's staff at all: PermissionDenied
        raise ValidationError(
            f"Школа «{school}» не относится к вашему муниципалитету: {what} ей может только методист "
            f"муниципалитета «{school.municipality}»."
        )


def _check_order_matches(order: Order | None, school: School) -> None:
    if order is not None and order.municipality_id != school.municipality_id:
        title = str(order)
        raise ValidationError(
            # Not str.capitalize(): it would lower-case the order number ("45-ОД" → "45-од").
            f"{title[:1].upper()}{title[1:]} издан для муниципалитета «{order.municipality}», "
            f"а школа «{school}» относится к муниципалитету «{school.municipality}»."
        )


def _check_period(start: date | None, end: date | None) -> None:
    problem = rules.period_problem(start, end)
    if problem:
        raise ValidationError(problem)


# --- orders ---------------------------------------------------------------------------------------------


@transaction.atomic
def order_create(*, municipality: Municipality, number: str, date: date, user, title: str = "") -> Order:
    policy_for(Order).require_create_in(user, municipality)
    order = Order(
        municipality=municipality,
        number=number.strip(),
        date=date,
        title=title.strip(),
        created_by=user if getattr(user, "pk", None) else None,
    )
    order.full_clean()
    order.save()
    return order


def _require_order_editable(user, order: Order) -> None:
    policy_for(Order).require(user, CHANGE, order)


# --- mentors --------------------------------------------------------------------------------------------


@transaction.atomic
def mentor_assign(
    *,
    order: Order,
    school: School,
    start_date: date,
    end_date: date | None = None,
    mentor_user=None,
    mentor_school: School | None = None,
    user,
) -> MentorAssignment:
    """Assign a mentor (a person or a school) to ``school`` by ``order``; overlaps are refused."""
    _require_order_editable(user, order)
    _require_school_in_scope(user, MentorAssignment, ASSIGN, school, "назначать наставника")
    _check_order_matches(order, school)
    _check_period(start_date, end_date)
    if (mentor_user is None) == (mentor_school is None):
        raise ValidationError("Укажите наставника: педагога или школу-наставника (одно из двух).")
    if mentor_school is not None and mentor_school.pk == school.pk:
        raise ValidationError("Школа не может быть наставником самой себе.")
    if mentor_user is not None and not mentor_user.is_active:
        raise ValidationError(f"Учётная запись «{mentor_user}» отключена: назначить её наставником нельзя.")
    School.objects.select_for_update().filter(pk=school.pk).first()  # one assignment of a school at a time
    same = MentorAssignment.objects.filter(school=school).select_related("order")
    same = same.filter(mentor_user=mentor_user) if mentor_user else same.filter(mentor_school=mentor_school)
    new = rules.Period(start_date, end_date)
    clash = rules.first_overlap(new, ((a, a.period) for a in same))
    mentor = mentor_user or mentor_school
    if clash is not None:
        raise ValidationError(
            f"«{mentor}» уже закреплён наставником школы «{school}» {_period_text(clash.period)} "
            f"({clash.order}); периоды пересекаются."
        )
    assignment = MentorAssignment(
        order=order,
        school=school,
        mentor_user=mentor_user,
        mentor_school=mentor_school,
        start_date=start_date,
        end_date=end_date,
    )
    assignment.full_clean()
    assignment.save()
    if mentor_user is not None:
        role_grant(user=mentor_user, role=Role.MENTOR)
        forget_scope(mentor_user)
        told = [mentor_user]
        what = f"наставник школы «{school}»"
    else:
        assert mentor_school is not None  # noqa: S101 - one of the two, checked above
        # A mentor school: its admins, as the school's policy lets them read it.
        told = people_who_may(mentor_school, VIEW, roles=[Role.SCHOOL_ADMIN], school=mentor_school.pk)
        what = f"школа «{mentor_school}» — наставник школы «{school}»"
    _tell_assigned(assignment, told, what=what, key=f"mentor-assignment:{assignment.pk}")
    return assignment


def _tell_assigned(assignment, people, *, what: str, key: str) -> None:
    """The people an order assigns are told (the bell, the e-mail they chose)."""
    notify(
        event=events.ORDER_ASSIGNED,
        recipients=people,
        key=key,
        context={"order": assignment.order, "assignment": what, "period": _period_text(assignment.period)},
        url=reverse("mentoring:my"),
        subject_obj=assignment,
    )


def _end(assignment, *, end_date: date, note: str, user):
    policy_for(assignment).require(user, CHANGE, assignment)
    problem = rules.end_problem(assignment.period, end_date)
    if problem:
        raise ValidationError(problem)
    assignment.end_date = end_date
    assignment.end_note = note.strip()
    assignment.ended_by = user
    assignment.full_clean()
    assignment.save(update_fields=["end_date", "end_note", "ended_by", "updated_at"])
    return assignment


@transaction.atomic
def mentor_assignment_end(*, assignment: MentorAssignment, end_date: date, note: str = "", user):
    """End an assignment on a day; the record stays, with who ended it and why."""
    return _end(assignment, end_date=end_date, note=note, user=user)


# --- tutors ---------------------------------------------------------------------------------------------


@transaction.atomic
def tutor_assign(
    *,
    order: Order,
    teacher: Teacher,
    subject: Subject,
    tutor,
    start_date: date,
    end_date: date | None = None,
    user,
) -> TutorAssignment:
    """Assign a tutor to a teacher for a subject by ``order``; overlaps for the same subject are refused."""
    school = teacher.school
    _require_order_editable(user, order)
    _require_school_in_scope(user, TutorAssignment, ASSIGN, school, "назначать тьюторов педагогам")
    _check_order_matches(order, school)
    _check_period(start_date, end_date)
    if not teacher.is_active:
        raise ValidationError(f"Педагог {teacher.short_name} отмечен как неработающий.")
    if not teacher.subjects.filter(pk=subject.pk).exists():
        raise ValidationError(
            f"Педагог {teacher.short_name} не ведёт предмет «{subject}»: добавьте предмет в его карточку "
            "или выберите другой."
        )
    if not tutor.is_active:
        raise ValidationError(f"Учётная запись «{tutor}» отключена: назначить её тьютором нельзя.")
    Teacher.objects.select_for_update().filter(pk=teacher.pk).first()
    same = TutorAssignment.objects.filter(teacher=teacher, subject=subject, tutor=tutor).select_related(
        "order"
    )
    clash = rules.first_overlap(rules.Period(start_date, end_date), ((a, a.period) for a in same))
    if clash is not None:
        raise ValidationError(
            f"«{tutor}» уже назначен тьютором педагога {teacher.short_name} по предмету «{subject}» "
            f"{_period_text(clash.period)} ({clash.order}); периоды пересекаются."
        )
    assignment = TutorAssignment(
        order=order, teacher=teacher, subject=subject, tutor=tutor, start_date=start_date, end_date=end_date
    )
    assignment.full_clean()
    assignment.save()
    role_grant(user=tutor, role=Role.TUTOR)
    forget_scope(tutor)
    _tell_assigned(
        assignment,
        [tutor],
        what=f"тьютор педагога {teacher.short_name} по предмету «{subject}» (школа «{school}»)",
        key=f"tutor-assignment:{assignment.pk}",
    )
    return assignment


@transaction.atomic
def tutor_assignment_end(*, assignment: TutorAssignment, end_date: date, note: str = "", user):
    return _end(assignment, end_date=end_date, note=note, user=user)


# --- one order, many lines ------------------------------------------------------------------------------


@transaction.atomic
def order_lines_create(
    *,
    lines: Sequence[dict],
    create: Callable[..., T],
    user,
    numbers: Sequence[int] | None = None,
    section: str = "Строка",
) -> list[T]:
    """Create every line of an order or none: errors are collected per line and raised together, each
    message starting with its line ("Строка 2: …"; ``numbers`` are the lines' numbers as the user sees them,
    1, 2, 3… by default)."""
    numbers = list(numbers) if numbers is not None else list(range(1, len(lines) + 1))
    created: list[T] = []
    errors: list[str] = []
    for number, line in zip(numbers, lines, strict=True):
        try:
            with transaction.atomic():
                created.append(create(user=user, **line))
        except ValidationError as error:
            errors.extend(f"{section} {number}: {message}" for message in error.messages)
        except PermissionDenied as error:
            errors.append(f"{section} {number}: {error}")
    if errors:
        raise ValidationError(errors)
    return created


# --- partnerships ---------------------------------------------------------------------------------------


@transaction.atomic
def partnership_create(
    *,
    school: School,
    partners: Iterable[School],
    kind: str,
    agreement_number: str,
    agreement_date: date,
    first_year: int,
    last_year: int,
    user,
    order: Order | None = None,
    goal: str = "",
) -> Partnership:
    partners = list(partners)
    _require_school_in_scope(user, Partnership, CREATE, school, "создавать партнёрства")
    _check_order_matches(order, school)
    if order is not None:
        _require_order_editable(user, order)
    visible = set(
        School.objects.visible_to(user).filter(pk__in=[p.pk for p in partners]).values_list("pk", flat=True)
    )
    if len(visible) != len({p.pk for p in partners}):
        raise ValidationError("Среди школ-партнёров есть школа вне вашего доступа.")
    problem = rules.partnership_problem(
        kind=kind,
        partner_count=len({p.pk for p in partners}),
        includes_itself=school.pk in {p.pk for p in partners},
        first_year=first_year,
        last_year=last_year,
    )
    if problem:
        raise ValidationError(problem)
    partnership = Partnership(
        school=school,
        kind=kind,
        agreement_number=agreement_number.strip(),
        agreement_date=agreement_date,
        first_year=first_year,
        last_year=last_year,
        order=order,
        goal=goal.strip(),
    )
    partnership.full_clean()
    partnership.save()
    partnership.partners.set(partners)
    return partnership


@transaction.atomic
def plan_item_add(
    *, partnership: Partnership, title: str, due_date: date, user, responsible: str = "", note: str = ""
) -> PlanItem:
    policy_for(Partnership).require(user, EDIT_PLAN, partnership)
    item = PlanItem(
        partnership=partnership,
        title=title.strip(),
        due_date=due_date,
        responsible=responsible.strip(),
        note=note.strip(),
    )
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def plan_item_move(
    *, item: PlanItem, status: str, user, done_on: date | None = None, note: str | None = None
):
    """Move a plan item along the status table; "done" records the day (today unless given)."""
    policy_for(Partnership).require(user, EDIT_PLAN, item.partnership)
    if status != item.status and not rules.plan_move_allowed(item.status, status):
        raise ValidationError(
            f"Из состояния «{item.get_status_display()}» нельзя перейти в выбранное состояние."
        )
    today = timezone.localdate()
    if status == rules.DONE:
        if done_on is not None:
            item.done_on = done_on
        elif item.status != rules.DONE or item.done_on is None:
            item.done_on = today  # a note on a done item keeps the day it was done
        if item.done_on > today:
            raise ValidationError("Дата выполнения ещё не наступила.")
    else:
        item.done_on = None
    item.status = status
    fields = ["status", "done_on", "updated_at"]
    if note is not None:
        item.note = note.strip()
        fields.append("note")
    item.full_clean()
    item.save(update_fields=fields)
    return item


# --- the log --------------------------------------------------------------------------------------------


def _check_log(*, author, school: School, date: date, teachers: Sequence[Teacher]) -> None:
    policy_for(LogEntry).require_for_school(author, LOG, school)
    if date > timezone.localdate():
        raise ValidationError("Дата записи ещё не наступила: журнал ведётся по сделанному.")
    foreign = [t for t in teachers if t.school_id != school.pk]
    if foreign:
        raise ValidationError("Среди участников есть педагоги другой школы.")
    visible = set(
        Teacher.objects.visible_to(author)
        .filter(pk__in=[t.pk for t in teachers])
        .values_list("pk", flat=True)
    )
    if len(visible) != len({t.pk for t in teachers}):
        raise ValidationError("Среди участников есть педагоги, которые вам не назначены.")


@transaction.atomic
def log_entry_create(
    *,
    author,
    school: School,
    date: date,
    kind: str,
    topic: str,
    teachers: Sequence[Teacher] = (),
    outcome: str = "",
    recommendations: str = "",
) -> LogEntry:
    teachers = list(teachers)
    _check_log(author=author, school=school, date=date, teachers=teachers)
    entry = LogEntry(
        school=school,
        author=author,
        date=date,
        kind=kind,
        topic=topic.strip(),
        outcome=outcome.strip(),
        recommendations=recommendations.strip(),
    )
    entry.full_clean()
    entry.save()
    entry.teachers.set(teachers)
    return entry


@transaction.atomic
def log_entry_update(
    *, entry: LogEntry, user, teachers: Sequence[Teacher] | None = None, **fields
) -> LogEntry:
    policy_for(LogEntry).require(user, CHANGE, entry)
    allowed = {"date", "kind", "topic", "outcome", "recommendations"}
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"unknown log fields: {sorted(unknown)}")
    if fields.get("date", entry.date) > timezone.localdate():
        raise ValidationError("Дата записи ещё не наступила: журнал ведётся по сделанному.")
    new_teachers = list(teachers) if teachers is not None else None
    if new_teachers is not None:
        added = [t for t in new_teachers if t.pk not in set(entry.teachers.values_list("pk", flat=True))]
        if any(t.school_id != entry.school_id for t in added):
            raise ValidationError("Среди участников есть педагоги другой школы.")
        # Whoever corrects the entry (its author or the methodologist) may add only teachers they reach;
        # the school does not change, so an author whose assignment has ended still corrects the wording.
        reachable = set(
            Teacher.objects.visible_to(user).filter(pk__in=[t.pk for t in added]).values_list("pk", flat=True)
        )
        if len(reachable) != len({t.pk for t in added}):
            raise ValidationError("Среди участников есть педагоги, которые вам не назначены.")
    data = {name: value.strip() if isinstance(value, str) else value for name, value in fields.items()}
    entry, _changed = model_update(instance=entry, fields=data, data=data)
    if new_teachers is not None:
        entry.teachers.set(new_teachers)
    return entry


@transaction.atomic
def log_entry_delete(*, entry: LogEntry, user) -> None:
    policy_for(LogEntry).require(user, DELETE, entry)
    entry.delete()
