"""The policies of diagnostics (diagnostics/policies.py), as tables: each role × action → the rows it reaches, with
``can`` agreeing with ``instances`` for every row in and out of scope (tests/policy_table.py).

The world: municipality A (schools a1 = sch610001, a2 = sch610002), municipality B (b1 = sch610101) of one region,
a school of another region (sch230001). Teachers: Иванова and Петров at a1 (Иванова is the tutor's), Сидорова at a2,
Смирнова at b1, Попов at the other region's school; the mentor is assigned to a1. Campaigns A, B and OTHER; each
teacher has a score, a named deficit and an approved ИОМ; each school has its form for IV 2030.
"""

import pytest
from django.contrib.auth.models import AnonymousUser

from core.policies import CHANGE, VIEW, policy_for
from diagnostics.models import (
    Campaign,
    DiagnosticResult,
    ProgressEntry,
    ProgressForm,
    Route,
    RouteLine,
    SpecificDeficit,
)
from diagnostics.policies import (
    APPROVE,
    CREATE,
    DRAFT,
    ENTER_RESULTS,
    FILL,
    OPEN,
    OVERSEE,
    REVIEW,
    WRITE,
    CampaignPolicy,
    ProgressFormPolicy,
    RoutePolicy,
)
from schools.models import Municipality, School, Teacher
from tests.builders.diagnostics import build_diagnosed
from tests.builders.module import module_fixture
from tests.policy_table import check_anywhere, check_table, fresh

pytestmark = pytest.mark.django_db

A1 = {"Иванова", "Петров"}
A2 = {"Сидорова"}
B1 = {"Смирнова"}
OTHER = {"Попов"}
ALL = A1 | A2 | B1 | OTHER
NONE: set = set()
ROLES = ("methodist", "regional_methodist", "head", "school_admin", "mentor", "tutor", "analyst", "superuser")
NOBODY = {"nobody": NONE, "anonymous": NONE}


def table(**by_role: set) -> dict[str, set]:
    """A row of the table: every role named, those left out reach nothing."""
    unknown = set(by_role) - set(ROLES)
    assert not unknown, unknown
    return {role: by_role.get(role, NONE) for role in ROLES} | NOBODY


# Teachers' personal data: the municipality's staff, the school's admin, the school's mentor, the teacher's tutor.
PERSONAL = table(
    methodist=A1 | A2,
    regional_methodist=A1 | A2 | B1,
    head=A1 | A2,
    school_admin=A1,
    mentor=A1,
    tutor={"Иванова"},
    superuser=ALL,
)
# Results are entered by the methodologist.
RESULTS_WRITERS = table(methodist=A1 | A2, regional_methodist=A1 | A2 | B1, superuser=ALL)
# ИОМ: the methodologist or the teacher's tutor.
ROUTE_WRITERS = RESULTS_WRITERS | {"tutor": {"Иванова"}}

CAMPAIGN_STAFF = table(
    methodist={"A"},
    regional_methodist={"A", "B"},
    head={"A"},
    analyst={"A", "B"},
    superuser={"A", "B", "OTHER"},
)
CAMPAIGN_WRITERS = table(methodist={"A"}, regional_methodist={"A", "B"}, superuser={"A", "B", "OTHER"})
# Opened by the staff, and by whoever reads a participating teacher.
CAMPAIGN_OPENERS = CAMPAIGN_STAFF | {"school_admin": {"A"}, "mentor": {"A"}, "tutor": {"A"}}

SA1, SA2, SB1, SOTHER = "sch610001", "sch610002", "sch610101", "sch230001"
FORM_READERS = table(
    methodist={SA1, SA2},
    regional_methodist={SA1, SA2, SB1},
    head={SA1, SA2},
    school_admin={SA1},
    superuser={SA1, SA2, SB1, SOTHER},
)
FORM_FILLERS = table(school_admin={SA1}, superuser={SA1, SA2, SB1, SOTHER})
FORM_REVIEWERS = table(
    methodist={SA1, SA2}, regional_methodist={SA1, SA2, SB1}, superuser={SA1, SA2, SB1, SOTHER}
)
FORM_OVERSEERS = table(
    methodist={SA1, SA2},
    regional_methodist={SA1, SA2, SB1},
    head={SA1, SA2},
    superuser={SA1, SA2, SB1, SOTHER},
)
# The forms' entries carry the first line of each ИОМ at their school.
TEACHERS_AT = {SA1: A1, SA2: A2, SB1: B1, SOTHER: OTHER}


def teachers_at(schools: set) -> set:
    return set().union(*(TEACHERS_AT[school] for school in schools))


ENTRY_READERS = {role: teachers_at(schools) for role, schools in FORM_READERS.items()}
ENTRY_FILLERS = {role: teachers_at(schools) for role, schools in FORM_FILLERS.items()}


@pytest.fixture
def users(world) -> dict:
    return {**world.users, "anonymous": AnonymousUser()}


@module_fixture
def diagnosed(world):
    """Built once per module (tests/builders/module.py)."""
    return build_diagnosed(world)


def teacher_name(obj) -> str:
    return obj.teacher.last_name


def test_the_world_has_what_the_tables_expect(diagnosed):
    assert Campaign.objects.count() == 3
    assert {r.teacher.last_name for r in DiagnosticResult.objects.all()} == ALL
    assert Route.objects.filter(status="approved").count() == 5
    assert RouteLine.objects.count() == 10
    assert ProgressForm.objects.count() == 4
    assert {e.line.route.teacher.last_name for e in ProgressEntry.objects.all()} == ALL


