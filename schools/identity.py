"""A school is known by many names: the pure rules that make two spellings of one school (or municipality) equal.

No ORM here (import-linter's ``pure-rules``): the directory (``schools/selectors_identity.py``) loads the
region's schools and identifiers once and looks them up by the keys these functions make.

- ``normalise_school_name`` — quotes «»"″“”„', ё/е, case, spaces, «№ 5»/«№5», «им.»/«имени», and the long legal
  and type phrases written as their abbreviations («Муниципальное бюджетное общеобразовательное учреждение» →
  «мбоу», «средняя общеобразовательная школа» → «сош»), so a full name by charter and a short name meet;
- ``without_legal_form`` — the same key with the legal form dropped (МКОУ became МБОУ, a file omits it);
- ``normalise_municipality`` — ФИС ОКО's ``reg22_m001 | Алейский муниципальный район``, a municipality named by its
  education department («Комитет образования администрации муниципального района "Читинский район"»), «…ский
  район» and «…ский муниципальный район», «город …»/«г. …»/«городской округ "Город …"»;
- ``login_digits``, ``split_labelled``, ``identifier_key``.

None of these rules comes from a law: they are the spellings seen in ФИС ОКО's exports and the regions' ЕГЭ
workbooks (``/work/shared/realdata``) and in the issue (#19 §1).
"""

import re
from typing import NamedTuple

# Identifier kinds (the values of schools.models.IdentifierKind; repeated here so this module stays pure).
FISOKO = "fisoko"
INN = "inn"
OGRN = "ogrn"
RCOI_OGE = "rcoi_oge"
RCOI_EGE = "rcoi_ege"
NAME = "name"
CODE = "code"  # School.code, the portal's own code: found by the resolver as any identifier

_QUOTES = "«»\"'″“”„‟‘’`"
_QUOTES_RE = re.compile(f"[{re.escape(_QUOTES)}]")
# «№ 5», «№5», «N 5», «N5», «№ 5» → «№5» (a Latin N only before a number).
_NUMBER_RE = re.compile(r"(?:№|\bN)\s*(?=\d)")
# Everything but letters, digits, «№» and the hyphen inside a word is a separator.
_SEPARATORS_RE = re.compile(r"[^\w№-]+|(?<!\w)-|-(?!\w)|_")
_SPACES_RE = re.compile(r"\s+")

# Long phrases → their abbreviation, longest first (applied to the lower-cased, ё→е, space-separated text).
# Legal forms: municipal (бюджетное, автономное, казенное, plain), state (краевое/областное/республиканское
# государственное …), federal, private.
_LEGAL_FORMS: tuple[tuple[str, str], ...] = (
    ("краевое государственное бюджетное общеобразовательное учреждение", "кгбоу"),
    ("краевое государственное казенное общеобразовательное учреждение", "кгкоу"),
    ("краевое государственное автономное общеобразовательное учреждение", "кгаоу"),
    ("краевое государственное общеобразовательное учреждение", "кгоу"),
    ("областное государственное бюджетное общеобразовательное учреждение", "огбоу"),
    ("областное государственное казенное общеобразовательное учреждение", "огкоу"),
    ("областное государственное автономное общеобразовательное учреждение", "огаоу"),
    ("государственное бюджетное общеобразовательное учреждение", "гбоу"),
    ("государственное казенное общеобразовательное учреждение", "гкоу"),
    ("государственное автономное общеобразовательное учреждение", "гаоу"),
    ("государственное общеобразовательное учреждение", "гоу"),
    ("федеральное казенное общеобразовательное учреждение", "фкоу"),
    ("федеральное государственное бюджетное общеобразовательное учреждение", "фгбоу"),
    ("муниципальное бюджетное общеобразовательное учреждение", "мбоу"),
    ("муниципальное автономное общеобразовательное учреждение", "маоу"),
    ("муниципальное казенное общеобразовательное учреждение", "мкоу"),
    ("муниципальное общеобразовательное бюджетное учреждение", "мобу"),
    ("муниципальное общеобразовательное казенное учреждение", "мокоу"),
    ("муниципальное общеобразовательное автономное учреждение", "моау"),
    ("муниципальное общеобразовательное учреждение", "моу"),
    ("негосударственное общеобразовательное учреждение", "ноу"),
    ("частное общеобразовательное учреждение", "чоу"),
    ("автономная некоммерческая общеобразовательная организация", "анооо"),
)
LEGAL_FORM_ABBREVIATIONS = frozenset(
    {short for _long, short in _LEGAL_FORMS}
    | {
        "мбоу",
        "маоу",
        "мкоу",
        "моу",
        "мобу",
        "кгбоу",
        "гбоу",
        "гоу",
        "чоу",
        "ноу",
        "фкоу",
        "мау",
        "мбу",
        "мку",
    }
)
_SCHOOL_TYPES: tuple[tuple[str, str], ...] = (
    ("с углубленным изучением отдельных предметов", "с уиоп"),
    ("средняя общеобразовательная школа", "сош"),
    ("основная общеобразовательная школа", "оош"),
    ("начальная общеобразовательная школа", "нош"),
    ("начальная школа детский сад", "нш-дс"),
    ("начальная школа-детский сад", "нш-дс"),
    ("средняя школа", "сш"),
    ("основная школа", "ош"),
    ("имени", "им"),
)
_PHRASES = tuple(
    (re.compile(rf"(?<!\S){re.escape(long)}(?!\S)"), short) for long, short in (*_LEGAL_FORMS, *_SCHOOL_TYPES)
)


