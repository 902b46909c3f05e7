"""Property-based fuzzing of every importer (issue #9): random and malformed rows, wrong encodings, huge cells,
odd Excel cells and plain garbage go through the upload flow (validate → preview → confirm) and must never
crash it; either the file is valid and applying it writes everything in one go, or the user gets errors —
non-empty Russian messages tied to a row and a column — and the database is exactly as before.

The registry (core.imports.IMPORTERS) is iterated, so a new importer is fuzzed as soon as it gets a FuzzSpec
below, and test_every_importer_has_a_fuzz_spec fails until it has one.

Every example runs in a savepoint that is rolled back: examples do not see each other's writes, so a
derandomized run is deterministic. Files stay under IMPORT_ASYNC_THRESHOLD_BYTES in the service tests; the
HTTP test lowers the threshold now and then to take the background (Celery, eager in tests) path as well.
"""

import csv
import datetime
import io
import re
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.urls import reverse
from hypothesis import HealthCheck, assume, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

import core.imports as imports
from core.errors import ApplicationError
from core.imports import (
    IMPORTERS,
    NOTHING_TO_CHANGE,
    changes_nothing,
    import_batch_apply,
    import_batch_confirm,
    import_batch_submit,
)
from core.models import ImportBatch
from core.tabular import parse_date
from diagnostics import services as diagnostics_services
from diagnostics.models import Campaign, CompetenceBlock, DiagnosticResult
from roadmaps.models import Roadmap, RoadmapItem
from schools.models import (
    Municipality,
    Procedure,
    ProcedureKind,
    ProfessionalCourse,
    Region,
    Result,
    School,
    Subject,
    Teacher,
    VprScale,
)
from schools.results_import import importer
from schools.results_import.layouts import fisoko
from schools.results_import.layouts.template import USER_COLUMNS

pytestmark = pytest.mark.django_db

HUGE = 100_000  # characters in a «huge» cell
CYRILLIC = re.compile(r"[А-Яа-яЁё]")
D = datetime.date


def fuzz_settings(max_examples: int):
    return hypothesis_settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        database=None,
        print_blob=True,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
            HealthCheck.filter_too_much,
        ],
    )


# --- the data the fixture creates (constants, so that strategies can name them) --------------------------

TEACHERS = (  # (school code, last, first, middle)
    ("sch610001", "Журавлёва", "Анна", "Сергеевна"),
    ("sch610001", "Воробьёва", "Ольга", "Ивановна"),
    ("sch610001", "Кузнецов", "Алексей", "Викторович"),
    ("sch610002", "Арбузова", "Анна", "Сергеевна"),
    ("sch610101", "Соловьёва", "Анна", "Сергеевна"),  # another municipality: outside a methodist's scope
)
ROADMAP_YEAR = 2027


@dataclass
class Fuzz:
    world: object
    roadmap: Roadmap
    campaign: Campaign
    blocks: list[tuple[str, Decimal]]


@pytest.fixture
def no_flags(monkeypatch):
    """The flag engine (queued after a results import commits) is not what is fuzzed here."""
    monkeypatch.setattr(importer, "_queue_flags_recompute", lambda years, region_id: None)


@pytest.fixture
def fz(world, media, no_flags) -> Fuzz:
    for code, last, first, middle in TEACHERS:
        Teacher.objects.create(
            school=School.objects.get(code=code), last_name=last, first_name=first, middle_name=middle
        )
    first = Teacher.objects.get(last_name="Журавлёва")
    ProfessionalCourse.objects.create(
        teacher=first,
        title="Функциональная грамотность",
        provider="РИПК",
        hours=36,
        start_date=D(2024, 1, 15),
        end_date=D(2024, 2, 2),
    )
    roadmap = Roadmap.objects.create(
        municipality=world.mun_a,
        title="Дорожная карта Обливского района",
        period_start=D(ROADMAP_YEAR, 1, 1),
        period_end=D(ROADMAP_YEAR, 12, 31),
    )
    RoadmapItem.objects.create(roadmap=roadmap, number="1", position=1, activity="Совещание")
    campaign = diagnostics_services.campaign_create(
        municipality=world.mun_a,
        name="Диагностика, январь",
        instrument="Анкета",
        start_date=D(2026, 1, 12),
        end_date=D(2026, 1, 30),
        schools=[world.school_a1, world.school_a2],
        user=world.users["methodist"],
    )
    blocks = list(campaign.blocks.order_by("position", "pk"))
    DiagnosticResult.objects.create(campaign=campaign, teacher=first, block=blocks[0], score=Decimal(50))
    kind = ProcedureKind.objects.get(code="ВПР")
    subject = Subject.objects.create(name="Математика", normalized_name="математика")
    procedure = Procedure.objects.create(kind=kind, subject=subject, grade=5, year=2024)
    Result.objects.create(school=world.school_a1, procedure=procedure, participants=27, failed=5)
    return Fuzz(world, roadmap, campaign, [(block.name, block.max_score) for block in blocks])


# What any import may write: compared, row by row, before and after every step that must not write.
WATCHED = (
    Region,
    VprScale,
    Municipality,
    School,
    Subject,
    Procedure,
    Result,
    Teacher,
    Teacher.subjects.through,
    ProfessionalCourse,
    Campaign,
    CompetenceBlock,
    DiagnosticResult,
    Roadmap,
    RoadmapItem,
)


def snapshot() -> dict[str, tuple[int, str]]:
    """Per watched table: the number of rows and a digest of all of them (one query on PostgreSQL)."""
    if connection.vendor != "postgresql":
        return {
            model._meta.label: (model.objects.count(), repr(list(model.objects.order_by("pk").values_list())))
            for model in WATCHED
        }
    quote = connection.ops.quote_name
    parts = [  # identifiers are the models' own table and column names
        f"SELECT {index}, count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t.{quote(model._meta.pk.column)}), ''))"  # noqa: S608
        f" FROM {quote(model._meta.db_table)} t"
        for index, model in enumerate(WATCHED)
    ]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts))
        return {WATCHED[index]._meta.label: (rows, digest) for index, rows, digest in cursor.fetchall()}


def counts(state: dict[str, tuple[int, str]]) -> dict[str, int]:
    return {label: rows for label, (rows, _digest) in state.items()}


# --- cell strategies -------------------------------------------------------------------------------------

