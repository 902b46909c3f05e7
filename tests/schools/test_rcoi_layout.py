"""The РЦОИ participant export's layout, pure: recognising the header, reading dates, scores and subject codes,
deciding ОГЭ/ЕГЭ, aggregating participants into template rows, and every row error (no database)."""

import random
from decimal import Decimal
from types import SimpleNamespace

import pytest

from core.tabular import RowError, TableError
from schools import identity
from schools.results_import.layouts import rcoi
from schools.results_import.layouts.template import TEMPLATE_KEYS

HEADER = [
    "Код ОУ",
    "Наименование ОУ",
    "Тип ОУ",
    "Муниципальный район",
    "Кластер",
    "Код предмета",
    "Дата экзамена",
    "TestResultB",
    "TestResultC",
    "Балл",
    "Зачет",
]


def participant(code, subject, date, score, passed, name="МБОУ СОШ"):
    return [code, name, "СОШ", "Обливский район", "1", subject, date, "10", "5", score, passed]


def read(rows, options=None, header=HEADER, name="rcoi.csv"):
    report = SimpleNamespace(
        layout="", header_row=None, columns={}, origins={}, rows=0, results=0, status="", reason=""
    )
    source = SimpleNamespace(file_name=name, sheet=None, report=report)
    out = list(rcoi.read(iter([header, *rows]), source, options or {}))
    return out, report


def as_dicts(out):
    return [(line, dict(zip(TEMPLATE_KEYS, values, strict=True)), errors) for line, values, errors in out]


@pytest.mark.parametrize(
    "header, expected",
    [
        (HEADER, True),
        ([cell.upper() for cell in HEADER], True),
        (["Код ОУ", "Код предмета", "Дата экзамена", "Балл", "Зачёт"], True),  # only the required, with «ё»
        (["Код ОУ", "Код предмета", "Дата экзамена", "Балл"], False),  # no «Зачет»
        (["Код ОО", "Год", "Вид", "Предмет", "Класс", "Участников", "Неудовлетворительно"], False),
        (["Группы участников", "Кол-во ОО", "Кол-во участников", "2", "3", "4", "5"], False),
    ],
)
def test_recognises_the_header(header, expected):
    assert rcoi.recognises(header, [header]) is expected


@pytest.mark.parametrize(
    "text, year",
    [
        ("15.06.2021", 2021),
        ("5.6.2021", 2021),
        ("2022.06.27", 2022),  # as РЦОИ protocols write it
        ("2023-06-01", 2023),
        ("2023-06-01 00:00:00", 2023),
        ("15.06.2021 0:00:00", 2021),
        ("15/06/2024", 2024),
        ("29.02.2024", 2024),
        ("29.02.2023", None),  # no such day
        ("31.04.2024", None),
        ("15.13.2024", None),
        ("15.06.1999", None),  # outside 2000–2100
        ("2024", None),
        ("", None),
        ("июнь 2024", None),
    ],
)
def test_exam_year(text, year):
    assert rcoi.exam_year(text) == year


@pytest.mark.parametrize(
    "text, value",
    [
        ("72", 72),
        ("0", 0),
        ("100", 100),
        ("101", None),
        ("4,0", 4),
        ("72,5", Decimal("72.5")),
        ("3.5", Decimal("3.5")),
        (" 5 ", 5),
        ("-3", None),
        ("+3", None),
        ("", None),
        ("abc", None),
        ("NaN", None),
        ("1e2", 100),
        ("1e3", None),
        ("²", None),
        ("9" * 5000, None),
        ("٤", 4),  # Arabic-Indic four: a decimal digit int() reads
    ],
)
def test_parse_score(text, value):
    assert rcoi.parse_score(text) == value


def test_subject_table_holds_the_federal_codes():
    assert {code: rcoi.SUBJECTS[code] for code in (1, 2, 18, 22, 25)} == {
        1: "Русский язык",
        2: "Математика",
        18: "Литература",
        22: "Математика (базовый уровень)",
        25: "Информатика",
    }
    assert sorted(rcoi.SUBJECTS) == [
        1,
        2,
        3,
        4,
        5,
        6,
        7,
        8,
        9,
        10,
        11,
        12,
        13,
        14,
        18,
        22,
        25,
        29,
        30,
        31,
        33,
        34,
    ]


