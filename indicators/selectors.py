"""Programme indicators and the methodologist's dashboard, computed from live data for one user.

Which schools: the year's ШНОР as ``schools.selectors.shnor_of_year`` decides them — the approved list of
the year where the municipality has approved one, the computed ШНОР elsewhere — within the user's reach.

The year Y is the list year, and the programme's year is the calendar year Y (002_…: a programme for the 2023
list runs February–December 2023). The figures are taken on the day of the calculation ``as_of``: today for the
current (or a future) list year, 31 December for a past one.

1. support — a mentor of the school or a tutor of the teacher in force on ``as_of``;
2. diagnosed — a result in a diagnostics that started between 1 September Y−1 and ``as_of``;
3. routes — an approved ИОМ for the school year Y−1/Y or Y/Y+1 made from such a diagnostics the teacher took
   (so 3 never counts a teacher 2 does not);
4. courses — a КПК that ended within the 3 years up to ``as_of``;
5. categories — the teacher's current category (the registry keeps no history of categories);
6–8. results of the procedures of year Y (ВПР of spring Y, ГИА of Y); dynamics compares with year Y−1.

Access: the pages are for the municipality's and the region's staff (methodologist, head, regional analyst).
Teachers' data is personal (core.roles.PERSONAL_DATA_ROLES): the regional analyst sees no teacher by name, but
the programme's indicators are aggregates, so the teacher-based indicators count the teachers the user reaches
through these staff roles (``reachable_by(user, INDICATOR_ROLES)``) and never list a name. Lists behind the
numbers are linked only where the user may open them.

Queries: a fixed number, whatever the number of schools — aggregates grouped by school, no per-school loops.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import BigIntegerField, Count, Exists, ExpressionWrapper, F, OuterRef, Q, Sum
from django.db.models.functions import Coalesce

from core.policies import VIEW, policy_for
from diagnostics.models import DiagnosticResult, FormStatus, ProgressForm, Route, RouteStatus
from mentoring.models import MentorAssignment, TutorAssignment
from roadmaps.models import RoadmapItem
from roadmaps.policies import INDICATOR_ROLES
from schools.criteria import default_list_year
from schools.models import (
    FlagDecision,
    FlagStatus,
    ProfessionalCourse,
    QualificationCategory,
    Result,
    School,
    Teacher,
)
from schools.selectors import flag_list_years, shnor_of_year

from . import rules

COURSE_YEARS = 3
VPR_KINDS = ("ВПР",)
GIA_KINDS = ("ОГЭ", "ЕГЭ")
STATUS_ORDER = [FlagStatus.SHNOR, FlagStatus.RISK, FlagStatus.NO_DATA, FlagStatus.NONE]


def programme_targets() -> dict[str, float]:
    """The defaults of 002_… overridden by ``settings.PROGRAMME_TARGETS`` (code → per cent)."""
    configured = getattr(settings, "PROGRAMME_TARGETS", None) or {}
    return rules.DEFAULT_TARGETS | {
        code: float(value) for code, value in configured.items() if code in rules.DEFAULT_TARGETS
    }


def as_of_day(year: int, today: datetime.date) -> datetime.date:
    """The day the year's figures are taken: today for the current or a future year, 31 December for a past one."""
    return min(today, datetime.date(year, 12, 31))


