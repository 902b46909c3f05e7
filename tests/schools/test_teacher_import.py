"""Imports of teachers and of their courses (КПК): validation by row and column, all or nothing, the same file
twice changes nothing, the write scope, and no teacher's name in any error."""

import datetime
import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from core.imports import get_importer, import_batch_apply, import_batch_create
from core.models import ImportBatch
from schools.models import ProfessionalCourse, QualificationCategory, Subject, Teacher

pytestmark = pytest.mark.django_db


def without_changes(stats: dict) -> dict:
    """A batch's counts without its list of changes (tests/core/test_import_changes.py)."""
    return {key: value for key, value in stats.items() if key != "changes"}


TEACHERS_HEADER = "Код ОО;Фамилия;Имя;Отчество;Должность;Предметы;Категория;Стаж;Работает"
COURSES_HEADER = "Код ОО;ФИО педагога;Тема курса;Организация;Часов;Начало;Окончание;Удостоверение"


def csv_bytes(header: str, *lines: str) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode("utf-8")


def xlsx_bytes(rows: list[list]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(data: bytes, world, user="methodist", kind="teachers", name=None) -> ImportBatch:
    user = world.users[user] if isinstance(user, str) else user
    batch = import_batch_create(
        kind=kind, file=io.BytesIO(data), name=name or f"{kind}.csv", region=world.region, user=user
    )
    if batch.status == ImportBatch.Status.VALIDATED:
        batch = import_batch_apply(batch=batch, user=user)
    return batch


def teachers_csv(*lines: str) -> bytes:
    return csv_bytes(TEACHERS_HEADER, *lines)


def courses_csv(*lines: str) -> bytes:
    return csv_bytes(COURSES_HEADER, *lines)


def errors_of(batch) -> list[tuple[int, str, str]]:
    return sorted((e["row"], e["column"], e["message"]) for e in batch.errors)


def teacher(school, last="Иванова", first="Мария", middle="Петровна", **fields) -> Teacher:
    return Teacher.objects.create(
        school=school, last_name=last, first_name=first, middle_name=middle, **fields
    )


def snapshot():
    teachers = list(Teacher.objects.order_by("pk").values())
    links = sorted(Teacher.subjects.through.objects.values_list("teacher_id", "subject_id"))
    courses = list(ProfessionalCourse.objects.order_by("pk").values())
    return teachers, links, courses, Subject.objects.count()


GOOD_TEACHERS = teachers_csv(
    "sch610001;Иванова;Мария;Петровна;учитель;Математика, Информатика;высшая;18;да",
    "sch610001;Кузнецов;Алексей;Викторович;;Физика;первая;7;",
    'sch610002;Сидоренко;Ольга;Николаевна;заместитель директора по УВР;"Русский язык; ";СЗД;25;нет',
)


# --- teachers: the happy paths --------------------------------------------------------------------------


def test_methodist_imports_teachers_from_csv(world):
    batch = upload(GOOD_TEACHERS, world)
    assert batch.status == ImportBatch.Status.APPLIED, batch.errors
    assert without_changes(batch.stats) == {
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "subjects_created": 4,
        "errors": 0,
    }
    ivanova = Teacher.objects.get(last_name="Иванова")
    assert (ivanova.school, ivanova.first_name, ivanova.middle_name, ivanova.position) == (
        world.school_a1,
        "Мария",
        "Петровна",
        "учитель",
    )
    assert (ivanova.category, ivanova.experience_years, ivanova.is_active) == ("highest", 18, True)
    assert sorted(ivanova.subjects.values_list("name", flat=True)) == ["Информатика", "Математика"]
    kuznetsov = Teacher.objects.get(last_name="Кузнецов")
    assert (kuznetsov.position, kuznetsov.category, kuznetsov.is_active) == ("учитель", "first", True)
    sidorenko = Teacher.objects.get(last_name="Сидоренко")
    assert (sidorenko.school, sidorenko.position, sidorenko.category, sidorenko.is_active) == (
        world.school_a2,
        "заместитель директора по УВР",
        QualificationCategory.CONFORMITY,
        False,
    )
    assert list(sidorenko.subjects.values_list("name", flat=True)) == ["Русский язык"]


def test_xlsx_with_english_header_and_typed_cells(world):
    data = xlsx_bytes(
        [
            [
                "school_code",
                "last_name",
                "first_name",
                "middle_name",
                "category",
                "experience_years",
                "is_active",
            ],
            ["SCH610001", "Петров", "Пётр", "", "без категории", 3, True],
            ["sch610001", "Орлова", "Анна", "Сергеевна", "Высшая квалификационная категория", 31.0, False],
        ]
    )
    batch = upload(data, world, name="teachers.xlsx")
    assert batch.status == ImportBatch.Status.APPLIED, batch.errors
    petrov = Teacher.objects.get(last_name="Петров")
    assert (
        petrov.school,
        petrov.middle_name,
        petrov.category,
        petrov.experience_years,
        petrov.is_active,
    ) == (
        world.school_a1,
        "",
        "none",
        3,
        True,
    )
    orlova = Teacher.objects.get(last_name="Орлова")
    assert (orlova.category, orlova.experience_years, orlova.is_active) == ("highest", 31, False)


def test_single_full_name_column(world):
    data = csv_bytes(
        "Код ОО;ФИО;Категория",
        "sch610001;  Иванова   Мария Петровна ;1",
        "sch610001;Мамедов Али Гусейн оглы;",
        "sch610001;Смит Джон;высшая",
    )
    batch = upload(data, world)
    assert batch.status == ImportBatch.Status.APPLIED, batch.errors
    names = set(Teacher.objects.values_list("last_name", "first_name", "middle_name", "category"))
    assert names == {
        ("Иванова", "Мария", "Петровна", "first"),
        ("Мамедов", "Али", "Гусейн оглы", "none"),
        ("Смит", "Джон", "", "highest"),
    }


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("нет", "none"),
        ("Без категории", "none"),
        ("соответствие занимаемой должности", "conformity"),
        ("сзд", "conformity"),
        ("1", "first"),
        ("ПЕРВАЯ", "first"),
        ("первая категория", "first"),
        ("высшая", "highest"),
        ("Высшая", "highest"),
    ],
)
def test_category_spellings(world, text, category):
    batch = upload(teachers_csv(f"sch610001;Иванова;Мария;Петровна;;;{text};;"), world)
    assert batch.status == ImportBatch.Status.APPLIED, batch.errors
    assert Teacher.objects.get().category == category


