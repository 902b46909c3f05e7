"""The policies of mentoring (mentoring/policies.py), as tables: each role × action → the rows it reaches, with
``can`` agreeing with ``instances`` for every row in and out of scope (tests/policy_table.py).

The world: municipality A (schools a1 = sch610001, a2 = sch610002), municipality B (b1 = sch610101) of one region,
a school of another region (sch230001). Orders A (by A's methodologist) and B (by the regional one); the mentor is
assigned to a1, school a2 mentors b1; the tutor has Иванова (a1), a second tutor Смирнова (b1). Partnerships of a1
and b1, each with a plan item. Log entries by the mentor and the tutor at a1, by A's methodologist at a2, by the
regional methodologist at b1.
"""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from core.people import assignable_people
from core.policies import CHANGE, VIEW, policy_for
from mentoring import services
from mentoring.models import (
    LogEntry,
    MentorAssignment,
    Order,
    Partnership,
    PartnershipKind,
    PlanItem,
    TutorAssignment,
)
from mentoring.policies import (
    ASSIGN,
    COVERAGE,
    CREATE,
    DELETE,
    EDIT_PLAN,
    LOG,
    OWN,
    TOTALS,
    LogEntryPolicy,
    MentorAssignmentPolicy,
)
from schools.models import School
from schools.school_years import school_year_of
from tests.builders.module import module_fixture
from tests.factories import SubjectFactory, TeacherFactory, UserFactory
from tests.policy_table import check_anywhere, check_table, fresh

pytestmark = pytest.mark.django_db

ROLES = ("methodist", "regional_methodist", "head", "school_admin", "mentor", "tutor", "analyst", "superuser")
NOBODY = ("nobody", "anonymous")
EVERYONE = (*ROLES, *NOBODY)
SA1, SA2, SB1, SOTHER = "sch610001", "sch610002", "sch610101", "sch230001"


def table(**by_role: set) -> dict[str, set]:
    """A row of the table: every role named, those left out reach nothing."""
    unknown = set(by_role) - set(ROLES)
    assert not unknown, unknown
    return {role: set(by_role.get(role, ())) for role in EVERYONE}


def anywhere(*roles: str) -> dict[str, bool]:
    return {role: role in roles for role in EVERYONE}


@pytest.fixture
def users(world) -> dict:
    return {**world.users, "anonymous": AnonymousUser()}


@module_fixture
def season(world):
    users = world.users
    today = timezone.localdate()
    start = today - datetime.timedelta(days=10)
    math = SubjectFactory(name="Математика")
    ivanova = TeacherFactory(school=world.school_a1, last_name="Иванова", subjects=[math])
    smirnova = TeacherFactory(school=world.school_b1, last_name="Смирнова", subjects=[math])
    methodist, regional = users["methodist"], users["regional_methodist"]
    order_a = services.order_create(municipality=world.mun_a, number="A-1", date=start, user=methodist)
    order_b = services.order_create(municipality=world.mun_b, number="B-1", date=start, user=regional)
    services.mentor_assign(
        order=order_a, school=world.school_a1, mentor_user=users["mentor"], start_date=start, user=methodist
    )
    services.mentor_assign(
        order=order_b, school=world.school_b1, mentor_school=world.school_a2, start_date=start, user=regional
    )
    services.tutor_assign(
        order=order_a, teacher=ivanova, subject=math, tutor=users["tutor"], start_date=start, user=methodist
    )
    services.tutor_assign(
        order=order_b,
        teacher=smirnova,
        subject=math,
        tutor=UserFactory(username="tutor2"),
        start_date=start,
        user=regional,
    )
    year = school_year_of(today)
    for school, partner, who in (
        (world.school_a1, world.school_a2, methodist),
        (world.school_b1, world.school_a1, regional),
    ):
        partnership = services.partnership_create(
            school=school,
            partners=[partner],
            kind=PartnershipKind.PAIR,
            agreement_number="1",
            agreement_date=start,
            first_year=year,
            last_year=year,
            user=who,
        )
        services.plan_item_add(partnership=partnership, title="Семинар", due_date=today, user=who)
    for author, school, teachers in (
        (users["mentor"], world.school_a1, []),
        (users["tutor"], world.school_a1, [ivanova]),
        (methodist, world.school_a2, []),
        (regional, world.school_b1, [smirnova]),
    ):
        services.log_entry_create(
            author=author,
            school=school,
            date=today,
            kind="consultation",
            topic=f"{author.username}@{school.code}",
            teachers=teachers,
        )
    return world


def school_code(obj) -> str:
    return obj.school.code