def test_oge_marks_aggregated_per_school_and_subject():
    rows = [
        participant("220001", "1", "06.06.2023", "2", "2"),
        participant("220001", "1", "06.06.2023", "3", "1"),
        participant("220001", "1", "06.06.2023", "5", "1"),
        participant("220001", "1", "06.06.2023", "4", "1"),
        participant("220002", "1", "06.06.2023", "4", "1"),
        participant("220001", "2", "09.06.2023", "2", "2"),
        participant("220001", "2", "09.06.2023", "2", "2"),
        participant("220001", "2", "09.06.2023", "3", "1"),
    ]
    out, report = read(rows)
    assert as_dicts(out) == [
        (
            2,
            {
                "school_code": "rcoi_oge:220001",
                "year": "2023",
                "kind": "ОГЭ",
                "subject": "Русский язык",
                "grade": "9",
                "participants": "4",
                "failed": "1",
                "marks_3": "1",
                "marks_4": "1",
                "marks_5": "1",
                "mean_score": "3,50",
                **{key: "" for key in TEMPLATE_KEYS[11:]},
            },
            (),
        ),
        (
            6,
            {
                "school_code": "rcoi_oge:220002",
                "year": "2023",
                "kind": "ОГЭ",
                "subject": "Русский язык",
                "grade": "9",
                "participants": "1",
                "failed": "0",
                "marks_3": "0",
                "marks_4": "1",
                "marks_5": "0",
                "mean_score": "4,00",
                **{key: "" for key in TEMPLATE_KEYS[11:]},
            },
            (),
        ),
        (
            7,
            {
                "school_code": "rcoi_oge:220001",
                "year": "2023",
                "kind": "ОГЭ",
                "subject": "Математика",
                "grade": "9",
                "participants": "3",
                "failed": "2",
                "marks_3": "1",
                "marks_4": "0",
                "marks_5": "0",
                "mean_score": "2,33",
                **{key: "" for key in TEMPLATE_KEYS[11:]},
            },
            (),
        ),
    ]
    assert report.header_row == 1
    assert report.rows == 8
    assert report.results == 3
    assert report.origins["Вид"] == "ОГЭ: все значения в столбце «Балл» — отметки от 2 до 5"
    assert report.origins["Класс"] == "по виду экзамена: ОГЭ — 9 класс"
    assert report.columns == {
        "Код ОО (код РЦОИ школы)": "Код ОУ",
        "Предмет (код предмета ГИА)": "Код предмета",
        "Год (год даты экзамена)": "Дата экзамена",
        "Средний балл; «3», «4», «5» — если «Балл» — отметка": "Балл",
        "Неудовлетворительно («Зачет» = 2)": "Зачет",
    }


def test_ege_scores_with_high_scorers_and_basic_maths_marks():
    rows = [
        participant("100", "2", "01.06.2024", "27", "1"),
        participant("100", "2", "01.06.2024", "18", "2"),
        participant("100", "2", "01.06.2024", "100", "1"),
        participant("100", "2", "01.06.2024", "80", "1"),
        participant("100", "22", "01.06.2024", "4", "1"),
        participant("100", "22", "01.06.2024", "2", "2"),
    ]
    out, report = read(rows)
    values = [dict(zip(TEMPLATE_KEYS, row[1], strict=True)) for row in out]
    assert [(v["school_code"], v["kind"], v["subject"], v["grade"]) for v in values] == [
        ("rcoi_ege:100", "ЕГЭ", "Математика (профильный уровень)", "11"),
        ("rcoi_ege:100", "ЕГЭ", "Математика (базовый уровень)", "11"),
    ]
    assert [(v["participants"], v["failed"], v["marks_3"], v["marks_4"], v["marks_5"]) for v in values] == [
        ("4", "1", "", "", ""),
        ("2", "1", "0", "1", "0"),
    ]
    assert [v["mean_score"] for v in values] == ["56,25", "3,00"]
    if "high_scorers" in TEMPLATE_KEYS:  # the ЕГЭ extras of the template (#19 §B)
        assert [(v["high_scorers"], v["hundred_scorers"]) for v in values] == [("1", "1"), ("", "")]
    assert report.origins["Вид"] == (
        "ЕГЭ: в файле есть код предмета 22 (Математика (базовый уровень)) — такой экзамен есть только в ЕГЭ"
    )


def test_ege_decided_by_scores_above_five():
    out, report = read(
        [participant("100", "1", "03.06.2024", "5", "1"), participant("100", "1", "03.06.2024", "36", "1")]
    )
    assert (
        report.origins["Вид"]
        == "ЕГЭ: в столбце «Балл» есть значения больше 5 — это тестовые баллы ЕГЭ (0–100)"
    )
    assert [row[1][:7] for row in out] == [("rcoi_ege:100", "2024", "ЕГЭ", "Русский язык", "11", "2", "0")]