@pytest.mark.parametrize(
    ("text", "active"),
    [("да", True), ("Нет", False), ("1", True), ("0", False), ("TRUE", True), ("false", False)],
)
def test_works_column_spellings(world, text, active):
    batch = upload(teachers_csv(f"sch610001;Иванова;Мария;Петровна;;;;;{text}"), world)
    assert batch.status == ImportBatch.Status.APPLIED, batch.errors
    assert Teacher.objects.get().is_active is active


def test_subjects_are_normalised_and_created_once(world):
    Subject.objects.create(name="Математика")
    data = teachers_csv(
        'sch610001;Иванова;Мария;Петровна;;"  математика ; МАТЕМАТИКА";;;',
        "sch610001;Кузнецов;Алексей;Викторович;;информатика,  Информатика;;;",
        'sch610002;Орлова;Анна;Сергеевна;;"Математика;ИНФОРМАТИКА , история  россии";;;',
    )
    batch = upload(data, world)
    assert batch.status == ImportBatch.Status.APPLIED, batch.errors
    assert batch.stats["subjects_created"] == 2
    assert sorted(Subject.objects.values_list("normalized_name", flat=True)) == [
        "информатика",
        "история россии",
        "математика",
    ]
    assert Subject.objects.get(normalized_name="информатика").name == "Информатика"
    assert Subject.objects.get(normalized_name="история россии").name == "История россии"
    assert list(Teacher.objects.get(last_name="Иванова").subjects.values_list("name", flat=True)) == [
        "Математика"
    ]
    assert sorted(Teacher.objects.get(last_name="Орлова").subjects.values_list("name", flat=True)) == [
        "Информатика",
        "История россии",
        "Математика",
    ]


# --- teachers: re-import, update, idempotence ----------------------------------------------------------


def test_reimporting_the_same_file_changes_nothing(world):
    upload(GOOD_TEACHERS, world)
    before = snapshot()
    batch = upload(GOOD_TEACHERS, world)
    assert batch.status == ImportBatch.Status.APPLIED
    assert (batch.stats["created"], batch.stats["updated"], batch.stats["unchanged"]) == (0, 0, 3)
    assert batch.stats["subjects_created"] == 0
    assert snapshot() == before


