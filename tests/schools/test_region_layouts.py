"""The regional ЕГЭ workbook and the ОГЭ table of a regional centre read into template rows (#19 §3.2, §3.3):
pure, table-style, from workbooks built in the real files' shape (tests/builders/region_tables.py)."""

import io

import pytest

from core.tabular import SheetReport, TableError
from schools.results_import.layouts import ege_region, oge_region, open_rows, region_table
from schools.results_import.layouts.template import TEMPLATE_KEYS
from tests.builders.region_tables import (
    OGE_FIELDS,
    OGE_PERCENT_FIELDS,
    Municipality,
    School,
    Sheet,
    workbook_bytes,
)

KASHTANOVSKAYA = (
    "Муниципальное бюджетное общеобразовательное учреждение «Каштановская средняя общеобразовательная школа»"
)
SOLONETSKAYA = 'МБОУ "Солонецкая СОШ"'
TATSINSKAYA = 'МБОУ "Тацинская СОШ № 1"'
TATSINSKY_DEPARTMENT = "Комитет образования администрации Тацинского района"
OBLIVSKY_DEPARTMENT = "Отдел образования Администрации Обливского района"
_ = None
NOT_CHECKED = (
    "не сверены: в строках итогов нет количеств для сверки (формулы без вычисленных значений или проценты)"
)
MARK_KEYS = ("participants", "failed", "marks_3", "marks_4", "marks_5")


def sheet_2023(**changes) -> Sheet:
    """Three header rows, column numbers, «ВСЕГО по региону», municipality rows with =SUM() or typed subtotals."""
    spec = Sheet(
        title="Информация о результатах ЕГЭ выпускников школ в 2023 году",
        name="2023",
        subjects=[
            "Русский язык, чел.",
            "Математика (профиль), чел.",
            "География, чел. \n(в т.ч. участвовашие в 2022 году)",
        ],
        region_total=[[42, 3, 3, 1, 61.2], [15, 5, _, _, 44], [3, 1, _, _, 40.33]],
        municipalities=[
            Municipality(
                "Обливский район",
                [
                    School(KASHTANOVSKAYA, [[20, 2, 3, 1, 65.456], [10, 4, _, _, 41.2], [_, _, _, _, _]]),
                    School(SOLONETSKAYA, [[8, _, _, _, 58], [_, _, _, _, _], [3, 1, _, _, 40.333333333]]),
                ],
            ),
            Municipality(
                TATSINSKY_DEPARTMENT,
                [School(TATSINSKAYA, [[14, 1, _, _, 61.5], [5, 1, _, _, 50], [0, _, _, _, 0]])],
                # typed, and one off: Russian participants 15 where the school has 14
                typed_total=[[15, 1, 0, 0, 61.5], [5, 1, _, _, 50], [_, _, _, _, _]],
            ),
        ],
    )
    for key, value in changes.items():
        setattr(spec, key, value)
    return spec


def sheet_2022() -> Sheet:
    """Забайкальский край's shape: two header rows, the department on every row, «Итого» at the bottom."""
    return Sheet(
        title="Информация о результатах ЕГЭ выпускников школ в 2022 году",
        name="2022",
        subjects=["Русский язык", "Математика профильная", "Математика базовая"],
        municipality_on_every_row=True,
        bottom_total="Итого по Ростовской области",
        municipalities=[
            Municipality(
                OBLIVSKY_DEPARTMENT,
                [
                    School(KASHTANOVSKAYA, [[12, 1, 2, _, 70.5], [6, 2, 1, _, 55], [5, 1, _, _, 3.8]]),
                    School(SOLONETSKAYA, [[7, _, _, _, 66], [_, _, _, _, _], [7, 0, _, _, 4.14]]),
                ],
            )
        ],
    )


def read(data: bytes, options=None) -> tuple[list[tuple], list[SheetReport]]:
    """(line, sheet, values by key — the filled ones — , errors) per row, and every sheet's report."""
    reports: list[SheetReport] = []
    rows, _labels = open_rows(io.BytesIO(data), "ege.xlsx", options or {}, reports=reports)
    out = []
    for line, values, errors in rows:
        filled = {key: value for key, value in zip(TEMPLATE_KEYS, values, strict=False) if value}
        out.append((line, filled, [(e.sheet, e.row, e.column, e.message) for e in errors]))
    return out, reports


