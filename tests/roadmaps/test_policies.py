"""The policies of roadmaps, events and risk profiles (roadmaps/policies.py), as tables: each role × action → the
rows it reaches, with ``can`` agreeing with ``instances`` for every row in and out of scope (tests/policy_table.py).

The world: municipality A (schools a1 = sch610001, a2 = sch610002), municipality B (b1 = sch610101) of one region,
a school of another region (sch230001); the mentor is assigned to a1. Roadmaps: A's («A»), a1's («a1»), b1's
(«b1»), B's («B»), one item each («A.1»…); a person without any role («nobody») is named responsible on «a1.1»,
the tutor (no assignment: no reach) on «B.1». Events: «EA» of A at a1, «EB» of B at b1, «EBA» of B (regional) at
b1 and a2. Risk profiles of a1 and b1.
"""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from core.policies import CHANGE, VIEW, policy_for
from mentoring import services as mentoring
from roadmaps import services
from roadmaps.events import services as events
from roadmaps.models import (
    Event,
    EventKind,
    EventLevel,
    RiskFactor,
    RiskLevel,
    RiskProfile,
    Roadmap,
    RoadmapItem,
)
from roadmaps.policies import (
    ADD_EVIDENCE,
    CREATE,
    INDICATORS,
    MOVE,
    TOTALS,
    EventPolicy,
    RiskProfilePolicy,
    RoadmapItemPolicy,
    RoadmapPolicy,
)
from roadmaps.risks import services as risks
from schools.models import School
from tests.policy_table import check_anywhere, check_table, fresh

pytestmark = pytest.mark.django_db

ROLES = ("methodist", "regional_methodist", "head", "school_admin", "mentor", "tutor", "analyst", "superuser")
EVERYONE = (*ROLES, "nobody", "anonymous")
SA1, SA2, SB1, SOTHER = "sch610001", "sch610002", "sch610101", "sch230001"


def table(**by_role: set) -> dict[str, set]:
    """A row of the table: every role named, those left out reach nothing."""
    unknown = set(by_role) - set(EVERYONE)
    assert not unknown, unknown
    return {role: set(by_role.get(role, ())) for role in EVERYONE}


def anywhere(*roles: str) -> dict[str, bool]:
    return {role: role in roles for role in EVERYONE}


def items(roadmaps: dict[str, set]) -> dict[str, set]:
    return {role: {f"{title}.1" for title in titles} for role, titles in roadmaps.items()}


@pytest.fixture
def users(world) -> dict:
    return {**world.users, "anonymous": AnonymousUser()}


@pytest.fixture
def plan(world):
    users = world.users
    today = timezone.localdate()
    methodist, regional = users["methodist"], users["regional_methodist"]
    order = mentoring.order_create(municipality=world.mun_a, number="1-о", date=today, user=methodist)
    mentoring.mentor_assign(
        order=order,
        school=world.school_a1,
        mentor_user=users["mentor"],
        start_date=today - datetime.timedelta(days=1),
        user=methodist,
    )
    start, end = datetime.date(today.year, 1, 1), datetime.date(today.year, 12, 31)
    for title, municipality, school, who, responsible in (
        ("A", world.mun_a, None, methodist, []),
        ("a1", world.mun_a, world.school_a1, methodist, [users["nobody"]]),
        ("b1", world.mun_b, world.school_b1, regional, []),
        ("B", world.mun_b, None, regional, [users["tutor"]]),
    ):
        roadmap = services.roadmap_create(
            municipality=municipality,
            school=school,
            title=title,
            period_start=start,
            period_end=end,
            user=who,
        )
        services.item_save(
            roadmap=roadmap,
            user=who,
            number=f"{title}.1",
            activity="Совещание",
            all_year=True,
            responsible_users=responsible,
        )
    for topic, municipality, schools, who in (
        ("EA", world.mun_a, [world.school_a1], methodist),
        ("EB", world.mun_b, [world.school_b1], regional),
        ("EBA", world.mun_b, [world.school_b1, world.school_a2], regional),
    ):
        events.event_create(
            user=who,
            municipality=municipality,
            kind=EventKind.SEMINAR,
            level=EventLevel.REGIONAL,
            start_date=today,
            end_date=today,
            organiser="ГБУ ДПО РО РИПК и ППРО",
            topic=topic,
            schools=schools,
            participants_count=10,
        )
    factor = RiskFactor.objects.filter(is_active=True).order_by("position").first()
    for school, who in ((world.school_a1, methodist), (world.school_b1, regional)):
        risks.risk_profile_save(
            school=school,
            year=today.year,
            user=who,
            entries=[risks.EntryInput(factor=factor, level=RiskLevel.HIGH)],
        )
    return world


