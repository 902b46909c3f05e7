"""The results importer: one pass over the rows, every row validated, good rows handed to the writer while the
file has no error; all or nothing; the ШНОР lists that look back at the results' years recomputed after commit.
"""

import contextlib
import re
from collections.abc import Callable, Iterator
from typing import IO

from django.db import DatabaseError, connection, transaction

from core.imports import MAX_STORED_ERRORS, ImportOption, ImportOutcome, register_importer
from core.tabular import RowError, SheetReport, TableError
from core.tasks import enqueue
from schools.tasks import recompute_flags_task

from ..models import Region
from .catalog import Catalog
from .layouts import open_rows
from .layouts.base import Row
from .layouts.template import TEMPLATE_KEYS, USER_COLUMNS
from .layouts.vpr_protocol import SCALES_OPTION
from .validation import BLANK, MAX_COUNT, check_row
from .vpr_details import VprDetails, load_scales
from .writers import CopyWriter, PortableWriter, Writer

# Rows per COPY / bulk_create and per progress report: ~1 MB buffered, ~100 round trips per million rows.
CHUNK_ROWS = 10_000
# List years that look back at a result of year X (the rule looks back up to 2–3 years: X+1 … X+3).
LIST_YEARS_AFFECTED = (1, 2, 3)

# The ЕГЭ extras' places in a row (optional columns, after the others; found by key, not by position).
_HIGH = TEMPLATE_KEYS.index("high_scorers")
_HUNDRED = TEMPLATE_KEYS.index("hundred_scorers")
_VPR = TEMPLATE_KEYS.index("vpr_details")  # a ВПР protocol's aggregates (vpr_details.py)
_MEAN = re.compile(r"^[0-9]{1,4}(?:[.,][0-9]{1,2})?$")  # a mean score as stored: up to 9999.99


