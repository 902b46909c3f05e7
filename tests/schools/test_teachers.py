"""Teachers and their courses (schools.services): who may write, Russian refusals, only changed fields saved."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import User
from schools.models import ProfessionalCourse, Subject, Teacher
from schools.services import course_add, course_delete, subject_get_or_create, teacher_create, teacher_update
from tests.factories import ProfessionalCourseFactory, SubjectFactory, TeacherFactory

pytestmark = pytest.mark.django_db

D = datetime.date


def create(world, who="school_admin", school=None, **fields):
    fields.setdefault("last_name", "Иванова")
    fields.setdefault("first_name", "Анна")
    return teacher_create(school=school or world.school_a1, user=world.users[who], **fields)


def test_school_admin_creates_a_teacher_of_their_school(world):
    math = SubjectFactory(name="Математика")
    teacher = create(
        world,
        last_name="  Иванова ",
        first_name="Анна",
        middle_name=" Сергеевна  ",
        subjects=[math],
        category="first",
        experience_years=12,
    )
    teacher = Teacher.objects.get(pk=teacher.pk)
    assert (teacher.last_name, teacher.first_name, teacher.middle_name) == ("Иванова", "Анна", "Сергеевна")
    assert teacher.school == world.school_a1
    assert list(teacher.subjects.all()) == [math]
    assert teacher.full_name == "Иванова Анна Сергеевна"
    assert teacher.short_name == "Иванова А. С."
    assert teacher.is_active and teacher.position == "учитель"


def test_double_spaces_inside_names_are_tidied(world):
    teacher = create(world, last_name="Римская-  Корсакова", first_name=" Анна  Мария ")
    assert (teacher.last_name, teacher.first_name) == ("Римская- Корсакова", "Анна Мария")


@pytest.mark.parametrize(
    ("who", "school"),
    [
        ("school_admin", "school_a2"),
        ("school_admin", "school_b1"),
        ("head", "school_a1"),
        ("analyst", "school_a1"),
        ("mentor", "school_a1"),
        ("tutor", "school_a1"),
        ("nobody", "school_a1"),
        ("methodist", "school_b1"),
    ],
)
def test_teacher_create_elsewhere_is_denied(world, who, school):
    with pytest.raises(PermissionDenied):
        create(world, who=who, school=getattr(world, school))
    assert not Teacher.objects.exists()


@pytest.mark.parametrize(
    ("who", "school"),
    [("methodist", "school_a2"), ("regional_methodist", "school_b1"), ("superuser", "school_other")],
)
def test_staff_create_teachers_in_their_scope(world, who, school):
    assert create(world, who=who, school=getattr(world, school)).pk


@pytest.mark.parametrize(
    ("last", "first", "middle"),
    [
        ("ИВАНОВА", "анна", "Сергеевна"),
        ("иванова", "АННА", "СЕРГЕЕВНА"),
        (" Иванова ", "Анна", "  Сергеевна"),
    ],
)
def test_duplicate_name_in_a_school_is_refused(world, last, first, middle):
    create(world, middle_name="Сергеевна")
    with pytest.raises(ValidationError) as excinfo:
        create(world, last_name=last, first_name=first, middle_name=middle)
    assert "Педагог с такими фамилией, именем и отчеством уже есть в этой школе." in excinfo.value.messages
    assert Teacher.objects.count() == 1


def test_the_same_name_elsewhere_or_with_another_patronymic_is_allowed(world):
    create(world, middle_name="Сергеевна")
    create(world, middle_name="Петровна")
    create(world, middle_name="")
    create(world, who="methodist", school=world.school_a2, middle_name="Сергеевна")
    assert Teacher.objects.count() == 4


def test_unknown_fields_are_refused(world):
    with pytest.raises(TypeError):
        create(world, school_id=world.school_a2.pk)


@pytest.mark.parametrize("years", [71, 250])
def test_experience_beyond_a_working_life_is_refused(world, years):
    with pytest.raises(ValidationError):
        create(world, experience_years=years)


# --- teacher_update -------------------------------------------------------------------------------------


@pytest.fixture
def teacher(world):
    return TeacherFactory(
        school=world.school_a1, last_name="Иванова", first_name="Анна", middle_name="Сергеевна"
    )


def updates(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith("UPDATE")]


def test_teacher_update_saves_only_changed_fields(world, teacher):
    stale = Teacher.objects.get(pk=teacher.pk)
    # Somebody else changes the position meanwhile; our update of the category must not undo it.
    Teacher.objects.filter(pk=teacher.pk).update(position="заместитель директора")
    with CaptureQueriesContext(connection) as queries:
        teacher_update(
            teacher=stale, user=world.users["school_admin"], category="highest", position="учитель"
        )
    [sql] = updates(queries)
    assert '"category"' in sql and '"updated_at"' in sql
    assert '"position"' not in sql and '"last_name"' not in sql
    fresh = Teacher.objects.get(pk=teacher.pk)
    assert (fresh.category, fresh.position) == ("highest", "заместитель директора")


def test_teacher_update_without_changes_writes_nothing(world, teacher):
    before = Teacher.objects.get(pk=teacher.pk).updated_at
    with CaptureQueriesContext(connection) as queries:
        teacher_update(
            teacher=teacher,
            user=world.users["school_admin"],
            last_name=" Иванова ",
            first_name="Анна",
            subjects=[],
        )
    assert updates(queries) == []
    assert not [q for q in queries if "INSERT" in q["sql"].upper() or "DELETE" in q["sql"].upper()]
    assert Teacher.objects.get(pk=teacher.pk).updated_at == before


def test_teacher_update_sets_subjects(world, teacher):
    math, physics = SubjectFactory(name="Математика"), SubjectFactory(name="Физика")
    teacher_update(teacher=teacher, user=world.users["school_admin"], subjects=[math, physics])
    assert set(teacher.subjects.all()) == {math, physics}
    teacher_update(teacher=teacher, user=world.users["school_admin"], subjects=[physics])
    assert list(teacher.subjects.all()) == [physics]
    teacher_update(teacher=teacher, user=world.users["school_admin"], is_active=False)  # subjects untouched
    assert list(teacher.subjects.all()) == [physics]


def test_teacher_update_refuses_a_duplicate_name(world, teacher):
    other = TeacherFactory(
        school=world.school_a1, last_name="Петрова", first_name="Анна", middle_name="Сергеевна"
    )
    with pytest.raises(ValidationError, match="уже есть в этой школе"):
        teacher_update(teacher=other, user=world.users["school_admin"], last_name="ИВАНОВА")


@pytest.mark.parametrize("who", ["head", "analyst", "mentor", "tutor", "nobody"])
def test_teacher_update_denied(world, teacher, who):
    with pytest.raises(PermissionDenied):
        teacher_update(teacher=teacher, user=world.users[who], category="first")
    assert Teacher.objects.get(pk=teacher.pk).category == "none"


def test_school_admin_updates_no_teacher_of_another_school(world):
    stranger = TeacherFactory(school=world.school_a2)
    with pytest.raises(PermissionDenied):
        teacher_update(teacher=stranger, user=world.users["school_admin"], category="first")
    teacher_update(teacher=stranger, user=world.users["methodist"], category="first")
    assert Teacher.objects.get(pk=stranger.pk).category == "first"


def test_teacher_update_refuses_unknown_fields(world, teacher):
    with pytest.raises(TypeError):
        teacher_update(teacher=teacher, user=world.users["school_admin"], school=world.school_a2)


# --- courses --------------------------------------------------------------------------------------------


def add_course(world, teacher, who="school_admin", **fields):
    values = {
        "title": "  Функциональная грамотность ",
        "provider": "ГБУ ДПО РО РИПК и ППРО",
        "hours": 36,
        "start_date": D(2025, 3, 3),
        "end_date": D(2025, 3, 14),
    }
    values.update(fields)
    return course_add(teacher=teacher, user=world.users[who], **values)


def test_course_add(world, teacher):
    course = add_course(world, teacher, certificate=" 612400012345 ")
    assert (course.title, course.certificate) == ("Функциональная грамотность", "612400012345")
    assert list(teacher.courses.all()) == [course]
    assert str(course) == "Функциональная грамотность (36 ч.)"


def test_course_of_one_day_is_allowed(world, teacher):
    assert add_course(world, teacher, start_date=D(2025, 3, 3), end_date=D(2025, 3, 3)).pk


def test_course_ending_before_it_starts_is_refused(world, teacher):
    with pytest.raises(ValidationError) as excinfo:
        add_course(world, teacher, start_date=D(2025, 3, 14), end_date=D(2025, 3, 3))
    assert "Дата окончания курса раньше даты начала." in excinfo.value.messages
    assert not ProfessionalCourse.objects.exists()


@pytest.mark.parametrize("hours", [0, 2001])
def test_course_hours_out_of_range_are_refused(world, teacher, hours):
    with pytest.raises(ValidationError):
        add_course(world, teacher, hours=hours)


@pytest.mark.parametrize("who", ["head", "analyst", "mentor", "tutor", "nobody"])
def test_course_add_denied(world, teacher, who):
    with pytest.raises(PermissionDenied):
        add_course(world, teacher, who=who)


def test_course_delete(world, teacher):
    course = ProfessionalCourseFactory(teacher=teacher)
    stranger_course = ProfessionalCourseFactory(teacher=TeacherFactory(school=world.school_a2))
    with pytest.raises(PermissionDenied):
        course_delete(course=stranger_course, user=world.users["school_admin"])
    with pytest.raises(PermissionDenied):
        course_delete(course=course, user=world.users["head"])
    course_delete(course=course, user=User.objects.get(pk=world.users["school_admin"].pk))
    assert list(ProfessionalCourse.objects.values_list("pk", flat=True)) == [stranger_course.pk]


# --- subjects -------------------------------------------------------------------------------------------


def test_subject_get_or_create_is_one_subject_for_any_spelling(db):
    first = subject_get_or_create("  математика ")
    assert first.name == "Математика"
    for spelling in ("МАТЕМАТИКА", "Математика", "математика  "):
        assert subject_get_or_create(spelling) == first
    science = subject_get_or_create("Естествознание")
    assert science.pk != first.pk
    assert subject_get_or_create("естёствознание") == science  # ё and е are one letter
    assert Subject.objects.count() == 2
