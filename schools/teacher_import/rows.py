"""What both importers share: limits, the school column, a person's name in one or three columns, the
schools a user may write, reading the rows.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import IO

from django.core.exceptions import ValidationError

from core.plural import count_noun
from core.policies import is_system, policy_for
from core.tabular import (
    Column,
    RowError,
    TableError,
    iter_table,
    normalise_text,
)

from ..models import Region, School
from ..policies import MANAGE_TEACHERS
from ..selectors_school_codes import SchoolCodes

PROGRESS_EVERY = 1000
MAX_NAME_LENGTH = 150  # Teacher.last_name, first_name, middle_name
MAX_POSITION_LENGTH = 255
MAX_SUBJECT_LENGTH = 255
MAX_TITLE_LENGTH = 500
MAX_PROVIDER_LENGTH = 500
MAX_CERTIFICATE_LENGTH = 100
MAX_EXPERIENCE_YEARS = 70
MIN_HOURS, MAX_HOURS = 1, 2000
EARLIEST_COURSE_DATE = date(1970, 1, 1)
DEFAULT_POSITION = "учитель"

# Letters, single spaces, hyphens, apostrophes and dots between them: «Анна-Мария», «Д’Артаньян», «оглы».
NAME_PATTERN = re.compile(r"^[^\W\d_]+(?:[ \-'’.][^\W\d_]*)*$")
SUBJECT_SEPARATORS = re.compile(r"[,;]")

SCHOOL_COLUMN = Column("school_code", "Код ОО", aliases=("код", "логин", "логин ОО", "логин ФИС ОКО"))


def name_columns(full_label: str, full_aliases: tuple[str, ...]) -> tuple[Column, ...]:
    # Either «ФИО» or «Фамилия» + «Имя» (+ «Отчество»): none is required by itself, the row check decides.
    return (
        Column("full_name", full_label, aliases=full_aliases, required=False),
        Column("last_name", "Фамилия", required=False),
        Column("first_name", "Имя", required=False),
        Column("middle_name", "Отчество", required=False),
    )


# --- rows shared by both importers -----------------------------------------------------------------------


@dataclass(frozen=True)
class PersonName:
    last: str
    first: str
    middle: str
    column: str  # the label errors about this name point to: «ФИО» or «Фамилия»

    def key(self) -> tuple[str, str, str]:
        return (self.last.lower(), self.first.lower(), self.middle.lower())


def _check_name_header(values: dict[str, str], full_label: str) -> None:
    """The header has a way to give names: «ФИО», or «Фамилия» and «Имя»."""
    if "full_name" not in values and not ("last_name" in values and "first_name" in values):
        raise TableError(
            f"В заголовке нет столбцов с ФИО педагога: нужен столбец «{full_label}» "
            "или столбцы «Фамилия» и «Имя» (и «Отчество», если есть)."
        )


def _check_name_part(
    line: int, label: str, value: str, errors: list[RowError], parts: tuple[str, ...] | None = None
) -> None:
    """One error at most per cell; the value itself is never quoted: it is a person's name."""
    if any(len(part) > MAX_NAME_LENGTH for part in parts or (value,)):
        errors.append(
            RowError(
                line,
                label,
                f"Слишком длинное значение: больше {count_noun(MAX_NAME_LENGTH, 'символа', 'символов', 'символов')}.",
            )
        )
    elif not NAME_PATTERN.match(value):
        errors.append(
            RowError(
                line,
                label,
                "Недопустимые символы: в фамилии, имени и отчестве допустимы буквы, пробел, дефис и "
                "апостроф (проверьте, не сдвинуты ли столбцы).",
            )
        )


def parse_name(
    line: int, values: dict[str, str], errors: list[RowError], full_label: str
) -> PersonName | None:
    before = len(errors)
    full = normalise_text(values.get("full_name", ""))
    parts = {key: normalise_text(values.get(key, "")) for key in ("last_name", "first_name", "middle_name")}
    if full:
        words = full.split(" ")
        if len(words) < 2:
            errors.append(
                RowError(line, full_label, "Укажите фамилию, имя и отчество (если есть) через пробел.")
            )
            return None
        name = PersonName(words[0], words[1], " ".join(words[2:]), full_label)
        _check_name_part(line, full_label, full, errors, parts=(name.last, name.first, name.middle))
        if len(errors) > before:
            return None
        if any(parts.values()) and tuple(part.lower() for part in parts.values()) != name.key():
            errors.append(
                RowError(
                    line,
                    full_label,
                    "ФИО не совпадает со столбцами «Фамилия», «Имя», «Отчество»: заполните что-то одно.",
                )
            )
            return None
        return name
    if "last_name" not in values and "first_name" not in values:  # only «ФИО» in the header
        errors.append(RowError(line, full_label, "Обязательное поле не заполнено."))
        return None
    for key, label in (("last_name", "Фамилия"), ("first_name", "Имя")):
        if not parts[key]:
            errors.append(RowError(line, label, "Обязательное поле не заполнено."))
    for key, label in (("last_name", "Фамилия"), ("first_name", "Имя"), ("middle_name", "Отчество")):
        if parts[key]:
            _check_name_part(line, label, parts[key], errors)
    if len(errors) > before:
        return None
    return PersonName(parts["last_name"], parts["first_name"], parts["middle_name"], "Фамилия")


def parse_school_code(line: int, values: dict[str, str], errors: list[RowError]) -> str:
    code = normalise_text(values.get("school_code", ""))
    if not code:
        errors.append(RowError(line, SCHOOL_COLUMN.label, "Обязательное поле не заполнено."))
    return code


def check_length(line: int, label: str, value: str, limit: int, errors: list[RowError]) -> None:
    if len(value) > limit:
        errors.append(
            RowError(
                line,
                label,
                f"Слишком длинное значение: больше {count_noun(limit, 'символа', 'символов', 'символов')}.",
            )
        )


class Schools(SchoolCodes):
    """The region's schools by code (selectors_school_codes) and which of them ``user`` may write teachers of."""

    def __init__(self, region: Region, user):
        writable: set[int] | None = None  # a command (SYSTEM) writes every school of the region
        if not is_system(user):
            writable = set(
                policy_for(School)
                .instances(user, MANAGE_TEACHERS)
                .filter(municipality__region=region)
                .values_list("pk", flat=True)
            )
        super().__init__(
            region,
            SCHOOL_COLUMN.label,
            allowed=writable,
            refused="Нет прав на изменение сведений о педагогах школы «{code}».",
        )


def read_import_rows(
    stream: IO[bytes],
    name: str,
    columns: tuple[Column, ...],
    full_label: str,
    parse: Callable,
    errors: list[RowError],
    progress: Callable[[int], None] | None,
) -> tuple[int, list]:
    rows = []
    total = 0
    for line, values in iter_table(stream, name, columns):
        if total == 0:
            _check_name_header(values, full_label)
        total += 1
        if progress is not None and total % PROGRESS_EVERY == 0:
            progress(total)
        row = parse(line, values, errors)
        if row is not None:
            rows.append(row)
    return total, rows


def full_clean_except(obj, exclude: list[str]) -> None:
    try:
        obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:  # row validation should have caught it: fail loudly, write nothing
        raise ValueError(f"{obj._meta.verbose_name} (строка файла): {error.messages}") from error
