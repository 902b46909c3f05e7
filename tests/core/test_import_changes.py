"""What a preview says will change, for the importers other than results (#19 §4): schools (the portal's
template), teachers, courses and roadmap items list new / changed (old → new) / unchanged records; a file that
changes nothing cannot be confirmed. The ChangeLog itself: values as printed, the download's lines, memory
bounded (only the first records kept). Results: tests/schools/test_results_changes.py."""

import csv
import datetime
import io
import json
from decimal import Decimal

import pytest
from django.urls import reverse

from core.changes import ChangeLog, display
from core.imports import NOTHING_TO_CHANGE, import_batch_apply, import_batch_create
from core.models import ImportBatch
from roadmaps.models import Roadmap

pytestmark = pytest.mark.django_db

D = datetime.date


def preview(world, kind: str, text: str, options=None, user="methodist") -> ImportBatch:
    return import_batch_create(
        kind=kind,
        file=io.BytesIO(text.encode()),
        name=f"{kind}.csv",
        region=world.region,
        user=world.users[user],
        options=options,
    )


def load(world, kind: str, text: str, options=None, user="methodist") -> ImportBatch:
    batch = import_batch_apply(batch=preview(world, kind, text, options, user), user=world.users[user])
    assert batch.status == ImportBatch.Status.APPLIED, batch.errors
    return batch


def summary(batch: ImportBatch) -> tuple:
    changes = batch.stats["changes"]
    return changes["new"], changes["changed"], changes["unchanged"], changes["listed"]


# --- the log ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, "—"),
        ("", "—"),
        (True, "да"),
        (False, "нет"),
        (D(2027, 3, 1), "01.03.2027"),
        (Decimal("3.3"), "3,30"),
        (Decimal("3.26"), "3,26"),
        (27, "27"),
        ("СОШ", "СОШ"),
    ],
)
def test_values_are_printed_as_the_preview_shows_them(value, shown):
    assert display(value) == shown


def test_the_log_keeps_the_first_records_and_spills_all_of_them_to_a_file():
    log = ChangeLog(entities=("Код ОО",), fields=("Наименование", "Адрес"), shown=2)
    log.new(("sch1",), {"Наименование": "Школа 1", "Адрес": ""}, sheet="2023")
    log.changed(("sch2",), {"Адрес": ("ул. Ленина, 1", "=ул. Мира, 2")}, sheet="2023")
    log.unchanged(5, sheet="2023")
    log.changed(("sch3",), {"Наименование": ("Школа", "Школа 3")}, sheet="2024")
    log.arrange(["2024", "2023"])
    stats = log.summary()
    assert stats["sheets"] == [
        {"sheet": "2024", "new": 0, "changed": 1, "unchanged": 0},
        {"sheet": "2023", "new": 1, "changed": 1, "unchanged": 5},
    ]
    assert (stats["new"], stats["changed"], stats["unchanged"], stats["listed"]) == (1, 2, 5, 3)
    assert stats["rows"] == [
        {"sheet": "2023", "status": "new", "entity": ["sch1"], "fields": [["Наименование", "—", "Школа 1"]]},
        {
            "sheet": "2023",
            "status": "changed",
            "entity": ["sch2"],
            "fields": [["Адрес", "ул. Ленина, 1", "=ул. Мира, 2"]],
        },
    ]
    lines = list(csv.reader(io.StringIO(log.spilled().read().decode("utf-8-sig")), delimiter=";"))
    assert lines == [
        ["Лист", "Код ОО", "Что", "Наименование: было", "Наименование: стало", "Адрес: было", "Адрес: стало"],
        ["2023", "sch1", "новая", "", "Школа 1", "", ""],
        ["2023", "sch2", "изменится", "", "", "ул. Ленина, 1", "'=ул. Мира, 2"],  # no formula in Excel
        ["2024", "sch3", "изменится", "Школа", "Школа 3", "", ""],
    ]
    log.close()


NEW_VALUES = [
    (27, 5, None, 12, 0, Decimal("3.26")),
    (0, 0, "", None, None, None),
    (-5, 7, True, False, D(2027, 3, 1), Decimal("-1")),  # a negative number would start a formula
    ("=1+1", "+7", "@a", "-x", "—", "СОШ"),
    (1, 2),  # the first fields only: the rest are absent
]


