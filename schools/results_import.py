"""Import of assessment results: the portal template and ФИС ОКО «Статистика по отметкам», one validator.

The file's shape is recognised from its content: the portal template (Russian or English header), the flat
ФИС ОКО table or the ФИС ОКО report as exported (``schools/fisoko.py`` turns both into template rows). Every row
is validated; a file with any error writes nothing; a result is upserted by (school, procedure), so the same file
twice changes nothing and a corrected file updates in place.

Speed and memory (issue 3: ≥ 100,000 CSV rows/s end to end, < 300 MB for a million rows): rows stream from the
reader through validation into a writer in chunks and are never collected; schools, kinds, subjects and
procedures are dicts loaded once, and a procedure is resolved once per distinct (kind, subject, grade, year)
text; the duplicate check keeps one int per row. On PostgreSQL chunks are COPYed into a temporary staging table
and an INSERT … ON CONFLICT per chunk writes them in a helper thread while the next chunk is validated (a preview
counts the would-be changes with one query); on other
databases (SQLite, the demo) chunks go through ``bulk_create(update_conflicts=True)``. Only errors are kept,
capped at MAX_STORED_ERRORS.
"""

import contextlib
import re
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from itertools import chain, islice
from operator import itemgetter
from typing import IO

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from core.errors import ApplicationError
from core.imports import MAX_STORED_ERRORS, ImportOption, ImportOutcome, register_importer
from core.plural import count_noun
from core.tabular import (
    Column,
    RowError,
    TableError,
    cell_text,
    count_filled_rows,
    file_format,
    map_header,
    normalise_text,
    parse_int,
    read_rows,
    rows_with_header,
)
from core.tasks import enqueue
from schools.tasks import recompute_flags_task

from . import fisoko
from .models import Procedure, ProcedureKind, Region, Result, School, Subject
from .subjects import display_subject, normalise_subject

TEMPLATE_COLUMNS = (
    Column("school_code", "Код ОО", aliases=("код", "логин", "логин ОО")),
    Column("year", "Год"),
    Column("kind", "Вид", aliases=("вид процедуры", "процедура")),
    Column("subject", "Предмет"),
    Column("grade", "Класс", aliases=("параллель",)),
    Column("participants", "Участников", aliases=("участники", "кол-во участников", "количество участников")),
    Column(
        "failed", "Неудовлетворительно", aliases=("неудовлетворительных", "не преодолели минимальный порог")
    ),
    Column("marks_3", "«3»", required=False),
    Column("marks_4", "«4»", required=False),
    Column("marks_5", "«5»", required=False),
    Column("mean_score", "Средний балл", required=False),
)
TEMPLATE_LABELS = {column.key: column.label for column in TEMPLATE_COLUMNS}
TEMPLATE_KEYS = tuple(column.key for column in TEMPLATE_COLUMNS)
# (line, values in TEMPLATE_KEYS order, errors found while reading the row)
Row = tuple[int, tuple[str, ...], tuple[RowError, ...]]

# Rows per COPY / bulk_create and per progress report: ~1 MB buffered, ~100 round trips per million rows.
CHUNK_ROWS = 10_000
PEEK_ROWS = 100  # rows read to recognise the shape; a report's header block is a handful of rows
MAX_SUBJECT_LENGTH = 255  # Subject.name
MAX_COUNT = 2_147_483_647  # Result's counts are PositiveIntegerField: a larger number would fail the write
COUNT_KEYS = ("participants", "failed", "marks_3", "marks_4", "marks_5")
# List years that look back at a result of year X (the rule looks back up to 2–3 years: X+1 … X+3).
LIST_YEARS_AFFECTED = (1, 2, 3)

_MEAN = re.compile(r"^[0-9]{1,4}(?:[.,][0-9]{1,2})?$")  # a mean score as stored: up to 9999.99
_STAGE = "results_import_stage"


