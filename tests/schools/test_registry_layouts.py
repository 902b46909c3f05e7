"""ФИС ОКО's registry layouts read without the ORM (#19 §1): recognition, the fields, the year, personal data."""

import io

import pytest

from core.tabular import SheetReport, XlsxWorkbook
from schools.importers.layouts import (
    CAPITAL,
    CITY,
    CONTEXT_2021,
    CONTEXT_2022,
    LOGINS,
    OTHER_LANGUAGES,
    RUSSIAN_ONLY,
    TOWN,
    VILLAGE,
    address_municipalities,
    address_municipality,
    parse_value,
    read_registry,
    recognise,
)
from tests.builders.registry_files import (
    DIRECTOR,
    EMAIL,
    HEADER_2021,
    HEADER_2022_EDUCATION,
    HEADER_2022_GENERAL,
    PHONE,
    SHEET_2021,
    SHEET_2022_EDUCATION,
    SHEET_2022_GENERAL,
    School2021,
    School2022,
    form_2021_xlsx,
    form_2022_xlsx,
    logins_xlsx,
)


def read(data: bytes):
    workbook = XlsxWorkbook(io.BytesIO(data))
    return read_registry(
        [(name, lambda name=name: iter(workbook.rows(name))) for name in workbook.sheet_names]
    )


@pytest.mark.parametrize(
    ("header", "layout"),
    [
        (["логин", "имя", "регион"], LOGINS),
        (["Логин ", "Имя", "Регион", "", ""], LOGINS),
        (list(HEADER_2021), CONTEXT_2021),
        (list(HEADER_2022_GENERAL), CONTEXT_2022),
        (list(HEADER_2022_EDUCATION), CONTEXT_2022),
        (["Код ОО", "Наименование", "Муниципалитет"], None),  # the portal's own template
        (["логин", "Название ОО"], None),  # no school year in the header: not the 2021 form
        (
            ["Пользователь", "Код региона", "Регион", "Муниципалитет", "Школа", "Дата загрузки", "1 (1б)"],
            None,
        ),
    ],
)
def test_recognise(header, layout):
    assert recognise(header) == layout


@pytest.mark.parametrize(
    ("kind", "text", "value"),
    [
        ("settlement_type", "1. Столица субъекта РФ", CAPITAL),
        ("settlement_type", "1) Административный центр субъекта РФ", CAPITAL),
        ("settlement_type", "2. Город", CITY),
        ("settlement_type", "2) Город", CITY),
        (
            "settlement_type",
            "3) Населенный пункт городского типа (рабочий поселок, поселок городского типа и пр.)",
            TOWN,
        ),
        ("settlement_type", "4. Населенный пункт сельского типа (село, хутор, деревня и пр.)", VILLAGE),
        ("settlement_size", "1. Менее 1 тыс. человек", 1),
        ("settlement_size", "3. 5–10 тыс. чел", 3),
        ("settlement_size", "8) Более 680 тыс. человек", 8),
        ("language", "1) Только на русском языке", RUSSIAN_ONLY),
        ("language", "2) В том числе на другом языке (других языках)", OTHER_LANGUAGES),
        ("bool", "Да", True),
        ("bool", "Нет", False),
        ("int", "163", 163),
        ("int", "", None),
    ],
)
def test_parse_value(kind, text, value):
    assert parse_value(kind, text) == value


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        ("settlement_type", "5. Иное"),
        ("settlement_size", "9) Мегаполис"),
        ("int", "много"),
        ("int", "-3"),
        ("bool", "?"),
    ],
)
def test_parse_value_refuses(kind, text):
    with pytest.raises(ValueError):
        parse_value(kind, text)


def test_logins_list():
    parsed = read(
        logins_xlsx(
            [("sch224145", "МБОУ СОШ №7", "г. Алейск"), ("ksh220001", "КГБОУ «Школа»", "Целинный район")]
        )
    )
    assert (parsed.layout, parsed.year) == (LOGINS, None)
    assert [(e.login, e.name, e.municipality, e.line, e.context) for e in parsed.entries] == [
        ("sch224145", "МБОУ СОШ №7", "г. Алейск", 2, None),
        ("ksh220001", "КГБОУ «Школа»", "Целинный район", 3, None),
    ]
    (report,) = parsed.sheets
    assert (report.sheet, report.status, report.header_row, report.rows) == ("Лист1", SheetReport.READ, 1, 2)
    assert report.columns == {"Логин": "логин", "Наименование": "имя", "Муниципалитет": "регион"}


