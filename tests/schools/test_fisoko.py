"""The ФИС ОКО «Статистика по отметкам» parser: pure functions, no database."""

from decimal import Decimal

import pytest

from core.tabular import RowError, TableError
from schools.results_import.layouts.fisoko import (
    ReportInfo,
    flat_rows,
    is_report_header,
    parse_percent,
    parse_report_info,
    recover_count,
    recovered_count,
    report_rows,
    resolve_report_info,
    school_login,
)


@pytest.mark.parametrize(
    ("participants", "percent", "count"),
    [
        (27, "18.52", 5),  # 5/27 = 18.518…%
        (27, "0", 0),
        (27, "100", 27),
        (27, "3.70", 1),  # 1/27 = 3.7037…%
        (3, "33.33", 1),
        (3, "66.67", 2),
        (10, "25", 3),  # 2.5 rounds half up, never to even
        (2, "25", 1),  # 0.5 -> 1
        (1, "50", 1),
        (9999, "0.01", 1),  # 0.9999
        (1376010, "18.27", 251397),  # the whole sample of a real report: 251,397.027
    ],
)
def test_recover_count(participants, percent, count):
    assert recover_count(participants, Decimal(percent)) == count


def test_two_decimals_recover_every_count_exactly_below_ten_thousand_participants():
    for participants in [*range(1, 301), 999, 4999, 9999]:
        for count in range(participants + 1):
            printed = (Decimal(100 * count) / participants).quantize(Decimal("0.01"))  # as ФИС ОКО prints it
            assert recover_count(participants, printed) == count, (participants, count)


def test_recovered_count_in_whole_numbers_is_the_decimal_count():
    """The report's hot path counts in integers; it says what recover_count(parse_percent()) says, or refuses
    what parse_percent refuses."""
    texts = [
        *(f"{hundredths // 100},{hundredths % 100:02d}" for hundredths in range(0, 10_001, 7)),
        *(
            "18.52",
            "18.52 %",
            " 7,5 ",
            "100",
            "100.0",
            "100.000000000000001",
            "0.5",
            "12.5000000000000000005",
        ),
        *(
            "0.000000000000005",
            "33.333333333333333333333333",
            "٣٣.٥",
            "",
            "abc",
            "-1",
            "100.01",
            "1e2",
            "18,5,2",
        ),
    ]
    for participants in (None, 0, 1, 2, 3, 27, 999, 9999, 1376010, 999_999_999):
        for text in texts:
            try:
                expected = (
                    str(recover_count(participants, parse_percent(text))) if participants is not None else ""
                )
                if participants is None:
                    parse_percent(text)
            except ValueError:
                with pytest.raises(ValueError):
                    recovered_count(participants, text)
                continue
            assert recovered_count(participants, text) == expected, (participants, text)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("18,52", "18.52"),
        ("18.52", "18.52"),
        ("18.52 %", "18.52"),
        ("0", "0"),
        ("100", "100"),
        (" 7,5 ", "7.5"),
    ],
)
def test_parse_percent(text, value):
    assert parse_percent(text) == Decimal(value)


@pytest.mark.parametrize("text", ["", "abc", "-1", "100.01", "1e2", "18,5,2"])
def test_parse_percent_rejects(text):
    with pytest.raises(ValueError):
        parse_percent(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("(sch470123) МКОУ «Шумская СОШ»", ("sch470123", "МКОУ «Шумская СОШ»")),
        ("  ( sch610001 )  МБОУ  «Каштановская СОШ» ", ("sch610001", "МБОУ «Каштановская СОШ»")),
        ("Вся выборка", None),
        ("Ростовская обл.", None),
        ("Обливский муниципальный район", None),
        ("МБОУ СОШ (корпус 2)", None),
    ],
)
def test_school_login(text, expected):
    assert school_login(text) == expected


