"""ФИС ОКО's registry files, recognised and read without the ORM (import-linter's ``pure-rules``).

Three layouts besides the portal's own template (``template.py``):

- the login list ``логин | имя | регион`` (one row a school; «регион» holds the municipality);
- the context form of 2021 «Сбор контекстных данных об ОО и участниках ВПР 2021»: one sheet, ``логин`` first,
  95 columns (names, address, settlement, pupils by grade, teachers, equipment), no municipality column;
- the context form of 2022: sheets «Общая информация об ОО» (names, ИНН, «Код ОГЭ», «Код ЕГЭ», settlement) and
  «ОБРАЗОВАТЕЛЬНАЯ ДЕЯТЕЛЬНОСТЬ ОО» (adapted programmes, language, pupils, teachers), both starting
  ``Пользователь | Код региона | Регион | Муниципалитет | Школа``, municipality and school written
  ``reg22_m056 | Целинный муниципальный район`` and ``edu224052 | МБОУ "…"``; rows of the two sheets meet by login.

Columns are found by their header text (the forms number their questions differently from year to year), never by
position. Personal data the forms carry (the director's name, the school's phone and e-mail) is never read: no
pattern below matches those columns, and ``PERSONAL_COLUMNS`` names them so the sheet's report says they were left.
"""

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from core.tabular import RowError, SheetReport, cell_text, normalise_header, parse_int

from ..identity import CITY as CITY_KIND
from ..identity import DISTRICT, municipality_key, split_labelled

LOGINS = "ФИС ОКО: список логинов ОО"
CONTEXT_2021 = "ФИС ОКО: контекстные данные об ОО (форма 2021 года)"
CONTEXT_2022 = "ФИС ОКО: контекстные данные об ОО (форма 2022 года)"

# Sheets of the 2022 form (their names as ФИС ОКО writes them).
SHEET_2022_GENERAL = "Общая информация об ОО"
SHEET_2022_EDUCATION = "ОБРАЗОВАТЕЛЬНАЯ ДЕЯТЕЛЬНОСТЬ ОО"

# A cell that says «no code» rather than giving one (seen in the 2022 form's «Код ОГЭ»/«Код ЕГЭ»: нет, -, 0).
NO_VALUE = frozenset({"", "-", "—", "–", "0", "нет", "отсутствует", "не имеется", "н/д"})

# Settlement types as the forms ask them («Где расположена … образовательная организация?»). 2021 says «Столица
# субъекта РФ», 2022 «Административный центр субъекта РФ»: the same answer, numbered 1 in both forms.
CAPITAL, CITY, TOWN, VILLAGE = "capital", "city", "town", "village"
SETTLEMENT_TYPES = {
    CAPITAL: "Столица (административный центр) субъекта РФ",
    CITY: "Город",
    TOWN: "Населённый пункт городского типа",
    VILLAGE: "Населённый пункт сельского типа",
}
# Settlement size bands, numbered 1–8 in both forms («Каков размер населенного пункта…»).
SETTLEMENT_SIZES = {
    1: "менее 1 тыс. человек",
    2: "1–5 тыс. человек",
    3: "5–10 тыс. человек",
    4: "10–50 тыс. человек",
    5: "50–100 тыс. человек",
    6: "100–450 тыс. человек",
    7: "450–680 тыс. человек",
    8: "более 680 тыс. человек",
}
RUSSIAN_ONLY, OTHER_LANGUAGES = "ru", "other"
LANGUAGES = {RUSSIAN_ONLY: "Только на русском языке", OTHER_LANGUAGES: "В том числе на другом языке (языках)"}

_NUMBERING = re.compile(r"^\s*\d+\s*[.)]\s*")
_SCHOOL_YEAR = re.compile(r"(\d{4})\s*/\s*(\d{4})\s*учебном году")
_COHORT = re.compile(r"(\d{4})\s*(?:года рождения|г\.\s*р\.)")


@dataclass(frozen=True)
class Field:
    key: str
    label: str  # Russian, for the sheet's report and for errors
    pattern: str  # searched in the normalised header text (lower case, ё→е, no quotes)
    kind: str = "text"  # text | int | bool | settlement_type | settlement_size | language