def test_form_2021_reads_context_and_year_and_no_personal_data():
    school = School2021(
        "sch224052",
        'МБОУ "Воеводская СОШ"',
        "Муниципальное бюджетное общеобразовательное учреждение «Воеводская средняя общеобразовательная школа»",
        "659444, Алтайский край, Целинный район, с. Воеводское, пер. Школьный, 5",
        adapted=None,
    )
    parsed = read(form_2021_xlsx([school]))
    assert (parsed.layout, parsed.year) == (CONTEXT_2021, 2021)
    assert (
        parsed.year_origin
        == "из заголовка «…2020/2021 учебном году…»: 2020/2021 учебный год, данные весны 2021 года"
    )
    (entry,) = parsed.entries
    assert (entry.sheet, entry.line, entry.login, entry.municipality) == (SHEET_2021, 2, "sch224052", "")
    assert entry.context == {
        "settlement_type": VILLAGE,
        "settlement_size": 1,
        "settlement_name": "Озёрки",
        "pupils": 120,
        "special_school": False,
        "boarding_school": False,
        "cohort": "2006 г. р.",
        "cohort_pupils": 12,  # an empty «из них по АОП» cell is no figure, not 0
        "teachers": 15,
        "teachers_highest": 6,
        "teachers_under_30": 2,
        "teachers_pension_age": 3,
        "classrooms": 14,
        "classrooms_with_computer": 12,
        "classrooms_with_projector": 9,
        "computers": 20,
        "computers_outdated": 5,
        "computers_online": 18,
        "internet_speed": "26–50 Мбит/с",
    }
    (report,) = parsed.sheets
    assert report.reason == (
        "Не читаются (персональные данные): «ФИО директора (полностью)», "
        '«"Телефон ОО (с указанием кода города)"», «e-mail ОО».'
    )
    assert report.origins == {"Год": parsed.year_origin}
    seen = repr(parsed)
    assert DIRECTOR not in seen and PHONE not in seen and EMAIL not in seen


def _school_2022(login="edu224052", **changes) -> School2022:
    values = dict(
        login=login,
        municipality="reg22_m056 | Целинный муниципальный район",
        school_name='МБОУ "Воеводская СОШ "',
        full_name='МБОУ "Воеводская средняя общеобразовательная школа"',
        short_name='МБОУ "Воеводская сош"',
        inn=2287003893,
        oge=5811,
        ege="5811",
    )
    values.update(changes)
    return School2022(**values)


def test_form_2022_merges_its_two_sheets_by_login():
    first = _school_2022()
    second = _school_2022(
        "edu224058", school_name="МБОУ «Побединская СОШ»", inn="2287005705", oge="нет", ege="-"
    )
    # The second sheet lists the schools in another order.
    parsed = read(form_2022_xlsx([first, second], education=[second, first]))
    assert (parsed.layout, parsed.year) == (CONTEXT_2022, 2022)
    assert [(r.sheet, r.status, r.rows) for r in parsed.sheets] == [
        (SHEET_2022_GENERAL, SheetReport.READ, 2),
        (SHEET_2022_EDUCATION, SheetReport.READ, 2),
    ]
    one, two = parsed.entries
    assert (one.login, one.name, one.municipality, one.inn, one.rcoi_oge, one.rcoi_ege) == (
        "edu224052",
        'МБОУ "Воеводская СОШ "',
        "reg22_m056 | Целинный муниципальный район",
        "2287003893",
        "5811",
        "5811",
    )
    assert one.lines == {SHEET_2022_GENERAL: 2, SHEET_2022_EDUCATION: 3}
    assert (two.inn, two.rcoi_oge, two.rcoi_ege) == ("2287005705", "", "")  # «нет», «-»: no code
    assert one.context == {
        "settlement_type": VILLAGE,
        "settlement_size": 2,
        "adapted_programmes": True,
        "special_school": False,
        "deep_study": True,
        "language": RUSSIAN_ONLY,
        "pupils": 163,
        "cohort": "2006–2007 г. р.",
        "cohort_pupils": 23,  # 11 + 12
        "cohort_adapted": 1,  # 1 + an empty cell
        "teachers": 17,
        "teachers_5_9": 15,
        "teachers_first_highest": 12,
    }


def test_bad_cells_are_errors_naming_sheet_row_and_column():
    parsed = read(form_2022_xlsx([_school_2022(size="9) Мегаполис", pupils="много")]))
    (entry,) = parsed.entries
    assert [(e.sheet, e.row, e.column) for e in entry.errors] == [
        (SHEET_2022_GENERAL, 2, "Размер населённого пункта"),
        (SHEET_2022_EDUCATION, 2, "Обучающихся"),
    ]


def test_a_login_twice_is_an_error():
    parsed = read(logins_xlsx([("sch1", "А", "Р"), ("SCH1", "Б", "Р")]))
    assert [e.message for entry in parsed.entries for e in entry.errors] == [
        "Логин «SCH1» уже встречался: лист «Лист1», строка 2."
    ]