def result(
    school, municipality, year, subject, participants, failed, high, hundred, mean, kind="ЕГЭ", grade="11"
):
    values = {
        "school_name": school,
        "municipality": municipality,
        "year": year,
        "kind": kind,
        "subject": subject,
        "grade": grade,
        "participants": participants,
        "failed": failed,
        "high_scorers": high,
        "hundred_scorers": hundred,
        "mean_score": mean,
    }
    return {key: value for key, value in values.items() if value}


def test_the_workbook_sheet_by_sheet():
    rows, reports = read(workbook_bytes([sheet_2023(), sheet_2022()]))
    assert [(r.sheet, r.status, r.layout, r.reason) for r in reports] == [
        ("2024", "skipped", "ЕГЭ: таблица региона", "заявления на ЕГЭ, не результаты"),
        ("2023", "read", "ЕГЭ: таблица региона", ""),
        ("2022", "read", "ЕГЭ: таблица региона", ""),
    ]
    assert [r.origins["Итоги"] for r in reports[1:]] == [
        "ВНИМАНИЕ: не сходятся с суммой школ (итоги не загружаются, загружаются строки школ): Строка 14, Русский "
        "язык, чел.: приняло участие (E): итог «Комитет образования администрации Тацинского района» — 15, а сумма "
        "строк школ — 14.",
        NOT_CHECKED,  # the «Итого» row's formulas were never calculated
    ]
    assert [(r.header_row, r.rows, r.results) for r in reports[1:]] == [(8, 3, 6), (7, 2, 5)]
    assert reports[1].origins["Год"] == (
        "из заголовка листа: «Информация о результатах ЕГЭ выпускников школ в 2023 году»"
    )
    assert reports[1].columns["География: высокобалльники (80-99 баллов)"] == (
        "Q: География, чел. (в т.ч. участвовашие в 2022 году) — высокобалльники (80-99 баллов)"
    )
    assert rows == [
        (
            12,
            result(KASHTANOVSKAYA, "Обливский район", "2023", "Русский язык", "20", "2", "3", "1", "65.46"),
            [],
        ),
        (
            12,
            result(
                KASHTANOVSKAYA,
                "Обливский район",
                "2023",
                "Математика (профильный уровень)",
                "10",
                "4",
                "0",
                "0",
                "41.20",
            ),
            [],
        ),
        (
            13,
            result(SOLONETSKAYA, "Обливский район", "2023", "Русский язык", "8", "0", "0", "0", "58.00"),
            [],
        ),
        (13, result(SOLONETSKAYA, "Обливский район", "2023", "География", "3", "1", "0", "0", "40.33"), []),
        (
            15,
            result(TATSINSKAYA, TATSINSKY_DEPARTMENT, "2023", "Русский язык", "14", "1", "0", "0", "61.50"),
            [],
        ),
        (
            15,
            result(
                TATSINSKAYA,
                TATSINSKY_DEPARTMENT,
                "2023",
                "Математика (профильный уровень)",
                "5",
                "1",
                "0",
                "0",
                "50.00",
            ),
            [],
        ),
        (
            8,
            result(KASHTANOVSKAYA, OBLIVSKY_DEPARTMENT, "2022", "Русский язык", "12", "1", "2", "0", "70.50"),
            [],
        ),
        (
            8,
            result(
                KASHTANOVSKAYA,
                OBLIVSKY_DEPARTMENT,
                "2022",
                "Математика (профильный уровень)",
                "6",
                "2",
                "1",
                "0",
                "55.00",
            ),
            [],
        ),
        (
            8,
            result(
                KASHTANOVSKAYA,
                OBLIVSKY_DEPARTMENT,
                "2022",
                "Математика (базовый уровень)",
                "5",
                "1",
                "",
                "",
                "3.80",
            ),
            [],
        ),
        (
            9,
            result(SOLONETSKAYA, OBLIVSKY_DEPARTMENT, "2022", "Русский язык", "7", "0", "0", "0", "66.00"),
            [],
        ),
        (
            9,
            result(
                SOLONETSKAYA,
                OBLIVSKY_DEPARTMENT,
                "2022",
                "Математика (базовый уровень)",
                "7",
                "0",
                "",
                "",
                "4.14",
            ),
            [],
        ),
    ]