def test_is_report_header():
    assert is_report_header(["", "Группы участников", "Кол-во ОО"])
    assert not is_report_header(["Год", "Класс"])
    assert not is_report_header([])


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (
            [
                ["Статистика по отметкам"],
                ["Всероссийские проверочные работы 2023 (5 класс)"],
                ["Дата: 18.04.2023"],
                ["Предмет: Математика"],
                ["Максимальный первичный балл: 20"],
            ],
            ReportInfo(2023, 5, "Математика", 20),
        ),
        (
            [["ВПР 2024. 11 класс"], ["Предмет", "", "История"]],
            ReportInfo(2024, 11, "История", None),
        ),
        (
            [["Год:", "2022"], ["Класс:", "7"], ["Предмет:", "Русский язык"]],
            ReportInfo(2022, 7, "Русский язык", None),
        ),
        ([["Статистика по отметкам"], ["Дата: 20.04.2021"]], ReportInfo(2021, None, "", None)),
        ([["Статистика по отметкам"]], ReportInfo()),
        ([["Всероссийские проверочные работы 2022/2023 учебного года"]], ReportInfo(2023, None, "", None)),
    ],
)
def test_parse_report_info(lines, expected):
    assert parse_report_info(lines) == expected


def test_resolve_report_info_fills_what_the_header_lacks():
    info = resolve_report_info(ReportInfo(2023, None, "", 20), year=None, grade=5, subject="Математика")
    assert info == ReportInfo(2023, 5, "Математика", 20)


def test_resolve_report_info_agrees_with_the_same_values():
    info = ReportInfo(2023, 5, "Математика", 20)
    assert resolve_report_info(info, year=2023, grade=5, subject="математика") == info


@pytest.mark.parametrize(
    ("info", "asked", "fragment"),
    [
        (ReportInfo(2023, 5, "Математика"), {"year": 2024}, "указан год «2023», а при загрузке — «2024»"),
        (ReportInfo(2023, 5, "Математика"), {"subject": "История"}, "указан предмет «Математика»"),
        (ReportInfo(), {}, "не найдены: год, класс, предмет"),
        (ReportInfo(2023), {"subject": "История"}, "не найдены: класс."),
        (ReportInfo(1999, 5, "Математика"), {}, "Год отчёта 1999"),
        (ReportInfo(2023, 12, "Математика"), {}, "Класс отчёта 12"),
    ],
)
def test_resolve_report_info_errors(info, asked, fragment):
    with pytest.raises(TableError, match=fragment):
        resolve_report_info(
            info, year=asked.get("year"), grade=asked.get("grade"), subject=asked.get("subject", "")
        )


REPORT = [
    ["Статистика по отметкам"],
    ["Всероссийские проверочные работы 2023 (5 класс)"],
    ["Предмет: Математика"],
    ["Максимальный первичный балл: 20"],
    [],
    ["Группы участников", "Кол-во ОО", "Кол-во участников", "Распределение групп баллов в %", "", "", ""],
    ["", "", "", "2", "3", "4", "5"],
    ["Вся выборка", "37489", "1376010", "18.27", "44.89", "27.97", "8.87"],
    ["Ростовская обл.", "1019", "38900", "17.1", "45.2", "28.9", "8.8"],
    ["Обливский муниципальный район", "10", "200", "20.5", "40.5", "30", "9"],
    ["(sch610001) МБОУ «Каштановская СОШ»", "", "27", "18.52", "44.44", "29.63", "7.41"],
    ["(sch610002) МБОУ «Солонецкая СОШ»", "", "12", "0", "50", "41,67", "8,33"],
]


def numbered(rows):
    return list(enumerate(rows, start=1))


def test_report_rows_yield_only_schools_with_counts_recovered():
    rows = list(report_rows(numbered(REPORT)))
    assert rows == [
        (
            11,
            {
                "year": "2023",
                "kind": "ВПР",
                "subject": "Математика",
                "grade": "5",
                "mean_score": "",
                "school_code": "sch610001",
                "participants": "27",
                "failed": "5",
                "marks_3": "12",
                "marks_4": "8",
                "marks_5": "2",
            },
            (),
        ),
        (
            12,
            {
                "year": "2023",
                "kind": "ВПР",
                "subject": "Математика",
                "grade": "5",
                "mean_score": "",
                "school_code": "sch610002",
                "participants": "12",
                "failed": "0",
                "marks_3": "6",
                "marks_4": "5",
                "marks_5": "1",
            },
            (),
        ),
    ]