@pytest.mark.parametrize("asked, kind", [("ОГЭ", "ОГЭ"), ("егэ", "ЕГЭ"), ("", "ОГЭ")])
def test_the_kind_asked_on_upload_wins(asked, kind):
    out, report = read([participant("7", "1", "03.06.2024", "4", "1")], options={"exam": asked})
    assert out[0][1][2] == kind
    assert report.origins["Вид"].startswith("указан при загрузке" if asked else "ОГЭ")


def test_oge_asked_with_primary_scores_keeps_no_marks():
    out, report = read(
        [participant("7", "1", "03.06.2024", "25", "1"), participant("7", "1", "03.06.2024", "6", "2")],
        options={"exam": "ОГЭ"},
    )
    values = dict(zip(TEMPLATE_KEYS, out[0][1], strict=True))
    assert (values["participants"], values["failed"], values["marks_3"], values["mean_score"]) == (
        "2",
        "1",
        "",
        "15,50",
    )
    assert "Отметки" in report.origins


def test_a_mark_contradicting_zachet_is_an_error_of_its_row():
    out, _ = read(
        [
            participant("7", "1", "03.06.2024", "2", "1"),
            participant("7", "1", "03.06.2024", "4", "2"),
            participant("7", "1", "03.06.2024", "4", "1"),
        ]
    )
    assert [error for row in out for error in row[2]] == [
        RowError(
            2,
            "Зачет",
            "Отметка в столбце «Балл» не согласуется с «Зачет»: при отметке «2» должно быть 2, при отметках 3–5 — 1.",
        ),
        RowError(
            3,
            "Зачет",
            "Отметка в столбце «Балл» не согласуется с «Зачет»: при отметке «2» должно быть 2, при отметках 3–5 — 1.",
        ),
    ]


@pytest.mark.parametrize(
    "row, column, message",
    [
        (participant("", "1", "03.06.2024", "4", "1"), "Код ОУ", "Обязательное поле не заполнено."),
        (
            participant("7", "99", "03.06.2024", "4", "1"),
            "Код предмета",
            "Неизвестный код предмета 99: его нет в федеральной таблице кодов предметов ГИА (1 — Русский язык, ",
        ),
        (
            participant("7", "20", "03.06.2024", "4", "1"),
            "Код предмета",
            "Код предмета 20 — итоговое сочинение, а не экзамен ГИА: такие строки не загружаются как результаты.",
        ),
        (
            participant("7", "русский", "03.06.2024", "4", "1"),
            "Код предмета",
            "Ожидается код предмета ГИА (число), указано «русский».",
        ),
        (
            participant("7", "1", "2024", "4", "1"),
            "Дата экзамена",
            "Ожидается дата экзамена (например, 15.06.2024) с годом от 2000 до 2100, указано «2024».",
        ),
        (
            participant("7", "1", "03.06.2024", "", "1"),
            "Балл",
            "Обязательное поле не заполнено: у участника нет результата.",
        ),
        (
            participant("7", "1", "03.06.2024", "105", "1"),
            "Балл",
            "Ожидается балл от 0 до 100 (отметка 2–5 для ОГЭ), указано «105».",
        ),
        (
            participant("7", "1", "03.06.2024", "4", "0"),
            "Зачет",
            "Ожидается 1 (минимальный порог преодолён) или 2 (ниже минимального порога), указано «0».",
        ),
    ],
)
def test_row_errors_name_row_and_column(row, column, message):
    out, report = read([participant("7", "1", "03.06.2024", "4", "1"), row])
    errors = [error for _line, _values, row_errors in out for error in row_errors]
    assert len(errors) == 1
    assert (errors[0].row, errors[0].column) == (3, column)
    assert errors[0].message.startswith(message)
    assert report.rows == 2 and report.results == 1


def test_several_errors_of_one_row_come_together():
    out, _ = read([participant("", "99", "x", "", "")])
    assert len(out) == 1
    line, values, errors = out[0]
    assert line == 2
    assert values == ("",) * len(TEMPLATE_KEYS)
    assert [error.column for error in errors] == ["Код ОУ", "Код предмета", "Дата экзамена", "Балл", "Зачет"]


def test_empty_lines_and_short_rows():
    out, report = read(
        [[], [""] * 11, ["7", "", "", "", "", "1", "03.06.2024", "", "", "3", "1"], ["7", "x"]]
    )
    assert report.rows == 2
    assert [(line, [e.column for e in errors]) for line, _v, errors in out if errors] == [
        (5, ["Код предмета", "Дата экзамена", "Балл", "Зачет"])
    ]