# Latin letters that look Cyrillic, typed by mistake inside a Russian word («Cош» with a Latin C, seen in
# ФИС ОКО's 2022 form): read as the Cyrillic letter when the word has Cyrillic letters too.
_HOMOGLYPHS = str.maketrans("aceopxykmtbh", "асеорхукмтвн")
_CYRILLIC_RE = re.compile("[а-я]")
_LATIN_RE = re.compile("[a-z]")


def _clean(text: str) -> str:
    """Lower case, ё→е, quotes and punctuation as spaces, «№ 5» → «№5», spaces collapsed."""
    text = _NUMBER_RE.sub("№", str(text or ""))
    text = text.lower().replace("ё", "е")
    text = _QUOTES_RE.sub(" ", text)
    text = _SEPARATORS_RE.sub(" ", text)
    if _LATIN_RE.search(text) and _CYRILLIC_RE.search(text):
        text = " ".join(
            "-".join(
                part.translate(_HOMOGLYPHS) if _CYRILLIC_RE.search(part) else part for part in word.split("-")
            )
            for word in text.split()
        )
    return _SPACES_RE.sub(" ", text).strip()


def normalise_school_name(text: str) -> str:
    """The key two spellings of one school's name share: «МБОУ "СОШ № 5"» and «Муниципальное бюджетное
    общеобразовательное учреждение «Средняя общеобразовательная школа №5»» both give «мбоу сош №5»."""
    text = _clean(text)
    for pattern, short in _PHRASES:
        if pattern.search(text):
            text = pattern.sub(short, text)
    # «им. И.А. Пришкольника» → «им и а пришкольника»; «сош с уиоп» already; collapse again after replacing.
    return _SPACES_RE.sub(" ", text).strip()


def without_legal_form(key: str) -> str:
    """A name's key without its legal form (the first word when it is one): «мбоу сош №5» → «сош №5»."""
    words = key.split(" ")
    kept = [word for word in words if word not in LEGAL_FORM_ABBREVIATIONS]
    return " ".join(kept)


# What a name may carry after the school itself: «им. Героя … Смирнова», «г. Новоалтайска», «Шипуновского района»,
# «Шипуновск. р-на Алт. кр.», «Алтайского края». ФИС ОКО's 2022 form writes them, its login list does not.
_NAME_TAILS = (
    re.compile(r"(?:^|\s)им(?:\s.*)?$"),
    re.compile(r"\s(?:г|города)\s\S+.*$"),
    re.compile(r"\s\S+\s(?:района|р-на|муниципального|округа)(?:\s.*)?$"),
    re.compile(r"\s\S+\s(?:края|кр|области|обл)$"),
)