def test_orders(season, users):
    writers = table(methodist={"A-1"}, regional_methodist={"A-1", "B-1"}, superuser={"A-1", "B-1"})
    check_table(
        policy_for(Order),
        users,
        {
            VIEW: table(
                methodist={"A-1"},
                regional_methodist={"A-1", "B-1"},
                head={"A-1"},
                analyst={"A-1", "B-1"},
                superuser={"A-1", "B-1"},
            ),
            CHANGE: writers,
            CREATE: writers,
        },
        key=lambda order: order.number,
    )
    check_anywhere(
        policy_for(Order), users, {CREATE: anywhere("methodist", "regional_methodist", "superuser")}
    )


def test_an_order_is_asked_about_its_municipality(season, users):
    policy = policy_for(Order)
    expected = {
        "methodist": {season.mun_a},
        "regional_methodist": {season.mun_a, season.mun_b},
        "superuser": {season.mun_a, season.mun_b, season.school_other.municipality},
    }
    for role in EVERYONE:
        user = fresh(users[role])
        assert set(policy.municipalities(user)) == expected.get(role, set()), role
        for municipality in (season.mun_a, season.mun_b):
            if municipality in expected.get(role, set()):
                policy.require_create_in(user, municipality)
            else:
                with pytest.raises(
                    PermissionDenied, match="Вносить приказы муниципалитета может только его методист"
                ):
                    policy.require_create_in(user, municipality)


def test_mentor_assignments(season, users):
    policy = policy_for(MentorAssignment)
    assert isinstance(policy, MentorAssignmentPolicy)
    writers = table(methodist={SA1}, regional_methodist={SA1, SB1}, superuser={SA1, SB1})
    check_table(
        policy,
        users,
        {
            VIEW: table(
                methodist={SA1},
                regional_methodist={SA1, SB1},
                head={SA1},
                school_admin={SA1},
                mentor={SA1},
                tutor={SA1},  # the school of the tutor's teacher
                analyst={SA1, SB1},
                superuser={SA1, SB1},
            ),
            CHANGE: writers,
            ASSIGN: writers,
            COVERAGE: table(
                methodist={SA1},
                regional_methodist={SA1, SB1},
                head={SA1},
                analyst={SA1, SB1},
                superuser={SA1, SB1},
            ),
            OWN: table(mentor={SA1}, tutor={SA1}, superuser={SA1, SB1}),
        },
        key=school_code,
    )
    check_anywhere(
        policy,
        users,
        {
            ASSIGN: anywhere("methodist", "regional_methodist", "superuser"),
            COVERAGE: anywhere("methodist", "regional_methodist", "head", "analyst", "superuser"),
            OWN: anywhere("mentor", "tutor", "superuser"),
        },
    )


def test_the_own_page_stays_between_orders(season, users):
    """A mentor whose assignment ended keeps their page (their log): the role, not the reach, opens it."""
    mentor = users["mentor"]
    MentorAssignment.objects.filter(mentor_user=mentor).update(
        end_date=timezone.localdate() - datetime.timedelta(days=1)
    )
    mentor = fresh(mentor)
    assert not policy_for(MentorAssignment).instances(mentor, OWN).exists()
    assert policy_for(MentorAssignment).can(mentor, OWN) is True


def test_tutor_assignments(season, users):
    writers = table(
        methodist={"Иванова"}, regional_methodist={"Иванова", "Смирнова"}, superuser={"Иванова", "Смирнова"}
    )
    check_table(
        policy_for(TutorAssignment),
        users,
        {
            VIEW: table(
                methodist={"Иванова"},
                regional_methodist={"Иванова", "Смирнова"},
                head={"Иванова"},
                school_admin={"Иванова"},
                mentor={"Иванова"},
                tutor={"Иванова"},
                superuser={"Иванова", "Смирнова"},
            ),
            CHANGE: writers,
            ASSIGN: writers,
        },
        key=lambda assignment: assignment.teacher.last_name,
    )


@pytest.mark.parametrize(
    ("model", "action"), [(MentorAssignment, ASSIGN), (TutorAssignment, ASSIGN), (Partnership, CREATE)]
)
def test_new_assignments_and_partnerships_are_asked_about_the_school(season, users, model, action):
    expected = {
        "methodist": {SA1, SA2},
        "regional_methodist": {SA1, SA2, SB1},
        "superuser": {SA1, SA2, SB1, SOTHER},
    }
    policy = policy_for(model)
    for role in EVERYONE:
        user = fresh(users[role])
        assert {s.code for s in policy.schools(user, action)} == expected.get(role, set()), role
        for school in School.objects.all():
            assert policy.can_for_school(user, action, school) is (school.code in expected.get(role, set()))


def test_another_municipalitys_methodologist_is_told_whose_school_it_is(season, users):
    with pytest.raises(ValidationError, match="не относится к вашему муниципалитету"):
        services.mentor_assign(
            order=Order.objects.get(number="A-1"),
            school=season.school_b1,
            mentor_user=users["mentor"],
            start_date=timezone.localdate(),
            user=users["methodist"],
        )
    with pytest.raises(PermissionDenied, match="Назначения и партнёрства ведут методисты"):
        services.partnership_create(
            school=season.school_a1,
            partners=[season.school_a2],
            kind=PartnershipKind.PAIR,
            agreement_number="2",
            agreement_date=timezone.localdate(),
            first_year=2030,
            last_year=2030,
            user=users["head"],
        )


