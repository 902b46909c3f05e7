"""Import of diagnostics scores from .xlsx/.csv: one row per teacher, one column per competence block.

The flow of the other importers (core.imports): every row parsed and checked against the database, then all
scores written in one transaction, or nothing when any row failed. The campaign is asked on upload (its number
is on its page); its blocks are the score columns, found by the block's name (case does not matter). A teacher
is found by school code and name (case does not matter), or by «ID педагога». A score equal to the stored one
changes nothing, so the same file twice changes nothing; an empty cell keeps the stored score.

Names are personal data (152-ФЗ): an error names the row and the column, never the teacher.
"""

from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from decimal import Decimal
from typing import IO

from django.db import transaction
from django.utils import timezone

from core.changes import ChangeLog
from core.imports import ImportOption, ImportOutcome, register_importer
from core.policies import is_system, policy_for
from core.roles import STAFF_WRITE_ROLES
from core.tabular import (
    Column,
    RowError,
    TableError,
    cell_text,
    iter_table,
    normalise_header,
    normalise_text,
    read_rows,
)
from schools.models import Region, Teacher
from schools.selectors_school_codes import SchoolCodes
from schools.teacher_import.rows import SCHOOL_COLUMN, PersonName, name_columns, parse_name

from . import deficits as deficit_rules
from .forms_campaigns import parse_score, score_format_problem
from .models import DEFAULT_BLOCKS, Campaign, CompetenceBlock, DiagnosticResult
from .policies import ENTER_RESULTS

PROGRESS_EVERY = 1000
FULL_NAME_LABEL = "ФИО педагога"
ID_COLUMN = Column("teacher_id", "ID педагога", aliases=("id", "код педагога"), required=False)
BASE_COLUMNS = (
    Column(SCHOOL_COLUMN.key, SCHOOL_COLUMN.label, aliases=SCHOOL_COLUMN.aliases, required=False),
    *name_columns(FULL_NAME_LABEL, ("ФИО", "Ф.И.О.", "педагог", "фамилия имя отчество")),
    ID_COLUMN,
)
LABELS = {column.key: column.label for column in BASE_COLUMNS}
# A preview's list of changes (core.changes): a score is named by the school, the file's row and the block.
CHANGE_ENTITIES = ("Код ОО", "Строка файла", "Блок компетенций")
SCORE_LABEL = "Балл"
# Headers a file may carry beside the data (a row number, the school's name…): read past, not an error.
IGNORED_HEADERS = frozenset(
    normalise_header(text)
    for text in (
        "№",
        "№ п/п",
        "п/п",
        "номер",
        "школа",
        "оо",
        "наименование оо",
        "образовательная организация",
        "муниципалитет",
        "должность",
        "примечание",
        "комментарий",
        "итого",
        "всего",
        "сумма баллов",
    )
)


@dataclass
class ScoreRow:
    line: int
    school_code: str
    name: PersonName | None
    teacher_id: int | None
    scores: dict[int, Decimal]  # block id -> score (filled cells only)