@pytest.mark.parametrize("shown", [0, 1, 10])
def test_new_values_writes_the_records_new_writes(shown):
    """The hot path of a preview where all is new (new_values) keeps and writes exactly what ``new`` does."""
    fields = ("Участников", "«2»", "«3»", "«4»", "«5»", "Средний балл", "ВПР: распределение")
    entities = [("sch1", "ВПР Математика 5"), ("=sch2", ""), ("", "-Процедура"), (None, 17), ("sch5", "В")]
    sheets = ["Лист 1", None, "=Лист", "", "Лист 1"]
    logs = []
    for fast in (False, True):
        log = ChangeLog(entities=("Код ОО", "Процедура"), fields=fields, shown=shown)
        for entity, values, sheet in zip(entities, NEW_VALUES, sheets, strict=True):
            if fast:
                log.new_values(entity, values, sheet)
            else:
                log.new(entity, dict(zip(fields, values, strict=False)), sheet)
        logs.append(log)
    (by_new, fast) = logs
    assert fast.summary() == by_new.summary()
    assert fast.summary()["listed"] == 5
    assert len(fast.summary()["rows"]) == min(shown, 5)
    assert fast.spilled().read() == by_new.spilled().read()
    lines = list(csv.reader(io.StringIO(fast.spilled().read().decode("utf-8-sig")), delimiter=";"))
    assert lines[3] == ["'=Лист", "—", "'-Процедура", "новая", "", "'-5", "", "7", "", "да", "", "нет"] + [
        "",
        "01.03.2027",
        "",
        "'-1,00",
        "",
        "",
    ]
    assert lines[4] == ["", "—", "17", "новая", "", "'=1+1", "", "'+7", "", "'@a", "", "'-x", "", "", ""] + [
        "СОШ",
        "",
        "",
    ]
    for log in logs:
        log.close()


def test_a_long_list_is_written_whole_past_the_lines_gathered_in_memory():
    log = ChangeLog(entities=("Код ОО",), fields=("Участников", "Адрес"), shown=3)
    for number in range(2_500):  # SPILL_LINES (1,000) twice and a half
        if number % 2:
            log.changed((f"sch{number}",), {"Адрес": ("", f"ул. {number}")}, sheet="Лист")
        else:
            log.new_values((f"sch{number}",), (number,), sheet="Лист")
    lines = list(csv.reader(io.StringIO(log.spilled().read().decode("utf-8-sig")), delimiter=";"))
    assert len(lines) == 2_501
    assert lines[1] == ["Лист", "sch0", "новая", "", "0", "", ""]
    assert lines[2_500] == ["Лист", "sch2499", "изменится", "", "", "—", "ул. 2499"]
    assert log.summary()["listed"] == 2_500
    log.close()


# --- schools ----------------------------------------------------------------------------------------------
SCHOOLS_HEADER = "Код ОО;Наименование;Муниципалитет;Краткое наименование;Тип;Адрес;Директор"
SCHOOL_1 = "sch610901;МБОУ «Первая СОШ»;Обливский район;Первая СОШ;СОШ;ул. Ленина, 1;"
SCHOOL_2 = "sch610902;МБОУ «Вторая ООШ»;Обливский район;;ООШ;;"


def schools_csv(*rows: str) -> str:
    return "\n".join([SCHOOLS_HEADER, *rows]) + "\n"


