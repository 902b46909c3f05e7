"""The gate for teachers' personal data and the mentoring records: exact sets for every role.

Mentors and tutors get their reach from assignments made through mentoring.services (the real path):
a mentor reaches the assigned school and all its teachers; a tutor reaches the card of their teacher's
school but, of the personal data, only the teachers assigned to them. The regional analyst sees schools
but no teacher.
"""

import datetime
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from core.access import forget_scope
from core.models import User
from mentoring import services
from mentoring.models import LogEntry, LogKind, MentorAssignment, Order, TutorAssignment
from schools.models import ProfessionalCourse, School, Teacher
from tests.builders.module import module_fixture
from tests.factories import (
    ProfessionalCourseFactory,
    SchoolFactory,
    SubjectFactory,
    TeacherFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ROLES = (
    "methodist",
    "regional_methodist",
    "head",
    "school_admin",
    "mentor",
    "tutor",
    "analyst",
    "superuser",
    "nobody",
)

A1 = {"Иванова", "Петров"}  # school_a1: Иванова is the tutor's teacher, Петров is not
A2 = {"Сидорова", "Кузнецов"}  # school_a2: the mentor's school
B1 = {"Смирнова"}
OTHER = {"Попов"}
ALL_TEACHERS = A1 | A2 | B1 | OTHER

VISIBLE_TEACHERS = {
    "methodist": A1 | A2,
    "regional_methodist": A1 | A2 | B1,
    "head": A1 | A2,
    "school_admin": A1,
    "mentor": A2,
    "tutor": {"Иванова"},
    "analyst": set(),
    "superuser": ALL_TEACHERS,
    "nobody": set(),
}
EDITABLE_TEACHERS = {
    "methodist": A1 | A2,
    "regional_methodist": A1 | A2 | B1,
    "head": set(),
    "school_admin": A1,
    "mentor": set(),
    "tutor": set(),
    "analyst": set(),
    "superuser": ALL_TEACHERS,
    "nobody": set(),
}
VISIBLE_SCHOOLS = {
    "methodist": {"sch610001", "sch610002"},
    "regional_methodist": {"sch610001", "sch610002", "sch610101"},
    "head": {"sch610001", "sch610002"},
    "school_admin": {"sch610001"},
    "mentor": {"sch610002"},
    "tutor": {"sch610001"},
    "analyst": {"sch610001", "sch610002", "sch610101"},
    "superuser": {"sch610001", "sch610002", "sch610101", "sch230001"},
    "nobody": set(),
}
# Tutor assignments named "<teacher>/<subject>"; Иванова has two tutors (the tutor's and tutor2's).
ALL_TUTORINGS = {"Иванова/Математика", "Иванова/Физика", "Петров/Математика", "Сидорова/Математика"}
ALL_TUTORINGS |= {"Смирнова/Математика"}
VISIBLE_TUTORINGS = {
    "methodist": ALL_TUTORINGS - {"Смирнова/Математика"},
    "regional_methodist": ALL_TUTORINGS,
    "head": ALL_TUTORINGS - {"Смирнова/Математика"},
    "school_admin": {"Иванова/Математика", "Иванова/Физика", "Петров/Математика"},
    "mentor": {"Сидорова/Математика"},
    "tutor": {"Иванова/Математика", "Иванова/Физика"},
    "analyst": set(),
    "superuser": ALL_TUTORINGS,
    "nobody": set(),
}
# Mentor assignments named by the mentored school's code.
VISIBLE_MENTORINGS = {
    "methodist": {"sch610001", "sch610002"},
    "regional_methodist": {"sch610001", "sch610002", "sch610101"},
    "head": {"sch610001", "sch610002"},
    "school_admin": {"sch610001"},
    "mentor": {"sch610002"},
    # Through the card of the teacher's school: who mentors the school is not a teacher's personal data.
    "tutor": {"sch610001"},
    # Mentor assignments are read with ALL_ROLES: the analyst counts them over the region.
    "analyst": {"sch610001", "sch610002", "sch610101"},
    "superuser": {"sch610001", "sch610002", "sch610101"},
    "nobody": set(),
}
ALL_LOG = {"mentor@a2", "tutor@a1", "methodist@a1", "regional@b1"}
VISIBLE_LOG = {
    "methodist": {"mentor@a2", "tutor@a1", "methodist@a1"},
    "regional_methodist": ALL_LOG,
    "head": {"mentor@a2", "tutor@a1", "methodist@a1"},
    "school_admin": {"tutor@a1", "methodist@a1"},
    "mentor": {"mentor@a2"},
    "tutor": {"tutor@a1"},  # only what they wrote, not the methodist's entry at the same school
    "analyst": set(),
    "superuser": ALL_LOG,
    "nobody": set(),
}
VISIBLE_ORDERS = {
    "methodist": {"1-о"},
    "regional_methodist": {"1-о", "2-о"},
    "head": {"1-о"},
    "school_admin": set(),
    "mentor": set(),
    "tutor": set(),
    "analyst": {"1-о", "2-о"},
    "superuser": {"1-о", "2-о", "3-о"},
    "nobody": set(),
}


@dataclass
class Staffed:
    world: object
    teachers: dict
    orders: dict
    today: datetime.date

    def user(self, who: str) -> User:
        """A fresh user object: the scope is cached per object."""
        return User.objects.get(pk=self.world.users[who].pk)


@module_fixture
def staffed(world) -> Staffed:
    today = timezone.localdate()
    users = world.users
    math, physics = SubjectFactory(name="Математика"), SubjectFactory(name="Физика")
    teachers = {
        "Иванова": TeacherFactory(school=world.school_a1, last_name="Иванова", subjects=[math, physics]),
        "Петров": TeacherFactory(school=world.school_a1, last_name="Петров", subjects=[math]),
        "Сидорова": TeacherFactory(school=world.school_a2, last_name="Сидорова", subjects=[math]),
        "Кузнецов": TeacherFactory(school=world.school_a2, last_name="Кузнецов", is_active=False),
        "Смирнова": TeacherFactory(school=world.school_b1, last_name="Смирнова", subjects=[math]),
        "Попов": TeacherFactory(school=world.school_other, last_name="Попов", subjects=[math]),
    }
    for name, teacher in teachers.items():
        ProfessionalCourseFactory(teacher=teacher, title=f"КПК {name}")

    mun_other = world.school_other.municipality
    orders = {
        "a": services.order_create(
            municipality=world.mun_a, number="1-о", date=today, user=users["methodist"]
        ),
        "b": services.order_create(
            municipality=world.mun_b, number="2-о", date=today, user=users["regional_methodist"]
        ),
        "other": services.order_create(
            municipality=mun_other, number="3-о", date=today, user=users["superuser"]
        ),
    }
    start = today - datetime.timedelta(days=10)
    services.mentor_assign(
        order=orders["a"],
        school=world.school_a2,
        mentor_user=users["mentor"],
        start_date=start,
        user=users["methodist"],
    )
    services.mentor_assign(
        order=orders["a"],
        school=world.school_a1,
        mentor_school=world.school_a2,
        start_date=start,
        user=users["methodist"],
    )
    mentor2 = UserFactory(username="mentor2")
    services.mentor_assign(
        order=orders["b"],
        school=world.school_b1,
        mentor_user=mentor2,
        start_date=start,
        user=users["regional_methodist"],
    )
    tutor2 = UserFactory(username="tutor2")
    for teacher, subject, tutor, order, by in (
        ("Иванова", math, users["tutor"], "a", "methodist"),
        ("Иванова", physics, tutor2, "a", "methodist"),
        ("Петров", math, tutor2, "a", "methodist"),
        ("Сидорова", math, tutor2, "a", "methodist"),
        ("Смирнова", math, tutor2, "b", "regional_methodist"),
    ):
        services.tutor_assign(
            order=orders[order],
            teacher=teachers[teacher],
            subject=subject,
            tutor=tutor,
            start_date=start,
            user=users[by],
        )

    staffed = Staffed(world, teachers, orders, today)
    for author, school, topic, named in (
        ("mentor", world.school_a2, "mentor@a2", ["Сидорова"]),
        ("tutor", world.school_a1, "tutor@a1", ["Иванова"]),
        ("methodist", world.school_a1, "methodist@a1", ["Иванова", "Петров"]),
        ("regional_methodist", world.school_b1, "regional@b1", ["Смирнова"]),
    ):
        services.log_entry_create(
            author=staffed.user(author),
            school=school,
            date=today,
            kind=LogKind.CONSULTATION,
            topic=topic,
            teachers=[teachers[name] for name in named],
        )
    return staffed


def names(queryset):
    return set(queryset.values_list("last_name", flat=True))


def tutorings(queryset):
    return {f"{a.teacher.last_name}/{a.subject.name}" for a in queryset.select_related("teacher", "subject")}


# --- teachers ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ROLES)
def test_each_role_sees_exactly_its_teachers(staffed, who):
    assert names(Teacher.objects.visible_to(staffed.user(who))) == VISIBLE_TEACHERS[who]


@pytest.mark.parametrize("who", ROLES)
def test_each_role_edits_exactly_its_teachers(staffed, who):
    assert names(Teacher.objects.editable_by(staffed.user(who))) == EDITABLE_TEACHERS[who]


@pytest.mark.parametrize("who", ROLES)
def test_each_role_sees_exactly_the_courses_of_its_teachers(staffed, who):
    titles = set(ProfessionalCourse.objects.visible_to(staffed.user(who)).values_list("title", flat=True))
    assert titles == {f"КПК {name}" for name in VISIBLE_TEACHERS[who]}


@pytest.mark.parametrize("who", ROLES)
def test_each_role_edits_exactly_the_courses_of_its_teachers(staffed, who):
    titles = set(ProfessionalCourse.objects.editable_by(staffed.user(who)).values_list("title", flat=True))
    assert titles == {f"КПК {name}" for name in EDITABLE_TEACHERS[who]}


@pytest.mark.parametrize("who", ROLES)
def test_schools_with_assignments(staffed, who):
    codes = set(School.objects.visible_to(staffed.user(who)).values_list("code", flat=True))
    assert codes == VISIBLE_SCHOOLS[who]


def test_analyst_sees_schools_but_no_teacher(staffed):
    analyst = staffed.user("analyst")
    assert School.objects.visible_to(analyst).count() == 3
    assert not Teacher.objects.visible_to(analyst).exists()
    assert not ProfessionalCourse.objects.visible_to(analyst).exists()
    assert not TutorAssignment.objects.visible_to(analyst).exists()


def test_tutor_reaches_the_school_card_but_only_their_teacher(staffed):
    tutor = staffed.user("tutor")
    school_a1 = staffed.world.school_a1
    assert list(School.objects.visible_to(tutor)) == [school_a1]
    assert names(Teacher.objects.visible_to(tutor).filter(school=school_a1)) == {"Иванова"}
    assert not Teacher.objects.visible_to(tutor).filter(pk=staffed.teachers["Петров"].pk).exists()
    assert names(Teacher.objects.visible_to(tutor).search("Петров")) == set()
    # Reading the school card gives no write access to it or to the teacher.
    assert not School.objects.editable_by(tutor).exists()
    assert not Teacher.objects.editable_by(tutor).exists()


def test_mentor_sees_all_teachers_of_the_school_active_or_not(staffed):
    mentor = staffed.user("mentor")
    assert names(Teacher.objects.visible_to(mentor)) == {"Сидорова", "Кузнецов"}
    assert names(Teacher.objects.visible_to(mentor).active()) == {"Сидорова"}


def test_mentor_school_gives_no_reach_to_its_staff(staffed):
    """school_a2 mentors school_a1 as a school: that opens nothing to anybody by itself."""
    admin_a2 = UserFactory(username="admin_a2")
    from core.services import role_grant

    role_grant(user=admin_a2, role="school_admin", school=staffed.world.school_a2)
    admin_a2 = User.objects.get(pk=admin_a2.pk)
    assert names(Teacher.objects.visible_to(admin_a2)) == A2


@pytest.mark.parametrize("who", ["anonymous", "inactive tutor", "inactive school admin"])
def test_anonymous_and_inactive_users_see_no_personal_data(staffed, who):
    if who == "anonymous":
        user = AnonymousUser()
    else:
        user = staffed.user("tutor" if who == "inactive tutor" else "school_admin")
        user.is_active = False
        user.save(update_fields=["is_active"])
        user = User.objects.get(pk=user.pk)
    for model in (Teacher, ProfessionalCourse, TutorAssignment, MentorAssignment, LogEntry, Order, School):
        assert not model.objects.visible_to(user).exists(), model.__name__
        assert not model.objects.editable_by(user).exists(), model.__name__


# --- mentor assignments in time ------------------------------------------------------------------------


@pytest.fixture
def order_a(world):
    return services.order_create(
        municipality=world.mun_a, number="7-о", date=timezone.localdate(), user=world.users["methodist"]
    )


def mentor_reach(world):
    mentor = User.objects.get(pk=world.users["mentor"].pk)
    return (
        set(School.objects.visible_to(mentor).values_list("code", flat=True)),
        names(Teacher.objects.visible_to(mentor)),
    )


def test_mentor_without_assignment_reaches_nothing(world):
    TeacherFactory(school=world.school_a2, last_name="Сидорова")
    assert mentor_reach(world) == (set(), set())


def test_mentor_reaches_assigned_school_from_its_first_day_to_its_last(world, order_a):
    today = timezone.localdate()
    TeacherFactory(school=world.school_a2, last_name="Сидорова")
    TeacherFactory(school=world.school_a1, last_name="Иванова")
    services.mentor_assign(
        order=order_a,
        school=world.school_a2,
        mentor_user=world.users["mentor"],
        start_date=today,
        end_date=today,
        user=world.users["methodist"],
    )
    assert mentor_reach(world) == ({"sch610002"}, {"Сидорова"})


def test_mentor_reaches_nothing_before_the_assignment_starts(world, order_a):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    TeacherFactory(school=world.school_a2, last_name="Сидорова")
    services.mentor_assign(
        order=order_a,
        school=world.school_a2,
        mentor_user=world.users["mentor"],
        start_date=tomorrow,
        user=world.users["methodist"],
    )
    assert mentor_reach(world) == (set(), set())
    assert MentorAssignment.objects.filter(mentor_user=world.users["mentor"]).count() == 1


def test_mentor_reaches_nothing_after_the_assignment_ended(world, order_a):
    today = timezone.localdate()
    TeacherFactory(school=world.school_a2, last_name="Сидорова")
    mentor = world.users["mentor"]
    assignment = services.mentor_assign(
        order=order_a,
        school=world.school_a2,
        mentor_user=mentor,
        start_date=today - datetime.timedelta(days=30),
        user=world.users["methodist"],
    )
    assert mentor_reach(world) == ({"sch610002"}, {"Сидорова"})
    # The scope is cached per user object; the old object keeps it until forget_scope.
    assert names(Teacher.objects.visible_to(mentor)) == {"Сидорова"}
    services.mentor_assignment_end(
        assignment=assignment, end_date=today - datetime.timedelta(days=1), user=world.users["methodist"]
    )
    assert mentor_reach(world) == (set(), set())
    forget_scope(mentor)
    assert names(Teacher.objects.visible_to(mentor)) == set()
    assert not LogEntry.objects.visible_to(mentor).exists()


def test_tutor_reaches_nothing_after_the_assignment_ended(world, order_a):
    today = timezone.localdate()
    math = SubjectFactory(name="Математика")
    teacher = TeacherFactory(school=world.school_a1, last_name="Иванова", subjects=[math])
    assignment = services.tutor_assign(
        order=order_a,
        teacher=teacher,
        subject=math,
        tutor=world.users["tutor"],
        start_date=today - datetime.timedelta(days=30),
        user=world.users["methodist"],
    )
    tutor = User.objects.get(pk=world.users["tutor"].pk)
    assert names(Teacher.objects.visible_to(tutor)) == {"Иванова"}
    services.tutor_assignment_end(
        assignment=assignment, end_date=today - datetime.timedelta(days=1), user=world.users["methodist"]
    )
    tutor = User.objects.get(pk=world.users["tutor"].pk)
    assert not Teacher.objects.visible_to(tutor).exists()
    assert not School.objects.visible_to(tutor).exists()
    assert not TutorAssignment.objects.visible_to(tutor).exists()


def test_tutor_with_future_assignment_reaches_nothing(world, order_a):
    math = SubjectFactory(name="Математика")
    teacher = TeacherFactory(school=world.school_a1, last_name="Иванова", subjects=[math])
    services.tutor_assign(
        order=order_a,
        teacher=teacher,
        subject=math,
        tutor=world.users["tutor"],
        start_date=timezone.localdate() + datetime.timedelta(days=1),
        user=world.users["methodist"],
    )
    tutor = User.objects.get(pk=world.users["tutor"].pk)
    assert not Teacher.objects.visible_to(tutor).exists()
    assert not School.objects.visible_to(tutor).exists()


def test_mentor_and_tutor_roles_add_up(staffed):
    """The mentor of school_a2 who also tutors Петров of school_a1: all of a2, and of a1 only Петров."""
    world = staffed.world
    mentor = staffed.user("mentor")
    math = staffed.teachers["Петров"].subjects.get()
    services.tutor_assign(
        order=staffed.orders["a"],
        teacher=staffed.teachers["Петров"],
        subject=math,
        tutor=mentor,
        start_date=staffed.today,
        user=world.users["methodist"],
    )
    mentor = staffed.user("mentor")
    assert names(Teacher.objects.visible_to(mentor)) == A2 | {"Петров"}
    assert set(School.objects.visible_to(mentor).values_list("code", flat=True)) == {"sch610001", "sch610002"}
    # The log of school_a1 stays closed: tutors read only their own entries.
    assert set(LogEntry.objects.visible_to(mentor).values_list("topic", flat=True)) == {"mentor@a2"}


# --- mentoring records ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ROLES)
def test_each_role_sees_exactly_its_tutor_assignments(staffed, who):
    assert tutorings(TutorAssignment.objects.visible_to(staffed.user(who))) == VISIBLE_TUTORINGS[who]


@pytest.mark.parametrize("who", ROLES)
def test_each_role_sees_exactly_its_mentor_assignments(staffed, who):
    visible = MentorAssignment.objects.visible_to(staffed.user(who))
    assert set(visible.values_list("school__code", flat=True)) == VISIBLE_MENTORINGS[who]


@pytest.mark.parametrize("who", ROLES)
def test_each_role_sees_exactly_its_log_entries(staffed, who):
    topics = set(LogEntry.objects.visible_to(staffed.user(who)).values_list("topic", flat=True))
    assert topics == VISIBLE_LOG[who]


@pytest.mark.parametrize("who", ROLES)
def test_each_role_sees_exactly_its_orders(staffed, who):
    numbers = set(Order.objects.visible_to(staffed.user(who)).values_list("number", flat=True))
    assert numbers == VISIBLE_ORDERS[who]


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("methodist", {"mentor@a2", "tutor@a1", "methodist@a1"}),
        ("regional_methodist", ALL_LOG),
        ("head", set()),
        ("school_admin", set()),
        ("mentor", {"mentor@a2"}),
        ("tutor", {"tutor@a1"}),
        ("analyst", set()),
        ("nobody", set()),
    ],
)
def test_log_entries_are_edited_by_their_author_and_the_methodist(staffed, who, expected):
    topics = set(LogEntry.objects.editable_by(staffed.user(who)).values_list("topic", flat=True))
    assert topics == expected