class ResultsImporter:
    kind = "results"
    title = "Результаты оценочных процедур"
    columns = TEMPLATE_COLUMNS
    options = (
        ImportOption("year", "Год (для отчёта ФИС ОКО без заголовка)", int, 2000, 2100),
        ImportOption("grade", "Класс (для отчёта ФИС ОКО без заголовка)", int, 1, 11),
        ImportOption("subject", "Предмет (для отчёта ФИС ОКО без заголовка)", str),
    )
    notes = (
        "Шаблон портала: одна строка — результат одной школы в одной процедуре; заголовок по-русски или "
        "по-английски (school_code, year, kind, subject, grade, participants, failed, marks_3, marks_4, "
        "marks_5, mean_score).",
        "Отчёт ФИС ОКО «Статистика по отметкам» (ВПР) — как выгружен, с шапкой (год, класс, предмет) и "
        "таблицей «Группы участников»: загружаются строки школ с логином в скобках, например "
        "«(sch610001) МБОУ «Каштановская СОШ»». Если в шапке нет года, класса или предмета, укажите их ниже.",
        "Сводная таблица ФИС ОКО: Год | Класс | Предмет | Муниципалитет | ОО | Логин | Кол-во участников | "
        "2 | 3 | 4 | 5 (отметки в процентах).",
        "Из процентов число учеников восстанавливается как участники × % / 100 с округлением до целого.",
    )

    def template_rows(self) -> list[list[str]]:
        return [
            [column.label for column in TEMPLATE_COLUMNS],
            ["sch610001", "2024", "ВПР", "Математика", "5", "27", "5", "12", "8", "2", "3,26"],
            ["sch610001", "2024", "ОГЭ", "Русский язык", "9", "31", "2", "", "", "", ""],
            [
                "sch610001",
                "2024",
                "ЕГЭ",
                "Математика (профильный уровень)",
                "11",
                "12",
                "1",
                "",
                "",
                "",
                "52,5",
            ],
        ]

    def run(
        self,
        *,
        stream: IO[bytes],
        name: str,
        region: Region,
        user,
        apply: bool,
        progress: Callable[[int], None] | None = None,
        batch=None,
        options: dict | None = None,
    ) -> ImportOutcome:
        options = options or {}
        catalog = _Catalog(region=region, user=user)
        outcome = ImportOutcome()
        writer_class = _CopyWriter if connection.vendor == "postgresql" else _PortableWriter
        writer = writer_class(catalog, apply=apply, batch_id=getattr(batch, "pk", None))
        try:
            # Both writers write chunk by chunk: an error further down undoes them with the transaction.
            with transaction.atomic() if apply else contextlib.nullcontext():
                rows, labels = open_rows(stream, name, options)
                duplicates = self._validate(rows, labels, catalog, writer, outcome, progress)
                if duplicates:
                    self._report_duplicates(duplicates, outcome, catalog, stream, name, options)
                if outcome.ok:
                    outcome.stats = writer.finish()
                elif apply:
                    raise _Undo
        except _Undo:
            pass
        except BaseException:
            with contextlib.suppress(DatabaseError):
                writer.close()
            raise
        writer.close()
        outcome.stats.setdefault("created", 0)
        outcome.stats.setdefault("updated", 0)
        outcome.stats.setdefault("unchanged", 0)
        if apply and outcome.ok and (outcome.stats["created"] or outcome.stats["updated"]):
            _queue_flags_recompute(catalog.years(), region.pk)
        return outcome

    # --- validation ------------------------------------------------------------------------------------
    def _validate(
        self,
        rows: Iterator[Row],
        labels: dict[str, str],
        catalog: "_Catalog",
        writer: "_Writer",
        outcome: ImportOutcome,
        progress: Callable[[int], None] | None,
    ) -> list[tuple[int, int]]:
        """One pass: every row checked, good rows handed to the writer while the file has no error.

        Returns the duplicates found, as (line, key); the row each repeats is looked up afterwards.
        """
        schools = catalog.schools
        procedure_of: dict[tuple[str, str, str, str], int | list] = {}
        seen: set[int] = set()  # (procedure index << 32) | school id: one int per row
        duplicates: list[tuple[int, int]] = []
        buffered = writer.buffer.append
        mean_ok = _MEAN.match
        chunk = CHUNK_ROWS
        clean = True  # no error so far: rows go on to the writer
        total = 0
        for line, values, row_errors in rows:
            total += 1
            if total % chunk == 0:
                if clean:  # write what is buffered (nothing is, once the file has an error)
                    writer.flush()
                if progress is not None:
                    progress(total)
            if row_errors:
                for error in row_errors:
                    outcome.add_error(error)
                clean = False
                continue
            code, year, kind, subject, grade, participants, failed, marks_3, marks_4, marks_5, mean = values
            school = schools.get(code.lower())
            procedure = procedure_of.get((kind, subject, grade, year))
            if procedure is None:
                procedure = procedure_of[(kind, subject, grade, year)] = catalog.procedure_index(
                    kind, subject, grade, year
                )
            parsed = None
            # The fast path: a clean row (plain digits, a known school and procedure) checked without messages.
            if (
                school is not None
                and school[1]
                and procedure.__class__ is int
                and participants.isdecimal()
                and failed.isdecimal()
                and (not marks_3 or marks_3.isdecimal())
                and (not marks_4 or marks_4.isdecimal())
                and (not marks_5 or marks_5.isdecimal())
                and (not mean or mean_ok(mean))
            ):
                try:
                    counts = (
                        int(participants),
                        int(failed),
                        int(marks_3) if marks_3 else None,
                        int(marks_4) if marks_4 else None,
                        int(marks_5) if marks_5 else None,
                    )
                except ValueError:  # more digits than int() reads (4300): the slow path says what is wrong
                    counts = None
                if counts is not None and (
                    counts[1] + (counts[2] or 0) + (counts[3] or 0) + (counts[4] or 0)
                    <= counts[0]
                    <= MAX_COUNT
                ):
                    parsed = (*counts, mean.replace(",", ".") if mean else None)
            if parsed is None:  # the slow path says what is wrong, or accepts what the fast one did not
                checked = _check_row(line, values, catalog, procedure, labels, outcome)
                if checked is None:
                    clean = False
                    continue
                if checked is _BLANK:
                    total -= 1
                    continue
                school, parsed = checked
            key = (procedure << 32) | school[0]
            size = len(seen)
            seen.add(key)
            if len(seen) == size:
                if len(duplicates) < MAX_STORED_ERRORS:
                    duplicates.append((line, key))
                else:
                    outcome.error_count += 1  # counted, not described
                clean = False
                continue
            if clean:
                buffered((school[0], procedure, *parsed))
        if progress is not None:
            progress(total)
        outcome.total_rows = total
        if total == 0:
            outcome.add_error(RowError(0, "", "В файле нет строк с результатами школ."))
        catalog.procedure_of = procedure_of
        return duplicates

    def _report_duplicates(
        self,
        duplicates: list[tuple[int, int]],
        outcome: ImportOutcome,
        catalog: "_Catalog",
        stream: IO[bytes],
        name: str,
        options: dict,
    ) -> None:
        """A duplicate names the row it repeats: a second read finds it, only for files that have duplicates.

        Keeping a line number beside every key would cost ~40 MB more for a million rows than the set alone.
        """
        wanted = {key for _line, key in duplicates}
        first_line: dict[int, int] = {}
        stream.seek(0)
        rows, labels = open_rows(stream, name, options)
        for line, values, row_errors in rows:
            if row_errors:
                continue
            code, year, kind, subject, grade = values[:5]
            school = catalog.schools.get(code.strip().lower())
            procedure = catalog.procedure_of.get((kind, subject, grade, year))
            if school is None or procedure.__class__ is not int:
                continue
            key = (procedure << 32) | school[0]
            if key in wanted and key not in first_line:
                first_line[key] = line
        for line, key in duplicates:
            outcome.add_error(
                RowError(
                    line,
                    labels["school_code"],
                    f"Результат школы «{catalog.school_code(key & 0xFFFFFFFF)}» по процедуре "
                    f"«{catalog.titles[key >> 32]}» уже встречался в строке {first_line.get(key, '?')}.",
                )
            )