NASTY_TEXT = [
    "",
    " ",
    "\x00",
    "sch610001\x00",
    "a\x00b",
    "\t",
    "\r",
    "\n",
    "\r\n",
    "\x0b\x0c\x1c\x1d\x1e\x85",
    "\x1b[31mred",
    "\x7f",
    "\u200b",
    "\ufeff",
    "\u00a0",
    "\u2028",
    "😀",
    "👩‍👩‍👧",
    "\u202eоборот",
    "עברית",
    "مرحبا",
    "Ω≈ç√",
    "Ｓｃｈ６１０００１",
    "1 200",
    "1\u00a0200",
    "1,5",
    "1.5",
    "12.0",
    "12,00",
    "3,256",
    "-1",
    "-0",
    "+5",
    "0",
    "00",
    "1e3",
    "1E400",
    "NaN",
    "nan",
    "inf",
    "-Infinity",
    "99999999999",
    "2147483647",
    "2147483648",
    "-2147483649",
    "9223372036854775808",
    "9" * 40,
    "9" * 5000,
    "٣",
    "٣٣",
    "²",
    "¹²",
    "１２",
    "߀",
    "Ⅻ",
    "31.02.2024",
    "29.02.2023",
    "2024-13-01",
    "0000-01-01",
    "0001-01-01",
    "9999-12-31",
    "01/02/03",
    "15.01.2024 г.",
    "2024-01-15T10:30:00",
    "45000",
    "1.1.1",
    "32.01.2024",
    "00.00.0000",
    "٠١.٠١.٢٠٢٤",
    "=1+1",
    "=cmd|' /C calc'!A0",
    "@SUM(A1)",
    "'",
    '"',
    '""',
    '"unterminated',
    "a;b",
    "a,b",
    '"a";"b"',
    "NULL",
    "None",
    "true",
    "да",
    "ДА",
    "<script>alert(1)</script>",
    "{{ 7*7 }}",
    "%s%s%n",
    "(sch610001) МБОУ «Каштановская СОШ»",
    "Группы участников",
    "Максимальный первичный балл: " + "9" * 5000,
    "Класс: ²",
]
HUGE_CELLS = st.sampled_from(["x", "Я", "1", "9", "😀", " ", "\x00", ";", '"', "а-", "\r\n"]).map(
    lambda text: (text * HUGE)[:HUGE]
)
DATES_ODD = st.dates(min_value=D(1, 1, 1), max_value=D(9999, 12, 31)).flatmap(
    lambda d: st.sampled_from(
        [
            d.isoformat(),
            f"{d.day:02}.{d.month:02}.{d.year:04}",
            f"{d.day}/{d.month}/{d.year}",
            f"{d.month:02}.{d.day:02}.{d.year}",
            f"{d.day:02}.{d.month:02}.{d.year % 100:02}",
            f"{d.year}{d.month:02}{d.day:02}",
        ]
    )
)
NUMBERS_ODD = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.integers(min_value=0, max_value=10**12).map(lambda n: f"{n:,}".replace(",", " ")),
    st.integers(min_value=0, max_value=10**12).map(lambda n: f"{n:,}"),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
)
NASTY_CELL = st.one_of(
    st.sampled_from(NASTY_TEXT),
    st.text(max_size=40),
    st.text(st.characters(categories=["Cc", "Cf", "Zs", "Zl", "Zp", "Nd", "No", "Mn"]), max_size=12),
    NUMBERS_ODD,
    DATES_ODD,
    HUGE_CELLS,
)


# --- valid rows, per importer ---------------------------------------------------------------------------


def _date_text(day: D) -> st.SearchStrategy[str]:
    return st.sampled_from([f"{day:%d.%m.%Y}", day.isoformat(), f"{day:%d/%m/%Y}"])


@st.composite
def school_row(draw) -> list:
    return [
        draw(
            st.sampled_from(["sch610001", "sch610002", "sch610101"])
            | st.from_regex(r"sch9[0-9]{3}", fullmatch=True)
        ),
        draw(st.sampled_from(["МБОУ «Каштановская СОШ»", "МБОУ СОШ № 2", "Гимназия имени А. С. Пушкина"])),
        draw(st.sampled_from(["Обливский район", "Обливский район", "Тацинский район", "Новый район"])),
        draw(st.sampled_from(["", "МБОУ СОШ № 2", "Школа"])),
        draw(st.sampled_from(["", "СОШ", "ООШ", "лицей", "средняя общеобразовательная школа"])),
        draw(st.sampled_from(["", "х. Каштановский, ул. Школьная, 1"])),
        draw(st.sampled_from(["", "Иванова Мария Петровна"])),
    ]


@st.composite
def result_row(draw) -> list:
    participants = draw(st.integers(0, 60))
    failed = draw(st.integers(0, participants))
    rest = participants - failed
    marks_3 = draw(st.integers(0, rest))
    marks_4 = draw(st.integers(0, rest - marks_3))
    marks_5 = draw(st.integers(0, rest - marks_3 - marks_4))
    with_marks = draw(st.booleans())
    return [
        draw(st.sampled_from(["sch610001", "sch610002", "SCH610001", "sch610101"])),
        draw(st.sampled_from(["2024", "2023"])),
        draw(st.sampled_from(["ВПР", "ОГЭ", "ЕГЭ", "впр"])),
        draw(st.sampled_from(["Математика", "Русский язык", "математика "])),
        str(draw(st.integers(4, 11))),
        str(participants),
        str(failed),
        str(marks_3) if with_marks else "",
        str(marks_4) if with_marks else "",
        str(marks_5) if with_marks else "",
        draw(st.sampled_from(["", "3,26", "4.5", "52"])),
    ]


NAME_POOL = ["Иванова", "Петров", "Анна-Мария", "Д’Артаньян", "Мария", "Сергеевна", "оглы"]


@st.composite
def teacher_row(draw) -> list:
    return [
        draw(st.sampled_from(["sch610001"] * 3 + ["sch610002", "sch610101"])),
        draw(st.sampled_from(NAME_POOL + ["Журавлёва"])),
        draw(st.sampled_from(NAME_POOL + ["Анна"])),
        draw(st.sampled_from(["", *NAME_POOL])),
        draw(st.sampled_from(["", "учитель", "заместитель директора по УВР"])),
        draw(st.sampled_from(["", "Математика, Информатика", "Русский язык; Литература", "Физика"])),
        draw(st.sampled_from(["", "высшая", "первая", "СЗД", "нет"])),
        draw(st.sampled_from(["", "0", "18", "70"])),
        draw(st.sampled_from(["", "да", "нет"])),
    ]


@st.composite
def course_row(draw) -> list:
    code, last, first, middle = draw(st.sampled_from(TEACHERS))
    start = draw(st.dates(min_value=D(2019, 1, 1), max_value=D(2025, 12, 1)))
    end = start + datetime.timedelta(days=draw(st.integers(0, 40)))
    return [
        code,
        draw(
            st.sampled_from(
                [f"{last} {first} {middle}", f"{last} {first}", f"{last.upper()} {first} {middle}"]
            )
        ),
        draw(st.sampled_from(["Функциональная грамотность", "Обновлённые ФГОС ООО", "Цифровая среда"])),
        draw(st.sampled_from(["РИПК", "ФГАОУ ДПО «Академия Минпросвещения России»"])),
        str(draw(st.integers(1, 2000))),
        draw(_date_text(start)),
        draw(_date_text(end)),
        draw(st.sampled_from(["", "612400012345"])),
    ]