def core_school_name(key: str) -> str:
    """A name's key without its legal form and without what may follow the school itself (whom it is named
    after, the town or district it is in): «мбоу сош №4 им в в бианки» and «мбоу сош №10 г новоалтайска» →
    «сош №4», «сош №10». The resolver's last resort, taken only when it points to one school."""
    core = without_legal_form(key)
    for tail in _NAME_TAILS:
        core = tail.sub("", core)
    return core.strip()


# --- municipalities ---------------------------------------------------------------------------------------

CITY = "город"
DISTRICT = "район"

_DEPARTMENT_PIVOT_RE = re.compile(r"\b(?:администрации|администрация|админстрации|администраций)\b")
# Words a department's name is made of («Комитет по образованию, делам молодежи, материнства и детства …»).
_DEPARTMENT_WORDS = frozenset(
    "комитет комитета управление управления отдел отдела министерство министерства муниципальное казенное "
    "учреждение мку по образования образованию образованием и молодежной молодежи политики политике спорта "
    "делам материнства детства социальной науки культуры администрации администрация".split()
)
_DEPARTMENT_START = frozenset({"комитет", "управление", "отдел", "министерство", "муниципальное", "мку"})
# Type phrases, longest first: (words, type). Genitive forms come from department names.
_TYPE_PHRASES: tuple[tuple[str, str | None], ...] = (
    ("муниципальный район", DISTRICT),
    ("муниципального района", DISTRICT),
    ("муниципальный округ", DISTRICT),
    ("муниципального округа", DISTRICT),
    ("муниципальное образование", None),
    ("муниципального образования", None),
    ("городской округ", CITY),
    ("городского округа", CITY),
    ("городское поселение", CITY),
    ("район", DISTRICT),
    ("района", DISTRICT),
    ("р-н", DISTRICT),
    ("р-на", DISTRICT),
    ("мр", DISTRICT),
    ("мо", None),
    ("город", CITY),
    ("города", CITY),
    ("г", CITY),
    ("го", CITY),
    ("зато", CITY),
)
_TYPE_RES = tuple((re.compile(rf"(?<!\S){re.escape(words)}(?!\S)"), kind) for words, kind in _TYPE_PHRASES)
# Settlement words before a name («городского округа "Поселок Агинское"», «ЗАТО п. Горный»).
_SETTLEMENT_WORDS = frozenset({"поселок", "пгт", "п", "село", "с", "рп", "рабочий"})
# «… Забайкальского края», «… Алтайского края», «… Еврейской автономной области» at the end.
_REGION_TAIL_RE = re.compile(r"\s+\S+\s+(?:края|области|республики|автономного округа|автономной области)$")
# Adjective endings: «Алейский», «Алейского», «Целинный», «Целинного» → one stem (a district is written in the
# nominative by ФИС ОКО and in the genitive in a department's name).
_ADJECTIVE_RE = re.compile(
    r"(?<=\w\w)(?:ского|скому|ский|ской|ская|ское|ских|цкого|цкий|цкой|цкая|цкое|ного|ному|ный|ной|ная|ное)$"
)


class MunicipalityKey(NamedTuple):
    base: str  # the name's stems: «алейск», «чита», «петровск-забайкальск»
    kind: str | None  # CITY, DISTRICT, or None when the text does not say

    def __str__(self) -> str:
        return f"{self.base} ({self.kind})" if self.kind else self.base


def _stem(word: str) -> str:
    match = _ADJECTIVE_RE.search(word)
    if not match:
        return word
    ending = match.group(0)
    stem = "ск" if ending.startswith("ск") else "цк" if ending.startswith("цк") else "н"
    return word[: match.start()] + stem


