"""Reads of the mentoring area: every queryset starts at the gate."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Prefetch

from schools.models import School, Teacher
from schools.school_years import school_year_of
from schools.selectors import shnor_of_year

from . import rules
from .models import LogEntry, LogKind, MentorAssignment, TutorAssignment


def school_mentoring(user, school: School, *, today: date) -> dict:
    """What the school card shows about mentoring: mentors (with history), partnerships, recent log."""
    from .models import Partnership

    mentors = list(
        MentorAssignment.objects.visible_to(user)
        .filter(school=school)
        .select_related("order", "mentor_user", "mentor_school")
        .order_by("-start_date", "-pk")
    )
    partnerships = list(
        Partnership.objects.visible_to(user)
        .filter(school=school)
        .prefetch_related("partners")
        .order_by("-first_year")
    )
    log = list(
        LogEntry.objects.visible_to(user)
        .filter(school=school)
        .select_related("author")
        .order_by("-date", "-pk")[:10]
    )
    return {
        "mentors_active": [a for a in mentors if a.is_active_on(today)],
        "mentors_past": [a for a in mentors if not a.is_active_on(today)],
        "partnerships": partnerships,
        "log": log,
        "school_year": school_year_of(today),
    }


# --- coverage -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CoverageReport:
    list_year: int
    source: str  # "approved" | "computed"
    approved_lists: list
    schools: list  # School rows of the list
    coverage: rules.Coverage
    teachers: dict  # id -> Teacher (the gaps are shown by name)
    mentors: dict  # school id -> list[MentorAssignment]


def coverage_report(user, list_year: int, *, today: date) -> CoverageReport:
    schools, source, lists = shnor_of_year(user, list_year)
    school_ids = [s.pk for s in schools]
    mentors: dict[int, list] = {}
    for assignment in (
        MentorAssignment.objects.visible_to(user)
        .active(today)
        .filter(school_id__in=school_ids)
        .select_related("order", "mentor_user", "mentor_school")
    ):
        mentors.setdefault(assignment.school_id, []).append(assignment)
    teachers = {
        t.pk: t
        for t in Teacher.objects.visible_to(user)
        .active()
        .filter(school_id__in=school_ids, subjects__isnull=False)
        .distinct()
        .order_by("last_name", "first_name")
    }
    tutored = set(
        TutorAssignment.objects.visible_to(user)
        .active(today)
        .filter(teacher_id__in=teachers)
        .values_list("teacher_id", flat=True)
    )
    by_school: dict[int, list[int]] = {}
    for teacher in teachers.values():
        by_school.setdefault(teacher.school_id, []).append(teacher.pk)
    result = rules.coverage(
        rules.SchoolCoverageInput(
            school_id=school.pk,
            has_mentor=school.pk in mentors,
            teacher_ids=tuple(by_school.get(school.pk, ())),
            tutored_teacher_ids=frozenset(t for t in by_school.get(school.pk, ()) if t in tutored),
        )
        for school in schools
    )
    return CoverageReport(list_year, source, lists, schools, result, teachers, mentors)


# --- log totals -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LogTotals:
    kinds: list[tuple[str, str]]
    rows: list[tuple[School, list[int], int]]  # school, count per kind, total
    column_totals: list[int]
    total: int


def log_totals(entries) -> LogTotals:
    """Entries counted by school and type (one query), for the municipality's overview."""
    counts: dict[int, dict[str, int]] = {}
    for school_id, kind, n in entries.values_list("school_id", "kind").annotate(n=Count("pk")).order_by():
        counts.setdefault(school_id, {})[kind] = n
    schools = School.objects.filter(pk__in=counts).order_by("name")
    kinds = [(value, label) for value, label in LogKind.choices]
    rows = []
    for school in schools:
        per_kind = [counts[school.pk].get(value, 0) for value, _label in kinds]
        rows.append((school, per_kind, sum(per_kind)))
    column_totals = [sum(row[1][i] for row in rows) for i in range(len(kinds))]
    return LogTotals(kinds, rows, column_totals, sum(column_totals))


def my_mentoring(user, *, today: date) -> dict:
    """The mentor's or tutor's own page: their schools, their teachers, their log."""
    mentorships = list(
        MentorAssignment.objects.active(today)
        .filter(mentor_user=user)
        .select_related("school__municipality", "order")
        .prefetch_related(
            Prefetch(
                "school__teachers",
                queryset=Teacher.objects.visible_to(user).active().prefetch_related("subjects"),
                to_attr="visible_teachers",
            )
        )
        .order_by("school__name")
    )
    tutorships = list(
        TutorAssignment.objects.active(today)
        .filter(tutor=user)
        .select_related("teacher__school", "subject", "order")
        .order_by("teacher__school__name", "teacher__last_name", "subject__name")
    )
    log = list(
        LogEntry.objects.filter(author=user)
        .select_related("school")
        .prefetch_related("teachers")
        .order_by("-date", "-pk")[:20]
    )
    return {"mentorships": mentorships, "tutorships": tutorships, "log": log}