def test_wrong_cells_are_errors_naming_sheet_row_and_column():
    spec = sheet_2023(region_total=None)
    spec.municipalities[0].schools[0].values = [[20, 2.5, 3, 1, 65], [3, 4, 2, 1, 41], [_, 2, _, _, _]]
    spec.municipalities[0].schools[1].values = [[8, _, _, _, "нет"], [_, _, _, _, _], [_, _, _, _, _]]
    rows, _reports = read(workbook_bytes([spec]))
    errors = [error for _line, _values, errors in rows for error in errors]
    assert errors == [
        (
            "2023",
            11,
            "Русский язык, чел.: не преодолен min порог (F)",
            "Ожидается целое неотрицательное число, указано «2.5».",
        ),
        (
            "2023",
            11,
            "Математика (профиль), чел. (J–N)",
            # the failed alone exceed the participants: the row's error (not the scorer columns' warning)
            "Сумма «не преодолен min порог» (4), «высокобалльники (80-99 баллов)» (2), «получили 100 баллов» (1) — 7 "
            "— больше числа участников «приняло участие» (3): это разные участники, их не может быть больше, чем всех.",
        ),
        (
            "2023",
            11,
            "География, чел. (в т.ч. участвовашие в 2022 году): приняло участие (O)",
            "Участников нет, но указаны «не преодолен min порог» (2).",
        ),
        ("2023", 12, "Русский язык, чел.: средний балл (I)", "Ожидается число, указано «нет»."),
    ]


def test_base_maths_has_no_hundred_point_scale():
    spec = sheet_2022()
    spec.municipalities[0].schools[1].values[2] = [7, 0, 1, _, 4.14]
    rows, _reports = read(workbook_bytes([spec], applications_first=False))
    assert [error for _l, _v, errors in rows for error in errors] == [
        (
            "2022",
            9,
            "Математика базовая (O–S)",
            "У базовой математики отметки 2–5, а не 100-балльная шкала: в столбцах «высокобалльники (80-99 баллов)» "
            "должно быть пусто.",
        )
    ]


def test_year_from_the_sheet_name_when_the_title_has_none():
    spec = sheet_2022()
    spec.title = "Информация о результатах ЕГЭ выпускников школ"
    rows, reports = read(workbook_bytes([spec], applications_first=False))
    assert reports[0].origins["Год"] == "из названия листа «2022»"
    assert {values["year"] for _line, values, _errors in rows} == {"2022"}


def test_no_year_anywhere_is_a_clear_error():
    spec = sheet_2022()
    spec.title, spec.name = "Информация о результатах ЕГЭ", "Результаты"
    with pytest.raises(TableError, match="Не найден год — ни в заголовке"):
        read(workbook_bytes([spec], applications_first=False))


@pytest.mark.parametrize(
    ("header", "name"),
    [
        ("Математика (профиль), чел.", "Математика (профильный уровень)"),
        ("Математика профильная", "Математика (профильный уровень)"),
        ("Математика базовая", "Математика (базовый уровень)"),
        ("Иностранные языки, чел.", "Иностранный язык"),
        ("ИКТ, чел.", "Информатика"),
        ("Информатика и ИКТ (КЕГЭ)", "Информатика"),
        ("География, чел. \n(в т.ч. участвовавшие в 2023 году)", "География"),
        ("Биология\xa0, чел.", "Биология"),
        ("Английский язык (устный)", "Английский язык (устная часть)"),
        ("Иностранный язык (английский), чел.", "Английский язык"),
        ("русский язык", "Русский язык"),
    ],
)
def test_subject_names(header, name):
    assert ege_region.subject_name(header) == name


