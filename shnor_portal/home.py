"""The reads of the home page (issue #20 §1): one block per role the user holds, each saying what is theirs to do.

Every item is a number and the list it opens; the number is counted from the very selector that list page filters
with (diagnostics.selectors.forms_listed, routes_listed, core.imports.batches_listed, schools.selectors
.lists_awaiting_order, the coverage page's lists, roadmaps.selectors…), so the two cannot disagree.
Every scope goes through the policies (``visible_to``/``editable_by``, ``policy_for(Model).reach``): this module
adds no predicate of who may see what. It sits above the apps, beside the URLconf, because it gathers them all.
"""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, Exists, IntegerField, OuterRef, QuerySet, Subquery
from django.urls import reverse
from django.utils.http import urlencode

from core.imports import batches_listed, importers_for
from core.models import ImportBatch
from core.plural import plural
from core.policies import policy_for
from core.roles import Role
from diagnostics import progress
from diagnostics.models import FormStatus, ProgressForm, RouteLine, RouteStatus
from diagnostics.selectors import awaiting_lines_q, forms_listed, routes_listed
from diagnostics.services import deadline_days
from indicators.selectors import statuses_by_municipality
from mentoring.models import LogEntry, LogKind, MentorAssignment, TutorAssignment
from mentoring.policies import COVERAGE
from mentoring.rules import share
from reports.models import Report, ReportStatus
from roadmaps import transitions
from roadmaps.models import RoadmapItem
from roadmaps.selectors import school_open_items
from schools.models import School, Teacher
from schools.selectors import flag_default_year, flag_list_years, lists_awaiting_order, shnor_of_year

# How many returned forms the school admin's block quotes with their remarks; the rest are one click away.
RETURNED_SHOWN = 5


def _url(name: str, query: dict | None = None, anchor: str = "", args=()) -> str:
    url = reverse(name, args=args)
    if query:
        url += "?" + urlencode(query)
    return url + (f"#{anchor}" if anchor else "")


@dataclass
class Item:
    """One thing to do: ``count`` rows of the list at ``url``; ``forms`` are the noun's three forms. An item
    made with ``rows`` (the list's queryset) is counted with the page's other items in one query."""

    key: str  # data-count in the page, and the tests' handle
    forms: tuple[str, str, str]
    url: str
    count: int = 0
    rows: QuerySet | None = None

    @property
    def label(self) -> str:
        return plural(self.count, *self.forms)


@dataclass(frozen=True)
class QuarterForm:
    """A quarter the school reports on now: its form (None while not opened), due date and state."""

    school: School
    quarter: progress.Quarter
    deadline: datetime.date
    form: ProgressForm | None

    @property
    def status_label(self) -> str:
        return FormStatus(self.form.status).label if self.form else "не начата"


@dataclass
class Block:
    role: str
    title: str
    items: list[Item] = field(default_factory=list)
    # what a role's block shows besides its numbers (the template of the role reads it)
    quarter_forms: list[QuarterForm] = field(default_factory=list)
    returned: list[ProgressForm] = field(default_factory=list)
    schools: list = field(default_factory=list)
    teachers: list = field(default_factory=list)
    municipalities: list = field(default_factory=list)
    totals: list = field(default_factory=list)
    year: int | None = None
    coverage: object = None

    @property
    def template(self) -> str:
        return f"core/home/_{self.role}.html"

    @property
    def to_do(self) -> int:
        return sum(item.count for item in self.items)


@dataclass
class _Shared:
    """Reads two blocks need (a methodist who is also a head), made once per page."""

    user: object
    today: datetime.date
    _years: list[int] | None = None
    _awaiting: list | None = None

    @property
    def years(self) -> list[int]:
        if self._years is None:
            self._years = flag_list_years(self.user)
        return self._years

    @property
    def awaiting(self) -> list:
        if self._awaiting is None:
            self._awaiting = lists_awaiting_order(self.user, years=self.years)
        return self._awaiting

    @property
    def coverage_year(self) -> int | None:
        """The list year of the coverage page, when the user may open it."""
        if not policy_for(MentorAssignment).can(self.user, COVERAGE):
            return None
        return flag_default_year(self.user, years=self.years, today=self.today)


@dataclass(frozen=True)
class Gaps:
    """The coverage page's figures of a list year as querysets to count (mentoring.selectors.coverage_report and
    mentoring.rules.coverage make the page's lists of the same rows)."""

    list_year: int
    schools_total: int
    without_mentor: QuerySet  # the year's ШНОР without a mentor in force
    teachers: QuerySet  # their subject teachers in work
    without_tutor: QuerySet  # of whom without a tutor in force