def test_reimporting_the_same_xlsx_changes_nothing(world):
    rows = [
        ["Код ОО", "ФИО", "Предметы", "Стаж"],
        ["sch610001", "Иванова Мария Петровна", "Математика; Физика", 12],
    ]
    upload(xlsx_bytes(rows), world, name="t.xlsx")
    before = snapshot()
    batch = upload(xlsx_bytes(rows), world, name="t.xlsx")
    assert batch.stats["unchanged"] == 1 and snapshot() == before


def test_existing_teacher_is_matched_case_insensitively_and_updated(world):
    math = Subject.objects.create(name="Математика")
    existing = teacher(world.school_a1, position="учитель", category="first", experience_years=10)
    existing.subjects.set([math])
    data = teachers_csv("sch610001;ИВАНОВА;мария;ПЕТРОВНА;заместитель директора;Физика;высшая;;")
    batch = upload(data, world)
    assert batch.status == ImportBatch.Status.APPLIED, batch.errors
    assert (batch.stats["created"], batch.stats["updated"]) == (0, 1)
    assert Teacher.objects.count() == 1
    existing.refresh_from_db()
    assert (existing.last_name, existing.first_name, existing.position, existing.category) == (
        "ИВАНОВА",
        "мария",
        "заместитель директора",
        "highest",
    )
    assert existing.experience_years == 10  # an empty cell keeps the value
    assert list(existing.subjects.values_list("name", flat=True)) == ["Физика"]


def test_empty_optional_cells_keep_what_is_stored(world):
    math = Subject.objects.create(name="Математика")
    existing = teacher(world.school_a1, position="педагог-психолог", category="first", experience_years=4)
    existing.subjects.set([math])
    before = snapshot()
    batch = upload(teachers_csv("sch610001;Иванова;Мария;Петровна;;;;;"), world)
    assert batch.stats["unchanged"] == 1 and snapshot() == before


def test_teacher_of_the_same_name_in_another_school_is_another_teacher(world):
    teacher(world.school_a2)
    batch = upload(teachers_csv("sch610001;Иванова;Мария;Петровна;;;;;"), world)
    assert batch.stats["created"] == 1 and Teacher.objects.count() == 2


def test_subject_change_alone_counts_as_update(world):
    upload(teachers_csv("sch610001;Иванова;Мария;Петровна;;Математика;;;"), world)
    batch = upload(teachers_csv("sch610001;Иванова;Мария;Петровна;;Математика, Физика;;;"), world)
    assert (batch.stats["updated"], batch.stats["subjects_created"]) == (1, 1)
    assert Teacher.objects.get().subjects.count() == 2


# --- teachers: errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "column", "fragment"),
    [
        (";Петров;Пётр;Иванович;;;;;", "Код ОО", "Обязательное поле не заполнено."),
        ("sch999999;Петров;Пётр;Иванович;;;;;", "Код ОО", "не найдена в регионе «Ростовская область»"),
        ("sch230001;Петров;Пётр;Иванович;;;;;", "Код ОО", "относится к другому региону"),
        ("sch610101;Петров;Пётр;Иванович;;;;;", "Код ОО", "Нет прав на изменение сведений о педагогах школы"),
        ("sch610001;;Пётр;Иванович;;;;;", "Фамилия", "Обязательное поле не заполнено."),
        ("sch610001;Петров;;Иванович;;;;;", "Имя", "Обязательное поле не заполнено."),
        ("sch610001;Петров2;Пётр;Иванович;;;;;", "Фамилия", "Недопустимые символы"),
        ("sch610001;Петров;Пётр;12;;;;;", "Отчество", "Недопустимые символы"),
        ("sch610001;" + "П" * 151 + ";Пётр;Иванович;;;;;", "Фамилия", "больше 150 символов"),
        ("sch610001;Петров;Пётр;Иванович;" + "у" * 256 + ";;;;", "Должность", "больше 255 символов"),
        ("sch610001;Петров;Пётр;Иванович;;" + "м" * 256 + ";;;", "Предметы", "больше 255 символов"),
        ("sch610001;Петров;Пётр;Иванович;;;вторая;;", "Категория", "Категория не распознана"),
        ("sch610001;Петров;Пётр;Иванович;;;;71;", "Стаж", "от 0 до 70"),
        ("sch610001;Петров;Пётр;Иванович;;;;-1;", "Стаж", "от 0 до 70"),
        ("sch610001;Петров;Пётр;Иванович;;;;десять;", "Стаж", "от 0 до 70"),
        ("sch610001;Петров;Пётр;Иванович;;;;;уволен", "Работает", "Укажите «да» или «нет»."),
    ],
)
def test_each_error_is_reported_by_row_and_column_and_nothing_is_written(world, line, column, fragment):
    data = teachers_csv("sch610001;Иванова;Мария;Петровна;;Новый предмет;;;", line)
    batch = upload(data, world)
    assert batch.status == ImportBatch.Status.INVALID
    assert [(e["row"], e["column"]) for e in batch.errors] == [(3, column)]
    assert fragment in batch.errors[0]["message"]
    assert not Teacher.objects.exists()  # the good row was not written either
    assert not Subject.objects.exists()