ROADMAP_READERS = table(
    methodist={"A", "a1"},
    regional_methodist={"A", "a1", "b1", "B"},
    head={"A", "a1"},
    school_admin={"A", "a1"},  # its school's, and its municipality's
    mentor={"A", "a1"},  # through the mentored school
    tutor={"B"},  # named responsible on B.1
    analyst={"A", "a1", "b1", "B"},
    superuser={"A", "a1", "b1", "B"},
    nobody={"a1"},  # named responsible on a1.1
)
ROADMAP_WRITERS = table(
    methodist={"A", "a1"}, regional_methodist={"A", "a1", "b1", "B"}, superuser={"A", "a1", "b1", "B"}
)
STAFF_READERS = table(
    methodist={"A", "a1"},
    regional_methodist={"A", "a1", "b1", "B"},
    head={"A", "a1"},
    analyst={"A", "a1", "b1", "B"},
    superuser={"A", "a1", "b1", "B"},
)
ITEM_WRITERS = items(ROADMAP_WRITERS) | {
    "school_admin": {"a1.1"}
}  # a school's admin updates its roadmap's items
ITEM_MOVERS = ITEM_WRITERS | {"nobody": {"a1.1"}, "tutor": {"B.1"}}  # and whoever is named responsible


def test_the_world_has_what_the_tables_expect(plan):
    assert set(Roadmap.objects.values_list("title", flat=True)) == {"A", "a1", "b1", "B"}
    assert set(RoadmapItem.objects.values_list("number", flat=True)) == {"A.1", "a1.1", "b1.1", "B.1"}
    assert set(Event.objects.values_list("topic", flat=True)) == {"EA", "EB", "EBA"}
    assert RiskProfile.objects.count() == 2


def test_roadmaps(plan, users):
    policy = policy_for(Roadmap)
    assert isinstance(policy, RoadmapPolicy)
    check_table(
        policy,
        users,
        {
            VIEW: ROADMAP_READERS,
            CHANGE: ROADMAP_WRITERS,
            CREATE: ROADMAP_WRITERS,
            INDICATORS: STAFF_READERS,
        },
        key=lambda roadmap: roadmap.title,
    )
    check_anywhere(
        policy,
        users,
        {
            CREATE: anywhere("methodist", "regional_methodist", "superuser"),
            INDICATORS: anywhere("methodist", "regional_methodist", "head", "analyst", "superuser"),
        },
    )


def test_a_new_roadmap_is_asked_about_its_owner(plan, users):
    policy = policy_for(Roadmap)
    owners = [
        ("A", plan.mun_a, None),
        ("a1", plan.mun_a, plan.school_a1),
        ("b1", plan.mun_b, plan.school_b1),
        ("B", plan.mun_b, None),
    ]
    for role in EVERYONE:
        user = fresh(users[role])
        for title, municipality, school in owners:
            allowed = title in ROADMAP_WRITERS[role]
            assert policy.can_create_for(user, municipality, school) is allowed, (role, title)
            if not allowed:
                message = "Дорожные карты школ" if school else "Дорожную карту муниципалитета"
                with pytest.raises(PermissionDenied, match=message):
                    policy.require_create_for(user, municipality, school)
    assert set(policy.municipalities(fresh(users["methodist"]))) == {plan.mun_a}
    assert {s.code for s in policy.schools(fresh(users["methodist"]))} == {SA1, SA2}
    assert not policy.municipalities(fresh(users["head"])).exists()