def test_report_with_marks_on_the_header_row_and_values_from_upload():
    rows = [
        ["Статистика по отметкам"],
        ["Группы участников", "Кол-во ОО", "Кол-во участников", "«2»", "«3»", "«4»", "«5»"],
        ["Вся выборка", "37489", "1376010", "18.27", "44.89", "27.97", "8.87"],
        ["(sch610001) МБОУ «Каштановская СОШ»", "", "27", "18,52", "44,44", "29,63", "7,41"],
        ["Группы участников", "Кол-во ОО", "Кол-во участников", "«2»", "«3»", "«4»", "«5»"],
    ]
    result = list(report_rows(numbered(rows), year=2024, grade=6, subject="Русский язык"))
    assert [(line, v["year"], v["grade"], v["subject"], v["failed"]) for line, v, _e in result] == [
        (4, "2024", "6", "Русский язык", "5")
    ]


def test_report_without_a_table_or_columns_is_a_file_error():
    with pytest.raises(TableError, match="не найдена таблица"):
        list(report_rows(numbered([["Статистика по отметкам"], ["Предмет: Математика"]])))
    with pytest.raises(TableError, match="нет столбцов отметок"):
        list(
            report_rows(
                numbered(
                    [
                        ["Год: 2023"],
                        ["Класс: 5"],
                        ["Предмет: Математика"],
                        ["Группы участников", "Кол-во участников", "2", "3"],
                        ["", "", "", ""],
                    ]
                )
            )
        )
    with pytest.raises(TableError, match="Кол-во участников"):
        list(
            report_rows(
                numbered(
                    [
                        ["Год: 2023"],
                        ["Класс: 5"],
                        ["Предмет: Математика"],
                        ["Группы участников", "2", "3", "4", "5"],
                    ]
                )
            )
        )


def test_report_row_errors_name_the_report_columns():
    rows = [
        ["Год: 2023"],
        ["Класс: 5"],
        ["Предмет: Математика"],
        ["Группы участников", "Кол-во участников", "2", "3", "4", "5"],
        ["(sch610001) Школа", "двадцать", "10", "20", "30", "40"],
        ["(sch610002) Школа", "20", "", "20", "30", "40"],
        ["(sch610003) Школа", "20", "120", "abc", "30", "40"],
    ]
    errors = [error for _line, _values, row_errors in report_rows(numbered(rows)) for error in row_errors]
    assert errors == [
        RowError(5, "Кол-во участников", "Ожидается целое неотрицательное число, указано «двадцать»."),
        RowError(6, "«2»", "Не заполнен процент отметок «2»."),
        RowError(7, "«2»", "Ожидается процент от 0 до 100 (например, 18,52), указано «120»."),
        RowError(7, "«3»", "Ожидается процент от 0 до 100 (например, 18,52), указано «abc»."),
    ]


def test_flat_rows():
    rows = [
        (
            2,
            {
                "year": "2023",
                "grade": "5",
                "subject": "Математика",
                "municipality": "Обливский район",
                "school_name": "МБОУ «Каштановская СОШ»",
                "login": "sch610001",
                "participants": "27",
                "p2": "18.52",
                "p3": "44.44",
                "p4": "29.63",
                "p5": "7.41",
            },
        )
    ]
    assert list(flat_rows(rows)) == [
        (
            2,
            {
                "year": "2023",
                "kind": "ВПР",
                "subject": "Математика",
                "grade": "5",
                "mean_score": "",
                "school_code": "sch610001",
                "participants": "27",
                "failed": "5",
                "marks_3": "12",
                "marks_4": "8",
                "marks_5": "2",
            },
            (),
        ),
    ]