class ResultsImporter:
    kind = "results"
    title = "Результаты оценочных процедур"
    columns = USER_COLUMNS
    options = (
        ImportOption("year", "Год (для отчёта ФИС ОКО без заголовка)", int, 2000, 2100),
        ImportOption("grade", "Класс (для отчёта ФИС ОКО без заголовка)", int, 1, 11),
        ImportOption("subject", "Предмет (для отчёта ФИС ОКО без заголовка)", str),
        ImportOption(
            "exam", "Экзамен выгрузки РЦОИ: ОГЭ или ЕГЭ (если не указан — по кодам предметов и баллам)", str
        ),
    )
    notes = (
        "Книга .xlsx или .xls может содержать несколько листов (например, отчёт ФИС ОКО на каждый предмет): "
        "каждый лист распознаётся отдельно, все загружаются вместе или ни один; на странице проверки "
        "перечислены все листы — что прочитано и как, что пропущено и почему.",
        "Шаблон портала: одна строка — результат одной школы в одной процедуре; заголовок по-русски или "
        "по-английски (school_code, year, kind, subject, grade, participants, failed, marks_3, marks_4, "
        "marks_5, mean_score).",
        "Отчёт ФИС ОКО «Статистика по отметкам» (ВПР) — как выгружен, с шапкой (год, класс, предмет) и "
        "таблицей «Группы участников»: загружаются строки школ с логином в скобках, например "
        "«(sch610001) МБОУ «Каштановская СОШ»». Если в шапке нет года, класса или предмета, укажите их ниже.",
        "Сводная таблица ФИС ОКО: Год | Класс | Предмет | Муниципалитет | ОО | Логин | Кол-во участников | "
        "2 | 3 | 4 | 5 (отметки в процентах).",
        "Из процентов число учеников восстанавливается как участники × % / 100 с округлением до целого.",
        "Выгрузка РЦОИ (строка на участника): Код ОУ | Наименование ОУ | Тип ОУ | Муниципальный район | Кластер | "
        "Код предмета | Дата экзамена | TestResultB | TestResultC | Балл | Зачет. Участники суммируются по школе "
        "(код РЦОИ ОГЭ или ЕГЭ), предмету (федеральные коды предметов ГИА) и году; «Зачет» = 2 — ниже минимума. "
        "ОГЭ или ЕГЭ — по коду предмета (22, 25 — только ЕГЭ) и значениям «Балл» (все 2–5 — отметки ОГЭ) "
        "или как указано ниже.",
    )

    def template_rows(self) -> list[list[str]]:
        return [
            [column.label for column in USER_COLUMNS],
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
        # ВПР protocols convert primary scores by the scales (reference data): the pure layouts get them here.
        options = {**options, SCALES_OPTION: load_scales()}
        catalog = Catalog(region=region, user=user)
        vpr = VprDetails()
        outcome = ImportOutcome()
        writer_class = CopyWriter if connection.vendor == "postgresql" else PortableWriter
        writer = writer_class(catalog, apply=apply, batch_id=getattr(batch, "pk", None))
        try:
            # Both writers write chunk by chunk: an error further down undoes them with the transaction.
            with transaction.atomic() if apply else contextlib.nullcontext():
                # Every sheet of a workbook, one after the other; errors name the sheet they are on (#19 §2).
                rows, labels = open_rows(
                    stream, name, options, reports=outcome.sheets, on_sheet=_sheet_setter(outcome)
                )
                duplicates = self._validate(rows, labels, catalog, writer, outcome, progress, vpr)
                if duplicates:
                    self._report_duplicates(duplicates, outcome, catalog, stream, name, options)
                outcome.unmatched = catalog.unmatched_list()
                if outcome.ok:
                    outcome.stats = writer.finish()
                    if catalog.learnt:  # logins matched by their digits become identifiers (#19 §1)
                        # A «…_created» count: a file whose only effect is these logins is a change to confirm
                        # (core.imports.changes_nothing), the preview says how many it would keep.
                        outcome.stats["identifiers_created"] = (
                            catalog.store_learnt(file_name=name, user=user) if apply else catalog.learnable()
                        )
                    outcome.stats.update(vpr.write(catalog, apply=apply))
                    writer.list_vpr_changes(vpr.by_key)  # a preview lists the aggregates that change (#19 §4)
                    outcome.changes = writer.changes  # a preview's list of what changes (#19 §4)
                elif apply:
                    raise _Undo
        except _Undo:
            pass
        except TableError as error:
            error.sheets = outcome.sheets  # the file is refused, its sheets still said (core.imports._run)
            with contextlib.suppress(DatabaseError):
                writer.close()
            raise
        except BaseException:
            with contextlib.suppress(DatabaseError):
                writer.close()
            raise
        writer.close()
        if writer.changes is not None and outcome.changes is None:
            writer.changes.close()  # a file with errors lists no changes
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
        catalog: "Catalog",
        writer: "Writer",
        outcome: ImportOutcome,
        progress: Callable[[int], None] | None,
        vpr: VprDetails | None = None,
    ) -> list[tuple[int, int]]:
        """One pass: every row checked, good rows handed to the writer while the file has no error.

        Returns the duplicates found, as (line, key, sheet index); the row each repeats is looked up afterwards.
        The check spans the file's sheets: one school and procedure on two sheets is a duplicate too.
        """
        schools = catalog.schools
        procedure_of: dict[tuple[str, str, str, str], int | list] = {}
        seen: set[int] = set()  # (procedure index << 32) | school id: one int per row
        duplicates: list[tuple[int, int, int]] = []
        buffered = writer.buffer.append
        mean_ok = _MEAN.match
        chunk = CHUNK_ROWS
        clean = True  # no error so far: rows go on to the writer
        total = 0
        sheet = ""  # the sheet being read (outcome.sheet, "" for a CSV): a preview lists changes per sheet
        for line, values, row_errors in rows:
            total += 1
            if outcome.sheet != sheet:
                sheet = outcome.sheet
                if clean:
                    writer.set_sheet(sheet or None)
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
            code, year, kind, subject, grade, participants, failed, marks_3, marks_4, marks_5, mean = values[
                :11
            ]
            high, hundred = values[_HIGH], values[_HUNDRED]
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
                and (not high or high.isdecimal())
                and (not hundred or hundred.isdecimal())
            ):
                try:
                    counts = (
                        int(participants),
                        int(failed),
                        int(marks_3) if marks_3 else None,
                        int(marks_4) if marks_4 else None,
                        int(marks_5) if marks_5 else None,
                    )
                    extras = (int(high) if high else None, int(hundred) if hundred else None)
                except ValueError:  # more digits than int() reads (4300): the slow path says what is wrong
                    counts = None
                if counts is not None and (
                    counts[1] + (counts[2] or 0) + (counts[3] or 0) + (counts[4] or 0)
                    <= counts[0]
                    <= MAX_COUNT
                    and counts[1] + (extras[0] or 0) + (extras[1] or 0) <= counts[0]
                ):
                    parsed = (*counts, mean.replace(",", ".") if mean else None, *extras)
            if parsed is None:  # the slow path says what is wrong, or accepts what the fast one did not
                checked = check_row(line, values, catalog, procedure, labels, outcome)
                if checked is None:
                    clean = False
                    continue
                if checked is BLANK:
                    total -= 1
                    continue
                school, parsed = checked
            key = (procedure << 32) | school[0]
            size = len(seen)
            seen.add(key)
            if len(seen) == size:
                if len(duplicates) < MAX_STORED_ERRORS:
                    duplicates.append((line, key, outcome.sheet_index))
                else:
                    outcome.error_count += 1  # counted, not described
                clean = False
                continue
            if vpr is not None and values[_VPR]:
                if not vpr.add(line, key, values[_VPR], labels, outcome):
                    clean = False
                    continue
                # A preview names the sheet of the aggregates' change (writers.list_vpr_changes).
                writer.sheet_of[key] = writer.sheet_index
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
        duplicates: list[tuple[int, int, int]],
        outcome: ImportOutcome,
        catalog: "Catalog",
        stream: IO[bytes],
        name: str,
        options: dict,
    ) -> None:
        """A duplicate names the row it repeats: a second read finds it, only for files that have duplicates.

        Keeping a line number beside every key would cost ~40 MB more for a million rows than the set alone.
        """
        wanted = {key for _line, key, _sheet in duplicates}
        first_line: dict[int, tuple[int, int]] = {}  # key -> (sheet index, line) of its first row
        sheets = outcome.sheets
        labels_of: dict[int, dict[str, str]] = {}
        where = ImportOutcome()  # only its sheet index: which sheet the second read is on
        stream.seek(0)
        rows, labels = open_rows(stream, name, options, on_sheet=_sheet_setter(where))
        for line, values, row_errors in rows:
            if where.sheet_index not in labels_of:
                labels_of[where.sheet_index] = dict(labels)
            if row_errors:
                continue
            code, year, kind, subject, grade = values[:5]
            school = catalog.school_of(values)
            procedure = catalog.procedure_of.get((kind, subject, grade, year))
            if school is None or procedure.__class__ is not int:
                continue
            key = (procedure << 32) | school[0]
            if key in wanted and key not in first_line:
                first_line[key] = (where.sheet_index, line)
        for line, key, index in duplicates:
            sheet = (sheets[index].sheet if index < len(sheets) else None) or ""
            first_index, first = first_line.get(key, (index, "?"))
            first_sheet = (sheets[first_index].sheet if first_index < len(sheets) else None) or ""
            place = (
                f"в строке {first}" if first_index == index else f"на листе «{first_sheet}», в строке {first}"
            )
            outcome.add_error(
                RowError(
                    line,
                    labels_of.get(index, labels).get("school_code", "Код ОО"),
                    f"Результат школы «{catalog.school_code(key & 0xFFFFFFFF)}» по процедуре "
                    f"«{catalog.titles[key >> 32]}» уже встречался {place}.",
                    sheet=sheet,
                    sheet_index=index,
                )
            )


def _sheet_setter(outcome: ImportOutcome) -> Callable[[SheetReport, int], None]:
    """The sheet being read, kept on the outcome: the errors added meanwhile name it (index -1: all read)."""

    def started(report: SheetReport, index: int) -> None:
        outcome.sheet = report.sheet or ""
        outcome.sheet_index = max(index, 0)

    return started


class _Undo(Exception):
    """Undo the chunks the portable writer wrote once a later row turned out bad."""


def _queue_flags_recompute(years: set[int], region_id: int) -> None:
    """After the import commits, recompute the ШНОР lists that look back at these results' years."""

    list_years = sorted({year + shift for year in years for shift in LIST_YEARS_AFFECTED})
    # A broker outage loses nothing: the nightly recompute (beat) covers every year.
    transaction.on_commit(lambda: enqueue(recompute_flags_task, years=list_years, region_id=region_id))


register_importer(ResultsImporter())