class _Undo(Exception):
    """Undo the chunks the portable writer wrote once a later row turned out bad."""


_BLANK = object()  # a row of spaces only: not a row at all


def _check_row(
    line: int,
    values: tuple[str, ...],
    catalog: "_Catalog",
    procedure: int | list,
    labels: dict[str, str],
    outcome: ImportOutcome,
) -> tuple | None:
    """Every check of a row, with its messages, on trimmed cells (the fast path reads CSV cells as they are).

    Returns (school, (counts…, mean score)), None if the row is wrong, or _BLANK.
    """
    values = tuple(value.strip() for value in values)
    if not any(values):
        return _BLANK
    before = outcome.error_count
    code = values[0]
    school = catalog.schools.get(code.lower())
    if school is None:
        outcome.add_error(
            RowError(
                line,
                labels["school_code"],
                (
                    f"Школа с кодом «{code[:40]}» не найдена в регионе «{catalog.region.name}»: проверьте код или "
                    "сначала загрузите реестр школ."
                    if code
                    else "Обязательное поле не заполнено."
                ),
            )
        )
    elif not school[1]:
        outcome.add_error(
            RowError(
                line,
                labels["school_code"],
                f"Нет прав на загрузку результатов школы «{code}» (муниципалитет «{school[2]}»).",
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
    if outcome.error_count != before:
        return None
    return school, (*counts, mean or None)


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


# --- reading and recognising the file ------------------------------------------------------------------


def open_rows(stream: IO[bytes], name: str, options: dict) -> tuple[Iterator[Row], dict[str, str]]:
    """Recognise the file's shape from its first rows; return its rows in template order and the column labels."""
    raw = _raw_rows(stream, name)
    peeked = list(islice(raw, PEEK_ROWS))
    texts = [[cell_text(value) for value in row] for row in peeked]
    header = next((cells for cells in texts if any(cells)), None)
    if header is None:
        raise TableError("Файл пуст: нет строки заголовка.")
    rows = chain(peeked, raw)
    try:
        map_header(header, TEMPLATE_COLUMNS)
    except TableError as error:
        template_error = error
    else:
        return _template_rows(rows, typed=file_format(name) != "csv"), TEMPLATE_LABELS
    try:
        map_header(header, fisoko.FLAT_COLUMNS)
    except TableError:
        pass
    else:
        return _in_template_order(
            fisoko.flat_rows(rows_with_header(rows, fisoko.FLAT_COLUMNS))
        ), fisoko.FLAT_LABELS
    if any(fisoko.is_report_header(cells) for cells in texts):
        numbered = ((line, [cell_text(value) for value in row]) for line, row in enumerate(rows, start=1))
        report = fisoko.report_rows(
            numbered,
            year=options.get("year"),
            grade=options.get("grade"),
            subject=normalise_text(options.get("subject") or ""),
        )
        return _in_template_order(report), fisoko.REPORT_LABELS
    filled = count_filled_rows(rows)  # the header's row among them
    raise TableError(
        "Не удалось распознать файл: это не шаблон портала и не отчёт ФИС ОКО «Статистика по отметкам». "
        + str(template_error),
        rows=None if filled is None else max(filled - 1, 0),
    )


def _template_rows(raw: Iterator[list], *, typed: bool) -> Iterator[Row]:
    """Rows after the header as tuples in TEMPLATE_COLUMNS order; an absent optional column reads as ''.

    The hot loop of a million-row file: one C-level itemgetter picks the cells. CSV cells are text and are
    passed on as they are (a cell with stray spaces fails the validator's fast path and is trimmed on its slow
    one); xlsx cells are typed values and only the picked ones are converted.
    """
    line = 0
    header = None
    for row in raw:
        line += 1
        cells = [cell_text(value) for value in row]
        if any(cells):
            header = cells
            break
    if header is None:
        raise TableError("Файл пуст: нет строки заголовка.")
    positions = map_header(header, TEMPLATE_COLUMNS)
    width = max(positions.values()) + 1
    absent = len(positions) < len(TEMPLATE_COLUMNS)
    # An absent column reads the "" appended to each row (index -1).
    pick = itemgetter(*(positions.get(column.key, -1) for column in TEMPLATE_COLUMNS))
    for row in raw:
        line += 1
        if len(row) < width:
            row = [*row, *[""] * (width - len(row))]
        if absent:
            row.append("")
        values = tuple(map(cell_text, pick(row))) if typed else pick(row)
        if any(values):
            yield line, values, ()


def _in_template_order(rows: Iterator[fisoko.PortalRow]) -> Iterator[Row]:
    for line, values, errors in rows:
        yield line, tuple(values.get(key, "") for key in TEMPLATE_KEYS), errors


def _raw_rows(stream: IO[bytes], name: str) -> Iterator[list]:
    """Every row of the file as its reader gives it (no header handling); an .xlsx is measured first."""
    return read_rows(stream, name)


# --- what the database already holds -------------------------------------------------------------------


class _Catalog:
    """Schools, kinds, subjects and procedures, loaded once; new subjects and procedures created on demand."""

    def __init__(self, *, region: Region, user):
        self.region = region
        writable = None
        if user is not None:  # a command (user None) may write everything
            writable = set(
                School.objects.editable_by(user)
                .filter(municipality__region=region)
                .values_list("pk", flat=True)
            )
        in_region = School.objects.filter(municipality__region=region).values_list(
            "pk", "code", "municipality__name"
        )
        # code in lower case -> (id, may the user write it, municipality): the one lookup per row
        self.schools: dict[str, tuple[int, bool, str]] = {}
        self._codes: dict[int, str] = {}
        for pk, code, municipality in in_region:
            self.schools[code.lower()] = (pk, writable is None or pk in writable, municipality)
            self._codes[pk] = code
        self.kinds = {
            _kind_key(code): (pk, code)
            for pk, code in ProcedureKind.objects.filter(is_active=True).values_list("pk", "code")
        }
        self.subjects: dict[str, int] = dict(Subject.objects.values_list("normalized_name", "pk"))
        self.procedures: dict[tuple[int, int, int, int], int] = {
            (kind, subject, grade, year): pk
            for pk, kind, subject, grade, year in Procedure.objects.values_list(
                "pk", "kind_id", "subject_id", "grade", "year"
            )
        }
        self.new_subjects: dict[str, str] = {}  # normalised -> the first spelling seen
        # The file's procedures by index: (kind id, subject key, grade, year).
        self.file_procedures: list[tuple[int, str, int, int]] = []
        self.procedure_ids: list[int | None] = []  # index -> procedure id; None until created
        self.titles: list[str] = []  # index -> «ВПР, Математика, 5 кл., 2024», for messages
        self._index: dict[tuple[int, str, int, int], int] = {}
        self._pending: list[int] = []
        self.procedure_of: dict = {}
        self.created = {"procedures": 0, "subjects": 0}

    def procedure_index(
        self, kind_text: str, subject_text: str, grade_text: str, year_text: str
    ) -> int | list:
        """The file's index of a procedure, or [(column key, message), …]."""
        errors = []
        kind = self.kinds.get(_kind_key(kind_text))
        if kind is None:
            allowed = ", ".join(sorted(code for _pk, code in self.kinds.values()))
            errors.append(
                (
                    "kind",
                    f"Неизвестный вид процедуры «{kind_text[:40]}». Допустимо: {allowed}."
                    if kind_text
                    else "Обязательное поле не заполнено.",
                )
            )
        subject = normalise_subject(subject_text)
        if not subject:
            errors.append(("subject", "Обязательное поле не заполнено."))
        elif len(subject) > MAX_SUBJECT_LENGTH:
            errors.append(
                (
                    "subject",
                    f"Слишком длинное название: больше {count_noun(MAX_SUBJECT_LENGTH, 'символа', 'символов', 'символов')}.",
                )
            )
        grade = _bounded(grade_text, fisoko.GRADES, "Класс", errors, "grade")
        year = _bounded(year_text, fisoko.YEARS, "Год", errors, "year")
        if errors:
            return errors
        key = (kind[0], subject, grade, year)
        index = self._index.get(key)
        if index is None:
            index = self._index[key] = len(self.file_procedures)
            self.file_procedures.append(key)
            self.titles.append(f"{kind[1]}, {display_subject(subject_text)}, {grade} кл., {year}")
            subject_id = self.subjects.get(subject)
            procedure_id = self.procedures.get((kind[0], subject_id, grade, year)) if subject_id else None
            self.procedure_ids.append(procedure_id)
            if procedure_id is None:
                self._pending.append(index)
                if subject_id is None:
                    self.new_subjects.setdefault(subject, display_subject(subject_text))
        return index

    def resolve(self, *, create: bool) -> list[int | None]:
        """Procedure ids by the file's index; with ``create`` the new subjects and procedures are created."""
        if create and self._pending:
            for index in self._pending:
                kind_id, subject_key, grade, year = self.file_procedures[index]
                subject_id = self.subjects.get(subject_key)
                if subject_id is None:
                    subject, made = Subject.objects.get_or_create(
                        normalized_name=subject_key, defaults={"name": self.new_subjects[subject_key]}
                    )
                    subject_id = self.subjects[subject_key] = subject.pk
                    self.created["subjects"] += made
                procedure, made = Procedure.objects.get_or_create(
                    kind_id=kind_id, subject_id=subject_id, grade=grade, year=year
                )
                self.procedure_ids[index] = procedure.pk
                self.created["procedures"] += made
            self._pending = []
        return self.procedure_ids

    def new_counts(self) -> dict[str, int]:
        """Subjects and procedures this file adds (would add, in a preview)."""
        return {
            "procedures_created": self.created["procedures"] + len(self._pending),
            "subjects_created": self.created["subjects"]
            + sum(1 for key in self.new_subjects if key not in self.subjects),
        }

    def years(self) -> set[int]:
        return {year for _kind, _subject, _grade, year in self.file_procedures}

    def school_code(self, pk: int) -> str:
        return self._codes.get(pk, str(pk))


def _kind_key(text: str) -> str:
    return normalise_text(text).upper().replace("Ё", "Е")


def _bounded(text: str, allowed: range, name: str, errors: list, key: str) -> int | None:
    try:
        value = parse_int(text)
    except ValueError:
        errors.append((key, f"Ожидается целое число, указано «{text[:40]}»."))
        return None
    if value is None:
        errors.append((key, "Обязательное поле не заполнено."))
        return None
    if value not in allowed:
        errors.append((key, f"{name} должен быть от {allowed.start} до {allowed.stop - 1}, указано {value}."))
        return None
    return value


# --- writing -------------------------------------------------------------------------------------------

# (school id, procedure index, participants, failed, «3», «4», «5», mean score as text or None)
StagedRow = tuple[int, int, int, int, int | None, int | None, int | None, str | None]
VALUE_FIELDS = ("participants", "failed", "marks_3", "marks_4", "marks_5", "mean_score")


class _Writer:
    def __init__(self, catalog: _Catalog, *, apply: bool, batch_id: int | None):
        self.catalog = catalog
        self.apply = apply
        self.batch_id = batch_id
        self.buffer: list[StagedRow] = []  # filled by the validator, emptied (in place) by flush()
        self.rows = 0

    def flush(self) -> None:
        raise NotImplementedError

    def finish(self) -> dict[str, int]:
        raise NotImplementedError

    def close(self) -> None:
        """Release what the writer holds (the staging table)."""


_RESULTS = Result._meta.db_table
_OLD = ", ".join(f"r.{field}" for field in VALUE_FIELDS)
_STAGED = ", ".join(f"s.{field}" for field in VALUE_FIELDS)
# One statement writes every staged row. ON CONFLICT … WHERE leaves identical rows untouched (no new row
# version, not returned), and ``xmax = 0`` holds only for a row this statement inserted, not for one it
# updated: the counts come out of the same statement. Identifiers are this module's constants.
_UPSERT_SQL = (
    f"WITH written AS ("  # noqa: S608
    f" INSERT INTO {_RESULTS} AS r (created_at, updated_at, school_id, procedure_id, {', '.join(VALUE_FIELDS)},"
    f" import_batch_id)"
    f" SELECT %s, %s, s.school_id, s.procedure_id, {_STAGED}, %s FROM {_STAGE} s"
    f" ON CONFLICT (school_id, procedure_id) DO UPDATE SET"
    f" {', '.join(f'{field} = EXCLUDED.{field}' for field in VALUE_FIELDS)},"
    f" updated_at = EXCLUDED.updated_at, import_batch_id = EXCLUDED.import_batch_id"
    f" WHERE ({_OLD}) IS DISTINCT FROM ({', '.join(f'EXCLUDED.{field}' for field in VALUE_FIELDS)})"
    f" RETURNING (r.xmax = 0) AS inserted)"
    f" SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM written"
)
# A preview: what the upsert would insert (no such result) and update (a different one).
_PREVIEW_SQL = (
    f"SELECT count(*) FILTER (WHERE r.id IS NULL),"  # noqa: S608
    f" count(*) FILTER (WHERE r.id IS NOT NULL AND ({_OLD}) IS DISTINCT FROM ({_STAGED}))"
    f" FROM {_STAGE} s LEFT JOIN {_RESULTS} r ON r.school_id = s.school_id AND r.procedure_id = s.procedure_id"
)


_SCHOOLS = School._meta.db_table
_PROCEDURES = Procedure._meta.db_table
# Results carry no database-level foreign keys (their per-row checks at commit cost a million-row import
# ~5 s). The import keeps the same guarantee in two statements instead: it locks every school and procedure
# it refers to against deletion (FOR KEY SHARE — what a foreign-key check takes per row) and checks that all
# of them still exist. Identifiers are this module's constants.
_LOCK_SQL = (
    f"SELECT (SELECT count(*) FROM (SELECT s.id FROM {_SCHOOLS} s"  # noqa: S608
    f" WHERE s.id IN (SELECT school_id FROM {_STAGE}) FOR KEY SHARE) locked),"
    f" (SELECT count(DISTINCT school_id) FROM {_STAGE}),"
    f" (SELECT count(*) FROM (SELECT p.id FROM {_PROCEDURES} p"
    f" WHERE p.id IN (SELECT procedure_id FROM {_STAGE}) FOR KEY SHARE) locked),"
    f" (SELECT count(DISTINCT procedure_id) FROM {_STAGE})"
)


def _lock_referenced(cursor) -> None:
    cursor.execute(_LOCK_SQL)
    schools, wanted_schools, procedures, wanted_procedures = cursor.fetchone()
    if schools != wanted_schools or procedures != wanted_procedures:
        raise ApplicationError(
            "Во время загрузки удалены школы или процедуры, на которые ссылается файл: ничего не загружено. "
            "Повторите загрузку.",
            code="references_deleted",
        )


class _CopyWriter(_Writer):
    """PostgreSQL: COPY chunks into a temporary staging table and write them with set-based statements.

    An import (``apply``) writes chunk by chunk, and in parallel with the validation of the next one: a helper
    thread runs the chunk's upsert on the same connection and transaction (psycopg serialises the connection's
    use, and releases the GIL while the server works), so PostgreSQL's index work and Python's parsing share the
    two cores instead of taking turns. The main thread waits for the helper before it touches the connection's
    staging table again. A file with an error further down is undone by the transaction, as before. A preview
    keeps every chunk in the stage and counts the would-be changes with one query at the end.

    The staging table lives in the session, not in a transaction: a preview runs in autocommit so that its
    progress updates are seen by the page while it runs. It is dropped at the end, and replaced if a crashed
    run on the same connection left one.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {_STAGE}")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {_STAGE} (school_id integer NOT NULL, procedure_id integer, "
                "participants integer NOT NULL, failed integer NOT NULL, marks_3 integer, marks_4 integer, "
                "marks_5 integer, mean_score numeric(6, 2))"
            )
        self.now = timezone.now()
        self.written = {"created": 0, "updated": 0}
        self.pending: Future | None = None
        self.helper = (
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="results-upsert") if self.apply else None
        )

    def flush(self) -> None:
        if not self.buffer:
            return
        self._wait()  # the connection and the (emptied) stage are the main thread's again
        ids = self.catalog.resolve(create=self.apply)
        with (
            connection.cursor() as cursor,
            cursor.copy(
                f"COPY {_STAGE} (school_id, procedure_id, participants, failed, marks_3, marks_4, marks_5, "
                "mean_score) FROM STDIN"
            ) as copy,
        ):
            write_row = copy.write_row
            for school, procedure, *values in self.buffer:
                write_row((school, ids[procedure], *values))
        self.rows += len(self.buffer)
        self.buffer.clear()
        if self.apply:
            self.pending = self.helper.submit(self._write_stage, connection.connection)

    def _write_stage(self, raw) -> tuple[int, int]:
        """In the helper thread: lock what the chunk refers to, upsert it, empty the stage."""
        with raw.cursor() as cursor:
            _lock_referenced(cursor)
            cursor.execute(_UPSERT_SQL, [self.now, self.now, self.batch_id])
            created, updated = cursor.fetchone()
            cursor.execute(f"TRUNCATE {_STAGE}")
        return created, updated

    def _wait(self) -> None:
        pending, self.pending = self.pending, None
        if pending is not None:
            created, updated = pending.result()  # the helper's error is raised here, in the transaction
            self.written["created"] += created
            self.written["updated"] += updated

    def finish(self) -> dict[str, int]:
        self.flush()
        if self.apply:
            self._wait()
            created, updated = self.written["created"], self.written["updated"]
        else:
            with connection.cursor() as cursor:
                # A temporary table has no statistics; the preview's join needs them.
                cursor.execute(f"ANALYZE {_STAGE}")
                cursor.execute(_PREVIEW_SQL)
                created, updated = cursor.fetchone()
        return {
            "created": created,
            "updated": updated,
            "unchanged": self.rows - created - updated,
            **self.catalog.new_counts(),
        }

    def close(self) -> None:
        if self.helper is not None:
            pending, self.pending = self.pending, None
            if pending is not None:
                with contextlib.suppress(Exception):  # already failing: the first error is the one raised
                    pending.result()
            self.helper.shutdown(wait=True)
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {_STAGE}")


class _PortableWriter(_Writer):
    """Any database (SQLite for the demo): per chunk, read the results it touches, compare, upsert what changed."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.counts = {"created": 0, "updated": 0, "unchanged": 0}

    def flush(self) -> None:
        if not self.buffer:
            return
        ids = self.catalog.resolve(create=self.apply)
        rows = [
            (school, ids[procedure], (participants, failed, m3, m4, m5, Decimal(mean) if mean else None))
            for school, procedure, participants, failed, m3, m4, m5, mean in self.buffer
        ]
        self.buffer.clear()
        known = {procedure for _school, procedure, _values in rows if procedure is not None}
        existing = {}
        if known:
            existing = {
                (school, procedure): tuple(values)
                for school, procedure, *values in Result.objects.filter(
                    procedure_id__in=known, school_id__in={school for school, _p, _v in rows}
                ).values_list("school_id", "procedure_id", *VALUE_FIELDS)
            }
        changed = []
        for school, procedure, values in rows:
            old = existing.get((school, procedure)) if procedure is not None else None
            if old is None:
                self.counts["created"] += 1
            elif old == values:
                self.counts["unchanged"] += 1
                continue
            else:
                self.counts["updated"] += 1
            changed.append((school, procedure, values))
        if self.apply and changed:
            Result.objects.bulk_create(
                [
                    Result(
                        school_id=school,
                        procedure_id=procedure,
                        import_batch_id=self.batch_id,
                        **dict(zip(VALUE_FIELDS, values, strict=True)),
                    )
                    for school, procedure, values in changed
                ],
                update_conflicts=True,
                unique_fields=["school", "procedure"],
                update_fields=[*VALUE_FIELDS, "import_batch", "updated_at"],
            )

    def finish(self) -> dict[str, int]:
        self.flush()
        return {**self.counts, **self.catalog.new_counts()}


def _queue_flags_recompute(years: set[int], region_id: int) -> None:
    """After the import commits, recompute the ШНОР lists that look back at these results' years."""

    list_years = sorted({year + shift for year in years for shift in LIST_YEARS_AFFECTED})
    # A broker outage loses nothing: the nightly recompute (beat) covers every year.
    transaction.on_commit(lambda: enqueue(recompute_flags_task, years=list_years, region_id=region_id))


register_importer(ResultsImporter())