def coverage_gaps(user, list_year: int, *, today: datetime.date) -> Gaps:
    """The year's ШНОР (schools.selectors.shnor_of_year, as the coverage page) and what they lack, counted with the
    page's other numbers instead of loading every teacher."""
    schools, _source, _lists = shnor_of_year(user, list_year)
    ids = [school.pk for school in schools]
    # NOT EXISTS, not NOT IN: PostgreSQL ran the NOT IN over the scoped subquery once per teacher (2.5 s for 1,100
    # of 2,200 teachers of a 2,000-school region, bench/home.py); the anti-join takes milliseconds.
    without_mentor = School.objects.filter(pk__in=ids).exclude(
        Exists(MentorAssignment.objects.visible_to(user).active(today).filter(school=OuterRef("pk")))
    )
    teachers = (
        Teacher.objects.visible_to(user).active().filter(school_id__in=ids, subjects__isnull=False).distinct()
    )
    without_tutor = teachers.exclude(
        Exists(TutorAssignment.objects.visible_to(user).active(today).filter(teacher=OuterRef("pk")))
    )
    return Gaps(list_year, len(ids), without_mentor, teachers, without_tutor)


@dataclass(frozen=True)
class CoverageFigures:
    list_year: int
    schools_total: int
    schools_with_mentor: int
    teachers_total: int
    teachers_with_tutor: int

    @property
    def mentor_share(self) -> float | None:
        return share(self.schools_with_mentor, self.schools_total)


def _lists_item(shared: _Shared) -> Item:
    return Item(
        "lists-awaiting",
        ("перечень ШНОР ждёт приказа", "перечня ШНОР ждут приказа", "перечней ШНОР ждут приказа"),
        _url("schools:approved_list_index", anchor="awaiting"),
        count=len(shared.awaiting),
    )


def school_admin_block(shared: _Shared) -> Block:
    user, today = shared.user, shared.today
    schools = list(policy_for(School).reach(user, frozenset({Role.SCHOOL_ADMIN})).order_by("name"))
    quarters = [progress.quarter_of(today).previous(), progress.quarter_of(today)]
    opened = {
        (form.school_id, form.year, form.quarter): form
        for form in ProgressForm.objects.visible_to(user).filter(
            school__in=schools, year__in={q.year for q in quarters}, quarter__in={q.number for q in quarters}
        )
    }
    days = deadline_days()
    quarter_forms = []
    for school in schools:
        for quarter in quarters:
            form = opened.get((school.pk, quarter.year, quarter.number))
            deadline = form.deadline if form else progress.deadline(quarter, days)
            quarter_forms.append(QuarterForm(school, quarter, deadline, form))
    # A user who is also staff sees more forms and ИОМ than their school's: the links name the school (when one).
    school = schools[0].pk if len(schools) == 1 else None
    by_school = {"school": school} if school else {}
    returned = forms_listed(user, status=FormStatus.RETURNED, school=school, today=today)
    items = [
        Item(
            "forms-returned",
            ("форма возвращена", "формы возвращены", "форм возвращено"),
            _url("diagnostics:forms", {"status": FormStatus.RETURNED, **by_school}),
            rows=returned,
        ),
        Item(
            "forms-overdue",
            ("форма просрочена", "формы просрочены", "форм просрочено"),
            _url("diagnostics:forms", {"overdue": 1, **by_school}),
            rows=forms_listed(user, overdue=True, school=school, today=today),
        ),
        Item(
            "school-items",
            (
                "открытый пункт дорожной карты школы",
                "открытых пункта дорожной карты школы",
                "открытых пунктов дорожной карты школы",
            ),
            _url("roadmaps:my_items", anchor="school"),
            rows=school_open_items(user),
        ),
        Item(
            "routes-due",
            (
                "ИОМ со строками, срок которых наступил",
                "ИОМ со строками, срок которых наступил",
                "ИОМ со строками, срок которых наступил",
            ),
            _url("diagnostics:routes", {"due": 1, **by_school}),
            rows=routes_listed(user, due=True, school=school, today=today),
        ),
    ]
    return Block(
        Role.SCHOOL_ADMIN,
        Role.SCHOOL_ADMIN.label,
        items,
        quarter_forms=quarter_forms,
        returned=list(returned.select_related("school").order_by("deadline", "pk")[:RETURNED_SHOWN]),
    )