@pytest.mark.parametrize(
    ("text", "ege", "oge"),
    [
        ("приняло участие", "participants", "participants"),
        ("не преодолен min порог", "failed", None),
        ("высокобалльники (80-99 баллов)", "high_scorers", None),
        ("получили 100 баллов", "hundred_scorers", None),
        ("средний балл", "mean_score", "mean_score"),
        ("2", None, "failed"),
        ("на 2", None, "failed"),
        ("3, %", None, "marks_3"),
        ("% 4", None, "marks_4"),
        ("отметка 5", None, "marks_5"),
        ("средняя отметка", None, "mean_score"),
        ("6", None, None),
    ],
)
def test_sub_headers(text, ege, oge):
    assert (ege_region.field_of(text), oge_region.field_of(text)) == (ege, oge)


@pytest.mark.parametrize(
    ("title", "sheet", "year", "origin"),
    [
        (
            "Информация о результатах ЕГЭ в 2023 году",
            "2023",
            2023,
            "из заголовка листа: «Информация о результатах ЕГЭ в 2023 году»",
        ),
        (
            "Информация о результатах ЕГЭ в 2023 году",
            "2022",
            2023,
            "из заголовка листа: «Информация о результатах ЕГЭ в 2023 году» (лист назван «2022» — по заголовку год 2023)",
        ),
        (None, "2021 г.", 2021, "из названия листа «2021 г.»"),
        (None, "Лист1", None, ""),
    ],
)
def test_year_of(title, sheet, year, origin):
    assert region_table.year_of(title, sheet) == (year, origin)


@pytest.mark.parametrize(("index", "letter"), [(0, "A"), (25, "Z"), (26, "AA"), (58, "BG"), (108, "DE")])
def test_column_letter(index, letter):
    assert region_table.column_letter(index) == letter


def oge_sheet(fields=OGE_FIELDS, values=None) -> Sheet:
    return Sheet(
        title="Информация о результатах ОГЭ выпускников 9 классов в 2024 году",
        name="ОГЭ 2024",
        subjects=["Русский язык", "Математика"],
        fields=fields,
        region_total=[[30, 3, 10, 12, 5], [30, 6, 14, 8, 2]],
        municipalities=[
            Municipality(
                "Обливский район",
                [
                    School(KASHTANOVSKAYA, values or [[27, 3, 9, 10, 5], [27, 6, 12, 7, 2]]),
                    School(SOLONETSKAYA, [[3, _, 1, 2, _], [3, _, 2, 1, _]]),
                ],
            )
        ],
    )


def test_oge_table_in_counts():
    rows, reports = read(workbook_bytes([oge_sheet()], applications_first=False))
    assert [(r.layout, r.status, r.reason, r.origins["Год"], r.origins["Итоги"]) for r in reports] == [
        (
            "ОГЭ: таблица региона",
            "read",
            "",
            "из заголовка листа: «Информация о результатах ОГЭ выпускников 9 классов в 2024 году»",
            "сверены с суммой строк школ (10 чисел): сходятся",
        )
    ]
    assert {values["kind"] for _l, values, _e in rows} == {"ОГЭ"}
    assert {values["grade"] for _l, values, _e in rows} == {"9"}
    assert [
        (values["school_name"], values["subject"], *(values.get(key, "") for key in MARK_KEYS))
        for _line, values, _errors in rows
    ] == [
        (KASHTANOVSKAYA, "Русский язык", "27", "3", "9", "10", "5"),
        (KASHTANOVSKAYA, "Математика", "27", "6", "12", "7", "2"),
        (SOLONETSKAYA, "Русский язык", "3", "0", "1", "2", "0"),
        (SOLONETSKAYA, "Математика", "3", "0", "2", "1", "0"),
    ]