@st.composite
def vpr_scale_row(draw) -> list:
    # Mostly a valid ascending scale; sometimes bounds out of order or beyond the maximum (refused by the rule).
    three = draw(st.integers(1, 30))
    four = three + draw(st.integers(-2, 10))
    five = four + draw(st.integers(-2, 10))
    return [
        str(draw(st.integers(2018, 2027))),
        draw(st.sampled_from(["Математика", "Русский язык", "История", "математика", "Окружающий мир"])),
        str(draw(st.integers(4, 11))),
        str(three),
        str(four),
        str(five),
        str(max(five, 1) + draw(st.integers(-1, 15))),
        draw(st.sampled_from(["", "ФИОКО, рекомендации по переводу баллов"])),
    ]


@st.composite
def diagnostics_row(draw) -> list:
    # Mostly teachers of the campaign's schools; Соловьёва's school does not take part.
    code, last, first, middle = draw(st.sampled_from(TEACHERS[:4] * 3 + TEACHERS[4:]))
    scores = [
        draw(st.sampled_from(["", ""]) | st.integers(0, 10000).map(lambda n: f"{n // 100},{n % 100:02}"))
        for _ in range(6)
    ]
    return [code, draw(st.sampled_from([f"{last} {first} {middle}", f"{last} {first}"])), *scores]


@st.composite
def roadmap_row(draw) -> list:
    start = draw(st.none() | st.dates(min_value=D(ROADMAP_YEAR, 1, 1), max_value=D(ROADMAP_YEAR, 12, 31)))
    end = None
    if draw(st.booleans()):
        end = (start or D(ROADMAP_YEAR, 1, 1)) + datetime.timedelta(days=draw(st.integers(0, 200)))
    return [
        draw(st.integers(1, 30).map(str) | st.sampled_from(["1.", "2.1"])),
        draw(st.sampled_from(["Совещание", "Утверждение плана мероприятий", "Адресная помощь школам"])),
        draw(st.sampled_from(["", "Март 2027", "в течение года", "март–апрель", "до 15 мая 2027"])),
        draw(_date_text(start)) if start else "",
        draw(_date_text(end)) if end else "",
        draw(st.sampled_from(["", "Отдел образования, РМК"])),
        draw(st.sampled_from(["", "приказ", "аналитическая справка", "Консультации"])),
        draw(st.sampled_from(["", "доля педагогов"])),
    ]


VALID = "valid"  # an option's placeholder: replaced by the fixture's roadmap or campaign number


@dataclass(frozen=True)
class FuzzSpec:
    """How to make plausible files for one importer."""

    header: tuple[str, ...]  # a valid header, in the order of ``row``'s cells
    row: st.SearchStrategy  # a plausible data row (valid or wrong for business reasons only)
    primary: type  # the model whose rows «created» counts
    users: tuple[str, ...] = ("methodist", "regional_methodist")
    options: st.SearchStrategy = st.just({})
    extra_labels: frozenset[str] = frozenset()  # error columns besides the importer's column labels
    valid_options: dict = field(default_factory=dict)  # what a correct upload gives for the options
    key: Callable[[list], object] = lambda row: tuple(row)  # what the importer matches a row by
    example: tuple[str, ...] = ()  # a row that imports cleanly (the base of the column sweep)

    def rows(self, **sizes) -> st.SearchStrategy[list[list]]:
        """Plausible rows, each of another thing (the importer refuses a repeated one)."""
        return st.lists(self.row, unique_by=self.key, **sizes).map(lambda rows: [list(row) for row in rows])


def _number_option(name: str) -> st.SearchStrategy:
    return st.sampled_from([{name: VALID}] * 6 + [{}, {name: 999_999}, {name: 10**12}, {name: 1}])


SPECS: dict[str, FuzzSpec] = {
    "schools": FuzzSpec(
        header=(
            "Код ОО",
            "Наименование",
            "Муниципалитет",
            "Краткое наименование",
            "Тип",
            "Адрес",
            "Директор",
        ),
        row=school_row(),
        primary=School,
        example=(
            "sch900001",
            "МБОУ СОШ № 9",
            "Обливский район",
            "СОШ № 9",
            "СОШ",
            "ул. Школьная, 1",
            "Иванова Мария Петровна",
        ),
        key=lambda row: row[0].lower(),
    ),
    "results": FuzzSpec(
        header=tuple(column.label for column in USER_COLUMNS),
        row=result_row(),
        primary=Result,
        # the optional columns after «Средний балл» (school name and municipality, ЕГЭ extras, ВПР details) empty
        example=(
            ("sch610001", "2024", "ВПР", "Математика", "6", "25", "3", "10", "8", "4", "3,5")
            + ("",) * (len(USER_COLUMNS) - 11)
        ),
        key=lambda row: (row[0].lower(), row[1], row[2].lower(), row[3].strip().lower(), row[4]),
        options=st.sampled_from(
            [
                {},
                {},
                {},
                {"year": 2024, "grade": 5, "subject": "Математика"},
                {"year": 2100},
                {"subject": " "},
            ]
        ),
        extra_labels=frozenset({*fisoko.FLAT_LABELS.values(), *fisoko.REPORT_LABELS.values()}),
    ),
    "teachers": FuzzSpec(
        header=(
            "Код ОО",
            "Фамилия",
            "Имя",
            "Отчество",
            "Должность",
            "Предметы",
            "Категория",
            "Стаж",
            "Работает",
        ),
        row=teacher_row(),
        primary=Teacher,
        example=("sch610001", "Иванова", "Мария", "Петровна", "учитель", "Математика", "высшая", "18", "да"),
        key=lambda row: (row[0], row[1].lower(), row[2].lower(), row[3].lower()),
        users=("methodist", "regional_methodist", "school_admin"),
    ),
    "courses": FuzzSpec(
        header=(
            "Код ОО",
            "ФИО педагога",
            "Тема курса",
            "Организация",
            "Часов",
            "Начало",
            "Окончание",
            "Удостоверение",
        ),
        row=course_row(),
        primary=ProfessionalCourse,
        example=(
            "sch610001",
            "Журавлёва Анна Сергеевна",
            "Цифровая среда",
            "РИПК",
            "72",
            "01.02.2024",
            "10.02.2024",
            "6124",
        ),
        key=lambda row: (row[0], row[1].split()[0].lower(), row[2], parse_date(row[5]), parse_date(row[6])),
        users=("methodist", "regional_methodist", "school_admin"),
    ),
    "diagnostics": FuzzSpec(
        header=(
            "Код ОО",
            "ФИО педагога",
            "Предметный",
            "Методический",
            "Психолого-педагогический",
            "Нормативно-правовой",
            "Коммуникативный",
            "Цифровой",
        ),
        row=diagnostics_row(),
        primary=DiagnosticResult,
        example=("sch610001", "Журавлёва Анна Сергеевна", "72", "55,5", "80", "64", "90", "41"),
        key=lambda row: (row[0], row[1].split()[0]),
        options=_number_option("campaign"),
        valid_options={"campaign": VALID},
    ),
    "vpr_scales": FuzzSpec(
        header=("Год", "Предмет", "Класс", "«3» от", "«4» от", "«5» от", "Максимальный балл", "Источник"),
        row=vpr_scale_row(),
        primary=VprScale,
        # Scales serve every region: only a methodologist with a region-wide grant loads them (VprScalePolicy).
        users=("regional_methodist",),
        example=("2026", "Математика", "5", "7", "11", "15", "20", "ФИОКО"),
        key=lambda row: (row[0], row[1].lower(), row[2]),
    ),
    "roadmap_items": FuzzSpec(
        header=(
            "№",
            "Мероприятие",
            "Сроки",
            "Начало",
            "Окончание",
            "Ответственные",
            "Ожидаемый результат",
            "Целевой показатель",
        ),
        row=roadmap_row(),
        primary=RoadmapItem,
        example=("7", "Совещание", "", "01.03.2027", "31.03.2027", "РМК", "приказ", "доля педагогов"),
        key=lambda row: row[0].rstrip("."),
        options=_number_option("roadmap"),
        valid_options={"roadmap": VALID},
    ),
}


