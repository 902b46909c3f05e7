"""ВПР participant protocols (#19 §3.4): the three ФИС ОКО layouts (2020, 2021, 2022 with its «Классы» sheet),
built here in their real shape with pupils whose marks, distribution and term comparison the test knows; the
conversion scale as reference data; a protocol without its scale refused; a second load changes nothing."""

import io
import types

import openpyxl
import pytest

from core.imports import import_batch_apply, import_batch_create
from core.models import ImportBatch
from core.tabular import RowError, SheetReport
from schools.models import Result, VprResultDetail, VprScale
from schools.results_import import importer
from schools.results_import.layouts import vpr_protocol
from schools.results_import.layouts.base import Source
from schools.results_import.layouts.vpr_protocol import (
    Scale,
    SchoolTally,
    Task,
    TaskMarks,
    checked_totals,
    read_marks,
    tally,
    work_from,
    work_tasks,
)

SCALE = Scale(three=5, four=10, five=15, max_score=20, title="ВПР 2024, Математика, 5 класс")

# (login, variant, primary score, term mark): sch610001 — six wrote, one absent; sch610002 — two wrote.
PUPILS = [
    ("sch610001", "1", 4, "3"),  # «2», lower
    ("sch610001", "2", 5, "3"),  # «3», same
    ("sch610001", "1", 12, "5"),  # «4», lower
    ("sch610001", "2", 15, "4"),  # «5», higher
    ("sch610001", "1", 20, "нет отметки"),  # «5», no term mark
    ("sch610001", "отсутствовал", None, "4"),  # absent
    ("sch610001", "2", 9, "2"),  # «3», higher
    ("sch610002", "1", 0, "2"),  # «2», same
    ("sch610002", "2", 10, None),  # «4», no term mark
]
SCORES_1 = [0] * 21
for _score in (4, 5, 9, 12, 15, 20):
    SCORES_1[_score] = 1
SCORES_2 = [0] * 21
SCORES_2[0] = SCORES_2[10] = 1
# (code, participants, «2», «3», «4», «5», mean)
EXPECTED = [
    ("sch610001", 6, 1, 2, 1, 2, "3.67"),
    ("sch610002", 2, 1, 0, 1, 0, "3.00"),
]
# (code, scores, lower, same, higher, no term, absent)
EXPECTED_DETAILS = [
    ("sch610001", SCORES_1, 2, 1, 2, 1, 1),
    ("sch610002", SCORES_2, 0, 1, 0, 1, 0),
]


