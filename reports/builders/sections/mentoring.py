"""4. Mentoring: the schools' mentors and tutors and the log of their work."""

from collections import defaultdict

from django.db.models import Count

from core.plural import plural
from mentoring.models import LogEntry, LogKind, MentorAssignment, TutorAssignment
from schools.models import (
    Teacher,
)

from ...context import Column, Kind, Section, Table, percent_text
from ..scope import BuildScope
from .shared import MUNICIPALITY_COLUMN, municipalities_of, per_school_note, school_columns, share_percent


def mentoring_section(scope: BuildScope) -> Section:
    focus = scope.focus_ids
    principal = scope.principal
    mentors: dict[int, list[str]] = defaultdict(list)
    for assignment in (
        MentorAssignment.objects.visible_to(principal)
        .active(scope.today)
        .filter(school_id__in=focus)
        .select_related("mentor_user", "mentor_school")
    ):
        mentor = (
            assignment.mentor_school.name if assignment.mentor_school_id else assignment.mentor_user.full_name
        )
        mentors[assignment.school_id].append(mentor)
    teachers = dict(
        Teacher.objects.visible_to(principal)
        .active()
        .filter(school_id__in=focus, subjects__isnull=False)
        .values("school_id")
        .annotate(n=Count("pk", distinct=True))
        .values_list("school_id", "n")
    )
    tutored = dict(
        TutorAssignment.objects.visible_to(principal)
        .active(scope.today)
        .filter(teacher__school_id__in=focus, teacher__is_active=True)
        .values("teacher__school_id")
        .annotate(n=Count("teacher_id", distinct=True))
        .values_list("teacher__school_id", "n")
    )
    log: dict[int, dict[str, int]] = defaultdict(dict)
    for school_id, kind, n in (
        LogEntry.objects.visible_to(principal)
        .filter(school_id__in=focus, date__year__in=(scope.year - 1, scope.year))
        .values_list("school_id", "kind")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        log[school_id][kind] = n

    with_mentor = sum(1 for pk in focus if mentors.get(pk))
    teachers_total = sum(teachers.get(pk, 0) for pk in focus)
    tutored_total = sum(min(tutored.get(pk, 0), teachers.get(pk, 0)) for pk in focus)
    paragraphs = (
        f"Наставник закреплён за {with_mentor} из {len(focus)} {plural(len(focus), 'школы', 'школ', 'школ')} "
        f"({percent_text(share_percent(with_mentor, len(focus)))}); тьютор — у {tutored_total} из {teachers_total} "
        f"{plural(teachers_total, 'педагога', 'педагогов', 'педагогов')} "
        f"({percent_text(share_percent(tutored_total, teachers_total))}).",
    )
    coverage_rows = [
        (
            *scope.school_cells(pk),
            "; ".join(mentors.get(pk, ())) or "не назначен",
            teachers.get(pk, 0),
            min(tutored.get(pk, 0), teachers.get(pk, 0)),
            share_percent(min(tutored.get(pk, 0), teachers.get(pk, 0)), teachers.get(pk, 0)),
        )
        for pk in focus
    ]
    kinds = list(LogKind.choices)
    log_rows = [
        (*scope.school_cells(pk), *(log[pk].get(value, 0) for value, _label in kinds), sum(log[pk].values()))
        for pk in focus
        if log.get(pk)
    ]
    coverage = Table(
        "Охват наставничеством",
        (
            *school_columns(scope),
            Column("Наставник", width=34),
            Column("Педагогов", Kind.INT, 10),
            Column("С тьютором", Kind.INT, 10),
            Column("Охват", Kind.PERCENT, 9),
        ),
        coverage_rows,
        sheet="Наставничество",
        in_pdf=not scope.regional,  # a region prints it per municipality (below); the workbook keeps every school
    )
    journal = Table(
        f"Журнал наставничества за {scope.year - 1}–{scope.year} годы",
        (
            *school_columns(scope),
            *(Column(label, Kind.INT, 9) for _v, label in kinds),
            Column("Всего", Kind.INT, 8),
        ),
        log_rows,
        sheet="Журнал наставничества",
        in_pdf=not scope.regional,
    )
    if scope.regional:
        tables = (
            _coverage_by_municipality(scope, coverage_rows, coverage.sheet),
            coverage,
            _journal_by_municipality(scope, journal, len(kinds)),
            journal,
        )
    else:
        tables = (coverage, journal)
    return Section("mentoring", "Наставничество и тьюторское сопровождение", paragraphs, tables)


def _coverage_by_municipality(scope: BuildScope, coverage_rows: list[tuple], sheet: str) -> Table:
    """A region's coverage per municipality: the sums of the per-school rows (the same figures, 25 rows)."""
    totals: dict[str, list[int]] = {name: [0, 0, 0, 0] for name in municipalities_of(scope, scope.focus_ids)}
    for pk, row in zip(scope.focus_ids, coverage_rows, strict=True):
        total = totals[scope.schools[pk].municipality]
        total[0] += 1
        total[1] += row[2] != "не назначен"
        total[2] += row[3]
        total[3] += row[4]
    return Table(
        "Охват наставничеством по муниципалитетам",
        (
            MUNICIPALITY_COLUMN,
            Column("Школ в перечне", Kind.INT, 10),
            Column("С наставником", Kind.INT, 11),
            Column("Педагогов", Kind.INT, 10),
            Column("С тьютором", Kind.INT, 10),
            Column("Охват", Kind.PERCENT, 9),
        ),
        [(name, *t, share_percent(t[3], t[2])) for name, t in totals.items()],
        sheet="Наставничество по МО",
        note=per_school_note(sheet),
    )


def _journal_by_municipality(scope: BuildScope, journal: Table, kinds: int) -> Table:
    """A region's mentoring log per municipality: the per-school rows summed (municipalities with entries)."""
    totals: dict[str, list[int]] = {}
    for row in journal.rows:
        total = totals.setdefault(row[1], [0] * (kinds + 1))
        for i, value in enumerate(row[2:]):
            total[i] += value
    order = municipalities_of(scope, scope.focus_ids)
    return Table(
        journal.title + " по муниципалитетам",
        (MUNICIPALITY_COLUMN, *journal.columns[2:]),
        [(name, *totals[name]) for name in order if name in totals],
        sheet="Журнал по МО",
        note=per_school_note(journal.sheet),
    )