def test_schools_preview_lists_new_changed_and_unchanged(world):
    load(world, "schools", schools_csv(SCHOOL_1, SCHOOL_2))
    batch = preview(  # the regional methodologist: a school moves to another municipality
        world,
        "schools",
        schools_csv(
            SCHOOL_1,
            "sch610902;МБОУ «Вторая СОШ»;Тацинский район;;СОШ;;",
            "sch610903;МБОУ «Третья СОШ»;Обливский район;;;х. Каштановский;",
        ),
        user="regional_methodist",
    )
    assert batch.status == ImportBatch.Status.VALIDATED, batch.errors
    assert summary(batch) == (1, 1, 1, 2)
    assert batch.stats["changes"]["entities"] == ["Код ОО"]
    assert batch.stats["changes"]["rows"] == [
        {
            "sheet": None,
            "status": "changed",
            "entity": ["sch610902"],
            "fields": [
                ["Наименование", "МБОУ «Вторая ООШ»", "МБОУ «Вторая СОШ»"],
                ["Муниципалитет", "Обливский район", "Тацинский район"],
                ["Тип", "ООШ", "СОШ"],
            ],
        },
        {
            "sheet": None,
            "status": "new",
            "entity": ["sch610903"],
            "fields": [
                ["Наименование", "—", "МБОУ «Третья СОШ»"],
                ["Муниципалитет", "—", "Обливский район"],
                ["Адрес", "—", "х. Каштановский"],
            ],
        },
    ]
    applied = import_batch_apply(batch=batch, user=world.users["regional_methodist"])
    assert applied.status == ImportBatch.Status.APPLIED
    assert (
        applied.stats["changes"]["rows"] == batch.stats["changes"]["rows"]
    )  # the apply's own list, the same
    assert "preview" not in applied.stats["changes"]


def test_a_schools_file_that_changes_nothing_cannot_be_confirmed(client, world):
    load(world, "schools", schools_csv(SCHOOL_1, SCHOOL_2))
    batch = preview(world, "schools", schools_csv(SCHOOL_2, SCHOOL_1))
    assert batch.status == ImportBatch.Status.VALIDATED
    assert summary(batch) == (0, 0, 2, 0)
    client.force_login(world.users["methodist"])
    page = client.get(reverse("imports:detail", args=[batch.pk])).content.decode()
    assert NOTHING_TO_CHANGE in page
    assert 'disabled aria-describedby="changes-nothing">Подтвердить загрузку' in page
    response = client.post(reverse("imports:apply", args=[batch.pk]), follow=True)
    assert "Файл ничего не изменит" in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.VALIDATED
    download = client.get(reverse("imports:changes", args=[batch.pk]))  # nothing listed: the header alone
    assert download.content.decode("utf-8-sig").splitlines() == [
        "Лист;Код ОО;Что;Наименование: было;Наименование: стало;Муниципалитет: было;Муниципалитет: стало;"
        "Краткое наименование: было;Краткое наименование: стало;Тип: было;Тип: стало;Адрес: было;Адрес: стало;"
        "Директор: было;Директор: стало"
    ]


# --- teachers and courses ---------------------------------------------------------------------------------
TEACHERS_HEADER = "Код ОО;Фамилия;Имя;Отчество;Должность;Предметы;Категория;Стаж;Работает"
IVANOVA = "sch610001;Иванова;Мария;Петровна;учитель;Математика;первая;18;да"
KUZNETSOV = "sch610001;Кузнецов;Алексей;Викторович;учитель;Физика;первая;7;да"


def teachers_csv(*rows: str) -> str:
    return "\n".join([TEACHERS_HEADER, *rows]) + "\n"


def test_teachers_preview_lists_new_changed_and_unchanged(world):
    load(world, "teachers", teachers_csv(IVANOVA, KUZNETSOV))
    batch = preview(
        world,
        "teachers",
        teachers_csv(
            "sch610001;ИВАНОВА;Мария;Петровна;учитель;Математика, Информатика;высшая;19;да",
            KUZNETSOV,
            "sch610002;Сидоренко;Ольга;Николаевна;;Русский язык;;;",
        ),
    )
    assert batch.status == ImportBatch.Status.VALIDATED, batch.errors
    assert summary(batch) == (1, 1, 1, 2)
    assert batch.stats["changes"]["rows"] == [
        {
            "sheet": None,
            "status": "changed",
            "entity": ["sch610001", "2"],
            "fields": [
                ["ФИО", "прежнее написание", "написание из файла"],
                ["Предметы", "Математика", "Информатика, Математика"],
                ["Категория", "первая", "высшая"],
                ["Стаж", "18", "19"],
            ],
        },
        {
            "sheet": None,
            "status": "new",
            "entity": ["sch610002", "4"],
            "fields": [
                ["Должность", "—", "учитель"],
                ["Предметы", "—", "Русский язык"],
                ["Категория", "—", "нет"],
                ["Работает", "—", "да"],
            ],
        },
    ]
    listed = json.dumps(batch.stats["changes"], ensure_ascii=False).lower()
    assert not any(name in listed for name in ("иванова", "мария", "сидоренко", "ольга", "николаевна"))