def test_oge_table_in_percent_gives_counts():
    # 27 participants: 11.11 % -> 3, 33.33 % -> 9, 37.04 % -> 10, 18.52 % -> 5 (round half up, as ФИС ОКО's)
    spec = oge_sheet(
        fields=OGE_PERCENT_FIELDS,
        values=[[27, 11.11, 33.33, 37.04, 18.52], [27, 22.22, 44.44, 25.93, 7.41]],
    )
    spec.municipalities[0].schools[1].values = [[3, 0, 33.33, 66.67, 0], [3, 0, 66.67, 33.33, 0]]
    rows, reports = read(workbook_bytes([spec], applications_first=False))
    assert reports[0].origins["Итоги"] == NOT_CHECKED  # a total in percent is not summed
    assert [tuple(values.get(key, "") for key in MARK_KEYS) for _line, values, _errors in rows] == [
        ("27", "3", "9", "10", "5"),
        ("27", "6", "12", "7", "2"),
        ("3", "0", "1", "2", "0"),
        ("3", "0", "2", "1", "0"),
    ]


TATSINSKAYA_2 = 'МБОУ "Тацинская СОШ № 2"'
REFUSED_CHEMISTRY = (
    "ВНИМАНИЕ: столбцы «высокобалльники (80-99 баллов)» (L) и «получили 100 баллов» (M) не приняты ни в одной "
    "строке (оставлены пустыми; участники, «не преодолен min порог» и средний балл загружаются) — в 2 строках "
    "противоречат числу участников или среднему баллу (первые: строка 8: Средний балл 56.67 меньше возможного: 3 — "
    "«получили 100 баллов» из 3 участников дают в среднем не меньше 100.00. Проверьте столбцы предмета. строка 9: "
    "Сумма «не преодолен min порог» (1), «получили 100 баллов» (5) — 6 — больше числа участников «приняло участие» "
    "(4): это разные участники, их не может быть больше, чем всех.)."
)


def chemistry_sheet(year: str, *, summed: bool) -> Sheet:
    """Забайкальский край's 2023 shape; ``summed``: chemistry's «получили 100 баллов» is =SUM() of the three
    columns before it in every school row (its cached value: participants + failed + high scorers), as the real
    sheet «2023» writes it."""
    return Sheet(
        title=f"Информация о результатах ЕГЭ выпускников школ в {year} году",
        name=year,
        subjects=["Русский язык", "Химия"],
        municipality_on_every_row=True,
        bottom_total="итого по Забайкальскому краю",
        summed_hundreds=(1,) if summed else (),
        municipalities=[
            Municipality(
                OBLIVSKY_DEPARTMENT,
                [
                    # =SUM(J:L) = 3: three «hundreds» of three with a mean of 56.67
                    School(KASHTANOVSKAYA, [[12, 1, 2, 1, 70.5], [3, _, _, _, 56.67]]),
                    # =SUM(J:L) = 5: five «hundreds» of four participants
                    School(SOLONETSKAYA, [[7, _, _, _, 66], [4, 1, _, _, 40]]),
                ],
            ),
            Municipality(
                TATSINSKY_DEPARTMENT,
                [
                    # Russian: 6 failed of 5 — its own error; chemistry: 3 failed of 2, whatever M says
                    School(TATSINSKAYA, [[5, 6, _, _, 20], [2, 3, _, _, 30]]),
                    # =SUM(J:L) = 1: one «hundred» of one with a mean of 100 — passes by chance
                    School(TATSINSKAYA_2, [[9, _, 1, _, 60], [1, _, _, _, 100]]),
                ],
            ),
        ],
    )