# --- the fields each layout reads ----------------------------------------------------------------------------
LOGIN_FIELDS = (
    Field("login", "Логин", r"^логин$"),
    Field("name", "Наименование", r"^имя$"),
    Field("municipality", "Муниципалитет", r"^регион$"),
)
FORM_2021_FIELDS = (
    Field("login", "Логин", r"^логин$"),
    Field("name", "Наименование", r"^название оо$"),
    Field("full_name", "Полное наименование", r"^полное наименование оо"),
    Field("address", "Адрес", r"^адрес оо"),
    Field(
        "settlement_type",
        "Тип населённого пункта",
        r"^где расположена ваша образовательная",
        "settlement_type",
    ),
    Field("settlement_name", "Населённый пункт", r"^укажите наименование населенного пункта"),
    Field(
        "settlement_size", "Размер населённого пункта", r"^каков размер населенного пункта", "settlement_size"
    ),
    Field("special_school", "Специальная (коррекционная) ОО", r"^оо является специальной", "bool"),
    Field("boarding_school", "Школа-интернат", r"^оо является школой-интернатом", "bool"),
    Field("pupils", "Обучающихся", r"^укажите количество обучающихся в оо в", "int"),
    # The form asks «Общее количество обучающихся 2005 года рождения», «из них обучаются по адаптированным
    # образовательным программам», «Общее количество обучающихся 2006 года рождения». In the Altai file of 2021
    # (733 schools) «из них» never exceeds the 2006 cohort and exceeds the 2005 one in 15 rows: it counts the
    # 2006 cohort, the one that wrote ВПР in 2021 (8th grade).
    Field(
        "cohort_pupils", "Обучающихся 2006 г. р.", r"^общее количество обучающихся 2006 года рождения", "int"
    ),
    Field("cohort_adapted", "Из них по АОП", r"^из них обучаются по адаптированным", "int"),
    Field("teachers", "Учителей", r"^сколько всего в школе учителей", "int"),
    Field("teachers_highest", "Учителей высшей категории", r"учителей высшей категории", "int"),
    Field("teachers_under_30", "Учителей не старше 30 лет", r"не старше 30 лет", "int"),
    Field("teachers_pension_age", "Учителей пенсионного возраста", r"достигших пенсионного возраста", "int"),
    Field("classrooms", "Учебных кабинетов", r"^сколько в школе учебных классов", "int"),
    Field("classrooms_with_computer", "Кабинетов с компьютером учителя", r"оборудовано компьютером", "int"),
    Field(
        "classrooms_with_projector", "Кабинетов с проектором/доской", r"проектор и/или интерактивная", "int"
    ),
    Field("computers", "Компьютеров для обучающихся", r"^сколько компьютеров обучающиеся могут", "int"),
    Field("computers_outdated", "Из них устаревших", r"являются маломощными", "int"),
    Field("computers_online", "Из них с доступом в Интернет", r"имеют доступ к сети интернет", "int"),
    Field("internet_speed", "Скорость Интернета", r"^скорость интернета"),
)
FORM_2022_GENERAL_FIELDS = (
    Field("login", "Пользователь", r"^пользователь$"),
    Field("municipality", "Муниципалитет", r"^муниципалитет$"),
    Field("school", "Школа", r"^школа$"),
    Field("full_name", "Полное наименование", r"полное наименование оо"),
    Field("short_name", "Сокращённое наименование", r"сокращенное наименование оо"),
    Field("inn", "ИНН", r"(?:^|\s)инн$"),
    Field("rcoi_oge", "Код ОГЭ", r"(?:^|\s)код огэ$"),
    Field("rcoi_ege", "Код ЕГЭ", r"(?:^|\s)код егэ$"),
    Field("address", "Адрес", r"адрес оо"),
    Field("settlement_type", "Тип населённого пункта", r"где расположена образовательная", "settlement_type"),
    Field(
        "settlement_size", "Размер населённого пункта", r"каков размер населенного пункта", "settlement_size"
    ),
)
FORM_2022_EDUCATION_FIELDS = (
    Field("login", "Пользователь", r"^пользователь$"),
    Field("municipality", "Муниципалитет", r"^муниципалитет$"),
    Field("school", "Школа", r"^школа$"),
    Field("adapted_programmes", "Обучение по АОП", r"деятельность по адаптированным образовательным", "bool"),
    Field(
        "special_school", "Отдельная ОО для обучающихся по АОП", r"является отдельной организацией", "bool"
    ),
    Field("language", "Язык обучения", r"на каких языках осуществляется", "language"),
    Field("deep_study", "Углублённое изучение предметов", r"ведется ли в оо углубленное изучение", "bool"),
    Field("pupils", "Обучающихся", r"укажите количество обучающихся в оо в", "int"),
    Field(
        "cohort_2006", "Обучающихся 2006 г. р.", r"общее количество обучающихся .*2006 года рождения", "int"
    ),
    Field("cohort_2006_adapted", "Из них по АОП (2006 г. р.)", r"2006 г\. р\., обучающихся по аоп", "int"),
    Field(
        "cohort_2007", "Обучающихся 2007 г. р.", r"общее количество обучающихся .*2007 года рождения", "int"
    ),
    Field("cohort_2007_adapted", "Из них по АОП (2007 г. р.)", r"2007 г\. р\., обучающихся по аоп", "int"),
    Field("teachers", "Учителей", r"сколько всего в оо учителей", "int"),
    Field("teachers_5_9", "Учителей 5–9 классов", r"учителей, преподающих в 5", "int"),
    Field(
        "teachers_first_highest", "Учителей первой и высшей категорий", r"первой и высшей категорий", "int"
    ),
)
# Columns with personal data: never read; the sheet's report names them as left out.
PERSONAL_COLUMNS = re.compile(r"фио директора|телефон|e-mail|email|электронная почта")

