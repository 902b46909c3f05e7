"""Mentoring pages: who opens what (exact statuses per role), forms through the services, no N+1."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import User
from mentoring import services
from mentoring.models import LogEntry, LogKind, MentorAssignment, Order, TutorAssignment
from schools.models import ApprovedList, ApprovedListEntry, FlagStatus
from tests.builders.module import module_fixture
from tests.factories import SchoolFactory, SubjectFactory, TeacherFactory

pytestmark = pytest.mark.django_db

START = datetime.date(2026, 9, 1)


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


@module_fixture
def season(world):
    """An order of mun_a: the mentor at school_a1, the tutor for one maths teacher of school_a1."""
    methodist = world.users["methodist"]
    maths = SubjectFactory(name="Математика")
    t1 = TeacherFactory(school=world.school_a1, last_name="Журавлёва", subjects=[maths])
    t2 = TeacherFactory(school=world.school_a1, last_name="Воробьёва", subjects=[maths])
    t3 = TeacherFactory(school=world.school_b1, last_name="Соловьёва", subjects=[maths])
    order = services.order_create(municipality=world.mun_a, number="112-од", date=days(-30), user=methodist)
    mentor_assignment = services.mentor_assign(
        order=order,
        school=world.school_a1,
        mentor_user=world.users["mentor"],
        start_date=days(-30),
        user=methodist,
    )
    tutor_assignment = services.tutor_assign(
        order=order,
        teacher=t1,
        subject=maths,
        tutor=world.users["tutor"],
        start_date=days(-30),
        user=methodist,
    )
    entry = services.log_entry_create(
        author=User.objects.get(pk=world.users["mentor"].pk),
        school=world.school_a1,
        date=days(-1),
        kind=LogKind.LESSON_VISIT,
        topic="Урок математики",
        teachers=[t1, t2],
    )
    return {
        "order": order,
        "maths": maths,
        "t1": t1,
        "t2": t2,
        "t3": t3,
        "mentor_assignment": mentor_assignment,
        "tutor_assignment": tutor_assignment,
        "entry": entry,
    }


def client_for(client, world, role):
    client.force_login(world.users[role])
    return client


ROLES = ["methodist", "regional_methodist", "head", "school_admin", "mentor", "tutor", "analyst", "nobody"]


def page_statuses(client, world, season, name, args=()):
    statuses = {}
    for role in ROLES:
        client.force_login(world.users[role])
        statuses[role] = client.get(reverse(name, args=args)).status_code
    client.logout()
    statuses["anonymous"] = client.get(reverse(name, args=args)).status_code
    return statuses


@pytest.mark.parametrize(
    ("name", "arg", "expected"),
    [
        # Lists open to every signed-in user show only what the gate lets through.
        ("mentoring:index", None, dict.fromkeys(ROLES, 200)),
        ("mentoring:log", None, dict.fromkeys(ROLES, 200)),
        # Writing pages: the municipality's methodologists only.
        (
            "mentoring:order_create",
            None,
            {**dict.fromkeys(ROLES, 403), "methodist": 200, "regional_methodist": 200},
        ),
        (
            "mentoring:partnership_create",
            None,
            {**dict.fromkeys(ROLES, 403), "methodist": 200, "regional_methodist": 200},
        ),
        (
            "mentoring:coverage",
            None,
            {
                **dict.fromkeys(ROLES, 403),
                "methodist": 200,
                "regional_methodist": 200,
                "head": 200,
                "analyst": 200,
            },
        ),
        ("mentoring:my", None, {**dict.fromkeys(ROLES, 403), "mentor": 200, "tutor": 200}),
        (
            "mentoring:log_create",
            None,
            {
                **dict.fromkeys(ROLES, 403),
                "methodist": 200,
                "regional_methodist": 200,
                "mentor": 200,
                "tutor": 200,
            },
        ),
        # Objects: 404 outside the reach, so guessed ids reveal nothing.
        (
            "mentoring:order_detail",
            "order",
            {
                **dict.fromkeys(ROLES, 404),
                "methodist": 200,
                "regional_methodist": 200,
                "head": 200,
                "analyst": 200,
            },
        ),
        (
            "mentoring:mentor_end",
            "mentor_assignment",
            {**dict.fromkeys(ROLES, 404), "methodist": 200, "regional_methodist": 200},
        ),
        (
            "mentoring:log_edit",
            "entry",
            {**dict.fromkeys(ROLES, 404), "methodist": 200, "regional_methodist": 200, "mentor": 200},
        ),
        (
            "schools:teacher_detail",
            "t1",
            {
                **dict.fromkeys(ROLES, 404),
                "methodist": 200,
                "regional_methodist": 200,
                "head": 200,
                "school_admin": 200,
                "mentor": 200,
                "tutor": 200,
            },
        ),
        (
            "schools:teacher_detail",
            "t2",  # the tutor's colleague in the same school: not theirs
            {
                **dict.fromkeys(ROLES, 404),
                "methodist": 200,
                "regional_methodist": 200,
                "head": 200,
                "school_admin": 200,
                "mentor": 200,
            },
        ),
        (
            "schools:teacher_edit",
            "t1",
            {**dict.fromkeys(ROLES, 404), "methodist": 200, "regional_methodist": 200, "school_admin": 200},
        ),
    ],
)
def test_who_opens_what(client, world, season, name, arg, expected):
    args = (season[arg].pk,) if arg else ()
    statuses = page_statuses(client, world, season, name, args)
    anonymous = statuses.pop("anonymous")
    assert statuses == expected
    assert anonymous == 302  # to the sign-in page


def test_tutor_sees_only_their_teacher_everywhere(client, world, season):
    client.force_login(world.users["tutor"])
    school_page = client.get(reverse("schools:detail", args=[world.school_a1.pk])).content.decode()
    assert "Журавлёва" in school_page
    assert "Воробьёва" not in school_page
    teachers_page = client.get(reverse("schools:teachers")).content.decode()
    assert (
        "Журавлёва" in teachers_page and "Воробьёва" not in teachers_page and "Соловьёва" not in teachers_page
    )
    # The mentor's log entry names both teachers; the tutor reads only the entries they wrote.
    log_page = client.get(reverse("mentoring:log")).content.decode()
    assert "Урок математики" not in log_page


def test_analyst_sees_no_teacher_names(client, world, season):
    client.force_login(world.users["analyst"])
    page = client.get(reverse("schools:detail", args=[world.school_a1.pk])).content.decode()
    assert "Журавлёва" not in page
    assert client.get(reverse("schools:teachers")).context["page_obj"].paginator.count == 0


def test_order_with_lines_is_saved_whole_or_not_at_all(client, world, season):
    client.force_login(world.users["methodist"])
    form = {
        "municipality": world.mun_a.pk,
        "number": "120-од",
        "date": "2026-10-01",
        "mentors-TOTAL_FORMS": "2",
        "mentors-INITIAL_FORMS": "0",
        "mentors-0-school": world.school_a2.pk,
        "mentors-0-mentor_school": world.school_a1.pk,
        "mentors-0-start_date": "2026-10-01",
        # Overlaps the mentor's assignment to school_a1 made in the fixture: the whole order is refused.
        "mentors-1-school": world.school_a1.pk,
        "mentors-1-mentor_user": world.users["mentor"].pk,
        "mentors-1-start_date": "2026-10-01",
        "tutors-TOTAL_FORMS": "0",
        "tutors-INITIAL_FORMS": "0",
    }
    response = client.post(reverse("mentoring:order_create"), form)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Наставники, строка 2: «" in text and "пересекаются" in text
    assert not Order.objects.filter(number="120-од").exists()
    assert MentorAssignment.objects.count() == 1

    form["mentors-TOTAL_FORMS"] = "1"
    response = client.post(reverse("mentoring:order_create"), form)
    order = Order.objects.get(number="120-од")
    assert response.status_code == 302 and response.url == reverse("mentoring:order_detail", args=[order.pk])
    assignment = MentorAssignment.objects.get(order=order)
    assert (assignment.school, assignment.mentor_school) == (world.school_a2, world.school_a1)


def test_methodologist_cannot_post_a_school_of_another_municipality(client, world, season):
    client.force_login(world.users["methodist"])
    response = client.post(
        reverse("mentoring:order_create"),
        {
            "municipality": world.mun_a.pk,
            "number": "121-од",
            "date": "2026-10-01",
            "mentors-TOTAL_FORMS": "1",
            "mentors-INITIAL_FORMS": "0",
            "mentors-0-school": world.school_b1.pk,
            "mentors-0-mentor_user": world.users["mentor"].pk,
            "mentors-0-start_date": "2026-10-01",
            "tutors-TOTAL_FORMS": "0",
            "tutors-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert not Order.objects.filter(number="121-од").exists()
    assert "Выберите корректный вариант" in response.content.decode()  # not offered, so not accepted


def test_ending_an_assignment_keeps_it_in_history(client, world, season):
    client.force_login(world.users["methodist"])
    assignment = season["mentor_assignment"]
    response = client.post(
        reverse("mentoring:mentor_end", args=[assignment.pk]),
        {"end_date": days(-1).isoformat(), "note": "приказ № 130-од"},
    )
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert (assignment.end_date, assignment.end_note, assignment.ended_by) == (
        days(-1),
        "приказ № 130-од",
        world.users["methodist"],
    )
    page = client.get(reverse("schools:detail", args=[world.school_a1.pk])).content.decode()
    assert "наставник не назначен" in page and "История назначений (1)" in page
    # The mentor no longer reaches the school.
    client.force_login(world.users["mentor"])
    assert client.get(reverse("schools:detail", args=[world.school_a1.pk])).status_code == 404


def test_mentor_records_a_visit_and_cannot_name_another_schools_teacher(client, world, season):
    client.force_login(world.users["mentor"])
    data = {
        "school": world.school_a1.pk,
        "date": days(0).isoformat(),
        "kind": LogKind.CONSULTATION,
        "topic": "Разбор ВПР",
        "teachers": [season["t3"].pk],
    }
    response = client.post(reverse("mentoring:log_create"), data)
    assert response.status_code == 200  # t3 is not offered: the form refuses it
    assert LogEntry.objects.count() == 1
    data["teachers"] = [season["t2"].pk]
    response = client.post(reverse("mentoring:log_create"), data)
    assert response.status_code == 302
    entry = LogEntry.objects.get(topic="Разбор ВПР")
    assert list(entry.teachers.all()) == [season["t2"]]


def test_coverage_lists_the_gaps(client, world, season):
    approved = ApprovedList.objects.create(
        municipality=world.mun_a,
        list_year=2027,
        order_number="1",
        order_date=datetime.date(2026, 8, 1),
        created_by=world.users["methodist"],
    )
    for school in (world.school_a1, world.school_a2):
        ApprovedListEntry.objects.create(
            approved_list=approved, school=school, computed_status=FlagStatus.SHNOR, included=True
        )
    from schools.models import FlagComputation, FlagDecision

    computation = FlagComputation.objects.create(region=world.region, list_year=2027, params={})
    FlagDecision.objects.create(
        school=world.school_a1, list_year=2027, status=FlagStatus.SHNOR, computation=computation
    )
    client.force_login(world.users["methodist"])
    response = client.get(reverse("mentoring:coverage"), {"year": 2027})
    coverage = response.context["report"].coverage
    assert coverage.schools_total == 2
    assert coverage.schools_without_mentor == (world.school_a2.pk,)
    assert coverage.mentor_share == 50.0
    assert coverage.teachers_total == 2  # the subject teachers of school_a1 (school_a2 has none)
    assert coverage.teachers_without_tutor == ((world.school_a1.pk, season["t2"].pk),)
    assert coverage.tutor_share == 50.0
    text = response.content.decode()
    assert "ШНОР без наставника (1)" in text and "Учителя без тьютора (1)" in text


def test_log_totals_by_kind_and_school(client, world, season):
    methodist = world.users["methodist"]
    services.log_entry_create(
        author=methodist, school=world.school_a2, date=days(-2), kind=LogKind.LANDING, topic="Десант"
    )
    client.force_login(methodist)
    totals = client.get(reverse("mentoring:log")).context["totals"]
    by_school = {school.pk: (counts, total) for school, counts, total in totals.rows}
    kinds = [value for value, _label in totals.kinds]
    assert by_school[world.school_a1.pk][1] == 1
    assert by_school[world.school_a1.pk][0][kinds.index(LogKind.LESSON_VISIT)] == 1
    assert by_school[world.school_a2.pk][0][kinds.index(LogKind.LANDING)] == 1
    assert totals.total == 2


# Each list's queries, whatever its rows: session, user, grants, the page's own.
LIST_QUERIES = {  # the header's bell (notifications) included
    "mentoring:index": 7,
    "mentoring:tutors": 7,
    "mentoring:log": 12,
    "mentoring:partnerships": 8,
    "schools:teachers": 11,
}


@pytest.mark.parametrize("name", sorted(LIST_QUERIES))
def test_lists_do_not_grow_queries_with_rows(client, world, season, django_assert_num_queries, name):
    methodist = world.users["methodist"]
    order = season["order"]
    for n in range(12):
        school = SchoolFactory(municipality=world.mun_a, code=f"sch6109{n:02d}")
        teacher = TeacherFactory(school=school, subjects=[season["maths"]])
        services.mentor_assign(
            order=order, school=school, mentor_user=world.users["mentor"], start_date=START, user=methodist
        )
        services.tutor_assign(
            order=order,
            teacher=teacher,
            subject=season["maths"],
            tutor=world.users["tutor"],
            start_date=START,
            user=methodist,
        )
        services.log_entry_create(
            author=methodist,
            school=school,
            date=days(-1),
            kind=LogKind.SEMINAR,
            topic="Семинар",
            teachers=[teacher],
        )
        services.partnership_create(
            school=school,
            partners=[world.school_a1],
            kind="pair",
            agreement_number=str(n),
            agreement_date=START,
            first_year=2026,
            last_year=2026,
            user=methodist,
        )
    client.force_login(methodist)
    with django_assert_num_queries(LIST_QUERIES[name]):
        response = client.get(reverse(name))
    assert response.status_code == 200
    assert MentorAssignment.objects.count() == 13 and TutorAssignment.objects.count() == 13


def test_school_card_queries_do_not_grow_with_mentoring_rows(client, world, season):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def card_queries() -> int:
        client.force_login(world.users["methodist"])
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("schools:detail", args=[world.school_a1.pk])).status_code == 200
        return len(captured)

    methodist = world.users["methodist"]

    def add(n: int) -> None:
        teacher = TeacherFactory(school=world.school_a1, subjects=[season["maths"]])
        services.log_entry_create(
            author=methodist,
            school=world.school_a1,
            date=days(-n),
            kind=LogKind.SEMINAR,
            topic="С",
            teachers=[teacher],
        )
        partner = SchoolFactory(municipality=world.mun_a, code=f"sch6108{n:02d}")
        services.partnership_create(
            school=world.school_a1,
            partners=[partner],
            kind="pair",
            agreement_number=str(n),
            agreement_date=START,
            first_year=2026,
            last_year=2026,
            user=methodist,
        )

    add(0)  # one row of each kind first: a prefetch runs only when there is something to prefetch for
    before = card_queries()
    for n in range(1, 8):
        add(n)
    assert card_queries() == before