def test_a_subject_whose_scorer_columns_contradict_a_row_loses_them_on_the_sheet():
    """The real Забайкальский 2023 chemistry «получили 100 баллов» is =SUM() of the columns before it: any school
    row it contradicts (sum above the participants, or a mean below what the hundreds give) refuses the subject's
    high-scorer and hundred columns for every row of that sheet — said on the sheet's report — while the rows keep
    participants, failed and the mean; other row errors stay; another sheet's chemistry keeps its columns."""
    good = chemistry_sheet("2022", summed=False)
    good.municipalities[0].schools[0].values[1] = [5, 1, 1, _, 60]
    rows, reports = read(
        workbook_bytes([chemistry_sheet("2023", summed=True), good], applications_first=False)
    )
    chem, rus = "Химия", "Русский язык"
    assert rows == [
        (8, result(KASHTANOVSKAYA, OBLIVSKY_DEPARTMENT, "2023", rus, "12", "1", "2", "1", "70.50"), []),
        (8, result(KASHTANOVSKAYA, OBLIVSKY_DEPARTMENT, "2023", chem, "3", "0", _, _, "56.67"), []),
        (9, result(SOLONETSKAYA, OBLIVSKY_DEPARTMENT, "2023", rus, "7", "0", "0", "0", "66.00"), []),
        (9, result(SOLONETSKAYA, OBLIVSKY_DEPARTMENT, "2023", chem, "4", "1", _, _, "40.00"), []),
        (
            10,
            result(TATSINSKAYA, TATSINSKY_DEPARTMENT, "2023", rus, "5", "6", "0", "0", "20.00"),
            [
                (
                    "2023",
                    10,
                    "Русский язык (E–I)",
                    "Сумма «не преодолен min порог» (6) — 6 — больше числа участников «приняло участие» (5): это "
                    "разные участники, их не может быть больше, чем всех.",
                )
            ],
        ),
        (
            10,
            result(TATSINSKAYA, TATSINSKY_DEPARTMENT, "2023", chem, "2", "3", _, _, "30.00"),
            [
                (
                    "2023",
                    10,
                    "Химия (J–N)",
                    "Сумма «не преодолен min порог» (3), «получили 100 баллов» (5) — 8 — больше числа участников "
                    "«приняло участие» (2): это разные участники, их не может быть больше, чем всех.",
                )
            ],
        ),
        (11, result(TATSINSKAYA_2, TATSINSKY_DEPARTMENT, "2023", rus, "9", "0", "1", "0", "60.00"), []),
        (11, result(TATSINSKAYA_2, TATSINSKY_DEPARTMENT, "2023", chem, "1", "0", _, _, "100.00"), []),
        (8, result(KASHTANOVSKAYA, OBLIVSKY_DEPARTMENT, "2022", rus, "12", "1", "2", "1", "70.50"), []),
        (8, result(KASHTANOVSKAYA, OBLIVSKY_DEPARTMENT, "2022", chem, "5", "1", "1", "0", "60.00"), []),
        (9, result(SOLONETSKAYA, OBLIVSKY_DEPARTMENT, "2022", rus, "7", "0", "0", "0", "66.00"), []),
        (9, result(SOLONETSKAYA, OBLIVSKY_DEPARTMENT, "2022", chem, "4", "1", "0", "0", "40.00"), []),
        (
            10,
            result(TATSINSKAYA, TATSINSKY_DEPARTMENT, "2022", rus, "5", "6", "0", "0", "20.00"),
            [
                (
                    "2022",
                    10,
                    "Русский язык (E–I)",
                    "Сумма «не преодолен min порог» (6) — 6 — больше числа участников «приняло участие» (5): это "
                    "разные участники, их не может быть больше, чем всех.",
                )
            ],
        ),
        (
            10,
            result(TATSINSKAYA, TATSINSKY_DEPARTMENT, "2022", chem, "2", "3", "0", "0", "30.00"),
            [
                (
                    "2022",
                    10,
                    "Химия (J–N)",
                    "Сумма «не преодолен min порог» (3) — 3 — больше числа участников «приняло участие» (2): это "
                    "разные участники, их не может быть больше, чем всех.",
                )
            ],
        ),
        (11, result(TATSINSKAYA_2, TATSINSKY_DEPARTMENT, "2022", rus, "9", "0", "1", "0", "60.00"), []),
        (11, result(TATSINSKAYA_2, TATSINSKY_DEPARTMENT, "2022", chem, "1", "0", "0", "0", "100.00"), []),
    ]
    assert [
        {k: v for k, v in r.origins.items() if k in ("Химия, лист «2023»", "Итоги")} for r in reports
    ] == [
        {"Химия, лист «2023»": REFUSED_CHEMISTRY, "Итоги": NOT_CHECKED},
        {"Итоги": NOT_CHECKED},
    ]
    assert [(r.sheet, r.status, r.rows) for r in reports] == [("2023", "read", 4), ("2022", "read", 4)]