def methodist_block(shared: _Shared) -> Block:
    user, today = shared.user, shared.today
    items = [
        Item(
            "forms-submitted",
            ("форма ждёт проверки", "формы ждут проверки", "форм ждут проверки"),
            _url("diagnostics:forms", {"status": FormStatus.SUBMITTED}),
            rows=forms_listed(user, status=FormStatus.SUBMITTED, today=today),
        )
    ]
    if importers_for(user):
        items.append(
            Item(
                "imports-validated",
                ("загрузка ждёт подтверждения", "загрузки ждут подтверждения", "загрузок ждут подтверждения"),
                _url("imports:list", {"status": ImportBatch.Status.VALIDATED}),
                rows=batches_listed(user, status=ImportBatch.Status.VALIDATED),
            )
        )
    items.append(_lists_item(shared))
    year = shared.coverage_year
    if year is not None:
        gaps = coverage_gaps(user, year, today=today)
        items += [
            Item(
                "without-mentor",
                ("ШНОР без наставника", "ШНОР без наставника", "ШНОР без наставника"),
                _url("mentoring:coverage", {"year": year}, anchor="no-mentor"),
                rows=gaps.without_mentor,
            ),
            Item(
                "without-tutor",
                ("учитель ШНОР без тьютора", "учителя ШНОР без тьютора", "учителей ШНОР без тьютора"),
                _url("mentoring:coverage", {"year": year}, anchor="no-tutor"),
                rows=gaps.without_tutor,
            ),
        ]
    items += [
        Item(
            "routes-draft",
            ("ИОМ ждёт утверждения", "ИОМ ждут утверждения", "ИОМ ждут утверждения"),
            _url("diagnostics:routes", {"status": RouteStatus.DRAFT}),
            rows=routes_listed(user, status=RouteStatus.DRAFT, today=today),
        ),
        Item(
            "items-overdue",
            (
                "пункт дорожных карт просрочен",
                "пункта дорожных карт просрочены",
                "пунктов дорожных карт просрочено",
            ),
            _url("roadmaps:list", {"overdue": 1}),
            rows=RoadmapItem.objects.visible_to(user).overdue(today),
        ),
    ]
    return Block(Role.METHODIST, Role.METHODIST.label, items)


def head_block(shared: _Shared) -> Block:
    user = shared.user
    items = [
        Item(
            "reports-ready",
            (
                "справка ждёт утверждения и подписи",
                "справки ждут утверждения и подписи",
                "справок ждут утверждения и подписи",
            ),
            _url("reports:list", {"status": ReportStatus.READY}),
            rows=Report.objects.visible_to(user).filter(status=ReportStatus.READY),
        ),
        _lists_item(shared),
    ]
    return Block(Role.HEAD, Role.HEAD.label, items)