# What the context of a school is made of (SchoolContext's fields), in the order the card shows them.
CONTEXT_KEYS = (
    "settlement_type",
    "settlement_size",
    "settlement_name",
    "pupils",
    "cohort",
    "cohort_pupils",
    "cohort_adapted",
    "adapted_programmes",
    "special_school",
    "boarding_school",
    "deep_study",
    "language",
    "teachers",
    "teachers_highest",
    "teachers_first_highest",
    "teachers_5_9",
    "teachers_under_30",
    "teachers_pension_age",
    "classrooms",
    "classrooms_with_computer",
    "classrooms_with_projector",
    "computers",
    "computers_outdated",
    "computers_online",
    "internet_speed",
)


@dataclass
class RegistryEntry:
    """One school as a registry file describes it. ``context`` is None for the login list."""

    sheet: str
    line: int
    login: str = ""
    name: str = ""  # the name the file shows first (the list's «имя», the form's «Название ОО» or «Школа»)
    full_name: str = ""
    short_name: str = ""
    municipality: str = ""  # as written: «Целинный район», «reg22_m056 | Целинный муниципальный район»
    address: str = ""  # kept only to find a 2021 school's municipality; never stored
    inn: str = ""
    rcoi_oge: str = ""
    rcoi_ege: str = ""
    context: dict[str, object] | None = None
    errors: list[RowError] = field(default_factory=list)
    lines: dict[str, int] = field(default_factory=dict)  # sheet -> line, for a school on two sheets

    @property
    def where(self) -> str:
        return ", ".join(f"лист «{sheet}», строка {line}" for sheet, line in self.lines.items())


@dataclass
class RegistryFile:
    layout: str
    year: int | None  # the year the context is of (None for the login list)
    year_origin: str
    entries: list[RegistryEntry]
    sheets: list[SheetReport]
    # The context fields the file has columns for: a school's context of that year is updated in these only, so a
    # 2022 form uploaded without one of its sheets never blanks what the other sheet gave.
    context_keys: frozenset[str] = frozenset(CONTEXT_KEYS)


# --- recognising --------------------------------------------------------------------------------------------
def header_key(text: str) -> str:
    """A header cell as the patterns see it: normalised, tabs and the question's number dropped."""
    return _NUMBERING.sub("", normalise_header(str(text).replace("\t", " ")))


def recognise(header: list[str]) -> str | None:
    """The registry layout a sheet's first row belongs to, or None."""
    keys = [header_key(cell) for cell in header]
    filled = [key for key in keys if key]
    if filled[:3] == ["логин", "имя", "регион"]:
        return LOGINS
    if (
        filled
        and filled[0] == "логин"
        and "название оо" in keys
        and any(_SCHOOL_YEAR.search(k) for k in keys)
    ):
        return CONTEXT_2021
    if filled[:5] == ["пользователь", "код региона", "регион", "муниципалитет", "школа"]:
        if any(re.search(r"(?:^|\s)инн$", k) for k in keys) or any(_SCHOOL_YEAR.search(k) for k in keys):
            return CONTEXT_2022
    return None