def test_every_error_of_a_row_is_listed(world):
    batch = upload(teachers_csv(";;;;;;вторая;100;может быть"), world)
    assert [(e["row"], e["column"]) for e in sorted(batch.errors, key=lambda e: e["column"])] == sorted(
        [(2, "Код ОО"), (2, "Фамилия"), (2, "Имя"), (2, "Категория"), (2, "Стаж"), (2, "Работает")],
        key=lambda e: e[1],
    )


def test_duplicate_teacher_in_file_names_the_earlier_line(world):
    data = teachers_csv(
        "sch610001;Иванова;Мария;Петровна;;;;;",
        "sch610002;Иванова;Мария;Петровна;;;;;",  # another school: another teacher
        "SCH610001;ИВАНОВА;Мария;петровна;;;;;",
    )
    batch = upload(data, world)
    assert errors_of(batch) == [
        (4, "Фамилия", "Педагог с такими ФИО в этой школе уже встречался в строке 2.")
    ]
    assert not Teacher.objects.exists()


def test_full_name_column_errors(world):
    data = csv_bytes(
        "Код ОО;ФИО;Фамилия;Имя;Отчество",
        "sch610001;Иванова;;;",
        "sch610001;Иванова Мария Петровна;Петрова;Мария;Петровна",
        "sch610001;Иванова Мария Петровна;иванова;МАРИЯ;петровна",  # the same name twice: accepted
        "sch610001;Петров 2 Иван;;;",
        "sch610001;;;;",
    )
    batch = upload(data, world)
    assert [(row, column) for row, column, _m in errors_of(batch)] == [
        (2, "ФИО"),
        (3, "ФИО"),
        (5, "ФИО"),
        (6, "Имя"),
        (6, "Фамилия"),
    ]
    messages = {row: message for row, _c, message in errors_of(batch)}
    assert "через пробел" in messages[2]
    assert "не совпадает" in messages[3]
    assert "Недопустимые символы" in messages[5]


def test_only_full_name_column_empty_cell_points_to_it(world):
    batch = upload(csv_bytes("Код ОО;ФИО", "sch610001;"), world)
    assert errors_of(batch) == [(2, "ФИО", "Обязательное поле не заполнено.")]


def test_header_without_names_is_a_file_error(world):
    batch = upload(csv_bytes("Код ОО;Фамилия;Должность", "sch610001;Иванова;учитель"), world)
    assert batch.status == ImportBatch.Status.INVALID
    assert [(e["row"], e["column"]) for e in batch.errors] == [(0, "")]
    assert "«ФИО»" in batch.errors[0]["message"] and "«Имя»" in batch.errors[0]["message"]


def test_missing_school_column_is_a_file_error(world):
    batch = upload(csv_bytes("ФИО;Должность", "Иванова Мария Петровна;учитель"), world)
    assert batch.errors[0]["row"] == 0 and "«Код ОО»" in batch.errors[0]["message"]


def test_file_without_rows_is_refused(world):
    batch = upload(teachers_csv(), world)
    assert errors_of(batch) == [(0, "", "В файле нет строк с педагогами.")]


def test_error_messages_never_name_a_teacher(world):
    teacher(world.school_a1, last="Ёлкина", first="Серафима", middle="Аркадьевна")
    teacher(world.school_a1, last="Ёлкина", first="Серафима", middle="Львовна")
    people = csv_bytes(
        "Код ОО;ФИО;Категория;Стаж;Работает",
        "sch610001;Задорожная Евдокия Фоминична;вторая;200;иногда",
        "sch610001;Задорожная Евдокия Фоминична;;;",
        "sch610101;Белоконь Тихон Саввич;;;",
        "sch999999;Белоконь Тихон Саввич;;;",
        "sch610001;Белоконь;;;",
        "sch610001;Белоконь7 Тихон;;;",
    )
    courses = courses_csv(
        "sch610001;Задорожная Евдокия Фоминична;Функциональная грамотность;РИПК;72;15.01.2024;02.02.2024;",
        "sch610001;Ёлкина Серафима;Функциональная грамотность;РИПК;72;15.01.2024;02.02.2024;",
        "sch610001;Задорожная Евдокия Фоминична;Функциональная грамотность;РИПК;ноль;32.01.2024;1.1.1900;",
    )
    teachers_batch = upload(people, world)
    courses_batch = upload(courses, world, kind="courses")
    assert len(teachers_batch.errors) >= 7 and len(courses_batch.errors) >= 5
    text = json.dumps(teachers_batch.errors + courses_batch.errors, ensure_ascii=False).lower()
    for word in ("задорожн", "евдоки", "фоминичн", "белоконь", "тихон", "саввич", "ёлкин", "серафим"):
        assert word not in text