def test_roadmap_items(plan, users):
    policy = policy_for(RoadmapItem)
    assert isinstance(policy, RoadmapItemPolicy)
    check_table(
        policy,
        users,
        {
            VIEW: items(ROADMAP_READERS),
            CHANGE: ITEM_WRITERS,
            MOVE: ITEM_MOVERS,
            ADD_EVIDENCE: ITEM_MOVERS,
        },
        key=lambda item: item.number,
    )
    movers = anywhere("methodist", "regional_methodist", "school_admin", "superuser", "nobody", "tutor")
    check_anywhere(policy, users, {MOVE: movers, ADD_EVIDENCE: movers})


def test_the_responsible_rule_is_for_people_only(plan, users):
    """Being named responsible counts for an active person only (not for an account switched off)."""
    nobody = users["nobody"]
    nobody.is_active = False
    nobody.save(update_fields=["is_active"])
    assert not policy_for(RoadmapItem).instances(fresh(nobody), MOVE).exists()
    assert not policy_for(Roadmap).instances(fresh(nobody), VIEW).exists()


EVENT_ALL = {"EA", "EB", "EBA"}


def test_events(plan, users):
    policy = policy_for(Event)
    assert isinstance(policy, EventPolicy)
    writers = table(methodist={"EA"}, regional_methodist=EVENT_ALL, superuser=EVENT_ALL)
    check_table(
        policy,
        users,
        {
            # Also through the participating schools' municipality: A's staff read B's regional event at a2.
            VIEW: table(
                methodist={"EA", "EBA"},
                regional_methodist=EVENT_ALL,
                head={"EA", "EBA"},
                school_admin={"EA"},
                mentor={"EA"},
                analyst=EVENT_ALL,
                superuser=EVENT_ALL,
            ),
            CHANGE: writers,
            CREATE: writers,
            TOTALS: table(
                methodist={"EA"},
                regional_methodist=EVENT_ALL,
                head={"EA"},
                analyst=EVENT_ALL,
                superuser=EVENT_ALL,
            ),
        },
        key=lambda event: event.topic,
    )
    check_anywhere(
        policy,
        users,
        {
            CREATE: anywhere("methodist", "regional_methodist", "superuser"),
            TOTALS: anywhere("methodist", "regional_methodist", "head", "analyst", "superuser"),
        },
    )
    other = plan.school_other.municipality
    expected = {
        "methodist": {plan.mun_a},
        "regional_methodist": {plan.mun_a, plan.mun_b},
        "superuser": {plan.mun_a, plan.mun_b, other},
    }
    for role in EVERYONE:
        user = fresh(users[role])
        assert set(policy.municipalities(user)) == expected.get(role, set()), role
        for municipality in (plan.mun_a, plan.mun_b, other):
            assert policy.can_create_in(user, municipality) is (municipality in expected.get(role, set()))


def test_risk_profiles(plan, users):
    policy = policy_for(RiskProfile)
    assert isinstance(policy, RiskProfilePolicy)
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
                analyst={SA1, SB1},
                superuser={SA1, SB1},
            ),
            CHANGE: table(methodist={SA1}, regional_methodist={SA1, SB1}, superuser={SA1, SB1}),
        },
        key=lambda profile: profile.school.code,
    )
    # A profile not filled in yet is asked about its school.
    writers = {
        "methodist": {SA1, SA2},
        "regional_methodist": {SA1, SA2, SB1},
        "superuser": {SA1, SA2, SB1, SOTHER},
    }
    for role in EVERYONE:
        user = fresh(users[role])
        assert {s.code for s in policy.schools(user, CHANGE)} == writers.get(role, set()), role
        for school in School.objects.all():
            assert policy.can_for_school(user, CHANGE, school) is (school.code in writers.get(role, set()))