class DiagnosticsResultsImporter:
    kind = "diagnostics"
    write_roles = STAFF_WRITE_ROLES
    title = "Результаты диагностики профессиональных дефицитов"
    columns = (
        *BASE_COLUMNS,
        *(Column(code, name, required=False) for code, name in DEFAULT_BLOCKS),
    )
    options = (ImportOption("campaign", "Номер диагностики (указан на её странице)", int, 1),)
    notes = (
        "Сначала создайте диагностику (раздел «Диагностика и ИОМ»), затем укажите её номер при загрузке.",
        "Баллы — по столбцу на блок компетенций, столбец называется как блок в диагностике (регистр не важен); "
        "выше перечислены блоки по умолчанию. Дробный балл — через запятую или точку: 12,5.",
        "Педагог ищется по коду ОО и ФИО («ФИО педагога» одним столбцом или «Фамилия», «Имя», «Отчество») "
        "без учёта регистра или по столбцу «ID педагога». Школа педагога должна участвовать в диагностике.",
        "Пустая ячейка не меняет сохранённый балл; такой же балл, как сохранённый, ничего не меняет — повторная "
        "загрузка файла ничего не изменит.",
        "Балл не может быть отрицательным или больше максимума блока. Ошибки указывают строку и столбец, но "
        "не ФИО: персональные данные не попадают в список ошибок.",
    )

    def template_rows(self) -> list[list[str]]:
        blocks = [name for _code, name in DEFAULT_BLOCKS]
        return [
            [LABELS["school_code"], LABELS["full_name"], *blocks],
            ["sch610001", "Иванова Мария Петровна", "72", "55,5", "80", "64", "90", "41"],
            ["sch610001", "Кузнецов Алексей Викторович", "88", "70", "59", "75", "", "63"],
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
        errors: list[RowError] = []
        campaign = self._campaign((options or {}).get("campaign"), region, user, errors)
        if campaign is None:
            return ImportOutcome(errors=errors)
        blocks = list(campaign.blocks.order_by("position", "pk"))
        columns = self._columns(blocks)
        self._check_header(stream, name, columns, blocks)
        rows: list[ScoreRow] = []
        total = 0
        by_pk = {block.pk: block for block in blocks}
        for line, values in iter_table(stream, name, columns):
            total += 1
            if progress is not None and total % PROGRESS_EVERY == 0:
                progress(total)
            row = self._parse(line, values, by_pk, errors)
            if row is not None:
                rows.append(row)
        if total == 0:
            errors.append(RowError(0, "", "В файле нет строк с баллами."))
        plan = self._plan(campaign, rows, region, errors)
        outcome = ImportOutcome(total_rows=total, errors=errors, stats=plan.stats())
        if outcome.ok:
            outcome.changes = plan.changes({pk: block.name for pk, block in by_pk.items()})
        if apply and outcome.ok:
            self._apply(campaign, plan)
        return outcome

    # --- the campaign and the header --------------------------------------------------------------------
    def _campaign(self, number, region: Region, user, errors: list[RowError]) -> Campaign | None:
        if not number:
            errors.append(RowError(0, "", "Укажите номер диагностики: он указан на странице диагностики."))
            return None
        campaigns = Campaign.objects.filter(municipality__region=region)
        if not is_system(user):  # a command (SYSTEM) enters any campaign of the region
            campaigns = policy_for(Campaign).instances(user, ENTER_RESULTS, campaigns)
        campaign = campaigns.select_related("municipality").filter(pk=number).first()
        if campaign is None:
            errors.append(
                RowError(
                    0,
                    "",
                    f"Диагностика № {number} не найдена среди диагностик региона «{region}», в которые вы "
                    "можете вносить результаты.",
                )
            )
        return campaign

    def _columns(self, blocks: list[CompetenceBlock]) -> tuple[Column, ...]:
        taken = {name for column in BASE_COLUMNS for name in column.names()}
        for block in blocks:
            if normalise_header(block.name) in taken:
                raise TableError(
                    f"Блок «{block.name}» называется так же, как столбец школы или педагога: загрузить баллы "
                    "файлом нельзя, внесите их на странице диагностики."
                )
        return (*BASE_COLUMNS, *(Column(f"block:{block.pk}", block.name, required=False) for block in blocks))

    def _check_header(
        self, stream: IO[bytes], name: str, columns: tuple[Column, ...], blocks: list[CompetenceBlock]
    ) -> None:
        """Every header names a known column: a misspelt block would otherwise be skipped without a word."""
        header = _header(stream, name)
        if not header:
            return  # an empty file: the reader says so
        known = {name for column in columns for name in column.names()}
        block_names = ", ".join(f"«{block.name}»" for block in blocks)
        for title in header:
            key = normalise_header(title)
            if key and key not in known and key not in IGNORED_HEADERS:
                raise TableError(
                    f"Столбец «{title[:60]}» не распознан. Столбцы баллов называются как блоки диагностики: "
                    f"{block_names}."
                )
        present = {normalise_header(title) for title in header}
        if not any(normalise_header(block.name) in present for block in blocks):
            raise TableError(
                f"В заголовке нет ни одного столбца с баллами. Блоки диагностики: {block_names}."
            )
        if ID_COLUMN.names().isdisjoint(present):
            if SCHOOL_COLUMN.names().isdisjoint(present):
                raise TableError(
                    f"В заголовке нет столбца «{SCHOOL_COLUMN.label}» (или «{ID_COLUMN.label}»): по ним "
                    "находится педагог."
                )
            names = {key: column.names() for key, column in ((c.key, c) for c in BASE_COLUMNS)}
            has_full = not names["full_name"].isdisjoint(present)
            has_parts = not names["last_name"].isdisjoint(present) and not names["first_name"].isdisjoint(
                present
            )
            if not (has_full or has_parts):
                raise TableError(
                    f"В заголовке нет столбцов с ФИО педагога: нужен столбец «{FULL_NAME_LABEL}», или столбцы "
                    f"«Фамилия» и «Имя» (и «Отчество», если есть), или «{ID_COLUMN.label}»."
                )

    # --- rows -------------------------------------------------------------------------------------------
    def _parse(
        self, line: int, values: dict[str, str], blocks: dict[int, CompetenceBlock], errors: list[RowError]
    ) -> ScoreRow | None:
        before = len(errors)
        code = normalise_text(values.get("school_code", ""))
        id_text = normalise_text(values.get("teacher_id", ""))
        teacher_id = None
        if id_text:
            teacher_id = _parse_id(id_text)
            if teacher_id is None:
                errors.append(RowError(line, ID_COLUMN.label, "ID педагога — целое положительное число."))
        elif not code:
            errors.append(RowError(line, SCHOOL_COLUMN.label, "Обязательное поле не заполнено."))
        has_name = any(
            normalise_text(values.get(key, "")) for key in ("full_name", "last_name", "first_name")
        )
        person = None
        if has_name or not id_text:
            person = parse_name(line, values, errors, FULL_NAME_LABEL)
        scores: dict[int, Decimal] = {}
        for block_id, block in blocks.items():
            text = normalise_text(values.get(f"block:{block_id}", ""))
            if not text:
                continue
            try:
                score = parse_score(text)
            except ValueError:
                errors.append(RowError(line, block.name, "Балл — число, например 12,5."))
                continue
            problem = score_format_problem(score) or deficit_rules.score_problem(score, block.max_score)
            if problem:
                errors.append(RowError(line, block.name, problem))
                continue
            scores[block_id] = score
        if len(errors) > before:
            return None
        return ScoreRow(line, code, person, teacher_id, scores)

    def _plan(
        self, campaign: Campaign, rows: list[ScoreRow], region: Region, errors: list[RowError]
    ) -> "_Plan":
        plan = _Plan()
        participating = set(campaign.schools.values_list("pk", flat=True))
        schools = SchoolCodes(
            region,
            SCHOOL_COLUMN.label,
            allowed=participating,
            refused="Школа «{code}» не участвует в этой диагностике.",
        )
        schools.note_codes(row.school_code for row in rows if row.school_code)
        by_name: dict[tuple, list[int]] = {}
        by_last_first: dict[tuple, list[int]] = {}
        school_of: dict[int, int] = {}
        names: dict[int, tuple[str, str, str]] = {}
        for pk, school_id, last, first, middle in Teacher.objects.filter(
            school_id__in=participating
        ).values_list("pk", "school_id", "last_name", "first_name", "middle_name"):
            key = (_fold(last), _fold(first), _fold(middle))
            by_name.setdefault((school_id, *key), []).append(pk)
            by_last_first.setdefault((school_id, key[0], key[1]), []).append(pk)
            school_of[pk] = school_id
            names[pk] = key
        first_line: dict[int, int] = {}
        matched: list[tuple[ScoreRow, int]] = []
        for row in rows:
            teacher_id = self._teacher(row, schools, by_name, by_last_first, school_of, names, errors)
            if teacher_id is None:
                continue
            if teacher_id in first_line:
                column = ID_COLUMN.label if row.teacher_id else row.name.column
                errors.append(
                    RowError(
                        row.line, column, f"Этот педагог уже встречался в строке {first_line[teacher_id]}."
                    )
                )
                continue
            first_line[teacher_id] = row.line
            matched.append((row, teacher_id))
        stored = {
            (result.teacher_id, result.block_id): result
            for result in DiagnosticResult.objects.filter(
                campaign=campaign, teacher_id__in=[teacher_id for _row, teacher_id in matched]
            )
        }
        plan.school_codes = schools.code_of
        plan.school_of = school_of
        for row, teacher_id in matched:
            for block_id, score in row.scores.items():
                result = stored.get((teacher_id, block_id))
                if result is None:
                    plan.creates.append((teacher_id, block_id, score))
                    plan.listed.append((row.line, teacher_id, block_id, None, score))
                elif result.score != score:
                    plan.updates.append((result, score))
                    plan.listed.append((row.line, teacher_id, block_id, result.score, score))
                else:
                    plan.unchanged += 1
        return plan

    def _teacher(
        self,
        row: ScoreRow,
        schools: SchoolCodes,
        by_name: dict,
        by_last_first: dict,
        school_of: dict[int, int],
        names: dict[int, tuple[str, str, str]],
        errors: list[RowError],
    ) -> int | None:
        school_id = None
        if row.school_code:
            school_id = schools.resolve(row.line, row.school_code, errors)
            if school_id is None:
                return None
        if row.teacher_id is not None:
            if row.teacher_id not in school_of:
                errors.append(
                    RowError(
                        row.line,
                        ID_COLUMN.label,
                        f"Педагог с ID {row.teacher_id} не найден среди педагогов школ-участников диагностики.",
                    )
                )
                return None
            if school_id is not None and school_of[row.teacher_id] != school_id:
                errors.append(
                    RowError(
                        row.line,
                        SCHOOL_COLUMN.label,
                        f"Педагог с ID {row.teacher_id} работает не в школе «{row.school_code[:40]}».",
                    )
                )
                return None
            if row.name is not None and not _same_person(row.name, names[row.teacher_id]):
                errors.append(
                    RowError(
                        row.line, row.name.column, f"ФИО не совпадает с педагогом с ID {row.teacher_id}."
                    )
                )
                return None
            return row.teacher_id
        last, first, middle = (_fold(part) for part in (row.name.last, row.name.first, row.name.middle))
        candidates = by_name.get((school_id, last, first, middle), [])
        if not candidates and not middle:
            candidates = by_last_first.get((school_id, last, first), [])
        if len(candidates) > 1:
            errors.append(
                RowError(
                    row.line,
                    row.name.column,
                    "В школе несколько педагогов с такими ФИО: укажите отчество или используйте столбец "
                    f"«{ID_COLUMN.label}».",
                )
            )
            return None
        if not candidates:
            errors.append(
                RowError(
                    row.line,
                    row.name.column,
                    f"Педагог с такими ФИО не найден в школе «{row.school_code[:40]}»: проверьте написание или "
                    "сначала загрузите педагогов (вид загрузки «Педагоги»).",
                )
            )
            return None
        return candidates[0]

    # --- writing ----------------------------------------------------------------------------------------
    @transaction.atomic
    def _apply(self, campaign: Campaign, plan: "_Plan") -> None:
        DiagnosticResult.objects.bulk_create(
            [
                DiagnosticResult(campaign=campaign, teacher_id=teacher_id, block_id=block_id, score=score)
                for teacher_id, block_id, score in plan.creates
            ],
            batch_size=1000,
        )
        now = timezone.now()
        for result, score in plan.updates:
            result.score = score
            result.updated_at = now
        if plan.updates:
            DiagnosticResult.objects.bulk_update(
                [result for result, _score in plan.updates], ["score", "updated_at"], batch_size=1000
            )


class _Plan:
    def __init__(self):
        self.creates: list[tuple[int, int, Decimal]] = []
        self.updates: list[tuple[DiagnosticResult, Decimal]] = []
        self.unchanged = 0
        # For the preview (#19 §4): (line, teacher id, block id, old score or None, new score) of each score
        # added or changed, the teachers' schools and the schools' codes.
        self.listed: list[tuple[int, int, int, Decimal | None, Decimal]] = []
        self.school_of: dict[int, int] = {}
        self.school_codes: dict[int, str] = {}

    def stats(self) -> dict[str, int]:
        return {"created": len(self.creates), "updated": len(self.updates), "unchanged": self.unchanged}

    def changes(self, block_names: dict[int, str]) -> ChangeLog:
        """The scores the file adds and changes (old → new), a line per teacher and block, in the file's order.
        A teacher is named by the school and the file's row, never by the name (as the errors are)."""
        log = ChangeLog(entities=CHANGE_ENTITIES, fields=(SCORE_LABEL,))
        for line, teacher_id, block_id, old, new in self.listed:
            entity = (
                self.school_codes.get(self.school_of.get(teacher_id, 0), ""),
                line,
                block_names[block_id],
            )
            if old is None:
                log.new(entity, {SCORE_LABEL: new})
            else:
                log.changed(entity, {SCORE_LABEL: (old, new)})
        log.unchanged(self.unchanged)
        return log


def _fold(text: str) -> str:
    """Names compared without case and without the ё/е distinction («Журавлёва» is «Журавлева»)."""
    return normalise_text(text).lower().replace("ё", "е")


def _same_person(name: PersonName, stored: tuple[str, str, str]) -> bool:
    last, first, middle = (_fold(part) for part in (name.last, name.first, name.middle))
    return (last, first) == stored[:2] and (not middle or middle == stored[2])


def _parse_id(text: str) -> int | None:
    cleaned = text.replace("\u00a0", "").replace(" ", "")
    if cleaned.endswith(".0"):
        cleaned = cleaned[:-2]
    # ASCII digits only («²» is a digit to isdigit() but not to int()), and no more than a bigint holds.
    if not (cleaned.isascii() and cleaned.isdigit()) or len(cleaned) > 18:
        return None
    return int(cleaned) or None


def _header(stream: IO[bytes], name: str) -> list[str]:
    """The file's header row (its first non-empty row), read ahead; the stream is rewound."""
    try:
        with closing(read_rows(stream, name)) as rows:  # an .xlsx is measured before it is read
            for raw in rows:
                cells = [cell_text(value) for value in raw]
                if any(cells):
                    return cells
        return []
    finally:
        stream.seek(0)


register_importer(DiagnosticsResultsImporter())