COURSES_HEADER = "Код ОО;ФИО педагога;Тема курса;Организация;Часов;Начало;Окончание;Удостоверение"
COURSE = "sch610001;Иванова Мария Петровна;Функциональная грамотность;РИПК;72;15.01.2024;02.02.2024;"


def courses_csv(*rows: str) -> str:
    return "\n".join([COURSES_HEADER, *rows]) + "\n"


def test_courses_preview_lists_new_changed_and_unchanged(world):
    load(world, "teachers", teachers_csv(IVANOVA, KUZNETSOV))
    load(
        world,
        "courses",
        courses_csv(COURSE, "sch610001;Кузнецов Алексей Викторович;Физика 7;РИПК;36;01.03.2024;10.03.2024;"),
    )
    batch = preview(
        world,
        "courses",
        courses_csv(
            "sch610001;Кузнецов Алексей Викторович;Физика 7;РИПК;72;01.03.2024;10.03.2024;6124001",
            COURSE,
            "sch610001;Иванова Мария Петровна;Цифровая школа;ЦНППМ;16;01.04.2024;05.04.2024;",
        ),
    )
    assert batch.status == ImportBatch.Status.VALIDATED, batch.errors
    assert summary(batch) == (1, 1, 1, 2)
    assert batch.stats["changes"]["entities"] == ["Код ОО", "Строка файла", "Курс"]
    assert batch.stats["changes"]["rows"] == [
        {
            "sheet": None,
            "status": "changed",
            "entity": ["sch610001", "2", "Физика 7, 01.03.2024–10.03.2024"],
            "fields": [["Часов", "36", "72"], ["Удостоверение", "—", "6124001"]],
        },
        {
            "sheet": None,
            "status": "new",
            "entity": ["sch610001", "4", "Цифровая школа, 01.04.2024–05.04.2024"],
            "fields": [
                ["Тема курса", "—", "Цифровая школа"],
                ["Организация", "—", "ЦНППМ"],
                ["Часов", "—", "16"],
            ],
        },
    ]


# --- roadmap items ----------------------------------------------------------------------------------------
ITEMS_HEADER = "№;Мероприятие;Сроки;Начало;Окончание;Ответственные;Ожидаемый результат;Целевой показатель"


def items_csv(*rows: str) -> str:
    return "\n".join([ITEMS_HEADER, *rows]) + "\n"


def test_roadmap_items_preview_lists_new_changed_and_unchanged(world):
    roadmap = Roadmap.objects.create(
        municipality=world.mun_a,
        title="Дорожная карта",
        period_start=D(2027, 1, 1),
        period_end=D(2027, 12, 31),
    )
    options = {"roadmap": roadmap.pk}
    first = "1;Утверждение плана;Март 2027;;;Отдел образования;приказ;"
    load(
        world,
        "roadmap_items",
        items_csv(first, "2;Диагностика педагогов;;01.02.2027;31.03.2027;РМК;;"),
        options,
    )
    batch = preview(
        world,
        "roadmap_items",
        items_csv(
            first,
            "2;Диагностика педагогов;;01.02.2027;30.04.2027;РМК, ЦНППМ;;",
            "3;Методический семинар;Май 2027;;;РМК;;",
        ),
        options,
    )
    assert batch.status == ImportBatch.Status.VALIDATED, batch.errors
    assert summary(batch) == (1, 1, 1, 2)
    assert batch.stats["changes"]["rows"] == [
        {
            "sheet": None,
            "status": "changed",
            "entity": ["2"],
            "fields": [["Окончание", "31.03.2027", "30.04.2027"], ["Ответственные", "РМК", "РМК, ЦНППМ"]],
        },
        {
            "sheet": None,
            "status": "new",
            "entity": ["3"],
            "fields": [
                ["Мероприятие", "—", "Методический семинар"],
                ["Начало", "—", "01.05.2027"],
                ["Окончание", "—", "31.05.2027"],
                ["В течение года", "—", "нет"],
                ["Ответственные", "—", "РМК"],
                ["Ожидаемый результат (документ)", "—", "другое"],
            ],
        },
    ]