def _positions(header: list[str], fields: tuple[Field, ...]) -> dict[str, int]:
    keys = [header_key(cell) for cell in header]
    found: dict[str, int] = {}
    for spec in fields:
        for index, key in enumerate(keys):
            if re.search(spec.pattern, key):
                found[spec.key] = index
                break
    return found


# --- values -------------------------------------------------------------------------------------------------
def _answer(text: str) -> str:
    return _NUMBERING.sub("", text).strip()


def parse_value(kind: str, text: str) -> object:
    """A cell of a context column as the model keeps it; ValueError (Russian) when it cannot be read."""
    text = text.strip()
    if not text:
        return None
    if kind == "int":
        try:
            number = parse_int(text)
        except ValueError:
            raise ValueError(f"«{text[:40]}» — не целое число.") from None
        if number is not None and number < 0:
            raise ValueError(f"«{text[:40]}» — отрицательное число.")
        return number
    if kind == "bool":
        answer = normalise_header(text)
        if answer in {"да", "1"}:
            return True
        if answer in {"нет", "0"}:
            return False
        raise ValueError(f"«{text[:40]}» — ожидалось «Да» или «Нет».")
    if kind == "settlement_type":
        answer = normalise_header(_answer(text))
        if answer.startswith(("столица", "административный центр")):
            return CAPITAL
        if "городского типа" in answer:
            return TOWN
        if "сельского типа" in answer:
            return VILLAGE
        if answer == "город":
            return CITY
        raise ValueError(f"«{text[:60]}» — неизвестный тип населённого пункта.")
    if kind == "settlement_size":
        match = re.match(r"^\s*(\d)\s*[.)]", text)
        if match and int(match.group(1)) in SETTLEMENT_SIZES:
            return int(match.group(1))
        raise ValueError(
            f"«{text[:60]}» — неизвестный размер населённого пункта (ожидался вариант 1–8 формы)."
        )
    if kind == "language":
        answer = normalise_header(_answer(text))
        if answer.startswith("только на русском"):
            return RUSSIAN_ONLY
        if answer.startswith("в том числе на друг"):
            return OTHER_LANGUAGES
        raise ValueError(f"«{text[:60]}» — неизвестный ответ о языке обучения.")
    return text[:100]


def code_value(text: str) -> str:
    """A code cell («Код ОГЭ», ИНН): '' when it says there is none."""
    text = text.strip()
    return "" if normalise_header(text) in NO_VALUE else text


# --- addresses ---
_ADDRESS_TOKENS = re.compile(r"[\w-]+\.?")
_DISTRICT_TOKEN = re.compile(r"^(?:район\w*|р-о?н\.?|округ\w*)$", re.IGNORECASE)
_CITY_TOKEN = re.compile(r"^(?:г\.?|город)$", re.IGNORECASE)
_DISTRICT_WORD = "район"
# Abbreviations rewritten before the address is cut into words: «м.р.» (муниципальный район), «г.о.» (городской
# округ: in a region's registry a town), «р.п.»/«пгт» (a worker settlement: usually a district's centre).
_ABBREVIATIONS = (
    (re.compile(r"(?<!\w)м\.\s?р(?:-н|\.)?(?!\w)", re.IGNORECASE), " район "),
    (re.compile(r"(?<!\w)г\.\s?о\.?(?!\w)", re.IGNORECASE), " г. "),
    (re.compile(r"(?<!\w)(?:р\.\s?п\.?|рп\.?|пгт\.?|рабочий посел[её]к)\s*", re.IGNORECASE), " рп "),
    # «Локтевскийрайон», «Павловскийрайон»: the district word glued to its name
    (re.compile(r"(?<=[кн]ий)(?=р[а-я]{1,5}н(?![а-я]))", re.IGNORECASE), " "),
)
_SETTLEMENT_MARK = "рп"


def _edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, 1):
        current = [i]
        for j, other in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other)))
        previous = current
    return previous[-1]


def _is_district_word(token: str) -> bool:
    """«район», «р-н», «р-он» and the typos of the real forms: «раон», «райо», «райрн», «раонй», «роайон»."""
    if _DISTRICT_TOKEN.match(token):
        return True
    word = token.lower().rstrip(".")
    return word.startswith("р") and 3 <= len(word) <= 7 and _edit_distance(word, _DISTRICT_WORD) <= 2


