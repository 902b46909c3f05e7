"""A row's checks with their Russian messages: the slow path of the importer's validation (the fast path is
inline in ``importer.ResultsImporter._validate``).
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from core.imports import ImportOutcome
from core.tabular import (
    RowError,
    parse_int,
)

from .catalog import MUNICIPALITY, SCHOOL_NAME, Catalog
from .layouts.template import TEMPLATE_KEYS, TEMPLATE_LABELS

MAX_COUNT = 2_147_483_647  # Result's counts are PositiveIntegerField: a larger number would fail the write
COUNT_KEYS = ("participants", "failed", "marks_3", "marks_4", "marks_5")

# ЕГЭ extras (#19 §3.2): optional, found by key; a layout's labels may not name them.
EXTRA_KEYS = ("high_scorers", "hundred_scorers")
_EXTRA_PLACES = tuple(TEMPLATE_KEYS.index(key) for key in EXTRA_KEYS)

NAME_LABEL = TEMPLATE_LABELS["school_name"]

BLANK = object()  # a row of spaces only: not a row at all


def check_row(
    line: int,
    values: tuple[str, ...],
    catalog: "Catalog",
    procedure: int | list,
    labels: dict[str, str],
    outcome: ImportOutcome,
) -> tuple | None:
    """Every check of a row, with its messages, on trimmed cells (the fast path reads CSV cells as they are).

    Returns (school, (counts…, mean score)), None if the row is wrong, or BLANK.
    """
    values = tuple(value.strip() for value in values)
    if not any(values):
        return BLANK
    before = outcome.error_count
    code = values[0]
    name = values[SCHOOL_NAME]
    school = catalog.schools.get(code.lower())
    # A row names its school by code or, when a layout has no codes, by name (#19 §1).
    school_label = labels["school_code"] if code or not name else labels.get("school_name", NAME_LABEL)
    if school is None:
        school, message = catalog.school_for(code, name, values[MUNICIPALITY])
        if school is None:
            outcome.add_error(RowError(line, school_label, message))
    if school is not None and not school[1]:
        outcome.add_error(
            RowError(
                line,
                school_label,
                f"Нет прав на загрузку результатов школы «{code or name}» (муниципалитет «{school[2]}»).",
            )
        )
    if procedure.__class__ is not int:
        for key, message in procedure:
            outcome.add_error(RowError(line, labels[key], message))
    counts = []
    for key, text in zip(COUNT_KEYS, values[5:10], strict=True):
        value, message = _slow_count(text, required=key in ("participants", "failed"))
        if message:
            outcome.add_error(RowError(line, labels[key], message))
        counts.append(value)
    participants, failed, marks_3, marks_4, marks_5 = counts
    if participants is not None and failed is not None:
        if failed > participants:
            outcome.add_error(
                RowError(
                    line, labels["failed"], f"Значение {failed} больше числа участников ({participants})."
                )
            )
        elif marks_3 is not None or marks_4 is not None or marks_5 is not None:
            marked = failed + (marks_3 or 0) + (marks_4 or 0) + (marks_5 or 0)
            if marked > participants:
                names = ", ".join(
                    f"«{labels[key].strip('«»')}»"
                    for key, text in zip(COUNT_KEYS[1:], values[6:10], strict=True)
                    if text
                )
                outcome.add_error(
                    RowError(
                        line,
                        labels["participants"],
                        f"Сумма {names} ({marked}) больше числа участников ({participants}).",
                    )
                )
    mean = values[10]
    if mean:
        mean, message = _slow_mean(mean)
        if message:
            outcome.add_error(RowError(line, labels["mean_score"], message))
    extras = _check_extras(line, values, participants, failed, labels, outcome)
    if outcome.error_count != before:
        return None
    return school, (*counts, mean or None, *extras)


def _check_extras(
    line: int,
    values: tuple[str, ...],
    participants: int | None,
    failed: int | None,
    labels: dict[str, str],
    outcome: ImportOutcome,
) -> list[int | None]:
    """High scorers (80–99) and hundreds: counts, each within the participants, and — as the failed, the high
    scorers and the hundreds are three disjoint groups of the participants — their sum too."""
    extras: list[int | None] = []
    for key, place in zip(EXTRA_KEYS, _EXTRA_PLACES, strict=True):
        label = labels.get(key, TEMPLATE_LABELS[key])
        value, message = _slow_count(values[place], required=False)
        if message:
            outcome.add_error(RowError(line, label, message))
        elif value is not None and participants is not None and value > participants:
            outcome.add_error(
                RowError(line, label, f"Значение {value} больше числа участников ({participants}).")
            )
            value = None
        extras.append(value)
    high, hundred = extras
    if participants is not None and failed is not None and failed <= participants and (high or hundred):
        total = failed + (high or 0) + (hundred or 0)
        if total > participants:
            names = ", ".join(
                f"«{labels.get(key, TEMPLATE_LABELS[key]).strip('«»')}»"
                for key in ("failed", *EXTRA_KEYS)
                if key == "failed" or values[TEMPLATE_KEYS.index(key)]
            )
            outcome.add_error(
                RowError(
                    line,
                    labels.get(
                        "hundred_scorers" if hundred else "high_scorers", TEMPLATE_LABELS["high_scorers"]
                    ),
                    f"Сумма {names} ({total}) больше числа участников ({participants}): не преодолевшие "
                    "минимальный порог, высокобалльники и стобалльники — разные участники.",
                )
            )
    return extras


def _slow_count(text: str, *, required: bool) -> tuple[int | None, str]:
    """A count that is not plain digits: '', ' 1 200', '12.0', '-3', 'abc'. Returns (value, error message)."""
    try:
        value = parse_int(text)
    except ValueError:
        return None, f"Ожидается целое неотрицательное число, указано «{text[:40]}»."
    if value is None:
        return None, "Обязательное поле не заполнено." if required else ""
    if value < 0:
        return None, f"Количество не может быть отрицательным: «{text[:40]}»."
    if value > MAX_COUNT:
        return None, f"Слишком большое число: «{text[:40]}»."
    return value, ""


def _slow_mean(text: str) -> tuple[str, str]:
    """'3,26', '3.256' (rounded half up to hundredths, as stored) -> '3.26'. Returns (text, error message)."""
    cleaned = text.replace("\u00a0", "").replace(" ", "").replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or value < 0 or value >= 10000:
        return (
            "",
            f"Ожидается число от 0 до 9999,99 (дробная часть — через запятую или точку), указано «{text[:40]}».",
        )
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)), ""