def test_campaigns(diagnosed, users):
    policy = policy_for(Campaign)
    assert isinstance(policy, CampaignPolicy)
    check_table(
        policy,
        users,
        {
            VIEW: CAMPAIGN_STAFF,
            OPEN: CAMPAIGN_OPENERS,
            CHANGE: CAMPAIGN_WRITERS,
            CREATE: CAMPAIGN_WRITERS,
            ENTER_RESULTS: CAMPAIGN_WRITERS,
        },
        key=lambda campaign: campaign.name,
    )
    staff = {"methodist": True, "regional_methodist": True, "head": True, "analyst": True, "superuser": True}
    writers = {"methodist": True, "regional_methodist": True, "superuser": True}
    check_anywhere(
        policy,
        users,
        {
            VIEW: {role: staff.get(role, False) for role in [*ROLES, *NOBODY]},
            OPEN: {role: role in ROLES for role in [*ROLES, *NOBODY]},
            CREATE: {role: writers.get(role, False) for role in [*ROLES, *NOBODY]},
        },
    )


def test_a_new_campaign_is_asked_about_its_municipality(diagnosed, users, world):
    policy = policy_for(Campaign)
    other = world.school_other.municipality
    expected = {
        "methodist": {world.mun_a},
        "regional_methodist": {world.mun_a, world.mun_b},
        "superuser": {world.mun_a, world.mun_b, other},
    }
    for role in [*ROLES, *NOBODY]:
        user = fresh(users[role])
        assert set(policy.municipalities(user)) == expected.get(role, set()), role
        for municipality in Municipality.objects.all():
            assert policy.can_create_in(user, municipality) is (municipality in expected.get(role, set()))


@pytest.mark.parametrize(
    ("model", "writers"),
    [(DiagnosticResult, RESULTS_WRITERS), (SpecificDeficit, RESULTS_WRITERS), (Route, ROUTE_WRITERS)],
    ids=lambda value: getattr(value, "__name__", ""),
)
def test_teachers_personal_data(diagnosed, users, model, writers):
    check_table(policy_for(model), users, {VIEW: PERSONAL, CHANGE: writers}, key=teacher_name)


def test_reads_teachers_results_anywhere(diagnosed, users):
    """The diagnostics pages with names: everybody reading teachers' personal data, not the regional analyst."""
    readers = {role: role in ROLES and role != "analyst" for role in [*ROLES, *NOBODY]}
    check_anywhere(policy_for(DiagnosticResult), users, {VIEW: readers})


def test_routes_draft_write_and_approve(diagnosed, users):
    policy = policy_for(Route)
    assert isinstance(policy, RoutePolicy)
    check_table(
        policy, users, {DRAFT: ROUTE_WRITERS, WRITE: ROUTE_WRITERS, APPROVE: ROUTE_WRITERS}, key=teacher_name
    )


@pytest.mark.parametrize("action", [DRAFT, WRITE, APPROVE])
def test_a_route_is_asked_about_its_teacher(diagnosed, users, action):
    """Before a teacher has an ИОМ: the same answer as for the teacher's route (the one writer predicate)."""
    policy = policy_for(Route)
    for role in [*ROLES, *NOBODY]:
        user = fresh(users[role])
        assert {t.last_name for t in policy.teachers(user, action)} == ROUTE_WRITERS[role], role
        for teacher in Teacher.objects.all():
            allowed = teacher.last_name in ROUTE_WRITERS[role]
            assert policy.can_for_teacher(user, action, teacher) is allowed, (role, teacher.last_name)
            assert policy.can(user, action, Route.objects.get(teacher=teacher)) is allowed, (
                role,
                teacher.last_name,
            )


def test_route_lines(diagnosed, users):
    key = lambda line: f"{line.route.teacher.last_name}:{line.position}"  # noqa: E731
    lines = lambda names: {f"{name}:{n}" for name in names for n in (1, 2)}  # noqa: E731
    check_table(
        policy_for(RouteLine),
        users,
        {
            VIEW: {role: lines(names) for role, names in PERSONAL.items()},
            CHANGE: {role: lines(names) for role, names in ROUTE_WRITERS.items()},
        },
        key=key,
    )


def test_quarterly_forms(diagnosed, users):
    policy = policy_for(ProgressForm)
    assert isinstance(policy, ProgressFormPolicy)
    check_table(
        policy,
        users,
        {
            VIEW: FORM_READERS,
            CHANGE: FORM_FILLERS,
            FILL: FORM_FILLERS,
            REVIEW: FORM_REVIEWERS,
            OVERSEE: FORM_OVERSEERS,
        },
        key=lambda form: form.school.code,
    )
    check_anywhere(
        policy,
        users,
        {
            VIEW: {role: bool(FORM_READERS[role]) for role in [*ROLES, *NOBODY]},
            OVERSEE: {role: bool(FORM_OVERSEERS[role]) for role in [*ROLES, *NOBODY]},
        },
    )


@pytest.mark.parametrize(
    ("action", "expected"), [(FILL, FORM_FILLERS), (VIEW, FORM_READERS), (REVIEW, FORM_REVIEWERS)]
)
def test_a_form_is_asked_about_its_school(diagnosed, users, action, expected):
    """A form not opened yet: the school's answer is the form's (the admin opens it, the staff list it)."""
    policy = policy_for(ProgressForm)
    for role in [*ROLES, *NOBODY]:
        user = fresh(users[role])
        assert {s.code for s in policy.schools(user, action)} == expected[role], role
        for school in School.objects.all():
            assert policy.can_for_school(user, action, school) is (school.code in expected[role]), (
                role,
                school.code,
            )


def test_form_entries(diagnosed, users):
    check_table(
        policy_for(ProgressEntry),
        users,
        {VIEW: ENTRY_READERS, CHANGE: ENTRY_FILLERS},
        key=lambda entry: entry.line.route.teacher.last_name,
    )