def mentor_block(shared: _Shared, roles: list[str]) -> Block:
    """A mentor's schools and a tutor's teachers, each with the last entry of their log and what is due; the
    ИОМ of their teachers with lines due."""
    user, today = shared.user, shared.today
    schools, teachers = [], []
    if Role.MENTOR in roles:
        last = (
            LogEntry.objects.visible_to(user)
            .filter(author=user, school=OuterRef("school"))
            .order_by("-date", "-pk")
        )
        open_items = RoadmapItem.objects.visible_to(user).filter(
            roadmap__school=OuterRef("school"), status__in=transitions.OPEN, end_date__isnull=False
        )
        overdue = (
            RoadmapItem.objects.visible_to(user)
            .overdue(today)
            .filter(roadmap__school=OuterRef("school"))
            .values("roadmap__school")
            .annotate(n=Count("pk"))
            .values("n")
        )
        schools = list(
            MentorAssignment.objects.visible_to(user)
            .active(today)
            .filter(mentor_user=user)
            .select_related("school__municipality")
            .annotate(
                last_date=Subquery(last.values("date")[:1]),
                last_kind=Subquery(last.values("kind")[:1]),
                next_due=Subquery(
                    open_items.filter(end_date__gte=today).order_by("end_date").values("end_date")[:1]
                ),
                overdue=Subquery(overdue, output_field=IntegerField()),
            )
            .order_by("school__name", "pk")
        )
    if Role.TUTOR in roles:
        last = (
            LogEntry.objects.visible_to(user)
            .filter(author=user, teachers=OuterRef("teacher"))
            .order_by("-date", "-pk")
        )
        teachers = list(
            TutorAssignment.objects.visible_to(user)
            .active(today)
            .filter(tutor=user)
            .select_related("teacher__school", "subject")
            .annotate(
                last_date=Subquery(last.values("date")[:1]), last_kind=Subquery(last.values("kind")[:1])
            )
            .order_by("teacher__school__name", "teacher__last_name", "teacher__first_name", "pk")
        )
        # One grouped query, not a subquery per teacher: the tutor's scope is a list of teacher ids, and repeating
        # it in every row's subquery cost 1.4 s for 1,100 teachers (bench/home.py).
        due_lines = dict(
            RouteLine.objects.visible_to(user)
            .filter(awaiting_lines_q(today), route__teacher_id__in={a.teacher_id for a in teachers})
            .values_list("route__teacher_id")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for assignment in teachers:
            assignment.due_lines = due_lines.get(assignment.teacher_id, 0)
    for assignment in [*schools, *teachers]:  # the kind of the last entry, as the log names it
        assignment.last_kind_label = LogKind(assignment.last_kind).label if assignment.last_kind else ""
    items = [
        Item(
            "routes-due",
            (
                "ИОМ моих педагогов со строками, срок которых наступил",
                "ИОМ моих педагогов со строками, срок которых наступил",
                "ИОМ моих педагогов со строками, срок которых наступил",
            ),
            _url("diagnostics:routes", {"due": 1}),
            rows=routes_listed(user, due=True, today=today),
        )
    ]
    title = " и ".join(Role(role).label for role in (Role.MENTOR, Role.TUTOR) if role in roles)
    return Block(Role.MENTOR, title, items, schools=schools, teachers=teachers)


def _coverage_figures(shared: _Shared) -> CoverageFigures | None:
    year = shared.coverage_year
    if year is None:
        return None
    gaps = coverage_gaps(shared.user, year, today=shared.today)
    without_mentor, teachers, without_tutor = count_many(
        [gaps.without_mentor, gaps.teachers, gaps.without_tutor]
    )
    return CoverageFigures(
        year, gaps.schools_total, gaps.schools_total - without_mentor, teachers, teachers - without_tutor
    )


def analyst_block(shared: _Shared) -> Block:
    """The region at a glance: statuses by municipality (each number opens «Статусы ШНОР» so filtered), the
    indicators and the coverage by mentors."""
    user, today = shared.user, shared.today
    year = flag_default_year(user, years=shared.years, today=today)
    rows = statuses_by_municipality(user, year) if year is not None else []
    totals = [
        (status, label, sum(row.counts[i][2] for row in rows))
        for i, (status, label, _n) in enumerate(rows[0].counts if rows else [])
    ]
    return Block(
        Role.REGIONAL_ANALYST,
        Role.REGIONAL_ANALYST.label,
        [],
        municipalities=rows,
        totals=totals,
        year=year,
        coverage=_coverage_figures(shared),
    )


def count_many(querysets: list[QuerySet]) -> list[int]:
    """The row counts of ``querysets`` in one query — ``SELECT (SELECT COUNT(*) FROM (…)), …`` — rather than one
    query each: the home page's items are up to a dozen lists, and the page keeps to 15 queries."""
    if not querysets:
        return []
    parts, params = [], []
    for queryset in querysets:
        try:
            sql, query_params = queryset.order_by().values("pk").query.sql_with_params()
        except EmptyResultSet:  # a scope that is empty by construction (no grant): nothing to count
            parts.append("0")
            continue
        # the SQL is what Django compiled for the queryset; the values stay parameters
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS listed)")  # noqa: S608
        params.extend(query_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        return list(cursor.fetchone())


def home_blocks(user, *, today: datetime.date) -> list[Block]:
    """One block per role the user holds, in the order of ``Role`` (a mentor and a tutor share one); a superuser
    gets the methodist's and the head's (the region at a glance is on «Обзор территории»)."""
    shared = _Shared(user, today)
    # The roles come from the grants the access gate has read already (no query); the header names the territories.
    held = [Role.METHODIST, Role.HEAD] if user.is_superuser else [role for role in Role if role in user.roles]
    blocks = []
    for role in held:
        if role == Role.SCHOOL_ADMIN:
            blocks.append(school_admin_block(shared))
        elif role == Role.METHODIST:
            blocks.append(methodist_block(shared))
        elif role == Role.HEAD:
            blocks.append(head_block(shared))
        elif role == Role.MENTOR or (role == Role.TUTOR and Role.MENTOR not in held):
            blocks.append(mentor_block(shared, [r for r in held if r in (Role.MENTOR, Role.TUTOR)]))
        elif role == Role.REGIONAL_ANALYST:
            blocks.append(analyst_block(shared))
    counted = [item for block in blocks for item in block.items if item.rows is not None]
    for item, count in zip(counted, count_many([item.rows for item in counted]), strict=True):
        item.count = count
    return blocks