# --- teachers: scope ------------------------------------------------------------------------------------


def test_school_admin_imports_only_their_school(world):
    own = teachers_csv("sch610001;Иванова;Мария;Петровна;;;;;")
    batch = upload(own, world, user="school_admin")
    assert batch.status == ImportBatch.Status.APPLIED, batch.errors
    other = teachers_csv("sch610001;Петров;Пётр;Иванович;;;;;", "sch610002;Орлова;Анна;Сергеевна;;;;;")
    batch = upload(other, world, user="school_admin")
    assert errors_of(batch) == [
        (3, "Код ОО", "Нет прав на изменение сведений о педагогах школы «sch610002».")
    ]
    assert Teacher.objects.count() == 1


def test_municipal_methodist_cannot_touch_another_municipality(world):
    teacher(world.school_b1, category="first")
    data = teachers_csv("sch610101;Иванова;Мария;Петровна;;;высшая;;")
    batch = upload(data, world, user="methodist")
    assert [(e["row"], e["column"]) for e in batch.errors] == [(2, "Код ОО")]
    assert Teacher.objects.get().category == "first"
    batch = upload(data, world, user="regional_methodist")
    assert batch.status == ImportBatch.Status.APPLIED
    assert Teacher.objects.get().category == "highest"


@pytest.mark.parametrize("user", ["head", "analyst", "mentor", "nobody"])
def test_roles_without_write_access_import_nothing(world, user):
    batch = upload(teachers_csv("sch610001;Иванова;Мария;Петровна;;;;;"), world, user=user)
    assert batch.status == ImportBatch.Status.INVALID
    assert "Нет прав" in batch.errors[0]["message"]
    assert not Teacher.objects.exists()


# --- courses --------------------------------------------------------------------------------------------


@pytest.fixture
def staff(world):
    return {
        "ivanova": teacher(world.school_a1),
        "kuznetsov": teacher(world.school_a1, last="Кузнецов", first="Алексей", middle="Викторович"),
        "orlova": teacher(world.school_a2, last="Орлова", first="Анна", middle="Сергеевна"),
    }


GOOD_COURSES = courses_csv(
    "sch610001;Иванова Мария Петровна;Функциональная грамотность на уроках математики;"
    "ГБУ ДПО РО РИПК и ППРО;72;15.01.2024;02.02.2024;612400012345",
    "sch610001;иванова мария петровна;Обновлённые ФГОС ООО;ФГАОУ ДПО «Академия Минпросвещения России»;"
    "36;2024-03-11;2024-03-22;",
    "sch610002;Орлова Анна Сергеевна;Обновлённые ФГОС ООО;ФГАОУ ДПО «Академия Минпросвещения России»;"
    "36;11.03.2024;22.03.2024;",
)


def test_courses_import_with_both_date_forms(world, staff):
    batch = upload(GOOD_COURSES, world, kind="courses")
    assert batch.status == ImportBatch.Status.APPLIED, batch.errors
    assert without_changes(batch.stats) == {"created": 3, "updated": 0, "unchanged": 0, "errors": 0}
    first = ProfessionalCourse.objects.get(teacher=staff["ivanova"], hours=72)
    assert (first.title, first.provider, first.start_date, first.end_date, first.certificate) == (
        "Функциональная грамотность на уроках математики",
        "ГБУ ДПО РО РИПК и ППРО",
        datetime.date(2024, 1, 15),
        datetime.date(2024, 2, 2),
        "612400012345",
    )
    second = ProfessionalCourse.objects.get(teacher=staff["ivanova"], hours=36)
    assert (second.start_date, second.end_date, second.certificate) == (
        datetime.date(2024, 3, 11),
        datetime.date(2024, 3, 22),
        "",
    )
    assert ProfessionalCourse.objects.get(teacher=staff["orlova"]).start_date == datetime.date(2024, 3, 11)