def diagnostics_window(year: int, as_of: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The days a diagnostics must start within to count for the list year ``year``: from the start of the
    school year (Y−1)/Y, the first the year's ИОМ may belong to (school_year Y−1 or Y), up to ``as_of``."""
    return datetime.date(year - 1, 9, 1), as_of


def years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def list_years(user) -> list[int]:
    """List years with computed statuses within the user's reach, newest first (schools.selectors)."""
    return flag_list_years(user)


def default_year(years: list[int], today: datetime.date) -> int | None:
    """The list year every page opens on (schools.criteria.default_list_year): the newest that has begun."""
    return default_list_year(years, today.year)


# --- indicators ---------------------------------------------------------------------------------------------


@dataclass
class IndicatorReport:
    year: int
    as_of: datetime.date
    source: str  # "approved" | "computed" | "mixed" (see shnor_of_year)
    schools: list  # School rows of the ШНОР, municipality selected
    counts: dict[int, rules.IndicatorCounts]  # school id -> counts
    mentored: set[int]  # school ids with a mentor in force on as_of
    targets: dict[str, float] = field(default_factory=programme_targets)

    def counts_of(self, school_ids=None) -> rules.IndicatorCounts:
        ids = [s.pk for s in self.schools] if school_ids is None else school_ids
        return rules.total(self.counts.get(pk, rules.IndicatorCounts()) for pk in ids)

    def indicators(self, school_ids=None) -> list[rules.Indicator]:
        return self.counts_of(school_ids).indicators(self.targets)

    @property
    def without_mentor(self) -> list:
        return [school for school in self.schools if school.pk not in self.mentored]

    def by_municipality(self) -> list[tuple[object, list, list[rules.Indicator]]]:
        """(municipality, its ШНОР, its indicators), by municipality name."""
        groups: dict[int, list] = defaultdict(list)
        names = {}
        for school in self.schools:
            groups[school.municipality_id].append(school)
            names[school.municipality_id] = school.municipality
        rows = []
        for municipality_id in sorted(groups, key=lambda pk: (names[pk].name, pk)):
            schools = groups[municipality_id]
            rows.append((names[municipality_id], schools, self.indicators([s.pk for s in schools])))
        return rows

    def by_school(self, school_ids=None) -> list[tuple[object, list[rules.Indicator]]]:
        wanted = None if school_ids is None else set(school_ids)
        chosen = [s for s in self.schools if wanted is None or s.pk in wanted]
        return [(school, self.indicators([school.pk])) for school in chosen]


def indicator_report(user, year: int, *, today: datetime.date) -> IndicatorReport:
    """The counts behind the eight indicators for each ШНОР of ``year`` within the user's reach."""
    as_of = as_of_day(year, today)
    schools, source, _lists = shnor_of_year(user, year)
    # shnor_of_year reaches through every role; the indicators only through the staff roles.
    reachable = set(
        School.objects.reachable_by(user, INDICATOR_ROLES)
        .filter(pk__in=[s.pk for s in schools])
        .values_list("pk", flat=True)
    )
    schools = [s for s in schools if s.pk in reachable]
    school_ids = [s.pk for s in schools]
    counts: dict[int, dict] = defaultdict(dict)
    if school_ids:
        for row in _teacher_counts(user, school_ids, year, as_of):
            counts[row.pop("school_id")].update(row)
        for row in _result_counts(user, school_ids, year):
            counts[row.pop("school_id")].update(row)
        mentored = set(
            MentorAssignment.objects.reachable_by(user, INDICATOR_ROLES)
            .active(as_of)
            .filter(school_id__in=school_ids)
            .values_list("school_id", flat=True)
            .order_by()
            .distinct()
        )
    else:
        mentored = set()
    return IndicatorReport(
        year=year,
        as_of=as_of,
        source=source,
        schools=schools,
        counts={pk: rules.IndicatorCounts(**values) for pk, values in counts.items()},
        mentored=mentored,
    )


def _teacher_counts(user, school_ids: list[int], year: int, as_of: datetime.date):
    """Indicators 1–5: one query, one row per school."""
    teacher = OuterRef("pk")
    mentor_in_force = Exists(MentorAssignment.objects.active(as_of).filter(school_id=OuterRef("school_id")))
    tutor_in_force = Exists(TutorAssignment.objects.active(as_of).filter(teacher=teacher))
    teaches_subject = Exists(Teacher.subjects.through.objects.filter(teacher_id=teacher))
    # One window for indicators 2 and 3, so a teacher counted with an ИОМ «на основе диагностики» is always
    # counted as diagnosed too (a справка showed «прошли диагностику 0 из 30» beside «ИОМ 9 из 30»): the
    # diagnostics of the school years that the list year's ИОМ belong to, from 1 September Y−1 up to as_of.
    window = diagnostics_window(year, as_of)
    diagnosed = Exists(
        DiagnosticResult.objects.filter(
            teacher=teacher, campaign__start_date__gte=window[0], campaign__start_date__lte=window[1]
        )
    )
    with_route = Exists(
        Route.objects.filter(
            teacher=teacher,
            status=RouteStatus.APPROVED,
            school_year__in=[year - 1, year],
            campaign__start_date__gte=window[0],
            campaign__start_date__lte=window[1],
        ).filter(
            # the teacher took that very diagnostics: a route names its campaign, the results prove it
            Exists(
                DiagnosticResult.objects.filter(teacher=OuterRef("teacher"), campaign=OuterRef("campaign"))
            )
        )
    )
    trained = Exists(
        ProfessionalCourse.objects.filter(
            teacher=teacher, end_date__gt=years_before(as_of, COURSE_YEARS), end_date__lte=as_of
        )
    )
    subject_teacher = Q(teaches_subject=True)
    return (
        Teacher.objects.reachable_by(user, INDICATOR_ROLES)
        .filter(school_id__in=school_ids, is_active=True)
        .alias(
            mentor_in_force=mentor_in_force,
            tutor_in_force=tutor_in_force,
            teaches_subject=teaches_subject,
            diagnosed=diagnosed,
            with_route=with_route,
            trained=trained,
        )
        .values("school_id")
        .annotate(
            teachers=Count("pk"),
            supported=Count("pk", filter=Q(mentor_in_force=True) | Q(tutor_in_force=True)),
            subject_teachers=Count("pk", filter=subject_teacher),
            diagnosed=Count("pk", filter=subject_teacher & Q(diagnosed=True)),
            with_route=Count("pk", filter=subject_teacher & Q(with_route=True)),
            trained=Count("pk", filter=Q(trained=True)),
            categorised=Count(
                "pk",
                filter=Q(category__in=[QualificationCategory.FIRST, QualificationCategory.HIGHEST]),
            ),
        )
        .order_by()
    )


def _result_counts(user, school_ids: list[int], year: int):
    """Indicators 6–8: one query, one row per school."""
    previous = Result.objects.filter(
        school_id=OuterRef("school_id"),
        procedure__kind_id=OuterRef("procedure__kind_id"),
        procedure__subject_id=OuterRef("procedure__subject_id"),
        procedure__grade=OuterRef("procedure__grade"),
        procedure__year=year - 1,
        participants__gt=0,
    )
    # failed / participants < previous failed / previous participants, without division.
    # In the subquery F() is the year before, OuterRef() the year itself.
    worse_before = previous.alias(
        cross=ExpressionWrapper(F("failed") * OuterRef("participants"), output_field=BigIntegerField())
    ).filter(
        cross__gt=ExpressionWrapper(OuterRef("failed") * F("participants"), output_field=BigIntegerField())
    )
    vpr = Q(procedure__kind__code__in=VPR_KINDS)
    gia = Q(procedure__kind__code__in=GIA_KINDS)
    return (
        Result.objects.reachable_by(user, INDICATOR_ROLES)
        .filter(school_id__in=school_ids, procedure__year=year, participants__gt=0)
        .alias(has_previous=Exists(previous), improved=Exists(worse_before))
        .values("school_id")
        .annotate(
            compared=Count("pk", filter=Q(has_previous=True)),
            improved=Count("pk", filter=Q(improved=True)),
            vpr_participants=Coalesce(Sum("participants", filter=vpr), 0),
            vpr_failed=Coalesce(Sum("failed", filter=vpr), 0),
            gia_participants=Coalesce(Sum("participants", filter=gia), 0),
            gia_failed=Coalesce(Sum("failed", filter=gia), 0),
        )
        .order_by()
    )


# --- the dashboard -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class YearFlags:
    year: int
    shnor: int
    risk: int
    left: int  # ШНОР the year before, not ШНОР this year


@dataclass(frozen=True)
class MunicipalityStatuses:
    municipality_id: int
    name: str
    counts: list[tuple[str, str, int]]  # status, label, count — in STATUS_ORDER
    total: int


@dataclass
class Dashboard:
    year: int | None
    years: list[int]
    by_year: list[YearFlags]
    by_municipality: list[MunicipalityStatuses]
    status_totals: list[tuple[str, str, int]]
    report: IndicatorReport | None
    overdue_items: int
    overdue_forms: int | None  # None: the user does not read progress forms (the regional analyst)

    @property
    def total_schools(self) -> int:
        return sum(row.total for row in self.by_municipality)

    @property
    def indicators(self) -> list[rules.Indicator]:
        return self.report.indicators() if self.report else []

    @property
    def chart(self) -> dict:
        """What static/js/dashboard.js draws: the same figures as the table."""
        return {
            "years": [row.year for row in self.by_year],
            "series": [
                {"key": "shnor", "label": "ШНОР", "values": [row.shnor for row in self.by_year]},
                {"key": "risk", "label": "зона риска", "values": [row.risk for row in self.by_year]},
                {"key": "left", "label": "вышли из перечня", "values": [row.left for row in self.by_year]},
            ],
        }


def flags_by_year(user) -> list[YearFlags]:
    """ШНОР, zone of risk and schools that left the list, per list year (active schools, as on the flags page)."""
    decisions = FlagDecision.objects.visible_to(user).filter(school__is_active=True)
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for year, status, n in decisions.values_list("list_year", "status").annotate(n=Count("pk")).order_by():
        counts[year][status] = n
    was_shnor = FlagDecision.objects.filter(
        school_id=OuterRef("school_id"), list_year=OuterRef("list_year") - 1, status=FlagStatus.SHNOR
    )
    left = dict(
        decisions.exclude(status=FlagStatus.SHNOR)
        .filter(Exists(was_shnor))
        .values_list("list_year")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return [
        YearFlags(
            year,
            counts[year].get(FlagStatus.SHNOR, 0),
            counts[year].get(FlagStatus.RISK, 0),
            left.get(year, 0),
        )
        for year in sorted(counts)
    ]


def statuses_by_municipality(user, year: int) -> list[MunicipalityStatuses]:
    rows = (
        FlagDecision.objects.visible_to(user)
        .filter(list_year=year, school__is_active=True)
        .values_list("school__municipality_id", "school__municipality__name", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_municipality: dict[tuple[str, int], dict[str, int]] = defaultdict(dict)
    for municipality_id, name, status, n in rows:
        by_municipality[(name, municipality_id)][status] = n
    result = []
    for name, municipality_id in sorted(by_municipality):
        counts = by_municipality[(name, municipality_id)]
        result.append(
            MunicipalityStatuses(
                municipality_id,
                name,
                [(status, FlagStatus(status).label, counts.get(status, 0)) for status in STATUS_ORDER],
                sum(counts.values()),
            )
        )
    return result


def dashboard(user, year: int | None, *, today: datetime.date, years: list[int] | None = None) -> Dashboard:
    """Everything the dashboard shows; ``years`` are ``list_years(user)`` when the caller has them already."""
    years = list_years(user) if years is None else years
    if year not in years:
        year = default_year(years, today)
    by_municipality = statuses_by_municipality(user, year) if year is not None else []
    status_totals: list[tuple[str, str, int]] = [
        (status, FlagStatus(status).label, sum(m.counts[i][2] for m in by_municipality))
        for i, status in enumerate(STATUS_ORDER)
    ]
    overdue_forms = None
    if policy_for(ProgressForm).can(user, VIEW):
        overdue_forms = (
            ProgressForm.objects.visible_to(user)
            .filter(status__in=[FormStatus.DRAFT, FormStatus.RETURNED], deadline__lt=today)
            .count()
        )
    return Dashboard(
        year=year,
        years=years,
        by_year=flags_by_year(user),
        by_municipality=by_municipality,
        status_totals=status_totals,
        report=indicator_report(user, year, today=today) if year is not None else None,
        overdue_items=RoadmapItem.objects.visible_to(user).overdue(today).count(),
        overdue_forms=overdue_forms,
    )