def test_typed_cells_of_an_xlsx_export():
    out, _ = read([[220001, "МБОУ", "СОШ", "район", 1, 1.0, "2023-06-06", 10, 5, 4.0, 1]], name="rcoi.xlsx")
    assert out[0][1][:8] == ("rcoi_oge:220001", "2023", "ОГЭ", "Русский язык", "9", "1", "0", "0")


def test_empty_file_and_header_only():
    with pytest.raises(TableError, match="Файл пуст"):
        list(rcoi.read(iter([[], [""]]), "rcoi.csv", {}))
    out, report = read([])
    assert out == [] and report.rows == 0 and report.results == 0


def test_the_layout_runs_without_a_report():
    """Until every caller passes a Source, a bare file name stands in for it."""
    rows = iter([HEADER, participant("7", "1", "03.06.2024", "4", "1")])
    assert len(list(rcoi.read(rows, "rcoi.csv", {}))) == 1


@pytest.mark.parametrize(
    "text, split",
    [
        ("rcoi_oge:220001", ("rcoi_oge", "220001")),
        ("rcoi_ege: 17 ", ("rcoi_ege", "17")),
        ("sch610001", (None, "sch610001")),
        ("abc:1", (None, "abc:1")),  # only a known identifier kind is a prefix
        ("name:МБОУ", (None, "name:МБОУ")),  # names are matched by name, never by a prefixed value
    ],
)
def test_a_code_says_its_identifier_kind(text, split):
    assert identity.split_kind(text) == split


def test_kind_code_round_trips():
    assert identity.split_kind(rcoi.kind_code("ЕГЭ", "220001")) == ("rcoi_ege", "220001")


def test_an_exam_asked_on_upload_that_is_neither_oge_nor_ege_is_refused():
    with pytest.raises(TableError, match="Экзамен выгрузки РЦОИ — ОГЭ или ЕГЭ, при загрузке указано «ВПР»."):
        read([participant("7", "1", "03.06.2024", "4", "1")], options={"exam": "ВПР"})


def test_an_xlsx_row_with_text_and_typed_cells_mixed():
    out, _ = read(
        [["0220001", None, None, None, None, "1", "2023-06-06T00:00:00", None, None, 4.0, 1.0]],
        name="rcoi.xls",
    )
    assert out[0][1][:8] == ("rcoi_oge:0220001", "2023", "ОГЭ", "Русский язык", "9", "1", "0", "0")


def test_strange_digits_never_crash():
    out, _ = read(
        [participant("7", "²", "03.06.2024", "²", "1"), participant("7", "1" * 5000, "03.06.2024", "4", "1")]
    )
    assert [[error.column for error in row[2]] for row in out] == [["Код предмета", "Балл"], ["Код предмета"]]


def test_informatics_on_paper_and_on_computers_is_one_procedure():
    out, _ = read(
        [participant("7", "5", "20.06.2021", "60", "1"), participant("7", "25", "24.06.2021", "41", "2")]
    )
    assert [row[1][:7] for row in out] == [("rcoi_ege:7", "2021", "ЕГЭ", "Информатика", "11", "2", "1")]


def test_a_group_whose_first_row_is_wrong_names_its_first_good_row():
    out, report = read(
        [
            participant("7", "1", "03.06.2024", "x", "1"),
            participant("8", "1", "03.06.2024", "x", "1"),
            participant("7", "1", "03.06.2024", "4", "1"),
        ]
    )
    assert [(line, values[0], [error.column for error in errors]) for line, values, errors in out] == [
        (2, "", ["Балл"]),
        (3, "", ["Балл"]),
        (4, "rcoi_oge:7", []),
    ]
    assert report.results == 1


CELLS = ("", " ", "1", "2", "5", "100", "4,5", "-1", "²", "٤", "1e9", "nan", "Infinity", "06.06.2023")
CELLS += ("2023.06.06", "31.02.2023", "x", "\x00", "2,0", " 2 ", "0", "22", "25", "20")


@pytest.mark.parametrize(
    "name, typed", [("rcoi.csv", ()), ("rcoi.xlsx", (None, 4.0, 2.5, float("nan"), True, 10**30))]
)
def test_random_rows_never_crash(name, typed):
    """Whatever the cells, a row is summed or said wrong; only a file-level TableError may end the reading."""
    rng = random.Random(19)
    cells = CELLS + typed
    for _ in range(1500):
        rows = [[rng.choice(cells) for _ in range(rng.randint(0, 12))] for _ in range(rng.randint(0, 5))]
        try:
            out, _ = read(rows, options={"exam": rng.choice(["", "ОГЭ", "ЕГЭ"])}, name=name)
        except TableError:
            continue
        for _line, values, errors in out:
            assert errors or values[5].isdigit()