def spec_for(kind: str) -> FuzzSpec:
    if kind not in SPECS:
        pytest.fail(
            f"Импортёр «{kind}» зарегистрирован, но для него нет стратегии фаззинга: добавьте FuzzSpec в SPECS "
            "(tests/core/test_import_fuzz.py)."
        )
    return SPECS[kind]


def resolve_options(options: dict, fz: Fuzz) -> dict:
    numbers = {"roadmap": fz.roadmap.pk, "campaign": fz.campaign.pk}
    return {key: numbers[key] if value == VALID else value for key, value in options.items()}


# --- files -----------------------------------------------------------------------------------------------


@dataclass
class Upload:
    name: str
    data: bytes
    max_row: int  # no error may point below this row of the file
    note: str = ""  # what kind of file it is, for the report of a failing example
    options: dict = field(default_factory=dict)

    def __repr__(self) -> str:  # a 100 KB cell would drown the report of a failing example
        head = self.data[:300]
        return f"Upload({self.note}, name={self.name!r}, {len(self.data)} bytes, options={self.options}, data={head!r}…)"


@st.composite
def header_variant(draw, spec: FuzzSpec) -> list[str]:
    header = list(spec.header)
    variant = draw(
        st.sampled_from(["as is"] * 5 + ["shuffled", "duplicated", "missing", "unknown", "case", "junk"])
    )
    if variant == "shuffled":
        header = draw(st.permutations(header))
    elif variant == "duplicated":
        header.append(draw(st.sampled_from(header)))
    elif variant == "missing":
        del header[draw(st.integers(0, len(header) - 1))]
    elif variant == "unknown":
        header.insert(
            draw(st.integers(0, len(header))), draw(st.sampled_from(["Примечание", "Unnamed: 3", "₽"]))
        )
    elif variant == "case":
        header = [f"  «{title.upper()}» " for title in header]
    elif variant == "junk":
        header[draw(st.integers(0, len(header) - 1))] = draw(NASTY_CELL)
    return header


@st.composite
def table(draw, spec: FuzzSpec) -> tuple[list[str], list[list]]:
    """A header and rows: plausible rows, then some cells and rows broken."""
    header = draw(header_variant(spec))
    rows = draw(spec.rows(min_size=1, max_size=6))  # a file of a header alone is among junk_upload's
    for _ in range(draw(st.integers(0, 3))):
        if not rows:
            break
        row = rows[draw(st.integers(0, len(rows) - 1))]
        if not row:
            continue
        action = draw(st.sampled_from(["cell", "cell", "cell", "short", "long", "blank", "copy"]))
        if action == "cell":
            row[draw(st.integers(0, len(row) - 1))] = draw(NASTY_CELL)
        elif action == "short":
            del row[draw(st.integers(0, len(row) - 1)) :]
        elif action == "long":
            row.extend(draw(st.lists(NASTY_CELL, min_size=1, max_size=3)))
        elif action == "blank":
            rows.insert(draw(st.integers(0, len(rows))), [""] * draw(st.integers(0, 3)))
        else:
            rows.append(list(row))
    # One huge cell at most per file: a file stays well under the async threshold, even in UTF-16.
    huge = [(r, c) for r, row in enumerate(rows) for c, cell in enumerate(row) if len(str(cell)) > 1000]
    for r, c in huge[1:]:
        rows[r][c] = str(rows[r][c])[:1000]
    return header, rows


# Hypothesis leans to the first choices and to small numbers: the ordinary case comes first, the rare one last.
ENCODINGS = ["utf-8"] * 5 + ["cp1251", "utf-8-sig", "cp1251", "utf-16", "utf-16-le", "utf-16-be", "latin-1"]