def municipality_key(text: str) -> MunicipalityKey:
    """The base name and kind of a municipality however it is written (see the module's docstring)."""
    _label, text = split_labelled(text)
    text = _clean(text)
    pivots = list(_DEPARTMENT_PIVOT_RE.finditer(text))
    if pivots:  # «… администрации муниципального района "Читинский район"»: what follows the last one
        text = text[pivots[-1].end() :].strip()
    else:
        words = text.split(" ")
        if words and words[0] in _DEPARTMENT_START and len(words) > 1:
            # «Комитет по образованию и делам молодежи муниципального района …»: drop the department's words.
            start = 0
            while start < len(words) - 1 and words[start] in _DEPARTMENT_WORDS:
                start += 1
            text = " ".join(words[start:])
    text = _REGION_TAIL_RE.sub("", text) if len(text.split(" ")) > 2 else text
    kind: str | None = None
    for pattern, phrase_kind in _TYPE_RES:
        if pattern.search(text):
            if phrase_kind is not None and kind is None:
                kind = phrase_kind
            text = pattern.sub(" ", text)
    words = [word for word in text.split(" ") if word and word not in _SETTLEMENT_WORDS]
    if not words:
        return MunicipalityKey("", kind)
    base = " ".join("-".join(_stem(part) for part in word.split("-")) for word in words)
    return MunicipalityKey(base, kind)


def normalise_municipality(text: str) -> str:
    """One string per municipality however it is written: «алейск (район)», «чита (город)», «целинн»."""
    return str(municipality_key(text))


# --- identifiers ------------------------------------------------------------------------------------------

_LOGIN_RE = re.compile(r"^\s*(sch|edu)(\d+)\s*$", re.IGNORECASE)
LOGIN_PREFIXES = ("sch", "edu")


def login_digits(value: str) -> str:
    """The digits of a ФИС ОКО login (``sch223017``, ``edu223017`` → ``223017``); '' for anything else."""
    match = _LOGIN_RE.match(str(value or ""))
    return match.group(2) if match else ""


def login_prefix(value: str) -> str:
    match = _LOGIN_RE.match(str(value or ""))
    return match.group(1).lower() if match else ""


def split_labelled(text: str) -> tuple[str, str]:
    """ФИС ОКО writes a school or a municipality as «code | name»: ``edu224052 | МБОУ "…"`` → ("edu224052",
    'МБОУ "…"'); ``reg22_m056 | Целинный муниципальный район`` → ("reg22_m056", "Целинный муниципальный район").
    Text without « | » is all name: ("", text)."""
    text = str(text or "").strip()
    code, bar, name = text.partition("|")
    if not bar:
        return "", text
    code = code.strip()
    if not code or " " in code:
        return "", text
    return code, name.strip()


_DIGITS_RE = re.compile(r"\D+")


def identifier_key(kind: str, value: str) -> str:
    """The normalised form an identifier of ``kind`` is stored and looked up by."""
    value = str(value or "").strip()
    if kind == NAME:
        return normalise_school_name(value)
    if kind in (INN, OGRN):
        return _DIGITS_RE.sub("", value)
    return _SPACES_RE.sub("", value).lower()


# A value that says which identifier kind it is: «rcoi_oge:220001». A layout whose code column holds one kind of
# identifier (the РЦОИ export: the ОГЭ or the ЕГЭ code, decided per file) hands its codes on this way, and the
# resolver (SchoolDirectory.find) looks the bare value up among that kind only and names the bare value in its
# messages. Only a known kind is a prefix: «abc:1» stays a plain value. (#19 §3.5, helper H6 ↔ H1)
KIND_SEPARATOR = ":"
PREFIXABLE_KINDS = frozenset({FISOKO, INN, OGRN, RCOI_OGE, RCOI_EGE, CODE})


def with_kind(kind: str, value: str) -> str:
    """'rcoi_oge', '220001' -> 'rcoi_oge:220001'."""
    return f"{kind}{KIND_SEPARATOR}{value}"


def split_kind(text: str) -> tuple[str | None, str]:
    """'rcoi_oge:220001' -> ('rcoi_oge', '220001'); a value without a known kind prefix -> (None, value)."""
    kind, separator, value = str(text).partition(KIND_SEPARATOR)
    if separator and kind in PREFIXABLE_KINDS:
        return kind, value.strip()
    return None, text