def test_a_template_file_is_not_a_registry_file():
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["Код ОО", "Наименование", "Муниципалитет"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert read(buffer.getvalue()) is None


@pytest.mark.parametrize(
    ("address", "phrases"),
    [
        (
            "658015, Алтайский край, Тальменский район, село Озерки, ул. Майская, 100",
            ["край Тальменский район", "Тальменский район"],
        ),
        ("658130, Алтайский край, город Алейск, ул. Им.В.Олешко, 70", ["г. Алейск", "г. край"]),
        ("658480, Алтайский край, г.Змеиногорск, ул.Ленина, 30", ["г. Змеиногорск", "г. край"]),
        ("656008, Алтайский край, Барнаул г, Анатолия ул, д. 193", ["г. Анатолия", "г. Барнаул"]),
        ("659780, Алтайский край, Родинский р-он, с.Родино", ["край Родинский район", "Родинский район"]),
        ("658870, Алтайский край, ННР, с. Гальбштадт", []),
    ],
)
def test_address_municipalities(address, phrases):
    assert address_municipalities(address) == phrases


# A part of Altai's registry as the login list names it (id -> name).
ALTAI = {
    1: "Благовещенский район",
    2: "Павловский район",
    3: "Каменский район",
    4: "Немецкий национальный район",
    5: "г. Барнаул",
    6: "г. Славгород",
    7: "ЗАТО Сибирский",
    8: "Тальменский район",
    9: "Алейский район",
    10: "г. Алейск",
    11: "Локтевский район",
    12: "Михайловский район",
    13: "Усть-Пристанский район",
}


@pytest.mark.parametrize(
    ("address", "found"),
    [
        # the real 2021 form's addresses (Altai), each rule once
        ("658015, Алтайский край, Тальменский район, село Озерки", (8, "по адресу: «Тальменский район»")),
        ("658130, Алтайский край, город Алейск, ул. Олешко, 70", (10, "по адресу: «г. Алейск»")),
        ("658119, Алейский р-н, с. Толстая Дуброва", (9, "по адресу: «Алейский район»")),
        ("658119, Алейский м.р., с. Толстая Дуброва", (9, "по адресу: «Алейский район»")),
        ("656000, Алтайский край, г.о. Барнаул, ул. Ленина, 1", (5, "по адресу: «г. Барнаул»")),
        ("658430 Алтайский край, Локтевскийрайон, п. Масальский", (11, "по адресу: «Локтевский район»")),
        ("658032, Алтайский край, Тальменский раонй, с. Ларичиха", (8, "по адресу: «Тальменский район»")),
        ("656015 Барнаул, пр-т Ленина,68", (5, "по адресу: «г. Барнаул» (написано «барнаул»)")),
        ("658076 ЗАТО Сибирский в/ч 52929", (7, "по адресу: «ЗАТО Сибирский» (написано «зато сибирский»)")),
        (
            "658870, Алтайский край, ННР, с. Гальбштадт",
            (4, "по адресу: «ННР» — «Немецкий национальный район»"),
        ),
        (
            "659001, Алтайский край, Павлорвский район, с. Павловск",
            (2, "по адресу с опечаткой: «Павлорвский район» — «Павловский район»"),
        ),
        (
            "658119, Алейчкий район, Алтайский край, с. Толстая Дуброва",
            (9, "по адресу с опечаткой: «Алейчкий район» — «Алейский район»"),
        ),
        (
            "659582 Алтайский край, Усть Пристанский район, с. Нижняя Гусиха",
            (13, "по адресу с опечаткой: «Усть Пристанский район» — «Усть-Пристанский район»"),
        ),
        ("656902, г.Банаул, пос.Лесной, 14а", (5, "по адресу с опечаткой: «г. Банаул» — «г. Барнаул»")),
        (
            "658671, Алтайскиу край, р.п. Благовещенка, пер. Мелиоративный, 1",
            (1, "по адресу: «Благовещенка» — центр района «Благовещенский район»"),
        ),
        (
            "658670 Алтайский край р.пБлаговещенка пер.Колхлзный 114",
            (1, "по адресу: «Благовещенка» — центр района «Благовещенский район»"),
        ),
        (
            "658700, Алтайский край, г. Камень-на-Оби, ул. Пушкина, 22",
            (3, "по адресу: «Камень-на-Оби» — центр района «Каменский район»"),
        ),
        # no rule gives one municipality: none
        ("ул.Короленко 13,656056", (None, "")),
        ("658049.0", (None, "")),
        ("659651 село Алтайское ул.Белокурихинская, 6", (None, "")),  # a village: not taken for a centre
        ("658000, с. Михайловка", (None, "")),  # a village named like a district is not its centre
        (
            "658423, Алтайский край, г. Горняк, ул. Больничная, 18",
            (None, ""),
        ),  # a town no district is named after
        ("658000, Рубцовский район", (None, "")),  # a district three letters off any: not guessed
    ],
)
def test_address_municipality(address, found):
    assert address_municipality(address, ALTAI) == found


def test_address_municipality_never_guesses_between_two():
    two = {1: "Павловский район", 2: "Панловский район"}
    assert address_municipality("659001, Павлорвский район", two) == (None, "")
    assert address_municipality("656000, НР, ул. Мира", {1: "Новый район", 2: "Народный район"}) == (None, "")