def workbook_bytes(sheets: dict[str, list[list]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


GROUPS = "22-RU-ALT,EAST,VPR_22,vpr2020.ma5,vpr2020.ru5"
# The task maxima of ВПР 5 кл. математика (ФИОКО's description, as in the real 2021 and 2022 Altai protocols): 20.
MAXIMA = (1, 1, 1, 1, 1, 2, 1, 1, 2, 2, 1, 1, 1, 1, 1, 2)
HEADER_2022 = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11.1", "11.2", "12.1", "12.2", "13", "14")


def task_marks(score) -> list[str]:
    """Marks per task adding up to the score (each within its maximum); a task worth 0 at the end as «X» (not
    attempted), as ФИС ОКО writes it; an absent pupil's tasks empty."""
    if score is None:
        return [""] * len(MAXIMA)
    marks, left = [], score
    for maximum in MAXIMA:
        marks.append(min(maximum, left))
        left -= marks[-1]
    assert left == 0
    return [*(str(mark) for mark in marks[:-1]), str(marks[-1]) if marks[-1] else "X"]


def protocol_2020() -> bytes:
    """The 2020 layout: English header, ``user`` the login, ``otc`` the term mark, ``var-1`` the variant."""
    return workbook_bytes({"Sheet1": rows_2020(PUPILS)})


def row_marks(marks, line: int, variant: str, score) -> list[str]:
    """A pupil's task marks: those given for the file's row, else marks adding up to the score."""
    if marks and line in marks:
        return list(marks[line])
    return task_marks(None if variant == "отсутствовал" else score)


def rows_2020(pupils, marks=None) -> list[list]:
    """The 2020 sheet: 16 tasks «a-1-grade»…, «Учебник» where «a-17-grade» would be, trailing «a-18…20-grade»
    left empty (the real file has 39 such columns); ``marks`` by file row replace a pupil's task marks."""
    header = ["groups", "user", "id", "code", "otc", "gender", "klass", "var-1", "var-2", "sum"]
    header += [f"a-{n}-grade" for n in range(1, 17)] + ["Учебник"] + [f"a-{n}-grade" for n in range(18, 21)]
    rows = [header]
    for number, (login, variant, score, term) in enumerate(pupils, start=1):
        tasks = row_marks(marks, number + 1, variant, score)
        rows.append(
            [GROUPS, login, number, 60000 + number, term, "м", "нет", variant, None, score, *tasks, None]
            + [None] * 3
        )
    return rows


def protocol_2021(pupils=PUPILS, marks=None) -> bytes:
    """The 2021 layout: Russian header, every cell text (as ФИС ОКО exported it)."""
    header = [
        "логин школы",
        "регион",
        "номер обучающегося",
        "код обучающегося",
        "отметка за предыдущую четверть/триместр",
        "пол",
        "класс",
        "вариант",
        "всего баллов",
        *(f"балл за {n}" for n in range(1, 17)),
        "Учебник",
        "Др.уч. автор",
        "Др.уч. название",
    ]
    rows = [header]
    for number, (login, variant, score, term) in enumerate(pupils, start=1):
        rows.append(
            [
                login,
                "СПО Алтайский край",
                str(number),
                str(50000 + number),
                term,
                "ж",
                "НЕТ",
                variant,
                None if score is None else str(score),
                *row_marks(marks, number + 1, variant, score),
                "Никольский С.М. и др. Математика 5 класс",
                None,
                None,
            ]
        )
    return workbook_bytes({"Sheet": rows})


def protocol_2022(marks=None, pupils=PUPILS) -> bytes:
    """The 2022 layout: sheets «Классы» (no results) and «Протокол» (tasks as «1 (1б)», «Итого баллов»)."""
    place = ["22", "reg220000 | Алтайский край", "reg22_m001 | Алейский муниципальный район"]
    classes = [
        [
            "Пользователь",
            "Код региона",
            "Регион",
            "Муниципалитет",
            "Школа",
            "Дата загрузки",
            'Буква (цифра) класса. Введите "нет" - если отсутствует',
            "Основной учебник по предмету",
            "Другое (автор учебника)",
            "Другое (название учебника)",
        ],
        [
            "sch610001",
            *place,
            'sch610001 | МБОУ "Каштановская СОШ"',
            "17.03.2024 05:09:18",
            "нет",
            "ma5.8 | …",
        ],
    ]
    protocol = [
        [
            "Пользователь",
            "Код региона",
            "Регион",
            "Муниципалитет",
            "Школа",
            "Дата загрузки",
            "Код",
            "Вариант",
            *(f"{task} ({maximum}б)" for task, maximum in zip(HEADER_2022, MAXIMA, strict=True)),
            "Наименование класса",
            "Пол",
            "Отметка за предыдущий триместр/ четверть/полугодие",
            "Итого баллов",
        ]
    ]
    for number, (login, variant, score, term) in enumerate(pupils, start=1):
        protocol.append(
            [
                login,
                22,
                place[1],
                place[2],
                f'{login} | МБОУ "Школа"',
                "17.03.2024 05:09:18",
                50000 + number,
                variant if variant == "отсутствовал" else int(variant),
                *(
                    int(mark) if mark.isdigit() else mark or None
                    for mark in row_marks(marks, number + 1, variant, score)
                ),
                "нет",
                "м",
                int(term) if term and term.isdigit() else term,
                (0 if variant == "отсутствовал" else None) if score is None else score,  # 0 for the absent
            ]
        )
    return workbook_bytes({"Классы": classes, "Протокол": protocol})


# --- pure ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("score", "mark"), [(0, 2), (4, 2), (5, 3), (9, 3), (10, 4), (14, 4), (15, 5), (20, 5)]
)
def test_a_scale_gives_the_mark_of_its_band(score, mark):
    assert SCALE.mark(score) == mark


@pytest.mark.parametrize(
    ("options", "name", "date", "expected"),
    [
        ({}, "Проведение работы по математике, 5 класс. ВПР 2021.xlsx", "", (2021, "Математика", 5)),
        ({}, "Проведение работы по истории, 11 класс. ВПР 2021.xlsx", "", (2021, "История", 11)),
        ({}, "Математика.xlsx", "17.03.2022 05:09:18", (2022, "Математика", None)),
        ({}, "История.xlsx", "15.10.2022 10:00:00", (None, "История", None)),  # autumn: no year by date
        ({"year": 2020, "grade": 5, "subject": "Математика"}, "x.xlsx", "", (2020, "Математика", 5)),
        ({}, "protocol.xlsx", "", (None, "", None)),
    ],
)
def test_the_work_comes_from_the_options_the_upload_date_or_the_file_name(options, name, date, expected):
    work = work_from(options, name, date)
    assert (work.year, work.subject, work.grade) == expected


def test_pupils_are_counted_per_school_by_the_scale():
    labels = {"login": "user", "total": "sum", "term": "otc"}
    rows = [
        (n, login, variant, "" if score is None else str(score), term or "", ())
        for n, (login, variant, score, term) in enumerate(PUPILS, start=2)
    ]
    schools, errors, read = tally(iter(rows), SCALE, labels)
    assert errors == []
    assert read == 9
    assert [(code, s.participants, *s.marks, s.mean_mark()) for code, s in schools.items()] == [
        (code, n, m2, m3, m4, m5, mean) for code, n, m2, m3, m4, m5, mean in EXPECTED
    ]
    assert [(code, s.scores, *s.term, s.absent) for code, s in schools.items()] == [
        (code, scores, lo, same, hi, none, absent)
        for code, scores, lo, same, hi, none, absent in EXPECTED_DETAILS
    ]


def test_a_bad_pupil_row_names_its_row_and_column():
    labels = {
        "login": "логин школы",
        "total": "всего баллов",
        "term": "отметка за предыдущую четверть/триместр",
    }
    rows = [
        (2, "sch1", "1", "21", "4", ()),
        (3, "sch1", "1", "", "4", ()),
        (4, "sch1", "1", "7", "отл", ()),
        (5, "", "1", "7", "4", ()),
        (6, "sch1", "", "", "", ()),  # a line with nothing written: did not write the work
    ]
    schools, errors, read = tally(iter(rows), SCALE, labels, "Лист1")
    assert (read, schools["sch1"].absent, schools["sch1"].participants) == (5, 1, 0)
    assert errors == [
        RowError(
            2,
            "всего баллов",
            "Первичный балл 21 больше максимального (20) по шкале «ВПР 2024, Математика, 5 класс».",
            "Лист1",
        ),
        RowError(
            3,
            "всего баллов",
            "Не указан первичный балл участника (а в столбце варианта не «отсутствовал»).",
            "Лист1",
        ),
        RowError(
            4,
            "отметка за предыдущую четверть/триместр",
            "Ожидается отметка 2–5 или «нет отметки», указано «отл».",
            "Лист1",
        ),
        RowError(5, "логин школы", "Не указан логин школы.", "Лист1"),
    ]


def test_the_classes_sheet_is_recognised_and_skipped_with_its_reason():
    book = openpyxl.load_workbook(io.BytesIO(protocol_2022()))
    classes = [[str(cell or "") for cell in row] for row in book["Классы"].iter_rows(values_only=True)]
    protocol = [[str(cell or "") for cell in row] for row in book["Протокол"].iter_rows(values_only=True)]
    layout = vpr_protocol.LAYOUT_2022
    source = Source("x.xlsx", "Классы", SheetReport("Классы"))
    assert layout.recognises(classes[0], classes) and layout.recognises(protocol[0], protocol)
    assert layout.skip(classes, source) == "лист «Классы» протокола ВПР: классы и учебники, не результаты"
    assert layout.skip(protocol, source) is None
    assert not vpr_protocol.LAYOUT_2020.recognises(protocol[0], protocol)
    assert not vpr_protocol.LAYOUT_2021.recognises(protocol[0], protocol)


# --- through the importer -----------------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def flags_task(monkeypatch):
    monkeypatch.setattr(importer, "recompute_flags_task", types.SimpleNamespace(delay=lambda **kwargs: None))


@pytest.fixture
def scale(db):
    return VprScale.objects.create(
        year=2024, subject="Математика", grade=5, three_from=5, four_from=10, five_from=15, max_score=20
    )


def preview(data: bytes, name: str, world, options=None) -> ImportBatch:
    return import_batch_create(
        kind="results",
        file=io.BytesIO(data),
        name=name,
        region=world.region,
        user=world.users["methodist"],
        options=options,
    )


def upload(data: bytes, name: str, world, options=None) -> ImportBatch:
    batch = preview(data, name, world, options)
    assert batch.status == ImportBatch.Status.VALIDATED, batch.errors
    return import_batch_apply(batch=batch, user=world.users["methodist"])


def stored() -> list[tuple]:
    return [
        (code, n, m2, m3, m4, m5, f"{mean:.2f}")
        for code, n, m2, m3, m4, m5, mean in Result.objects.order_by("school__code").values_list(
            "school__code", "participants", "failed", "marks_3", "marks_4", "marks_5", "mean_score"
        )
    ]


def stored_details() -> list[tuple]:
    return list(
        VprResultDetail.objects.order_by("result__school__code").values_list(
            "result__school__code", "scores", "lower", "same", "higher", "no_term", "absent"
        )
    )


LAYOUT_FILES = [
    pytest.param(
        protocol_2020, "Математика.xlsx", {"year": 2024, "grade": 5, "subject": "Математика"}, id="2020"
    ),
    pytest.param(protocol_2021, "Проведение работы по математике, 5 класс. ВПР 2024.xlsx", None, id="2021"),
    pytest.param(protocol_2022, "Математика.xlsx", {"grade": 5, "subject": "Математика"}, id="2022"),
]


@pytest.mark.parametrize(("build", "name", "options"), LAYOUT_FILES)
def test_a_protocol_loads_its_schools_marks_distribution_and_comparison(world, scale, build, name, options):
    batch = upload(build(), name, world, options)
    assert batch.status == ImportBatch.Status.APPLIED, batch.errors
    assert batch.stats["created"] == 2
    assert batch.stats["vpr_details_created"] == 2
    assert stored() == EXPECTED
    assert stored_details() == EXPECTED_DETAILS
    procedure = Result.objects.select_related("procedure__kind", "procedure__subject").first().procedure
    assert (procedure.kind.code, procedure.subject.name, procedure.grade, procedure.year) == (
        "ВПР",
        "Математика",
        5,
        2024,
    )

    again = preview(build(), name, world, options)
    assert again.status == ImportBatch.Status.VALIDATED, again.errors
    assert (again.stats["created"], again.stats["updated"], again.stats["unchanged"]) == (0, 0, 2)
    assert (again.stats["vpr_details_created"], again.stats["vpr_details_updated"]) == (0, 0)
    assert again.stats["vpr_details_unchanged"] == 2
    assert stored() == EXPECTED
    assert stored_details() == EXPECTED_DETAILS


@pytest.mark.parametrize(("build", "name", "options"), LAYOUT_FILES)
def test_a_protocol_without_its_scale_is_refused_naming_the_scale(world, build, name, options):
    batch = preview(build(), name, world, options)
    assert batch.status == ImportBatch.Status.INVALID
    messages = [error["message"] for error in batch.errors]
    assert any(
        "Нет шкалы перевода первичных баллов в отметки для ВПР 2024, «Математика», 5 класс" in message
        for message in messages
    ), messages
    assert Result.objects.count() == 0


def test_a_changed_scale_changes_the_marks_on_the_next_load(world, scale):
    upload(protocol_2021(), "Проведение работы по математике, 5 класс. ВПР 2024.xlsx", world)
    scale.three_from = 6
    scale.save()
    batch = upload(protocol_2021(), "Проведение работы по математике, 5 класс. ВПР 2024.xlsx", world)
    assert (batch.stats["created"], batch.stats["updated"], batch.stats["unchanged"]) == (0, 1, 1)
    # sch610001's pupil with 5 points now has «2»: two «2», one «3»
    assert stored()[0] == ("sch610001", 6, 2, 1, 1, 2, "3.50")


# --- the scales: reference data, who edits them, their import -------------------------------------------------
SCALES_HEADER = ["Год", "Предмет", "Класс", "«3» от", "«4» от", "«5» от", "Максимальный балл", "Источник"]


def scales_file(*rows) -> bytes:
    return workbook_bytes({"Шкалы": [SCALES_HEADER, *rows]})


def test_the_seeded_scales_cite_their_source(db):
    seeded = {
        (year, subject, grade): (three, four, five, maximum)
        for year, subject, grade, three, four, five, maximum in VprScale.objects.values_list(
            "year", "subject", "grade", "three_from", "four_from", "five_from", "max_score"
        )
    }
    assert len(seeded) == 33
    assert seeded[(2021, "Математика", 4)] == (6, 10, 15, 20)
    assert seeded[(2021, "Математика", 5)] == (7, 11, 15, 20)
    assert seeded[(2021, "История", 11)] == (7, 13, 18, 21)
    assert seeded[(2021, "Русский язык", 4)] == (14, 24, 33, 38)
    assert (2021, "География", 8) not in seeded  # its table is inconsistent (35 twice)
    assert all(
        source.startswith("ФИОКО, ") and "shekeldini/Flask @ dc96cc2" in source
        for source in VprScale.objects.values_list("source", flat=True)
    )


def test_a_region_methodologist_loads_scales_and_a_second_load_changes_nothing(world):
    data = scales_file(
        [2022, "Математика", 5, 5, 10, 15, 20, "проверка"],
        [2021, "математика", 5, 7, 11, 15, 20, "ФИОКО, описание ВПР 2021 по математике, 5 класс, таблица 5"],
    )
    user = world.users["regional_methodist"]
    batch = import_batch_create(
        kind="vpr_scales", file=io.BytesIO(data), name="s.xlsx", region=world.region, user=user
    )
    assert batch.status == ImportBatch.Status.VALIDATED, batch.errors
    assert (batch.stats["created"], batch.stats["updated"], batch.stats["unchanged"]) == (1, 1, 0)
    import_batch_apply(batch=batch, user=user)
    scale = VprScale.objects.get(year=2022, subject_key="математика", grade=5)
    assert (scale.three_from, scale.four_from, scale.five_from, scale.max_score) == (5, 10, 15, 20)
    again = import_batch_create(
        kind="vpr_scales", file=io.BytesIO(data), name="s.xlsx", region=world.region, user=user
    )
    assert (again.stats["created"], again.stats["updated"], again.stats["unchanged"]) == (0, 0, 2)


def test_a_municipal_methodologist_may_not_change_scales(world):
    data = scales_file([2022, "Математика", 5, 5, 10, 15, 20, ""])
    batch = import_batch_create(
        kind="vpr_scales",
        file=io.BytesIO(data),
        name="s.xlsx",
        region=world.region,
        user=world.users["methodist"],
    )
    assert batch.status == ImportBatch.Status.INVALID
    assert [error["message"] for error in batch.errors] == [
        "Загружать шкалы перевода ВПР может только методист региона."
    ]
    assert not VprScale.objects.filter(year=2022).exists()


def test_a_bad_scale_row_is_refused_with_its_row_and_column(world):
    data = scales_file(
        [2022, "Математика", 5, 10, 5, 15, 20, ""],
        [2022, "История", 12, 5, 10, 15, 20, ""],
        [2022, "Математика", 6, 5, 10, 15, 20, ""],
        [2022, "математика ", 6, 5, 10, 15, 20, ""],
    )
    batch = import_batch_create(
        kind="vpr_scales",
        file=io.BytesIO(data),
        name="s.xlsx",
        region=world.region,
        user=world.users["regional_methodist"],
    )
    assert [(error["row"], error["column"], error["message"]) for error in batch.errors] == [
        (
            2,
            "«3» от",
            "Границы шкалы должны возрастать: 0 < «3» (10) < «4» (5) < «5» (15) ≤ максимального балла (20).",
        ),
        (3, "Класс", "Ожидается целое число от 1 до 11, указано «12»."),
        (5, "Предмет", "Шкала ВПР 2022, «Математика», 6 класс уже была в строке 4."),
    ]
    assert not VprScale.objects.filter(year=2022).exists()


def test_the_school_card_shows_how_vpr_marks_compare_with_term_marks(world, scale, client):
    upload(protocol_2021(), "Проведение работы по математике, 5 класс. ВПР 2024.xlsx", world)
    client.force_login(world.users["methodist"])
    page = client.get(f"/schools/{world.school_a1.pk}/").content.decode()
    assert "ВПР: отметки и отметки за предыдущий период" in page
    # sch610001: 2 lower, 1 same, 2 higher of the 5 with a term mark; 1 without; 1 absent
    row = page.split('id="vpr-comparison"')[1].split("</tbody>")[0]
    cells = [cell.split(">", 1)[1] for cell in row.split("<td")[1:]]
    assert [cell.split("</td>")[0] for cell in cells] == [
        "2024",
        "Математика",
        "5",
        "6",
        "2 (40,0&nbsp;%)",
        "1 (20,0&nbsp;%)",
        "2 (40,0&nbsp;%)",
        "1",
        "1",
    ]


def test_a_protocol_that_changes_only_the_term_comparison_updates_the_details(world, scale):
    name = "Проведение работы по математике, 5 класс. ВПР 2024.xlsx"
    upload(protocol_2021(), name, world)
    pupils = [
        *PUPILS[:-1],
        ("sch610002", "2", 10, "4"),
    ]  # the «4» pupil now has a term «4»: same, not «no mark»
    batch = preview(protocol_2021(pupils), name, world)
    assert (batch.stats["created"], batch.stats["updated"], batch.stats["unchanged"]) == (0, 0, 2)
    assert (batch.stats["vpr_details_updated"], batch.stats["vpr_details_unchanged"]) == (1, 1)
    import_batch_apply(batch=batch, user=world.users["methodist"])
    assert stored() == EXPECTED
    assert stored_details()[1] == ("sch610002", SCORES_2, 0, 2, 0, 0, 0)


def test_a_work_with_variant_0_and_no_score_is_neither_a_participant_nor_absent_and_is_listed(world, scale):
    """The real 2021 protocol of Altai, row 14927: variant «0», «всего баллов» empty, but a term mark, a class and
    marks per task — the pupil wrote, ФИС ОКО scored nothing. Left out of the counts, named in the sheet report."""
    pupils = [*PUPILS[:2], ("sch610001", "0", None, "4"), *PUPILS[2:]]  # file row 4
    batch = upload(protocol_2021(pupils), "Проведение работы по математике, 5 класс. ВПР 2024.xlsx", world)
    assert batch.status == ImportBatch.Status.APPLIED, batch.errors
    assert stored() == EXPECTED
    assert stored_details() == EXPECTED_DETAILS
    (sheet,) = batch.stats["sheets"]
    assert sheet["rows"] == 10
    assert sheet["origins"]["Не учтены"] == (
        "1 работа с вариантом «0» и без первичного балла — не оценены ФИС ОКО: ни в участниках, ни в "
        "отсутствовавших (строка 4)"
    )


def test_a_work_with_variant_0_counts_when_it_has_a_score():
    labels = {"login": "логин школы", "total": "всего баллов", "term": "отметка"}
    rows = [(2, "sch1", "0", "", "4", ()), (3, "sch1", "0", "12", "4", ()), (4, "sch1", "0", "", "", ())]
    schools, errors, read = tally(iter(rows), SCALE, labels)
    assert errors == []
    assert read == 3
    school = schools["sch1"]
    assert (school.participants, school.marks, school.unscored, school.absent) == (1, [0, 0, 1, 0], [2, 4], 0)


# --- the total checked against the task marks (#19 §3.4: the real Altai 2020 rows 1704/1803, 2021 row 24901) -------
THREE = [Task("a-1-grade"), Task("a-2-grade"), Task("a-3-grade")]
ALL_THREE = frozenset({0, 1, 2})
TASKS_2022 = [Task("1 (1б)", 1), Task("6 (2б)", 2)]


@pytest.mark.parametrize(
    ("cells", "tasks", "work", "expected"),
    [
        (("1", "0", "1"), THREE, ALL_THREE, TaskMarks(given=True, total=2)),
        (("1", "X", "не пройд."), THREE, ALL_THREE, TaskMarks(given=True, total=1)),
        (("х", "H", "2"), THREE, ALL_THREE, TaskMarks(given=True, total=2)),  # Cyrillic «х», Latin «H»
        (("", "", ""), THREE, ALL_THREE, TaskMarks()),
        (
            ("1", "", "1"),
            THREE,
            ALL_THREE,
            TaskMarks(given=True, problem="не выставлены баллы за задания «a-2-grade»", incomplete=True),
        ),
        (
            ("1", "-1", "1"),
            THREE,
            ALL_THREE,
            TaskMarks(given=True, problem="балл за задание «a-2-grade» не прочитан: «-1»"),
        ),
        (("1", "1", ""), THREE, frozenset({0, 1}), TaskMarks(given=True, total=2)),  # a-3 not of the work
        (("1", "1", "2"), THREE, frozenset({0, 1}), TaskMarks(given=True, total=4)),  # yet its mark counts
        (("1", "2"), TASKS_2022, frozenset({0, 1}), TaskMarks(given=True, total=3)),
        (
            ("2", "0"),
            TASKS_2022,
            frozenset({0, 1}),
            TaskMarks(given=True, total=2, over="балл 2 при максимуме 1", column="1 (1б)"),
        ),
        (  # the first mark over its maximum is named, each counts
            ("2", "3"),
            TASKS_2022,
            frozenset({0, 1}),
            TaskMarks(given=True, total=5, over="балл 2 при максимуме 1", column="1 (1б)"),
        ),
        (
            ("2", "?"),
            TASKS_2022,
            frozenset({0, 1}),
            TaskMarks(
                given=True,
                problem="балл за задание «6 (2б)» не прочитан: «?»",
                over="балл 2 при максимуме 1",
                column="1 (1б)",
            ),
        ),
    ],
)
def test_task_marks_are_summed_when_each_is_a_mark(cells, tasks, work, expected):
    assert read_marks(cells, tasks, work) == expected


def test_the_work_s_tasks_are_those_filled_in_most_rows():
    rows = [("1", "0", ""), ("1", "", "2"), ("", "", ""), ("0", "1", "")]
    assert work_tasks(rows) == frozenset({0, 1})


def marks_with(*cells: str) -> tuple[str, ...]:
    return (*cells, *["0"] * (len(MAXIMA) - len(cells)))


def test_the_file_s_total_is_the_score_and_the_task_marks_check_it():
    labels = {"login": "логин школы", "total": "всего баллов", "term": "отметка"}
    tasks = [Task(f"балл за {n}") for n in range(1, 17)]
    gap = marks_with("1", "", "1", "1", "1", "2", "1", "1", "2", "2")  # 12 by tasks, «балл за 2» not entered
    rows = [
        (2, "sch1", "1", "", "4", tuple(task_marks(8))),  # the real 2020 row 1803: «sum» empty — the sum
        (
            3,
            "sch1",
            "1",
            "21",
            "4",
            tuple(task_marks(14)),
        ),  # the real 2021 row 24901: over the maximum — the sum
        (4, "sch1", "2", "15", "5", tuple(task_marks(15))),
        (5, "sch1", "1", "16", "4", gap),  # the real 2020 row 1801: the file's total kept, said so
        (6, "sch1", "1", "", "3", gap),  # the real 2020 row 1704: no total, marks incomplete — not counted
        (7, "sch1", "1", "", "3", marks_with("1", "-1")),  # the real 2020 row 2872 has «-1»; no total here
        (8, "sch1", "1", "", "3", marks_with(*["2"] * 11)),  # 22 by tasks: over the maximum
        (9, "sch1", "отсутствовал", "", "3", tuple(task_marks(None))),
        (10, "sch1", "2", "17", "5", tuple(task_marks(12))),  # the 2022 history case: the file's total kept
        (11, "sch1", "1", "21", "4", gap),  # over the maximum, no sum to take
    ]
    schools, errors, read = tally(iter(rows), SCALE, labels, "Лист1", tasks)
    assert read == 10
    school = schools["sch1"]
    assert (school.participants, school.marks, school.absent) == (5, [0, 1, 1, 3], 1)
    assert [n for n, count in enumerate(school.scores) for _ in range(count)] == [8, 14, 15, 16, 17]
    assert (
        school.restored,
        school.replaced,
        school.disagreed,
        school.unchecked,
        school.unknown,
        school.over,
    ) == (
        [(2, 8)],
        [(3, 21, 14)],
        [(10, 17, 12)],
        [5],
        [6],
        [],
    )
    assert errors == [
        RowError(
            7,
            "всего баллов",
            "Не указан первичный балл участника (а в столбце варианта не «отсутствовал»); балл за задание "
            "«балл за 2» не прочитан: «-1».",
            "Лист1",
        ),
        RowError(
            8,
            "всего баллов",
            "Сумма баллов за задания 22 больше максимального (20) по шкале «ВПР 2024, Математика, 5 класс».",
            "Лист1",
        ),
        RowError(
            11,
            "всего баллов",
            "Первичный балл 21 больше максимального (20) по шкале «ВПР 2024, Математика, 5 класс».",
            "Лист1",
        ),
    ]
    assert checked_totals(schools.values(), "всего баллов") == {
        "Итог восстановлен по заданиям": "1 строка: «всего баллов» пуст, взята сумма баллов за задания — строка 2 — 8",
        "Итог не совпал с суммой заданий": "1 строка: строка 10 — 17 в файле, 12 по заданиям; взят итог файла",
        "Итог больше максимального": "1 строка: строка 3 — 21 в файле, 14 по заданиям; взята сумма",
        "Итог не сверен с заданиями": (
            "1 строка: баллы за задания неполны или не прочитаны, взят «всего баллов» из файла (строки 5)"
        ),
        "Не учтены без итога": (
            "1 работа без «всего баллов» и с неполными баллами за задания — балл не определить: ни в участниках, "
            "ни в отсутствовавших (строка 6)"
        ),
    }


def test_a_2022_task_mark_over_its_header_s_maximum_is_a_warning_unless_the_sum_is_the_score():
    """The real 2022 history protocol: 43 rows with «12 (1б)» = 2, each with its «Итого баллов» — kept."""
    labels = {"login": "пользователь", "total": "итого баллов", "term": "отметка"}
    rows = [
        (2, "sch1", "1", "3", "4", ("1", "2")),
        (3, "sch1", "1", "2", "4", ("2", "0")),  # over, the total kept
        (4, "sch1", "1", "", "4", ("2", "1")),  # over and no total: the sum cannot be trusted
        (5, "sch1", "1", "2", "4", ("1", "3")),  # over, and the total differs from the sum: kept
        (6, "sch1", "1", "25", "4", ("2", "0")),  # the total over the scale's maximum, the sum not trusted
    ]
    schools, errors, read = tally(iter(rows), SCALE, labels, "Протокол", TASKS_2022)
    school = schools["sch1"]
    assert (read, school.participants) == (5, 3)
    assert [n for n, count in enumerate(school.scores) for _ in range(count)] == [2, 2, 3]
    assert (school.disagreed, school.over) == (
        [(5, 2, 4)],
        [(3, "1 (1б)", "балл 2 при максимуме 1"), (5, "6 (2б)", "балл 3 при максимуме 2")],
    )
    assert errors == [
        RowError(
            4,
            "1 (1б)",
            "Балл за задание больше максимального, указанного в заголовке (балл 2 при максимуме 1), а "
            "«итого баллов» пуст: первичный балл не определить.",
            "Протокол",
        ),
        RowError(
            6,
            "итого баллов",
            "Первичный балл 25 больше максимального (20) по шкале «ВПР 2024, Математика, 5 класс».",
            "Протокол",
        ),
    ]
    assert checked_totals(schools.values(), "итого баллов") == {
        "Итог не совпал с суммой заданий": "1 строка: строка 5 — 2 в файле, 4 по заданиям; взят итог файла",
        "Предупреждение: балл за задание больше максимального": (
            "2 строки: строка 3 — «1 (1б)»: балл 2 при максимуме 1; строка 5 — «6 (2б)»: балл 3 при максимуме 2; "
            "учтён «итого баллов» из файла"
        ),
    }


def test_the_sheet_report_names_the_first_twenty_rows_of_many():
    school = SchoolTally(line=2, marks=[0, 0, 0, 0], scores=[], disagreed=[(n, 5, 4) for n in range(2, 24)])
    assert checked_totals([school], "Итого баллов") == {
        "Итог не совпал с суммой заданий": "22 строки, первые: "
        + "; ".join(f"строка {n} — 5 в файле, 4 по заданиям" for n in range(2, 22))
        + "; взят итог файла"
    }


def test_a_2020_protocol_with_an_empty_sum_loads_the_sum_of_the_task_marks_and_says_so(world, scale):
    pupils = [*PUPILS[:1], ("sch610001", "2", None, "3"), *PUPILS[2:]]  # file row 3: «sum» empty, marks for 5
    data = workbook_bytes({"Sheet1": rows_2020(pupils, marks={3: task_marks(5)})})
    batch = upload(data, "Математика.xlsx", world, {"year": 2024, "grade": 5, "subject": "Математика"})
    assert batch.status == ImportBatch.Status.APPLIED, batch.errors
    assert stored() == EXPECTED
    assert stored_details() == EXPECTED_DETAILS
    (sheet,) = batch.stats["sheets"]
    assert sheet["origins"]["Итог восстановлен по заданиям"] == (
        "1 строка: «sum» пуст, взята сумма баллов за задания — строка 3 — 5"
    )
    assert "Итог не совпал с суммой заданий" not in sheet["origins"]


def test_a_2021_total_over_the_maximum_gives_way_to_the_sum_of_the_task_marks_and_is_reported(world, scale):
    pupils = [
        *PUPILS[:2],
        ("sch610001", "1", 21, "5"),
        *PUPILS[3:],
    ]  # file row 4: 21 in the file (the maximum is 20), marks for 12
    batch = upload(
        protocol_2021(pupils, marks={4: task_marks(12)}),
        "Проведение работы по математике, 5 класс. ВПР 2024.xlsx",
        world,
    )
    assert batch.status == ImportBatch.Status.APPLIED, batch.errors
    assert stored() == EXPECTED
    assert stored_details() == EXPECTED_DETAILS
    (sheet,) = batch.stats["sheets"]
    assert sheet["origins"]["Итог больше максимального"] == (
        "1 строка: строка 4 — 21 в файле, 12 по заданиям; взята сумма"
    )
    assert "Итог не совпал с суммой заданий" not in sheet["origins"]


def test_a_2021_total_that_differs_from_the_task_marks_is_kept_and_reported(world, scale):
    # file row 4: «всего баллов» 12 (a «4»), marks for 10 — ФИС ОКО's total counts
    batch = upload(
        protocol_2021(marks={4: task_marks(10)}),
        "Проведение работы по математике, 5 класс. ВПР 2024.xlsx",
        world,
    )
    assert batch.status == ImportBatch.Status.APPLIED, batch.errors
    assert stored() == EXPECTED
    assert stored_details() == EXPECTED_DETAILS
    (sheet,) = batch.stats["sheets"]
    assert sheet["origins"]["Итог не совпал с суммой заданий"] == (
        "1 строка: строка 4 — 12 в файле, 10 по заданиям; взят итог файла"
    )
    assert "Итог больше максимального" not in sheet["origins"]


def test_a_2022_task_mark_over_its_maximum_is_a_warning_and_the_total_counts(world, scale):
    over = task_marks(4)
    over[0] = "2"  # «1 (1б)»: 2 — file row 3, whose «Итого баллов» is 5
    batch = upload(
        protocol_2022(marks={3: over}), "Математика.xlsx", world, {"grade": 5, "subject": "Математика"}
    )
    assert batch.status == ImportBatch.Status.APPLIED, batch.errors
    assert stored() == EXPECTED
    assert stored_details() == EXPECTED_DETAILS
    (_classes, sheet) = batch.stats["sheets"]
    assert sheet["origins"]["Предупреждение: балл за задание больше максимального"] == (
        "1 строка: строка 3 — «1 (1б)»: балл 2 при максимуме 1; учтён «Итого баллов» из файла"
    )


def test_a_2022_task_mark_over_its_maximum_with_no_total_refuses_the_protocol_naming_row_and_column(
    world, scale
):
    over = task_marks(4)
    over[0] = "2"
    pupils = [PUPILS[0], ("sch610001", "2", None, "3"), *PUPILS[2:]]  # file row 3: «Итого баллов» empty
    batch = preview(
        protocol_2022(marks={3: over}, pupils=pupils),
        "Математика.xlsx",
        world,
        {"grade": 5, "subject": "Математика"},
    )
    assert batch.status == ImportBatch.Status.INVALID
    assert [(e["row"], e["column"], e["message"]) for e in batch.errors] == [
        (
            3,
            "1 (1б)",
            "Балл за задание больше максимального, указанного в заголовке (балл 2 при максимуме 1), а "
            "«Итого баллов» пуст: первичный балл не определить.",
        )
    ]
    assert Result.objects.count() == 0