def _address_tokens(address: str) -> list[str]:
    text = str(address)
    for pattern, replacement in _ABBREVIATIONS:
        text = pattern.sub(replacement, text)
    return _ADDRESS_TOKENS.findall(text)


def address_municipalities(address: str) -> list[str]:
    """Phrases of an address that may name its municipality, most specific first: «Немецкий национальный район»,
    «Тальменский район», «г. Бийск» (also «г.Бийск», «Бийск г», «р-н», «р-он», «м.р.», «г.о.» and the district
    word misspelt or glued to the name). Pure; the directory decides."""
    tokens = _address_tokens(address)
    found: list[str] = []
    for index, token in enumerate(tokens):
        if index and _is_district_word(token) and tokens[index - 1].lower() != _SETTLEMENT_MARK:
            if index > 1:
                found.append(f"{tokens[index - 2]} {tokens[index - 1]} район")
            found.append(f"{tokens[index - 1]} район")
        elif _CITY_TOKEN.match(token):
            if index + 1 < len(tokens):
                found.append(f"г. {tokens[index + 1].rstrip('.')}")
            if index:
                found.append(f"г. {tokens[index - 1]}")
        elif token.lower().startswith("г.") and len(token) > 3:
            found.append(f"г. {token[2:].rstrip('.')}")
    return found


def _settlements(address: str) -> list[str]:
    """Towns and worker settlements an address names («г. Камень-на-Оби», «р.п. Благовещенка»)."""
    tokens = _address_tokens(address)
    found = []
    for index, token in enumerate(tokens[:-1]):
        if token.lower() == _SETTLEMENT_MARK or _CITY_TOKEN.match(token):
            found.append(tokens[index + 1].rstrip("."))
        elif token.lower().startswith("г.") and len(token) > 3:
            found.append(token[2:].rstrip("."))
    return found


def _kind_and_words(name: str) -> tuple[str | None, str]:
    """«Павловский район» -> (DISTRICT, "павловский"), «г. Барнаул» -> (CITY, "барнаул"), else (None, name)."""
    text = " ".join(name.lower().replace("ё", "е").replace("-", " ").split())
    if text.endswith(" район"):
        return DISTRICT, text.removesuffix(" район")
    if text.startswith(("г. ", "г ")):
        return CITY_KIND, text.split(" ", 1)[1]
    return None, text


_DISTRICT_STEM = re.compile(r"(?:ский|цкий|ской|ный|ной)$")


def address_municipality(address: str, municipalities: Mapping[int, str]) -> tuple[int | None, str]:
    """The municipality (of ``municipalities``: id -> name) an address names, and how it was told; (None, "") when
    no rule below gives exactly one. Rules, in order, each only when it points to one municipality:

    1. a phrase «X район», «г. X» (``address_municipalities``) that is a municipality's name however written;
    2. a municipality's name written in full without its «г.» («656015 Барнаул, …», «ЗАТО Сибирский»);
    3. the initials of a municipality of several words («ННР» — Немецкий национальный район);
    4. a district written with a typo: its name one or two letters off a single district («Павлорвский район»);
    5. a town or worker settlement that is not a municipality itself, by the district named after it
       («г. Камень-на-Оби» — Каменский район, «р.п. Благовещенка» — Благовещенский район).
    """
    keys = {pk: municipality_key(name) for pk, name in municipalities.items()}

    def by_key(phrase: str) -> set[int]:
        key = municipality_key(phrase)
        if not key.base:
            return set()
        exact = {pk for pk, other in keys.items() if other == key}
        return exact or {pk for pk, other in keys.items() if other.base == key.base}

    phrases = address_municipalities(address)
    for phrase in phrases:
        ids = by_key(phrase)
        if len(ids) == 1:
            return next(iter(ids)), f"по адресу: «{phrase}»"
    lowered = str(address).lower().replace("ё", "е")
    named = {}
    for pk, name in municipalities.items():
        bare = re.sub(r"^(?:г\.|город)\s*", "", name.strip()).lower().replace("ё", "е")
        if len(bare) >= 4 and re.search(rf"(?<![\w-]){re.escape(bare)}(?![\w-])", lowered):
            named[pk] = bare
    if len(named) == 1:
        ((pk, bare),) = named.items()
        return pk, f"по адресу: «{municipalities[pk]}» (написано «{bare}»)"
    initials = {
        pk: "".join(word[0] for word in name.split()).upper()
        for pk, name in municipalities.items()
        if len(name.split()) >= 2
    }
    for token in re.findall(r"(?<!\w)[А-ЯЁ]{2,5}(?!\w)", str(address)):
        ids = {pk for pk, letters in initials.items() if letters == token}
        if len(ids) == 1:
            pk = next(iter(ids))
            return pk, f"по адресу: «{token}» — «{municipalities[pk]}»"
    districts = {pk: key for pk, key in keys.items() if key.kind == DISTRICT}
    for phrase in phrases:
        kind, written = _kind_and_words(phrase)
        if kind is None or len(written) < 6:
            continue
        near = {
            pk
            for pk, name in municipalities.items()
            if _kind_and_words(name)[0] == kind and _edit_distance(written, _kind_and_words(name)[1]) <= 2
        }
        if len(near) == 1:
            pk = next(iter(near))
            return pk, f"по адресу с опечаткой: «{phrase}» — «{municipalities[pk]}»"
    for settlement in _settlements(address):
        if by_key(f"г. {settlement}"):
            continue
        place = settlement.lower().replace("ё", "е")
        centre = set()
        for pk, name in municipalities.items():
            if districts.get(pk) is None:
                continue
            stem = _DISTRICT_STEM.sub("", name.split()[0].lower().replace("ё", "е"))
            if len(stem) >= 4 and place.startswith(stem):
                centre.add(pk)
        if len(centre) == 1:
            pk = next(iter(centre))
            return pk, f"по адресу: «{settlement}» — центр района «{municipalities[pk]}»"
    return None, ""