@st.composite
def csv_upload(draw, spec: FuzzSpec) -> Upload:
    header, rows = draw(table(spec))
    delimiter = draw(st.sampled_from([";", ";", ",", "\t"]))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    quoted = draw(st.sampled_from(["quoted", "quoted", "raw"])) == "quoted"
    blank_before = draw(st.integers(0, 2))
    records = [[]] * blank_before + [header, *rows]
    if quoted:
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=delimiter, lineterminator=newline).writerows(records)
        text = buffer.getvalue()
    else:  # as a careless script writes it: quotes, separators and line breaks inside cells left as they are
        text = "".join(delimiter.join(str(cell) for cell in record) + newline for record in records)
    encoding = draw(st.sampled_from(ENCODINGS))
    data = text.encode(encoding, errors="replace")
    if draw(st.integers(0, 9)) == 9:
        data = data[: len(data) * draw(st.integers(0, 999)) // 1000]  # cut short, maybe inside a character
    name = draw(st.sampled_from(["data.csv", "data.csv", "ДАННЫЕ.CSV", "data.txt"]))
    # A row number counts records; a record ends at a line break, so the file has no more than this many.
    max_row = data.count(b"\n") + data.count(b"\r") + 1
    return Upload(name, data, max_row, note=f"csv {encoding} quoted={quoted} sep={delimiter!r}")


XLSX_ODD = st.one_of(
    st.dates(min_value=D(1900, 3, 1), max_value=D(9999, 12, 31)),
    st.datetimes(min_value=datetime.datetime(1900, 3, 1), max_value=datetime.datetime(9999, 12, 31)),
    st.times(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.floats(min_value=0, max_value=3000, allow_nan=False),
    st.integers(min_value=-(2**53), max_value=2**53),
    st.booleans(),
    st.sampled_from(["=1+1", "=A1/0", "=SUM(A1:A3)", "=NA()", '="sch"&"610001"', "=1/3", "=TODAY()"]),
    st.decimals(min_value=-(10**6), max_value=10**6, places=3, allow_nan=False),
    st.just(None),
    HUGE_CELLS,
    NASTY_CELL,
)


def _xlsx_value(value):
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


@st.composite
def xlsx_upload(draw, spec: FuzzSpec) -> Upload:
    header, rows = draw(table(spec))
    rows = [list(row) for row in rows]
    for _ in range(draw(st.integers(0, 4))):
        if not rows:
            break
        row = rows[draw(st.integers(0, len(rows) - 1))]
        if row:
            row[draw(st.integers(0, len(row) - 1))] = draw(XLSX_ODD)
    workbook = Workbook()
    workbook.properties.created = workbook.properties.modified = datetime.datetime(2026, 1, 1)
    sheet = workbook.active
    if draw(st.integers(0, 9)) == 9:  # the data on the second sheet: the first (read) one is empty
        sheet = workbook.create_sheet("Данные")
    blank_before = draw(st.integers(0, 2))
    for _ in range(blank_before):
        sheet.append([None])
    for record in [header, *rows]:
        sheet.append([_xlsx_value(cell) for cell in record])
    buffer = io.BytesIO()
    workbook.save(buffer)
    data = buffer.getvalue()
    if draw(st.integers(0, 14)) == 14:
        data = data[: len(data) * draw(st.integers(0, 999)) // 1000]  # a broken archive
    name = draw(st.sampled_from(["data.xlsx", "data.xlsx", "DATA.XLSX", "data.xlsm", "data.xls"]))
    return Upload(name, data, blank_before + 1 + len(rows), note="xlsx")


@st.composite
def junk_upload(draw, spec: FuzzSpec) -> Upload:
    """Not a table: random bytes, an empty file, a header and garbage, a CSV called .xlsx."""
    header = ";".join(spec.header).encode()
    data = draw(
        st.one_of(
            st.binary(max_size=4096),
            st.just(b""),
            st.just(header + b"\n"),
            st.just(b"\xef\xbb\xbf"),
            st.just(b"\xff\xfe"),
            st.binary(max_size=2048).map(lambda junk: header + b"\n" + junk),
            st.binary(max_size=2048).map(lambda junk: b"PK\x03\x04" + junk),
            st.just(header + b"\n" + b"\x00" * 5000),
            st.just(("\n".join([";".join(spec.header)] * 3)).encode("cp1251", errors="replace")),
        )
    )
    name = draw(st.sampled_from(["data.csv", "data.xlsx", "data.txt", "data.xls", "data.pdf", "data"]))
    return Upload(name, data, data.count(b"\n") + data.count(b"\r") + 1, note="junk")


def any_upload(spec: FuzzSpec) -> st.SearchStrategy[Upload]:
    return st.one_of(csv_upload(spec), xlsx_upload(spec), junk_upload(spec))


@st.composite
def one_bad_cell(draw, spec: FuzzSpec) -> Upload:
    """A clean file (header as in the template, UTF-8 or .xlsx) with exactly one bad cell: the fuzzer's
    sharpest probe — every other cell is plausible, so the bad one reaches the deepest checks."""
    rows = draw(spec.rows(min_size=1, max_size=3))
    row = rows[draw(st.integers(0, len(rows) - 1))]
    row[draw(st.integers(0, len(row) - 1))] = draw(NASTY_CELL)
    if draw(st.integers(0, 3)) == 3:
        workbook = Workbook()
        for record in [list(spec.header), *rows]:
            workbook.active.append([_xlsx_value(cell) for cell in record])
        buffer = io.BytesIO()
        workbook.save(buffer)
        return Upload("data.xlsx", buffer.getvalue(), 1 + len(rows), note="xlsx, one bad cell")
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\n").writerows([spec.header, *rows])
    data = buffer.getvalue().encode()
    return Upload("data.csv", data, data.count(b"\n") + data.count(b"\r") + 1, note="csv, one bad cell")


# --- the checks ------------------------------------------------------------------------------------------


@contextmanager
def rolled_back():
    """One example's writes are undone: the next one starts from the fixture's data."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def known_labels(kind: str, fz: Fuzz) -> set[str]:
    return {
        *(column.label for column in IMPORTERS[kind].columns),
        *spec_for(kind).extra_labels,
        *(name for name, _max in fz.blocks),
    }


def check_errors(batch: ImportBatch, upload: Upload, kind: str, fz: Fuzz) -> None:
    """Errors there are, each a Russian message tied to a row of the file and (for a row) one of its columns."""
    assert batch.errors, f"{batch.status} без единой ошибки: {upload!r}"
    assert batch.stats["errors"] >= len(batch.errors)
    labels = known_labels(kind, fz)
    for error in batch.errors:
        message, row, column = error["message"], error["row"], error["column"]
        assert isinstance(message, str) and message.strip() and CYRILLIC.search(message), error
        assert isinstance(row, int) and 0 <= row <= upload.max_row, (error, upload)
        if row:
            assert column in labels, (error, upload)
        else:
            assert column == "" or column in labels, error


def check_outcome(batch: ImportBatch, upload: Upload, kind: str, fz: Fuzz) -> None:
    assert batch.status in (ImportBatch.Status.VALIDATED, ImportBatch.Status.INVALID), (
        f"{batch.status}: {batch.errors[:3]} для {upload!r}"
    )
    if batch.status == ImportBatch.Status.INVALID:
        check_errors(batch, upload, kind, fz)
    else:
        assert not batch.errors and batch.stats["errors"] == 0
        assert min(batch.stats[key] for key in ("created", "updated", "unchanged")) >= 0


def check_applied(before: dict, preview: dict, batch: ImportBatch, kind: str) -> None:
    """A confirmed preview is written whole: what the preview announced, all of it."""
    assert batch.status == ImportBatch.Status.APPLIED, (batch.status, batch.errors[:3])
    for key in ("created", "updated", "unchanged"):
        assert batch.stats[key] == preview[key], (key, batch.stats, preview)
    primary = spec_for(kind).primary._meta.label
    after = counts(snapshot())
    assert after[primary] - counts(before)[primary] == batch.stats["created"], (after, batch.stats)


def upload_and_confirm(kind: str, upload: Upload, user, fz: Fuzz) -> ImportBatch:
    """The upload page's path without HTTP: submit (validate, the preview), then confirm."""
    before = snapshot()
    batch = import_batch_submit(
        kind=kind,
        file=io.BytesIO(upload.data),
        name=upload.name,
        size=len(upload.data),
        region=fz.world.region,
        user=user,
        options=upload.options,
    )
    check_outcome(batch, upload, kind, fz)
    assert snapshot() == before, "проверка файла (предпросмотр) изменила данные"
    if batch.status == ImportBatch.Status.VALIDATED:
        preview = dict(batch.stats)
        if changes_nothing(preview):  # the preview said «Файл ничего не изменит»: the confirmation is refused
            with pytest.raises(ApplicationError, match=re.escape(NOTHING_TO_CHANGE)):
                import_batch_confirm(batch=batch, user=user)
            assert snapshot() == before, "отказ в подтверждении изменил данные"
            return batch
        batch = import_batch_confirm(batch=batch, user=user)
        if batch.status == ImportBatch.Status.APPLIED:
            check_applied(before, preview, batch, kind)
        else:  # the data did not change in between: a valid preview must apply
            pytest.fail(f"Проверенный файл не загрузился: {batch.status} {batch.errors[:3]} {upload!r}")
    return batch


def draw_case(
    data, kind: str, fz: Fuzz, files: Callable[[FuzzSpec], st.SearchStrategy]
) -> tuple[Upload, object]:
    spec = spec_for(kind)
    upload = data.draw(files(spec), label="file")
    upload.options = resolve_options(data.draw(spec.options, label="options"), fz)
    user = fz.world.users[data.draw(st.sampled_from(spec.users), label="user")]
    return upload, user


KINDS = sorted(IMPORTERS)


def test_every_importer_has_a_fuzz_spec():
    missing = sorted(set(IMPORTERS) - set(SPECS))
    assert not missing, f"Нет стратегии фаззинга (FuzzSpec в SPECS) для импортёров: {', '.join(missing)}."
    assert set(SPECS) <= set(IMPORTERS), "В SPECS есть вид загрузки, которого нет в реестре."
    for kind, spec in SPECS.items():
        assert len(spec.example) == len(spec.header), f"{kind}: пример строки не по заголовку"
        labels = {column.label for column in IMPORTERS[kind].columns}
        unknown = [title for title in spec.header if title not in labels and kind != "diagnostics"]
        assert not unknown, f"{kind}: столбцов {unknown} нет у импортёра"


@pytest.mark.parametrize("kind", KINDS)
@fuzz_settings(max_examples=30)
@given(data=st.data())
def test_csv_fuzz(kind, fz, data):
    upload, user = draw_case(data, kind, fz, csv_upload)
    with rolled_back():
        upload_and_confirm(kind, upload, user, fz)


@pytest.mark.parametrize("kind", KINDS)
@fuzz_settings(max_examples=12)
@given(data=st.data())
def test_xlsx_fuzz(kind, fz, data):
    upload, user = draw_case(data, kind, fz, xlsx_upload)
    with rolled_back():
        upload_and_confirm(kind, upload, user, fz)


@pytest.mark.parametrize("kind", KINDS)
@fuzz_settings(max_examples=12)
@given(data=st.data())
def test_junk_fuzz(kind, fz, data):
    upload, user = draw_case(data, kind, fz, junk_upload)
    with rolled_back():
        upload_and_confirm(kind, upload, user, fz)


@pytest.mark.parametrize("kind", KINDS)
@fuzz_settings(max_examples=25)
@given(data=st.data())
def test_one_bad_cell_fuzz(kind, fz, data):
    upload, user = draw_case(data, kind, fz, one_bad_cell)
    with rolled_back():
        upload_and_confirm(kind, upload, user, fz)


# --- the upload page itself: no 500, over HTTP --------------------------------------------------------------


def form_errors(response) -> list[str]:
    form = response.context["form"]
    return [message for messages in form.errors.values() for message in messages]


@pytest.mark.parametrize("kind", KINDS)
@fuzz_settings(max_examples=10)
@given(data=st.data())
def test_upload_page_fuzz(kind, fz, client, settings, django_capture_on_commit_callbacks, data):
    """Upload → preview page → error list or confirmation → the page again, as a user clicks through it.

    Now and then the async threshold is lowered to nothing: the file then goes the background way (the
    Celery tasks, eager in tests, sent once the request's transaction commits)."""
    upload, user = draw_case(data, kind, fz, any_upload)
    background = data.draw(st.integers(0, 3), label="background") == 3
    settings.IMPORT_ASYNC_THRESHOLD_BYTES = 0 if background else imports.DEFAULT_ASYNC_THRESHOLD_BYTES
    with rolled_back():
        client.force_login(user)
        before = snapshot()
        batches = set(ImportBatch.objects.values_list("pk", flat=True))
        fields = {"file": SimpleUploadedFile(upload.name, upload.data), "region": fz.world.region.pk}
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("imports:new", args=[kind]), {**fields, **upload.options})
        assert response.status_code in (200, 302), response.status_code
        if response.status_code == 200:  # refused by the form (an empty file, an option out of range)
            messages = form_errors(response)
            assert messages and all(CYRILLIC.search(message) for message in messages), messages
            assert set(ImportBatch.objects.values_list("pk", flat=True)) == batches
            assert snapshot() == before
            return
        batch = ImportBatch.objects.exclude(pk__in=batches).get()
        assert response["Location"] == reverse("imports:detail", args=[batch.pk])
        check_outcome(batch, upload, kind, fz)
        assert snapshot() == before, "проверка файла (предпросмотр) изменила данные"
        assert client.get(reverse("imports:detail", args=[batch.pk])).status_code == 200
        if batch.status == ImportBatch.Status.INVALID:
            listing = client.get(reverse("imports:errors", args=[batch.pk]))
            assert listing.status_code == 200
            assert len(b"".join(listing.streaming_content if listing.streaming else [listing.content])) > 0
            refused = client.post(reverse("imports:apply", args=[batch.pk]))  # a forged confirmation
            assert refused.status_code == 302 and snapshot() == before
            return
        preview = dict(batch.stats)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("imports:apply", args=[batch.pk]))
        assert response.status_code == 302
        batch.refresh_from_db()
        check_applied(before, preview, batch, kind)
        assert client.get(reverse("imports:detail", args=[batch.pk])).status_code == 200


# --- applying is atomic: a failure after the importer wrote leaves nothing behind ----------------------------


@pytest.mark.parametrize("kind", KINDS)
@fuzz_settings(max_examples=6)
@given(data=st.data())
def test_apply_is_all_or_nothing(kind, fz, monkeypatch, data):
    """The importer has written its rows when recording the batch fails: nothing of the file stays, the batch
    says «сбой» in Russian. (An importer that committed on its own, or wrote outside the transaction, fails.)"""
    spec = spec_for(kind)
    rows = data.draw(spec.rows(min_size=1, max_size=5), label="rows")
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerows([spec.header, *rows])
    upload = Upload("data.csv", buffer.getvalue().encode(), len(rows) + 1, note="plausible rows")
    upload.options = resolve_options(spec.valid_options, fz)
    user = fz.world.users["regional_methodist"]
    with rolled_back():
        before = snapshot()
        batch = import_batch_submit(
            kind=kind,
            file=io.BytesIO(upload.data),
            name=upload.name,
            size=len(upload.data),
            region=fz.world.region,
            user=user,
            options=upload.options,
        )
        assume(batch.status == ImportBatch.Status.VALIDATED)
        assume(batch.stats["created"] + batch.stats["updated"] > 0)
        record = imports._record

        def failing_record(batch, outcome, status):
            if status == ImportBatch.Status.APPLIED:
                raise RuntimeError("сбой записи")
            record(batch, outcome, status)

        monkeypatch.setattr(imports, "_record", failing_record)
        try:
            with pytest.raises(RuntimeError, match="сбой записи"):
                import_batch_apply(batch=batch, user=user)
        finally:
            monkeypatch.setattr(imports, "_record", record)
        assert snapshot() == before, "после сбоя часть файла осталась в базе"
        batch.refresh_from_db()
        assert batch.status == ImportBatch.Status.FAILED
        assert all(CYRILLIC.search(error["message"]) for error in batch.errors) and batch.errors


# --- a sweep: every column of a clean row, in turn, gets each of the worst cells ------------------------------

# The cells that broke importers (or nearly did): the property tests above meet them only now and then.
WORST_CELLS = (
    "",
    "\x00",
    "sch\x00610001",
    "9" * 5000,
    "2147483648",
    "-1",
    "²",
    "1" * 30,
    "1e400",
    "NaN",
    "31.02.2024",
    "Я" * HUGE,
    "😀\u202eטקסט",
)


@pytest.mark.parametrize("kind", KINDS)
def test_every_column_survives_the_worst_cells(kind, fz):
    spec = spec_for(kind)
    user = fz.world.users["regional_methodist"]

    def upload(row, note: str) -> Upload:
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=";").writerows([spec.header, row])
        result = Upload("data.csv", buffer.getvalue().encode(), 2, note=note)
        result.options = resolve_options(spec.valid_options, fz)
        return result

    with rolled_back():  # the example row itself imports
        clean = upload(spec.example, "the example row")
        batch = import_batch_submit(
            kind=kind,
            file=io.BytesIO(clean.data),
            name=clean.name,
            size=len(clean.data),
            region=fz.world.region,
            user=user,
            options=clean.options,
        )
        assert batch.status == ImportBatch.Status.VALIDATED, batch.errors
    failures = []
    for column, title in enumerate(spec.header):
        for cell in WORST_CELLS:
            row = list(spec.example)
            row[column] = cell
            case = upload(row, f"«{title}» = {cell[:20]!r}")
            try:
                with rolled_back():
                    upload_and_confirm(kind, case, user, fz)
            except Exception as error:  # noqa: BLE001 - every failing cell is listed, not the first only
                failures.append(f"{case.note}: {type(error).__name__}: {str(error)[:200]}")
    assert not failures, "\n".join(failures)