def test_courses_from_xlsx_date_cells(world, staff):
    data = xlsx_bytes(
        [
            [
                "Код ОО",
                "Фамилия",
                "Имя",
                "Отчество",
                "Тема курса",
                "Организация",
                "Часов",
                "Начало",
                "Окончание",
            ],
            [
                "sch610001",
                "Кузнецов",
                "Алексей",
                "Викторович",
                "Цифровая образовательная среда",
                "РИПК",
                72,
                datetime.date(2023, 10, 2),
                datetime.datetime(2023, 10, 20, 0, 0),
            ],
            [
                "sch610001",
                "Кузнецов",
                "Алексей",
                "Викторович",
                "Наставничество в школе",
                "РИПК",
                16.0,
                datetime.datetime(2024, 4, 1, 9, 30),
                "05.04.2024",
            ],
        ]
    )
    batch = upload(data, world, kind="courses", name="courses.xlsx")
    assert batch.status == ImportBatch.Status.APPLIED, batch.errors
    periods = set(
        ProfessionalCourse.objects.filter(teacher=staff["kuznetsov"]).values_list(
            "hours", "start_date", "end_date"
        )
    )
    assert periods == {
        (72, datetime.date(2023, 10, 2), datetime.date(2023, 10, 20)),
        (16, datetime.date(2024, 4, 1), datetime.date(2024, 4, 5)),
    }
    before = snapshot()
    again = upload(data, world, kind="courses", name="courses.xlsx")
    assert again.stats["unchanged"] == 2 and snapshot() == before


def test_reimporting_courses_changes_nothing(world, staff):
    upload(GOOD_COURSES, world, kind="courses")
    before = snapshot()
    batch = upload(GOOD_COURSES, world, kind="courses")
    assert batch.status == ImportBatch.Status.APPLIED
    assert (batch.stats["created"], batch.stats["updated"], batch.stats["unchanged"]) == (0, 0, 3)
    assert snapshot() == before


def test_same_course_in_another_spelling_is_the_same_course(world, staff):
    ProfessionalCourse.objects.create(
        teacher=staff["ivanova"],
        title="Функциональная  грамотность",
        provider="РИПК",
        hours=72,
        start_date=datetime.date(2024, 1, 15),
        end_date=datetime.date(2024, 2, 2),
        certificate="123",
    )
    data = courses_csv(
        "sch610001;Иванова Мария Петровна;ФУНКЦИОНАЛЬНАЯ грамотность;РИПК;36;15.01.2024;02.02.2024;"
    )
    batch = upload(data, world, kind="courses")
    assert (batch.stats["created"], batch.stats["updated"]) == (0, 1)
    course = ProfessionalCourse.objects.get()
    assert (course.title, course.hours, course.certificate) == ("ФУНКЦИОНАЛЬНАЯ грамотность", 36, "123")


def test_course_without_patronymic_finds_the_only_namesake(world, staff):
    data = courses_csv("sch610001;Кузнецов Алексей;Наставничество;РИПК;16;01.04.2024;05.04.2024;")
    batch = upload(data, world, kind="courses")
    assert batch.status == ImportBatch.Status.APPLIED, batch.errors
    assert ProfessionalCourse.objects.get().teacher == staff["kuznetsov"]


def test_course_without_patronymic_and_two_namesakes_is_an_error(world, staff):
    teacher(world.school_a1, last="Кузнецов", first="Алексей", middle="Ильич")
    data = courses_csv("sch610001;Кузнецов Алексей;Наставничество;РИПК;16;01.04.2024;05.04.2024;")
    batch = upload(data, world, kind="courses")
    assert errors_of(batch) == [
        (2, "ФИО педагога", "В школе несколько педагогов с такими фамилией и именем: укажите отчество.")
    ]