# --- reading ------------------------------------------------------------------------------------------------
SheetRows = tuple[str, Callable[[], Iterator[list]]]


def _header(rows: Iterator[list]) -> tuple[int, list[str]] | None:
    line = 0
    for raw in rows:
        line += 1
        cells = [cell_text(value) for value in raw]
        if any(cells):
            return line, cells
    return None


def _report(
    sheet: str, layout: str, line: int, header: list[str], positions: dict[str, int], fields
) -> SheetReport:
    labels = {spec.key: spec.label for spec in fields}
    left = [cell for cell in header if PERSONAL_COLUMNS.search(header_key(cell))]
    report = SheetReport(
        sheet=sheet,
        layout=layout,
        status=SheetReport.READ,
        header_row=line,
        columns={labels[key]: header[index].replace("\t", " ")[:120] for key, index in positions.items()},
    )
    if left:
        report.reason = (
            "Не читаются (персональные данные): " + ", ".join(f"«{c.strip()[:60]}»" for c in left) + "."
        )
    return report


def _read_fields(
    rows: Iterator[list],
    sheet: str,
    start: int,
    positions: dict[str, int],
    fields: tuple[Field, ...],
) -> Iterator[tuple[int, dict[str, object], list[RowError]]]:
    specs = {spec.key: spec for spec in fields}
    line = start
    for raw in rows:
        line += 1
        cells = [cell_text(value) for value in raw]
        if not any(cells):
            continue
        values: dict[str, object] = {}
        errors: list[RowError] = []
        for key, index in positions.items():
            text = cells[index] if index < len(cells) else ""
            spec = specs[key]
            if spec.kind == "text":
                values[key] = text.strip()
                continue
            try:
                values[key] = parse_value(spec.kind, text)
            except ValueError as error:
                errors.append(RowError(line, spec.label, str(error), sheet=sheet))
        yield line, values, errors


def _missing(
    sheet: str, line: int, positions: dict[str, int], fields, required: Iterable[str]
) -> list[RowError]:
    labels = {spec.key: spec.label for spec in fields}
    return [
        RowError(line, labels[key], f"В заголовке нет столбца «{labels[key]}».", sheet=sheet)
        for key in required
        if key not in positions
    ]


def _year(header: list[str]) -> tuple[int | None, str]:
    for cell in header:
        match = _SCHOOL_YEAR.search(normalise_header(cell))
        if match:
            first, second = int(match.group(1)), int(match.group(2))
            if second == first + 1:
                return second, (
                    f"из заголовка «…{match.group(0)}…»: {first}/{second} учебный год, данные весны {second} года"
                )
    return None, ""