# --- regressions: the crashes the fuzzer found, each a plain test -------------------------------------------
# Each was a 500 (an exception out of the upload or the confirmation); the expected outcome is now either an
# error of the row and column, in Russian, or — for NUL characters, which are dropped on reading — the import.

RESULTS_HEADER = ";".join(column.label for column in USER_COLUMNS)
TEACHERS_HEADER = ";".join(SPECS["teachers"].header)
COURSES_HEADER = ";".join(SPECS["courses"].header)
SCHOOLS_HEADER = ";".join(SPECS["schools"].header)
ROADMAP_HEADER = ";".join(SPECS["roadmap_items"].header)
DIAG_HEADER = "Код ОО;ФИО педагога;Предметный"
REPORT = (
    "{extra}\nВсероссийские проверочные работы 2024 (5 класс)\nПредмет: Математика\n"
    "Группы участников;Кол-во ОО;Кол-во участников;2;3;4;5\n"
    "(sch610001) МБОУ «Каштановская СОШ»;;{participants};18,52;44,44;29,63;7,41\n"
)
FLAT_HEADER = "Год;Класс;Предмет;Логин;Кол-во участников;«2»;«3»;«4»;«5»"
APPLIED = ("applied", "")
CAMPAIGN = {"campaign": VALID}
ROADMAP = {"roadmap": VALID}
# case -> (kind, file text, options, (status, «column: message» expected among the errors))
REGRESSIONS = {
    # schools/results_import (writers): a count beyond PostgreSQL's integer went on to COPY (NumericValueOutOfRange)
    "results: a count beyond integer": (
        "results",
        f"{RESULTS_HEADER}\nsch610001;2024;ВПР;Математика;5;3000000000;0;;;;",
        {},
        ("invalid", "Участников: Слишком большое число: «3000000000»."),
    ),
    "results: a count beyond integer, slow path": (
        "results",
        f"{RESULTS_HEADER}\nsch610001;2024;ВПР;Математика;5; 3000000000;1;;;;",
        {},
        ("invalid", "Участников: Слишком большое число: «3000000000»."),
    ),
    # schools/results_import/importer.py fast path: int() of more than 4300 digits raises ValueError
    "results: 5000 digits": (
        "results",
        f"{RESULTS_HEADER}\nsch610001;2024;ВПР;Математика;5;{'9' * 5000};0;;;;",
        {},
        ("invalid", f"Участников: Ожидается целое неотрицательное число, указано «{'9' * 40}»."),
    ),
    # core/tabular.py: NUL reached PostgreSQL (Subject.get_or_create on confirming)
    "results: NUL in the subject": (
        "results",
        f"{RESULTS_HEADER}\nsch610001;2024;ВПР;Мате\x00матика;5;20;0;;;;",
        {},
        APPLIED,
    ),
    # schools/results_import/layouts/fisoko.py parse_report_info: int() of the max score's 5000 digits
    "results: report, max score of 5000 digits": (
        "results",
        REPORT.format(extra="Максимальный первичный балл: " + "9" * 5000, participants=27),
        {},
        APPLIED,
    ),
    # schools/results_import/layouts/fisoko.py parse_report_info: "²".isdigit() is True, int("²") raises
    "results: report, grade «²»": ("results", REPORT.format(extra="Класс: ²", participants=27), {}, APPLIED),
    # schools/results_import/layouts/fisoko.py recover_count: 40 digits × percent overflows the decimal context (InvalidOperation)
    "results: report, 40-digit participants": (
        "results",
        REPORT.format(extra="", participants="9" * 40),
        {},
        ("invalid", f"Кол-во участников: Ожидается целое неотрицательное число, указано «{'9' * 40}»."),
    ),
    # schools/results_import/layouts/fisoko.py _portal_row: int() of 5000 digits
    "results: flat, 5000-digit participants": (
        "results",
        f"{FLAT_HEADER}\n2024;5;Математика;sch610001;{'9' * 5000};10;20;30;40",
        {},
        ("invalid", f"Кол-во участников: Ожидается целое неотрицательное число, указано «{'9' * 40}»."),
    ),
    # diagnostics/results_import.py _parse_id: "²".isdigit() is True, int("²") raises; so does int() of 5000 digits
    "diagnostics: ID «²»": (
        "diagnostics",
        "ID педагога;Предметный\n²;10",
        CAMPAIGN,
        ("invalid", "ID педагога: ID педагога — целое положительное число."),
    ),
    "diagnostics: ID of 5000 digits": (
        "diagnostics",
        f"ID педагога;Предметный\n{'9' * 5000};10",
        CAMPAIGN,
        ("invalid", "ID педагога: ID педагога — целое положительное число."),
    ),
    # diagnostics/forms_campaigns.py score_format_problem: quantize() of 30 digits raises InvalidOperation
    "diagnostics: a 30-digit score": (
        "diagnostics",
        f"{DIAG_HEADER}\nsch610001;Журавлёва Анна Сергеевна;{'1' * 30}",
        CAMPAIGN,
        ("invalid", "Предметный: Слишком большое число: не больше 9999.99."),
    ),
    # core/tabular.py: NUL reached PostgreSQL in the lookup of codes of other regions (while validating)
    "diagnostics: NUL in the school code": (
        "diagnostics",
        f"{DIAG_HEADER}\nsch\x00;Журавлёва Анна Сергеевна;10",
        CAMPAIGN,
        ("invalid", "Код ОО: Школа с кодом «sch» не найдена в регионе «Ростовская область»."),
    ),
    # core/imports.py _record: a UTF-16 file read as cp1251 had NULs, quoted in the message stored in jsonb;
    # core/tabular.py now reads UTF-16 (Excel's «Текст Юникод»)
    "diagnostics: a UTF-16 file": (
        "diagnostics",
        "\ufeffКод ОО\tФИО педагога\tПредметный\nsch610001\tЖуравлёва Анна Сергеевна\t10\n",
        CAMPAIGN,
        APPLIED,
    ),
    "teachers: NUL in the school code": (
        "teachers",
        f"{TEACHERS_HEADER}\nsch\x00;Иванова;Мария;;;;;;",
        {},
        ("invalid", "Код ОО: Школа с кодом «sch» не найдена в регионе «Ростовская область»."),
    ),
    # core/tabular.py: NUL reached PostgreSQL on confirming (bulk_create, save)
    "teachers: NUL in the position": (
        "teachers",
        f"{TEACHERS_HEADER}\nsch610001;Иванова;Мария;;учитель\x00;;;;",
        {},
        APPLIED,
    ),
    "teachers: NUL in a subject": (
        "teachers",
        f"{TEACHERS_HEADER}\nsch610001;Иванова;Мария;;;Физ\x00ика;;;",
        {},
        APPLIED,
    ),
    "courses: NUL in the title": (
        "courses",
        f"{COURSES_HEADER}\nsch610001;Журавлёва Анна Сергеевна;Курс\x00;РИПК;36;01.02.2024;10.02.2024;",
        {},
        APPLIED,
    ),
    "schools: NUL in the name": (
        "schools",
        f"{SCHOOLS_HEADER}\nsch610001;Школа\x00;Обливский район;;;;",
        {},
        APPLIED,
    ),
    "roadmap_items: NUL in the activity": (
        "roadmap_items",
        f"{ROADMAP_HEADER}\n7;Совещание\x00;;;;;;",
        ROADMAP,
        APPLIED,
    ),
    "roadmap_items: NUL in the number": (
        "roadmap_items",
        f"{ROADMAP_HEADER}\n7\x00;Совещание;;;;;;",
        ROADMAP,
        APPLIED,
    ),
}


