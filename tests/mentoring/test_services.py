"""Writes of the mentoring area (mentoring.services): each refusal is a Russian message or PermissionDenied."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from core.models import RoleAssignment, User
from core.roles import Role
from mentoring import services
from mentoring.models import (
    LogEntry,
    LogKind,
    MentorAssignment,
    Partnership,
    PlanItem,
    PlanStatus,
    TutorAssignment,
)
from tests.factories import SchoolFactory, SubjectFactory, TeacherFactory, UserFactory

pytestmark = pytest.mark.django_db

D = datetime.date
SEP_1_2025 = D(2025, 9, 1)


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def fresh(user) -> User:
    """The scope is cached per user object; a fresh one sees the assignments made since."""
    return User.objects.get(pk=user.pk)


def messages(excinfo) -> str:
    return " ".join(excinfo.value.messages)


@pytest.fixture
def order_a(world):
    return services.order_create(
        municipality=world.mun_a, number="12-о", date=D(2025, 8, 25), user=world.users["methodist"]
    )


@pytest.fixture
def order_b(world):
    return services.order_create(
        municipality=world.mun_b, number="34-о", date=D(2025, 8, 25), user=world.users["regional_methodist"]
    )


def assign_mentor(
    world, order, *, who="methodist", school=None, mentor=None, start=SEP_1_2025, end=None, **kw
):
    if "mentor_school" not in kw:
        kw["mentor_user"] = world.users["mentor"] if mentor is None else mentor
    return services.mentor_assign(
        order=order,
        school=school or world.school_a2,
        start_date=start,
        end_date=end,
        user=world.users[who],
        **kw,
    )


# --- orders ---------------------------------------------------------------------------------------------


def test_order_create_records_who_entered_it(world, order_a):
    assert order_a.number == "12-о"
    assert order_a.created_by == world.users["methodist"]
    assert str(order_a) == "приказ № 12-о от 25.08.2025"


@pytest.mark.parametrize("who", ["head", "school_admin", "analyst", "mentor", "nobody"])
def test_only_the_methodist_enters_orders(world, who):
    with pytest.raises(PermissionDenied):
        services.order_create(
            municipality=world.mun_a, number="1", date=D(2025, 8, 25), user=world.users[who]
        )


def test_methodist_enters_no_orders_of_another_municipality(world):
    with pytest.raises(PermissionDenied):
        services.order_create(
            municipality=world.mun_b, number="1", date=D(2025, 8, 25), user=world.users["methodist"]
        )


def test_order_number_and_date_are_unique_in_a_municipality(world, order_a):
    with pytest.raises(ValidationError, match="уже внесён"):
        services.order_create(
            municipality=world.mun_a, number=" 12-о ", date=D(2025, 8, 25), user=world.users["methodist"]
        )


# --- mentor_assign ----------------------------------------------------------------------------------------


def test_mentor_assign_grants_the_mentor_role(world, order_a):
    person = UserFactory(username="new_mentor")
    assert Role.MENTOR not in fresh(person).roles
    assignment = assign_mentor(world, order_a, mentor=person)
    assert assignment.pk and assignment.mentor == person and assignment.end_date is None
    assert Role.MENTOR in fresh(person).roles
    assert RoleAssignment.objects.filter(user=person, role=Role.MENTOR).count() == 1
    # A second assignment does not grant the role twice.
    assign_mentor(world, order_a, mentor=person, school=world.school_a1)
    assert RoleAssignment.objects.filter(user=person, role=Role.MENTOR).count() == 1


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (D(2026, 1, 1), None),  # inside an open assignment
        (D(2025, 1, 1), D(2025, 9, 1)),  # ends on the first day of the existing one
        (D(2024, 1, 1), None),  # starts earlier, open
        (SEP_1_2025, SEP_1_2025),
    ],
)
def test_overlapping_assignment_of_the_same_mentor_is_refused(world, order_a, start, end):
    assign_mentor(world, order_a)
    with pytest.raises(ValidationError) as excinfo:
        assign_mentor(world, order_a, start=start, end=end)
    text = messages(excinfo)
    assert "пересекаются" in text
    assert "с 01.09.2025" in text and "приказ № 12-о от 25.08.2025" in text
    assert MentorAssignment.objects.count() == 1


def test_overlap_with_a_closed_period_is_refused_adjacent_one_allowed(world, order_a):
    assign_mentor(world, order_a, start=SEP_1_2025, end=D(2025, 12, 31))
    with pytest.raises(ValidationError, match="пересекаются"):
        assign_mentor(world, order_a, start=D(2025, 12, 31))
    second = assign_mentor(world, order_a, start=D(2026, 1, 1))
    assert second.start_date == D(2026, 1, 1)
    # And before it, up to the day before it starts.
    assign_mentor(world, order_a, start=D(2025, 1, 1), end=D(2025, 8, 31))
    assert MentorAssignment.objects.filter(mentor_user=world.users["mentor"]).count() == 3


def test_an_ended_assignment_leaves_room_after_its_end(world, order_a):
    first = assign_mentor(world, order_a)
    services.mentor_assignment_end(assignment=first, end_date=D(2025, 12, 31), user=world.users["methodist"])
    assign_mentor(world, order_a, start=D(2026, 1, 1))
    assert MentorAssignment.objects.filter(school=world.school_a2).count() == 2


def test_another_mentor_for_the_same_period_is_allowed(world, order_a):
    assign_mentor(world, order_a)
    other = UserFactory(username="second_mentor")
    assign_mentor(world, order_a, mentor=other)
    # The same mentor at another school in the same period, too.
    assign_mentor(world, order_a, school=world.school_a1)
    assert MentorAssignment.objects.count() == 3


def test_mentor_school_overlaps_are_checked_per_mentor_school(world, order_a):
    assign_mentor(world, order_a, school=world.school_a1, mentor_school=world.school_a2)
    with pytest.raises(ValidationError, match="пересекаются"):
        assign_mentor(
            world, order_a, school=world.school_a1, mentor_school=world.school_a2, start=D(2026, 3, 1)
        )
    school_a3 = SchoolFactory(municipality=world.mun_a, code="sch610003")
    assign_mentor(world, order_a, school=world.school_a1, mentor_school=school_a3)


def test_end_before_start_is_refused(world, order_a):
    with pytest.raises(ValidationError) as excinfo:
        assign_mentor(world, order_a, start=D(2025, 9, 2), end=D(2025, 9, 1))
    assert "раньше, чем начинается" in messages(excinfo)
    assert not MentorAssignment.objects.exists()


def test_missing_start_is_refused(world, order_a):
    with pytest.raises(ValidationError, match="Укажите дату начала"):
        assign_mentor(world, order_a, start=None)


@pytest.mark.parametrize("school", ["school_b1", "school_other"])
def test_school_outside_the_methodists_municipality_is_refused(world, order_a, school):
    with pytest.raises(ValidationError) as excinfo:
        assign_mentor(world, order_a, school=getattr(world, school))
    assert "муниципалитет" in messages(excinfo)
    assert not MentorAssignment.objects.exists()


def test_order_of_another_municipality_is_refused(world, order_a, order_b):
    # The methodist of mun_a may not use mun_b's order at all…
    with pytest.raises(PermissionDenied):
        assign_mentor(world, order_b, school=world.school_a1)
    # …and a regional methodist, who may use both, may not mix them.
    with pytest.raises(ValidationError) as excinfo:
        assign_mentor(world, order_b, who="regional_methodist", school=world.school_a1)
    text = messages(excinfo)
    assert "Тацинский район" in text and "Обливский район" in text
    assert not MentorAssignment.objects.exists()
    assign_mentor(world, order_b, who="regional_methodist", school=world.school_b1)


def test_order_number_is_quoted_as_entered(world):
    order = services.order_create(
        municipality=world.mun_b, number="45-ОД", date=D(2025, 8, 25), user=world.users["regional_methodist"]
    )
    with pytest.raises(ValidationError) as excinfo:
        assign_mentor(world, order, who="regional_methodist", school=world.school_a1)
    assert messages(excinfo).startswith(
        "Приказ № 45-ОД от 25.08.2025 издан для муниципалитета «Тацинский район»"
    )


@pytest.mark.parametrize("who", ["head", "school_admin", "analyst", "mentor", "tutor", "nobody"])
def test_only_the_methodist_assigns_mentors(world, order_a, who):
    with pytest.raises((PermissionDenied, ValidationError)):
        assign_mentor(world, order_a, who=who)
    assert not MentorAssignment.objects.exists()


def test_a_school_is_not_its_own_mentor(world, order_a):
    with pytest.raises(ValidationError, match="самой себе"):
        assign_mentor(world, order_a, school=world.school_a2, mentor_school=world.school_a2)


@pytest.mark.parametrize("both", [False, True])
def test_exactly_one_kind_of_mentor(world, order_a, both):
    kw = {"mentor_user": world.users["mentor"], "mentor_school": world.school_a1} if both else {}
    with pytest.raises(ValidationError, match="одно из двух"):
        services.mentor_assign(
            order=order_a,
            school=world.school_a2,
            start_date=SEP_1_2025,
            user=world.users["methodist"],
            **kw,
        )


def test_inactive_account_is_not_assigned(world, order_a):
    person = UserFactory(username="gone", is_active=False)
    with pytest.raises(ValidationError, match="отключена"):
        assign_mentor(world, order_a, mentor=person)


def test_mentor_school_gives_its_staff_no_role(world, order_a):
    assignment = assign_mentor(world, order_a, school=world.school_a1, mentor_school=world.school_a2)
    assert assignment.mentor == world.school_a2
    assert assignment.mentor_user is None


# --- mentor_assignment_end -------------------------------------------------------------------------------


def test_ending_keeps_the_row_with_who_and_why(world, order_a):
    assignment = assign_mentor(world, order_a)
    methodist = world.users["methodist"]
    services.mentor_assignment_end(
        assignment=assignment, end_date=D(2026, 5, 31), note="  Приказ № 40-о об изменении  ", user=methodist
    )
    assignment = MentorAssignment.objects.get(pk=assignment.pk)
    assert assignment.end_date == D(2026, 5, 31)
    assert assignment.end_note == "Приказ № 40-о об изменении"
    assert assignment.ended_by == methodist
    assert assignment.start_date == SEP_1_2025
    assert MentorAssignment.objects.count() == 1


def test_ending_on_the_first_day_is_allowed(world, order_a):
    assignment = assign_mentor(world, order_a)
    services.mentor_assignment_end(assignment=assignment, end_date=SEP_1_2025, user=world.users["methodist"])
    assert MentorAssignment.objects.get(pk=assignment.pk).end_date == SEP_1_2025


def test_ending_before_the_start_is_refused(world, order_a):
    assignment = assign_mentor(world, order_a)
    with pytest.raises(ValidationError) as excinfo:
        services.mentor_assignment_end(
            assignment=assignment, end_date=D(2025, 8, 31), user=world.users["methodist"]
        )
    assert "раньше начала назначения" in messages(excinfo)
    assert MentorAssignment.objects.get(pk=assignment.pk).end_date is None


def test_ending_cannot_extend_an_assignment(world, order_a):
    assignment = assign_mentor(world, order_a, end=D(2026, 5, 31))
    with pytest.raises(ValidationError) as excinfo:
        services.mentor_assignment_end(
            assignment=assignment, end_date=D(2026, 6, 1), user=world.users["methodist"]
        )
    assert "новым приказом" in messages(excinfo)
    assert MentorAssignment.objects.get(pk=assignment.pk).end_date == D(2026, 5, 31)
    # Ending it earlier is fine.
    services.mentor_assignment_end(
        assignment=assignment, end_date=D(2026, 1, 31), user=world.users["methodist"]
    )
    assert MentorAssignment.objects.get(pk=assignment.pk).end_date == D(2026, 1, 31)


@pytest.mark.parametrize("who", ["head", "school_admin", "mentor"])
def test_only_the_methodist_ends_assignments(world, order_a, who):
    assignment = assign_mentor(world, order_a, school=world.school_a1)
    with pytest.raises(PermissionDenied):
        services.mentor_assignment_end(
            assignment=assignment, end_date=D(2026, 1, 31), user=fresh(world.users[who])
        )


# --- tutor_assign -------------------------------------------------------------------------------------


@pytest.fixture
def math(db):
    return SubjectFactory(name="Математика")


@pytest.fixture
def teacher(world, math):
    return TeacherFactory(school=world.school_a1, last_name="Иванова", subjects=[math])


def assign_tutor(world, order, teacher, subject, *, tutor=None, start=SEP_1_2025, end=None, who="methodist"):
    return services.tutor_assign(
        order=order,
        teacher=teacher,
        subject=subject,
        tutor=world.users["tutor"] if tutor is None else tutor,
        start_date=start,
        end_date=end,
        user=world.users[who],
    )


def test_tutor_assign_grants_the_tutor_role(world, order_a, teacher, math):
    person = UserFactory(username="new_tutor")
    assignment = assign_tutor(world, order_a, teacher, math, tutor=person)
    assert assignment.tutor == person and assignment.teacher == teacher and assignment.subject == math
    assert Role.TUTOR in fresh(person).roles


def test_subject_the_teacher_does_not_teach_is_refused(world, order_a, teacher):
    physics = SubjectFactory(name="Физика")
    with pytest.raises(ValidationError) as excinfo:
        assign_tutor(world, order_a, teacher, physics)
    text = messages(excinfo)
    assert "не ведёт предмет «Физика»" in text and "Иванова А. С." in text
    assert not TutorAssignment.objects.exists()


def test_overlapping_tutor_assignment_is_refused(world, order_a, teacher, math):
    assign_tutor(world, order_a, teacher, math, end=D(2026, 5, 31))
    with pytest.raises(ValidationError) as excinfo:
        assign_tutor(world, order_a, teacher, math, start=D(2026, 5, 31))
    assert "пересекаются" in messages(excinfo)
    assign_tutor(world, order_a, teacher, math, start=D(2026, 6, 1))
    # The same tutor for another subject in the same period is a different assignment.
    physics = SubjectFactory(name="Физика")
    teacher.subjects.add(physics)
    assign_tutor(world, order_a, teacher, physics)
    assert TutorAssignment.objects.count() == 3


def test_inactive_teacher_is_refused(world, order_a, teacher, math):
    teacher.is_active = False
    teacher.save()
    with pytest.raises(ValidationError, match="неработающий"):
        assign_tutor(world, order_a, teacher, math)


def test_inactive_tutor_account_is_refused(world, order_a, teacher, math):
    with pytest.raises(ValidationError, match="отключена"):
        assign_tutor(world, order_a, teacher, math, tutor=UserFactory(username="gone", is_active=False))


def test_tutor_for_a_teacher_of_another_municipality_is_refused(world, order_a, math):
    stranger = TeacherFactory(school=world.school_b1, subjects=[math])
    with pytest.raises(ValidationError, match="муниципалитет"):
        assign_tutor(world, order_a, stranger, math)


def test_tutor_period_end_before_start_is_refused(world, order_a, teacher, math):
    with pytest.raises(ValidationError, match="раньше, чем начинается"):
        assign_tutor(world, order_a, teacher, math, start=D(2026, 1, 2), end=D(2026, 1, 1))


def test_tutor_assignment_end(world, order_a, teacher, math):
    assignment = assign_tutor(world, order_a, teacher, math)
    services.tutor_assignment_end(
        assignment=assignment, end_date=D(2026, 1, 31), note="увольнение", user=world.users["methodist"]
    )
    assignment.refresh_from_db()
    assert (assignment.end_date, assignment.end_note, assignment.ended_by) == (
        D(2026, 1, 31),
        "увольнение",
        world.users["methodist"],
    )
    with pytest.raises(PermissionDenied):
        services.tutor_assignment_end(
            assignment=assignment, end_date=D(2026, 1, 1), user=world.users["school_admin"]
        )


# --- order_lines_create ----------------------------------------------------------------------------------


def mentor_lines(world, order, second_school):
    return [
        {
            "order": order,
            "school": world.school_a1,
            "mentor_user": UserFactory(username="m1"),
            "start_date": SEP_1_2025,
        },
        {
            "order": order,
            "school": second_school,
            "mentor_user": UserFactory(username="m2"),
            "start_date": SEP_1_2025,
        },
        {
            "order": order,
            "school": world.school_a2,
            "mentor_user": UserFactory(username="m3"),
            "start_date": SEP_1_2025,
        },
    ]


def test_order_lines_all_saved(world, order_a):
    created = services.order_lines_create(
        lines=mentor_lines(world, order_a, world.school_a2),
        create=services.mentor_assign,
        user=world.users["methodist"],
    )
    assert len(created) == 3
    assert MentorAssignment.objects.filter(order=order_a).count() == 3


def test_one_bad_line_saves_nothing(world, order_a):
    lines = mentor_lines(world, order_a, world.school_b1)  # line 2: a school of another municipality
    with pytest.raises(ValidationError) as excinfo:
        services.order_lines_create(lines=lines, create=services.mentor_assign, user=world.users["methodist"])
    [message] = excinfo.value.messages
    assert message.startswith(
        "Строка 2: Школа «МБОУ «Тацинская СОШ №1»» не относится к вашему муниципалитету"
    )
    assert not MentorAssignment.objects.exists()
    # The roles granted by lines 1 and 3 are rolled back with them.
    assert not RoleAssignment.objects.filter(user__username__in=["m1", "m3"]).exists()


def test_every_bad_line_is_reported(world, order_a):
    lines = mentor_lines(world, order_a, world.school_b1)
    lines[2]["start_date"] = None
    lines.append(dict(lines[0]))  # line 4 repeats line 1: overlaps it
    with pytest.raises(ValidationError) as excinfo:
        services.order_lines_create(lines=lines, create=services.mentor_assign, user=world.users["methodist"])
    errors = excinfo.value.messages
    assert [message.split(":")[0] for message in errors] == ["Строка 2", "Строка 3", "Строка 4"]
    assert errors[1] == "Строка 3: Укажите дату начала."
    assert "пересекаются" in errors[2]
    assert not MentorAssignment.objects.exists()


def test_permission_denied_on_a_line_is_reported_by_line(world, order_a):
    lines = mentor_lines(world, order_a, world.school_a2)
    with pytest.raises(ValidationError) as excinfo:
        services.order_lines_create(lines=lines, create=services.mentor_assign, user=world.users["head"])
    assert excinfo.value.messages == [
        f"Строка {n}: Менять приказы этого муниципалитета может только его методист." for n in (1, 2, 3)
    ]
    assert not MentorAssignment.objects.exists()


def test_order_lines_numbered_as_the_user_sees_them(world, order_a):
    lines = mentor_lines(world, order_a, world.school_b1)
    with pytest.raises(ValidationError) as excinfo:
        services.order_lines_create(
            lines=lines,
            create=services.mentor_assign,
            user=world.users["methodist"],
            numbers=[3, 5, 8],
            section="Наставники, строка",
        )
    [message] = excinfo.value.messages
    assert message.startswith("Наставники, строка 5: ")
    assert not MentorAssignment.objects.exists()
    with pytest.raises(ValueError):  # as many numbers as lines
        services.order_lines_create(
            lines=lines, create=services.mentor_assign, user=world.users["methodist"], numbers=[1, 2]
        )


def test_order_lines_of_tutors(world, order_a, teacher, math):
    other = TeacherFactory(school=world.school_a1, last_name="Петров")  # teaches nothing yet
    lines = [
        {
            "order": order_a,
            "teacher": teacher,
            "subject": math,
            "tutor": world.users["tutor"],
            "start_date": SEP_1_2025,
        },
        {
            "order": order_a,
            "teacher": other,
            "subject": math,
            "tutor": world.users["tutor"],
            "start_date": SEP_1_2025,
        },
    ]
    with pytest.raises(ValidationError) as excinfo:
        services.order_lines_create(lines=lines, create=services.tutor_assign, user=world.users["methodist"])
    [message] = excinfo.value.messages
    assert message.startswith("Строка 2: Педагог Петров А. С. не ведёт предмет «Математика»")
    assert not TutorAssignment.objects.exists()


# --- partnerships ---------------------------------------------------------------------------------------


@pytest.fixture
def school_a3(world):
    return SchoolFactory(municipality=world.mun_a, code="sch610003", name="МБОУ «Гимназия №1»")


def partnership(
    world, *, school=None, partners=None, kind="pair", who="methodist", first=2025, last=2026, **kw
):
    return services.partnership_create(
        school=school or world.school_a1,
        partners=[world.school_a2] if partners is None else partners,
        kind=kind,
        agreement_number=" 5 ",
        agreement_date=D(2025, 8, 30),
        first_year=first,
        last_year=last,
        user=world.users[who],
        **kw,
    )


def test_pair_with_one_partner(world):
    created = partnership(world, goal="  обмен опытом ")
    assert created.agreement_number == "5" and created.goal == "обмен опытом"
    assert list(created.partners.all()) == [world.school_a2]
    assert created.years_label == "2025/26–2026/27"


def test_pair_with_two_partners_is_refused(world, school_a3):
    with pytest.raises(ValidationError, match="ровно один партнёр"):
        partnership(world, partners=[world.school_a2, school_a3])
    assert not Partnership.objects.exists()


def test_group_needs_two_partners(world, school_a3):
    with pytest.raises(ValidationError, match="не меньше двух"):
        partnership(world, kind="group")
    created = partnership(world, kind="group", partners=[world.school_a2, school_a3])
    assert created.partners.count() == 2


def test_the_same_partner_twice_counts_once(world):
    with pytest.raises(ValidationError, match="не меньше двух"):
        partnership(world, kind="group", partners=[world.school_a2, world.school_a2])


def test_zero_partners_refused(world):
    with pytest.raises(ValidationError, match="хотя бы одну"):
        partnership(world, partners=[])


def test_partnership_with_itself_refused(world):
    with pytest.raises(ValidationError, match="самой себе"):
        partnership(world, partners=[world.school_a1])


def test_years_order(world):
    with pytest.raises(ValidationError, match="раньше первого"):
        partnership(world, first=2026, last=2025)
    assert partnership(world, first=2026, last=2026).years_label == "2026/27"


def test_partner_outside_the_users_visibility_refused(world):
    with pytest.raises(ValidationError, match="вне вашего доступа"):
        partnership(world, partners=[world.school_b1])
    # A regional methodist sees both municipalities.
    partnership(world, partners=[world.school_b1], who="regional_methodist")


def test_school_outside_the_municipality_refused(world):
    with pytest.raises(ValidationError) as excinfo:
        partnership(world, school=world.school_b1, partners=[world.school_a1])
    assert "муниципалитет" in messages(excinfo)


@pytest.mark.parametrize("who", ["head", "school_admin", "mentor", "analyst"])
def test_only_the_methodist_creates_partnerships(world, who):
    with pytest.raises((ValidationError, PermissionDenied)):
        partnership(world, who=who)
    assert not Partnership.objects.exists()


def test_partnership_order_must_match(world, order_a, order_b):
    assert partnership(world, order=order_a).order == order_a
    with pytest.raises(ValidationError, match="Тацинский район"):
        partnership(world, order=order_b, who="regional_methodist")


# --- plan items -------------------------------------------------------------------------------------------


@pytest.fixture
def item(world):
    created = partnership(world)
    return services.plan_item_add(
        partnership=created,
        title="Взаимопосещение уроков",
        due_date=D(2025, 10, 15),
        user=world.users["methodist"],
    )


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ([PlanStatus.IN_PROGRESS], True),
        ([PlanStatus.CANCELLED], True),
        ([PlanStatus.CANCELLED, PlanStatus.PLANNED], True),
        ([PlanStatus.IN_PROGRESS, PlanStatus.PLANNED], True),
        ([PlanStatus.DONE, PlanStatus.IN_PROGRESS], True),
        ([PlanStatus.DONE, PlanStatus.CANCELLED], False),
        ([PlanStatus.DONE, PlanStatus.PLANNED], False),
        ([PlanStatus.CANCELLED, PlanStatus.DONE], False),
        ([PlanStatus.CANCELLED, PlanStatus.IN_PROGRESS], False),
    ],
)
def test_plan_item_moves(world, item, path, allowed):
    *before, last = path
    for status in before:
        services.plan_item_move(item=item, status=status, user=world.users["methodist"])
    if allowed:
        services.plan_item_move(item=item, status=last, user=world.users["methodist"])
        assert PlanItem.objects.get(pk=item.pk).status == last
    else:
        with pytest.raises(ValidationError, match="нельзя перейти"):
            services.plan_item_move(item=item, status=last, user=world.users["methodist"])
        assert PlanItem.objects.get(pk=item.pk).status == before[-1]


def test_done_records_the_day(world, item):
    services.plan_item_move(item=item, status=PlanStatus.DONE, user=world.users["methodist"])
    assert PlanItem.objects.get(pk=item.pk).done_on == timezone.localdate()
    services.plan_item_move(item=item, status=PlanStatus.IN_PROGRESS, user=world.users["methodist"])
    assert PlanItem.objects.get(pk=item.pk).done_on is None
    services.plan_item_move(
        item=item, status=PlanStatus.DONE, done_on=D(2025, 10, 14), user=world.users["methodist"]
    )
    assert PlanItem.objects.get(pk=item.pk).done_on == D(2025, 10, 14)


def test_a_note_on_a_done_item_keeps_its_done_date(world, item):
    services.plan_item_move(
        item=item, status=PlanStatus.DONE, done_on=D(2025, 10, 14), user=world.users["methodist"]
    )
    services.plan_item_move(
        item=item, status=PlanStatus.DONE, note="протокол приложен", user=world.users["methodist"]
    )
    assert PlanItem.objects.get(pk=item.pk).done_on == D(2025, 10, 14)


def test_staying_in_the_same_status_updates_the_note(world, item):
    services.plan_item_move(
        item=item, status=PlanStatus.PLANNED, note=" перенесено ", user=world.users["methodist"]
    )
    fetched = PlanItem.objects.get(pk=item.pk)
    assert (fetched.status, fetched.note, fetched.done_on) == (PlanStatus.PLANNED, "перенесено", None)


def test_school_admin_moves_items_of_their_school_only(world, item):
    admin = world.users["school_admin"]  # of school_a1, the ШНОР of ``item``
    services.plan_item_move(item=item, status=PlanStatus.DONE, user=admin)
    assert PlanItem.objects.get(pk=item.pk).status == PlanStatus.DONE
    services.plan_item_add(partnership=item.partnership, title="Семинар", due_date=D(2025, 11, 1), user=admin)
    # school_a1 is only a partner of school_a2's partnership: its admin does not move that plan.
    other = partnership(world, school=world.school_a2, partners=[world.school_a1])
    other_item = services.plan_item_add(
        partnership=other, title="Мастер-класс", due_date=D(2025, 10, 1), user=world.users["methodist"]
    )
    with pytest.raises(PermissionDenied):
        services.plan_item_move(item=other_item, status=PlanStatus.DONE, user=admin)
    with pytest.raises(PermissionDenied):
        services.plan_item_add(partnership=other, title="Семинар", due_date=D(2025, 11, 1), user=admin)
    assert PlanItem.objects.get(pk=other_item.pk).status == PlanStatus.PLANNED


@pytest.mark.parametrize("who", ["head", "analyst", "mentor", "nobody"])
def test_others_do_not_move_plan_items(world, item, who):
    with pytest.raises(PermissionDenied):
        services.plan_item_move(item=item, status=PlanStatus.DONE, user=world.users[who])


# --- the log ----------------------------------------------------------------------------------------------


@pytest.fixture
def staff(world, order_a, math):
    """The mentor of school_a2 and the tutor of Иванова (school_a1), both in force today."""
    teachers = {
        "Иванова": TeacherFactory(school=world.school_a1, last_name="Иванова", subjects=[math]),
        "Петров": TeacherFactory(school=world.school_a1, last_name="Петров", subjects=[math]),
        "Сидорова": TeacherFactory(school=world.school_a2, last_name="Сидорова", subjects=[math]),
    }
    assign_mentor(world, order_a, start=days(-30))
    assign_tutor(world, order_a, teachers["Иванова"], math, start=days(-30))
    return teachers


def log(author, school, *, date=None, teachers=(), topic="Анализ урока"):
    return services.log_entry_create(
        author=fresh(author),
        school=school,
        date=date or timezone.localdate(),
        kind=LogKind.LESSON_VISIT,
        topic=topic,
        teachers=teachers,
    )


def test_mentor_with_an_active_assignment_logs(world, staff):
    entry = log(world.users["mentor"], world.school_a2, teachers=[staff["Сидорова"]], topic="  Анализ урока ")
    assert entry.topic == "Анализ урока"
    assert list(entry.teachers.all()) == [staff["Сидорова"]]
    assert entry.author == world.users["mentor"]


def test_mentor_does_not_log_at_a_school_not_assigned(world, staff):
    with pytest.raises(PermissionDenied):
        log(world.users["mentor"], world.school_a1)
    unassigned = UserFactory(username="mentor_without_school")
    from core.services import role_grant

    role_grant(user=unassigned, role=Role.MENTOR)
    with pytest.raises(PermissionDenied):
        log(unassigned, world.school_a2)
    assert not LogEntry.objects.exists()


def test_mentor_does_not_log_after_the_assignment_ended(world, staff):
    assignment = MentorAssignment.objects.get(mentor_user=world.users["mentor"])
    services.mentor_assignment_end(assignment=assignment, end_date=days(-1), user=world.users["methodist"])
    with pytest.raises(PermissionDenied):
        log(world.users["mentor"], world.school_a2)


def test_future_date_refused(world, staff):
    with pytest.raises(ValidationError, match="ещё не наступила"):
        log(world.users["mentor"], world.school_a2, date=days(1))
    log(world.users["mentor"], world.school_a2, date=days(-400))  # the past is fine


def test_teachers_of_another_school_refused(world, staff):
    with pytest.raises(ValidationError, match="другой школы"):
        log(world.users["mentor"], world.school_a2, teachers=[staff["Сидорова"], staff["Иванова"]])
    assert not LogEntry.objects.exists()


def test_tutor_names_only_their_own_teachers(world, staff):
    tutor = world.users["tutor"]
    with pytest.raises(ValidationError, match="не назначены"):
        log(tutor, world.school_a1, teachers=[staff["Иванова"], staff["Петров"]])
    entry = log(tutor, world.school_a1, teachers=[staff["Иванова"]])
    assert list(entry.teachers.all()) == [staff["Иванова"]]
    # The tutor's reach is the teacher's school only.
    with pytest.raises(PermissionDenied):
        log(tutor, world.school_a2)


def test_methodist_logs_in_the_municipality(world, staff):
    log(world.users["methodist"], world.school_a1, teachers=[staff["Иванова"], staff["Петров"]])
    with pytest.raises(PermissionDenied):
        log(world.users["methodist"], world.school_b1)
    for who in ("head", "school_admin", "analyst"):
        with pytest.raises(PermissionDenied):
            log(world.users[who], world.school_a1)


@pytest.fixture
def entry(world, staff):
    return log(world.users["mentor"], world.school_a2, teachers=[staff["Сидорова"]])


@pytest.fixture
def second_mentor(world, order_a):
    person = UserFactory(username="mentor2")
    assign_mentor(world, order_a, mentor=person, start=days(-30))
    return fresh(person)


def test_author_updates_their_entry(world, entry):
    services.log_entry_update(
        entry=entry, user=fresh(world.users["mentor"]), topic=" Новая тема ", outcome="ok"
    )
    entry.refresh_from_db()
    assert (entry.topic, entry.outcome) == ("Новая тема", "ok")
    services.log_entry_update(entry=entry, user=fresh(world.users["mentor"]), teachers=[])
    assert not entry.teachers.exists()


def test_author_cannot_move_an_entry_into_the_future(world, entry):
    with pytest.raises(ValidationError, match="ещё не наступила"):
        services.log_entry_update(entry=entry, user=fresh(world.users["mentor"]), date=days(1))


def test_update_refuses_unknown_fields(world, entry):
    with pytest.raises(TypeError):
        services.log_entry_update(entry=entry, user=fresh(world.users["mentor"]), school=world.school_a1)


def test_another_mentor_of_the_same_school_cannot_change_the_entry(world, entry, second_mentor):
    with pytest.raises(PermissionDenied):
        services.log_entry_update(entry=entry, user=second_mentor, topic="чужая правка")
    with pytest.raises(PermissionDenied):
        services.log_entry_delete(entry=entry, user=second_mentor)
    entry.refresh_from_db()
    assert entry.topic == "Анализ урока"


def test_methodist_corrects_and_deletes_entries(world, entry):
    methodist = fresh(world.users["methodist"])
    services.log_entry_update(entry=entry, user=methodist, topic="Исправлено методистом")
    entry.refresh_from_db()
    assert entry.topic == "Исправлено методистом"
    assert entry.author == world.users["mentor"]  # the author stays
    services.log_entry_delete(entry=entry, user=methodist)
    assert not LogEntry.objects.exists()


def test_methodist_corrects_an_entry_after_the_authors_assignment_ended(world, entry):
    assignment = MentorAssignment.objects.get(mentor_user=world.users["mentor"])
    services.mentor_assignment_end(assignment=assignment, end_date=days(-1), user=world.users["methodist"])
    stored = LogEntry.objects.get(pk=entry.pk)  # a fresh author object, as in a new request
    services.log_entry_update(entry=stored, user=fresh(world.users["methodist"]), topic="Исправлено")
    assert LogEntry.objects.get(pk=entry.pk).topic == "Исправлено"


@pytest.mark.parametrize("who", ["head", "school_admin", "analyst", "tutor", "regional_methodist_of_b"])
def test_others_cannot_change_or_delete_the_entry(world, entry, who):
    if who == "regional_methodist_of_b":
        from tests.factories import user_with_role

        user = user_with_role(Role.METHODIST, world.mun_b, username="methodist_b")
    else:
        user = fresh(world.users[who])
    with pytest.raises(PermissionDenied):
        services.log_entry_update(entry=entry, user=user, topic="x")
    with pytest.raises(PermissionDenied):
        services.log_entry_delete(entry=entry, user=user)
    assert LogEntry.objects.filter(pk=entry.pk).exists()


def test_author_deletes_their_entry(world, entry):
    services.log_entry_delete(entry=entry, user=fresh(world.users["mentor"]))
    assert not LogEntry.objects.exists()