def read_registry(
    sheets: list[SheetRows], *, year: int | None = None, file_name: str = ""
) -> RegistryFile | None:
    """Read a workbook's sheets (name, a function that opens its rows) as a registry file of ФИС ОКО, or return
    None when no sheet is of a registry layout (the portal's own template is read by ``template.py``).

    A context form's year comes from its header («… в 2021/2022 учебном году»: the 2022 form has it only on
    «ОБРАЗОВАТЕЛЬНАЯ ДЕЯТЕЛЬНОСТЬ ОО»); without it, from ``year`` (asked on upload), else from the file's name
    (one year 2000–2099 in it); the sheets' reports and the preview say which. Every sheet is accounted for in
    ``sheets``: read, or why not."""
    given = year
    opened: list[tuple[str, Iterator[list], int, list[str], str | None]] = []
    reports: list[SheetReport] = []
    for name, open_rows in sheets:
        rows = open_rows()
        found = _header(rows)
        if found is None:
            reports.append(SheetReport(sheet=name, status=SheetReport.EMPTY, reason="Лист пуст."))
            continue
        line, header = found
        opened.append((name, rows, line, header, recognise(header)))
    layouts = {layout for *_rest, layout in opened if layout}
    if not layouts:
        return None
    layout = CONTEXT_2022 if CONTEXT_2022 in layouts else sorted(layouts)[0]
    entries: dict[str, RegistryEntry] = {}
    order: list[RegistryEntry] = []
    present: set[str] = set()
    year = None
    origin = ""
    for name, rows, line, header, sheet_layout in opened:
        if sheet_layout != layout:
            reports.append(
                SheetReport(
                    sheet=name,
                    status=SheetReport.UNRECOGNISED if sheet_layout is None else SheetReport.SKIPPED,
                    reason=(
                        f"Лист не похож на {layout}: первые ячейки заголовка — "
                        + ", ".join(f"«{c[:40]}»" for c in header if c)[:300]
                        if sheet_layout is None
                        else f"В файле «{layout}» лист вида «{sheet_layout}» не читается: загрузите его отдельно."
                    ),
                )
            )
            continue
        if layout == LOGINS:
            fields, required = LOGIN_FIELDS, ("login", "name", "municipality")
        elif layout == CONTEXT_2021:
            fields, required = FORM_2021_FIELDS, ("login", "name", "pupils")
        elif any(re.search(r"(?:^|\s)инн$", header_key(c)) for c in header):
            fields, required = FORM_2022_GENERAL_FIELDS, ("login", "municipality", "school")
        else:
            fields, required = FORM_2022_EDUCATION_FIELDS, ("login", "municipality", "school", "pupils")
        positions = _positions(header, fields)
        present |= _context_keys(positions)
        report = _report(name, layout, line, header, positions, fields)
        reports.append(report)
        missing = _missing(name, line, positions, fields, required)
        if missing:
            report.status = SheetReport.FAILED
            report.reason = " ".join(error.message for error in missing)
            failed = RegistryEntry(sheet=name, line=line, errors=missing, lines={name: line})
            order.append(failed)
            continue
        sheet_year, sheet_origin = _year(header)
        if sheet_year is not None:
            year, origin = sheet_year, sheet_origin
            report.origins["Год"] = sheet_origin
        for row_line, values, errors in _read_fields(rows, name, line, positions, fields):
            report.rows += 1
            login = str(values.get("login") or "").strip()
            entry = entries.get(login.lower()) if login else None
            if entry is not None and (layout != CONTEXT_2022 or name in entry.lines):
                message = f"Логин «{login}» уже встречался: {entry.where}."
                errors.append(RowError(row_line, "Логин", message, sheet=name))
                order.append(RegistryEntry(sheet=name, line=row_line, login=login, errors=errors))
                continue
            if entry is None:
                entry = RegistryEntry(sheet=name, line=row_line, login=login)
                if login:
                    entries[login.lower()] = entry
                order.append(entry)
            entry.lines[name] = row_line
            entry.errors.extend(errors)
            if not login:
                entry.errors.append(
                    RowError(row_line, "Логин", "Обязательное поле не заполнено.", sheet=name)
                )
            _fill(entry, values, layout)
            report.results += 1
    if layout != LOGINS and year is not None and given is not None and given != year:
        order.append(
            RegistryEntry(
                sheet=opened[0][0],
                line=opened[0][2],
                errors=[
                    RowError(
                        opened[0][2],
                        "Год",
                        f"Указан год {given}, а в файле — {year} ({origin}).",
                        sheet=opened[0][0],
                    )
                ],
            )
        )
    if layout != LOGINS and year is None:
        year, origin = year_from_upload(given, file_name)
        for report in reports:
            if year is not None and report.status == SheetReport.READ:
                report.origins["Год"] = origin
    if layout != LOGINS and year is None:
        order.append(
            RegistryEntry(
                sheet=opened[0][0],
                line=opened[0][2],
                errors=[
                    RowError(
                        opened[0][2],
                        "Обучающихся",
                        "Не удалось определить год: в заголовке нет «… в ГГГГ/ГГГГ учебном году» (у формы 2022 "
                        "года он на листе «ОБРАЗОВАТЕЛЬНАЯ ДЕЯТЕЛЬНОСТЬ ОО»), в имени файла года нет — укажите год "
                        "при загрузке.",
                        sheet=opened[0][0],
                    )
                ],
            )
        )
    return RegistryFile(
        layout=layout,
        year=year,
        year_origin=origin,
        entries=order,
        sheets=reports,
        context_keys=frozenset(present),
    )