@pytest.mark.parametrize(
    ("line", "column", "fragment"),
    [
        (";Иванова Мария Петровна;Курс;РИПК;72;15.01.2024;02.02.2024;", "Код ОО", "Обязательное поле"),
        ("sch610101;Иванова Мария Петровна;Курс;РИПК;72;15.01.2024;02.02.2024;", "Код ОО", "Нет прав"),
        ("sch230001;Иванова Мария Петровна;Курс;РИПК;72;15.01.2024;02.02.2024;", "Код ОО", "другому региону"),
        ("sch610001;;Курс;РИПК;72;15.01.2024;02.02.2024;", "ФИО педагога", "Обязательное поле"),
        (
            "sch610001;Орлова Анна Сергеевна;Курс;РИПК;72;15.01.2024;02.02.2024;",
            "ФИО педагога",
            "не найден в школе «sch610001»",
        ),
        (
            "sch610001;Иванова Мария Петровна;;РИПК;72;15.01.2024;02.02.2024;",
            "Тема курса",
            "Обязательное поле",
        ),
        (
            "sch610001;Иванова Мария Петровна;Курс;;72;15.01.2024;02.02.2024;",
            "Организация",
            "Обязательное поле",
        ),
        ("sch610001;Иванова Мария Петровна;Курс;РИПК;;15.01.2024;02.02.2024;", "Часов", "Обязательное поле"),
        ("sch610001;Иванова Мария Петровна;Курс;РИПК;0;15.01.2024;02.02.2024;", "Часов", "от 1 до 2000"),
        ("sch610001;Иванова Мария Петровна;Курс;РИПК;2001;15.01.2024;02.02.2024;", "Часов", "от 1 до 2000"),
        ("sch610001;Иванова Мария Петровна;Курс;РИПК;72,5;15.01.2024;02.02.2024;", "Часов", "от 1 до 2000"),
        ("sch610001;Иванова Мария Петровна;Курс;РИПК;72;;02.02.2024;", "Начало", "Обязательное поле"),
        ("sch610001;Иванова Мария Петровна;Курс;РИПК;72;15.01.2024;;", "Окончание", "Обязательное поле"),
        ("sch610001;Иванова Мария Петровна;Курс;РИПК;72;31.02.2024;02.03.2024;", "Начало", "не распознана"),
        ("sch610001;Иванова Мария Петровна;Курс;РИПК;72;январь;02.02.2024;", "Начало", "не распознана"),
        ("sch610001;Иванова Мария Петровна;Курс;РИПК;72;15.01.1924;02.02.2024;", "Начало", "проверьте год"),
        (
            "sch610001;Иванова Мария Петровна;Курс;РИПК;72;15.01.2024;02.02.2204;",
            "Окончание",
            "проверьте год",
        ),
        (
            "sch610001;Иванова Мария Петровна;Курс;РИПК;72;15.02.2024;02.02.2024;",
            "Окончание",
            "раньше даты начала",
        ),
        (
            "sch610001;Иванова Мария Петровна;" + "К" * 501 + ";РИПК;72;15.01.2024;02.02.2024;",
            "Тема курса",
            "больше 500",
        ),
        (
            "sch610001;Иванова Мария Петровна;Курс;РИПК;72;15.01.2024;02.02.2024;" + "1" * 101,
            "Удостоверение",
            "больше 100",
        ),
    ],
)
def test_each_course_error_is_reported_by_row_and_column(world, staff, line, column, fragment):
    data = courses_csv(
        "sch610001;Кузнецов Алексей Викторович;Наставничество;РИПК;16;01.04.2024;05.04.2024;", line
    )
    batch = upload(data, world, kind="courses")
    assert batch.status == ImportBatch.Status.INVALID
    assert [(e["row"], e["column"]) for e in batch.errors] == [(3, column)]
    assert fragment in batch.errors[0]["message"]
    assert not ProfessionalCourse.objects.exists()


def test_duplicate_course_in_file_names_the_earlier_line(world, staff):
    data = courses_csv(
        "sch610001;Иванова Мария Петровна;Наставничество;РИПК;16;01.04.2024;05.04.2024;",
        "sch610001;Иванова Мария Петровна;Наставничество;РИПК;16;01.04.2025;05.04.2025;",  # another time
        "sch610001;Иванова Мария;НАСТАВНИЧЕСТВО;РИПК;18;2024-04-01;2024-04-05;",
    )
    batch = upload(data, world, kind="courses")
    assert errors_of(batch) == [
        (4, "Тема курса", "Этот курс этого педагога (та же тема и даты) уже встречался в строке 2.")
    ]
    assert not ProfessionalCourse.objects.exists()


def test_school_admin_adds_courses_only_in_their_school(world, staff):
    batch = upload(GOOD_COURSES, world, user="school_admin", kind="courses")
    assert [(e["row"], e["column"]) for e in batch.errors] == [(4, "Код ОО")]
    assert not ProfessionalCourse.objects.exists()


# --- templates, commands, the web page -------------------------------------------------------------------