@pytest.mark.parametrize("case", sorted(REGRESSIONS))
def test_regression(case, fz):
    kind, text, options, (status, expected) = REGRESSIONS[case]
    data = text.encode("utf-16") if "UTF-16" in case else text.encode()
    upload = Upload("data.csv", data, text.count("\n") + 1, note=case)
    upload.options = resolve_options(options, fz)
    batch = upload_and_confirm(kind, upload, fz.world.users["regional_methodist"], fz)
    assert batch.status == status, batch.errors
    errors = [f"{error['column']}: {error['message']}" for error in batch.errors]
    assert not expected or any(expected in error for error in errors), errors
    assert not any("\x00" in error for error in errors)


def test_regression_nul_in_an_xlsx_cell(fz):
    """An .xlsx cell holds NUL as «_x0000_»: the reader drops it like a CSV's (core/tabular.py cell_text)."""
    workbook = Workbook()
    workbook.active.append(list(SPECS["schools"].header))
    workbook.active.append(["sch610001", "Школа_x0000_ № 1", "Обливский район"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload = Upload("data.xlsx", buffer.getvalue(), 2, note="xlsx with _x0000_")
    batch = upload_and_confirm("schools", upload, fz.world.users["regional_methodist"], fz)
    assert batch.status == ImportBatch.Status.APPLIED
    assert School.objects.get(code="sch610001").name == "Школа № 1"


def test_regression_an_error_quoting_nul_is_stored(fz):
    """PostgreSQL's jsonb refuses U+0000: a message quoting a cell with it once failed to save (core/imports.py)."""
    batch = ImportBatch.objects.create(
        kind="schools", status=ImportBatch.Status.PROCESSING, region=fz.world.region, original_name="x.csv"
    )
    outcome = imports.ImportOutcome(errors=[imports.RowError(2, "Код ОО", "Код ОО «a\x00b» содержит …")])
    imports._record(batch, outcome, ImportBatch.Status.INVALID)
    batch.refresh_from_db()
    assert batch.errors == [{"row": 2, "column": "Код ОО", "message": "Код ОО «a\ufffdb» содержит …"}]