def _context_keys(positions: dict[str, int]) -> set[str]:
    """The context fields a sheet's columns give (the 2022 cohorts make «cohort», its pupils and adapted ones)."""
    keys = {key for key in positions if key in CONTEXT_KEYS}
    if keys & {"cohort_pupils", "cohort_adapted"}:
        keys.add("cohort")
    for cohort in ("cohort_2006", "cohort_2007"):
        if cohort in positions:
            keys |= {"cohort", "cohort_pupils"}
        if f"{cohort}_adapted" in positions:
            keys |= {"cohort", "cohort_adapted"}
    return keys


_FILE_YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")


def year_from_upload(given: int | None, file_name: str) -> tuple[int | None, str]:
    """A context form's year when its header has none: the one asked on upload, else the only year 2000–2099 the
    file's name holds («fisoko_context_form_2022_altai.xlsx»); with where it came from (Russian)."""
    if given is not None:
        return given, f"указан при загрузке: {given}"
    years = set(_FILE_YEAR.findall(str(file_name)))
    if len(years) == 1:
        found = int(next(iter(years)))
        return found, f"из имени файла «{file_name[:120]}»: {found}"
    return None, ""


def _fill(entry: RegistryEntry, values: dict[str, object], layout: str) -> None:
    text = {key: str(value) for key, value in values.items() if isinstance(value, str)}
    if layout == LOGINS:
        entry.name = text.get("name", "")
        entry.municipality = text.get("municipality", "")
        return
    if "school" in text:
        _login, school_name = split_labelled(text["school"])
        entry.name = entry.name or school_name
    if "municipality" in text:
        entry.municipality = entry.municipality or text["municipality"]
    for key in ("full_name", "short_name", "address"):
        if text.get(key) and not getattr(entry, key):
            setattr(entry, key, text[key])
    if layout == CONTEXT_2021:
        entry.name = entry.name or text.get("name", "")
    for key in ("inn", "rcoi_oge", "rcoi_ege"):
        if key in text:
            setattr(entry, key, code_value(text[key]))
    context = entry.context if entry.context is not None else {}
    for key in CONTEXT_KEYS:
        if key in values and values[key] is not None and values[key] != "":
            context[key] = values[key]
    if layout == CONTEXT_2021 and ("cohort_pupils" in values or "cohort_adapted" in values):
        context["cohort"] = "2006 г. р."
    if any(f"cohort_{year}" in values for year in (2006, 2007)):
        # The 2022 form asks per cohort (2006 and 2007 г. р., the ВПР 2022 participants): the card shows their sum.
        pupils = [values.get(f"cohort_{y}") for y in (2006, 2007)]
        adapted = [values.get(f"cohort_{y}_adapted") for y in (2006, 2007)]
        if any(v is not None for v in pupils):
            context["cohort_pupils"] = sum(int(v) for v in pupils if isinstance(v, int))
        if any(v is not None for v in adapted):
            context["cohort_adapted"] = sum(int(v) for v in adapted if isinstance(v, int))
        context["cohort"] = "2006–2007 г. р."
    entry.context = context