def test_orders_are_edited_only_by_the_methodist(staffed):
    assert set(Order.objects.editable_by(staffed.user("methodist")).values_list("number", flat=True)) == {
        "1-о"
    }
    for who in ("head", "analyst", "school_admin", "mentor", "tutor"):
        assert not Order.objects.editable_by(staffed.user(who)).exists(), who


def test_assignments_are_edited_only_by_the_methodist(staffed):
    methodist = staffed.user("methodist")
    assert set(MentorAssignment.objects.editable_by(methodist).values_list("school__code", flat=True)) == {
        "sch610001",
        "sch610002",
    }
    assert tutorings(TutorAssignment.objects.editable_by(methodist)) == VISIBLE_TUTORINGS["methodist"]
    for who in ("head", "school_admin", "mentor", "tutor", "analyst"):
        user = staffed.user(who)
        assert not MentorAssignment.objects.editable_by(user).exists(), who
        assert not TutorAssignment.objects.editable_by(user).exists(), who


def test_a_new_school_in_the_municipality_is_reached_without_a_new_grant(staffed):
    school = SchoolFactory(municipality=staffed.world.mun_a, code="sch610003")
    TeacherFactory(school=school, last_name="Новикова")
    assert "Новикова" in names(Teacher.objects.visible_to(staffed.user("methodist")))
    assert "Новикова" not in names(Teacher.objects.visible_to(staffed.user("school_admin")))
    assert "Новикова" not in names(Teacher.objects.visible_to(staffed.user("mentor")))