def test_templates_are_valid_files_for_their_importers(world):
    for kind in ("teachers", "courses"):
        rows = get_importer(kind).template_rows()
        batch = upload(xlsx_bytes(rows), world, kind=kind, name=f"{kind}.xlsx")
        assert batch.status == ImportBatch.Status.APPLIED, (kind, batch.errors)
        assert batch.stats["created"] == len(rows) - 1
    assert Teacher.objects.count() == 3 and ProfessionalCourse.objects.count() == 2


def write(tmp_path: Path, data: bytes, name: str) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_commands_import_teachers_and_courses(world, tmp_path, capsys):
    call_command(
        "import_teachers", str(write(tmp_path, GOOD_TEACHERS, "t.csv")), "--region", "Ростовская область"
    )
    assert Teacher.objects.count() == 3
    out = capsys.readouterr().out
    assert "добавлено 3" in out and "Новых предметов: 4." in out
    courses = courses_csv(
        "sch610001;Иванова Мария Петровна;Наставничество;РИПК;16;01.04.2024;05.04.2024;",
        "sch610002;Сидоренко Ольга Николаевна;Наставничество;РИПК;16;01.04.2024;05.04.2024;",
    )
    call_command("import_courses", str(write(tmp_path, courses, "c.csv")), "--region", "Ростовская область")
    assert ProfessionalCourse.objects.count() == 2
    assert ImportBatch.objects.filter(kind="courses", source="command", uploaded_by=None).count() == 1


def test_command_reports_errors_without_names(world, tmp_path, capsys):
    path = write(
        tmp_path, teachers_csv("sch610101;Задорожная;Евдокия;;;;;;", "sch610001;Задорожная;;;;;;;"), "t.csv"
    )
    with pytest.raises(CommandError, match="отклонена"):
        call_command("import_teachers", str(path), "--region", "Краснодарский край")
    err = capsys.readouterr().err
    assert "строка 2, столбец «Код ОО»" in err and "строка 3, столбец «Имя»" in err
    assert "Задорожная" not in err
    assert not Teacher.objects.exists()


def test_teachers_through_the_web_flow(client, world):
    client.force_login(world.users["methodist"])
    page = client.get(reverse("imports:new", args=["teachers"]))
    assert page.status_code == 200
    assert "Загрузка: педагоги" in page.content.decode()
    template = client.get(reverse("imports:template", args=["teachers"]))
    header = [cell.value for cell in next(load_workbook(io.BytesIO(template.content)).active.iter_rows())]
    assert header[:4] == ["Код ОО", "Фамилия", "Имя", "Отчество"]

    upload_file = io.BytesIO(GOOD_TEACHERS)
    upload_file.name = "pedagogi.csv"
    response = client.post(
        reverse("imports:new", args=["teachers"]), {"file": upload_file, "region": world.region.pk}
    )
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and batch.status == ImportBatch.Status.VALIDATED, batch.errors
    assert batch.kind == ImportBatch.Kind.TEACHERS and batch.stats["created"] == 3
    assert not Teacher.objects.exists()  # the preview writes nothing
    client.post(reverse("imports:apply", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLIED and Teacher.objects.count() == 3
    detail = client.get(reverse("imports:detail", args=[batch.pk])).content.decode()
    assert "Новых предметов" in detail


def test_school_admin_uploads_their_own_teachers_and_nothing_else(client, world):
    client.force_login(world.users["school_admin"])
    listing = client.get(reverse("imports:list"))
    assert listing.status_code == 200
    assert [i.kind for i in listing.context["importers"]] == ["teachers", "courses"]
    # The registry and results stay with the methodologists.
    assert client.get(reverse("imports:new", args=["schools"])).status_code == 403
    assert client.get(reverse("imports:new", args=["results"])).status_code == 403
    upload_file = io.BytesIO(GOOD_TEACHERS)
    upload_file.name = "pedagogi.csv"
    client.post(reverse("imports:new", args=["teachers"]), {"file": upload_file, "region": world.region.pk})
    batch = ImportBatch.objects.get()
    # GOOD_TEACHERS has a teacher of sch610002 on line 4: that row is refused, so nothing is written.
    assert batch.status == ImportBatch.Status.INVALID
    assert [(error["row"], error["column"]) for error in batch.errors] == [(4, "Код ОО")]
    assert not Teacher.objects.exists()
    # The teachers' import is in the menu of a school admin; the head, who writes nothing, has no uploads.
    client.force_login(world.users["head"])
    assert client.get(reverse("imports:list")).status_code == 403