def test_partnerships_and_their_plans(season, users):
    plan_writers = table(
        methodist={SA1}, regional_methodist={SA1, SB1}, school_admin={SA1}, superuser={SA1, SB1}
    )
    readers = table(
        methodist={SA1},
        regional_methodist={SA1, SB1},
        head={SA1},
        school_admin={SA1},
        mentor={SA1},
        tutor={SA1},
        analyst={SA1, SB1},
        superuser={SA1, SB1},
    )
    check_table(
        policy_for(Partnership),
        users,
        {
            VIEW: readers,
            CHANGE: table(methodist={SA1}, regional_methodist={SA1, SB1}, superuser={SA1, SB1}),
            CREATE: table(methodist={SA1}, regional_methodist={SA1, SB1}, superuser={SA1, SB1}),
            EDIT_PLAN: plan_writers,
        },
        key=school_code,
    )
    check_table(
        policy_for(PlanItem),
        users,
        {VIEW: readers, CHANGE: plan_writers},
        key=lambda item: item.partnership.school.code,
    )


MENTOR_A1, TUTOR_A1, METHODIST_A2, REGIONAL_B1 = (
    f"mentor@{SA1}",
    f"tutor@{SA1}",
    f"methodist@{SA2}",
    f"regional_methodist@{SB1}",
)
LOG_A = {MENTOR_A1, TUTOR_A1, METHODIST_A2}
LOG_ALL = LOG_A | {REGIONAL_B1}


def test_the_log(season, users):
    policy = policy_for(LogEntry)
    assert isinstance(policy, LogEntryPolicy)
    # The methodologist corrects any entry of their territory; the author their own.
    correctors = table(
        methodist=LOG_A, regional_methodist=LOG_ALL, mentor={MENTOR_A1}, tutor={TUTOR_A1}, superuser=LOG_ALL
    )
    check_table(
        policy,
        users,
        {
            VIEW: table(
                methodist=LOG_A,
                regional_methodist=LOG_ALL,
                head=LOG_A,
                school_admin={MENTOR_A1, TUTOR_A1},
                mentor={MENTOR_A1, TUTOR_A1},
                tutor={TUTOR_A1},  # reaches teachers one by one: the entries they wrote
                superuser=LOG_ALL,
            ),
            CHANGE: correctors,
            DELETE: correctors,
            LOG: table(
                methodist=LOG_A,
                regional_methodist=LOG_ALL,
                mentor={MENTOR_A1, TUTOR_A1},
                tutor={MENTOR_A1, TUTOR_A1},
                superuser=LOG_ALL,
            ),
            TOTALS: table(methodist=LOG_A, regional_methodist=LOG_ALL, head=LOG_A, superuser=LOG_ALL),
        },
        key=lambda entry: entry.topic,
    )
    check_anywhere(
        policy,
        users,
        {
            LOG: anywhere("methodist", "regional_methodist", "mentor", "tutor", "superuser"),
            TOTALS: anywhere("methodist", "regional_methodist", "head", "superuser"),
        },
    )


def test_where_one_may_record_mentoring(season, users):
    expected = {
        "methodist": {SA1, SA2},
        "regional_methodist": {SA1, SA2, SB1},
        "mentor": {SA1},
        "tutor": {SA1},
        "superuser": {SA1, SA2, SB1, SOTHER},
    }
    policy = policy_for(LogEntry)
    for role in EVERYONE:
        user = fresh(users[role])
        assert {s.code for s in policy.schools(user, LOG)} == expected.get(role, set()), role
        for school in School.objects.all():
            allowed = school.code in expected.get(role, set())
            assert policy.can_for_school(user, LOG, school) is allowed, (role, school.code)
            if not allowed:
                with pytest.raises(PermissionDenied, match="Вести журнал по этой школе"):
                    policy.require_for_school(user, LOG, school)


def test_whom_a_methodologist_may_assign(season, users):
    """core.people.assignable_people: the one list of people mentoring, ИОМ and roadmaps let a methodologist name."""
    names = lambda user: {u.username for u in assignable_people(fresh(user))}  # noqa: E731
    assert names(users["methodist"]) == {"methodist", "head", "school_admin", "mentor", "tutor", "tutor2"}
    assert {"regional_methodist", "analyst", "methodist", "mentor", "tutor2"} <= names(
        users["regional_methodist"]
    )
    for role in ("head", "school_admin", "mentor", "tutor", "analyst", "nobody", "anonymous"):
        assert names(users[role]) == set(), role
