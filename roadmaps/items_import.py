"""Import of roadmap items from .xlsx/.csv into an existing roadmap (its number is asked on upload).

Every row is checked (activity present, dates or a «Сроки» text readable, start before end); then all items
are written in one transaction, or nothing when any row failed. Items are matched by their «№»: a row with
a number already in the roadmap updates that item, so the same file twice changes nothing.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

from django.db import transaction
from django.utils.text import capfirst

from core.changes import ChangeLog
from core.imports import ImportOption, ImportOutcome, register_importer
from core.plural import count_noun
from core.policies import is_system
from core.roles import STAFF_WRITE_ROLES
from core.tabular import (
    Column,
    RowError,
    TableError,
    iter_table,
    normalise_header,
    normalise_text,
    parse_date,
)

from .models import ResultKind, Roadmap, RoadmapItem
from .periods import parse_period_text

COLUMNS = (
    Column("number", "№", aliases=("№ п/п", "номер", "number", "п/п")),
    Column("activity", "Мероприятие", aliases=("мероприятия", "содержание деятельности", "activity")),
    Column("period", "Сроки", aliases=("срок", "сроки исполнения", "period"), required=False),
    Column("start", "Начало", aliases=("дата начала", "start_date"), required=False),
    Column("end", "Окончание", aliases=("дата окончания", "end_date"), required=False),
    Column(
        "responsible",
        "Ответственные",
        aliases=("ответственный", "исполнители", "responsible"),
        required=False,
    ),
    Column("result", "Ожидаемый результат", aliases=("результат", "expected_result"), required=False),
    Column("indicator", "Целевой показатель", aliases=("показатель", "indicator"), required=False),
)
LABELS = {column.key: column.label for column in COLUMNS}
# A preview names an item by its number and compares the values a row gives, headed by the model's names (#19 §4).
CHANGE_FIELDS = (
    "activity",
    "start_date",
    "end_date",
    "all_year",
    "responsible_text",
    "result_kind",
    "expected_result",
    "target_indicator",
)
CHANGE_LABELS = {name: capfirst(RoadmapItem._meta.get_field(name).verbose_name) for name in CHANGE_FIELDS}
RESULT_KINDS = {normalise_header(label): value for value, label in ResultKind.choices}
TEXT_LIMITS = {"number": 16, "responsible": 500, "result": 500, "indicator": 255}


@dataclass
class ItemRow:
    line: int
    values: dict


class RoadmapItemImporter:
    kind = "roadmap_items"
    title = "Пункты дорожной карты"
    columns = COLUMNS
    write_roles = STAFF_WRITE_ROLES
    options = (ImportOption("roadmap", "Номер дорожной карты (указан в адресе её страницы)", int, 1),)
    notes = (
        "Сначала создайте дорожную карту (раздел «Дорожные карты»), затем укажите её номер при загрузке.",
        "Сроки — датами в столбцах «Начало» и «Окончание» или словами в столбце «Сроки»: «март–апрель 2027», "
        "«декабрь 2027», «в течение года».",
        "Пункт с номером, который уже есть в дорожной карте, обновляется.",
    )

    def template_rows(self) -> list[list[str]]:
        return [
            [c.label for c in COLUMNS],
            [
                "1",
                "Утверждение плана мероприятий по переводу ШНОР в эффективный режим работы",
                "Март 2027",
                "",
                "",
                "Отдел образования",
                "приказ",
                "",
            ],
            [
                "2",
                "Организация участия педагогов ШНОР в диагностике профессиональных дефицитов",
                "",
                "01.02.2027",
                "31.03.2027",
                "Отдел образования, РМК",
                "аналитическая справка",
                "доля педагогов, прошедших диагностику",
            ],
        ]

    def run(
        self,
        *,
        stream: IO[bytes],
        name: str,
        region,
        user,
        apply: bool,
        progress: Callable[[int], None] | None = None,
        batch=None,
        options: dict | None = None,
    ) -> ImportOutcome:
        roadmap = self._roadmap((options or {}).get("roadmap"), region, user)
        errors: list[RowError] = []
        rows: list[ItemRow] = []
        seen: dict[str, int] = {}
        total = 0
        for line, values in iter_table(stream, name, COLUMNS):
            total += 1
            row = self._parse(line, values, roadmap, errors)
            if row is None:
                continue
            number = row.values["number"]
            if number in seen:
                errors.append(
                    RowError(line, LABELS["number"], f"Пункт № {number} уже был в строке {seen[number]}.")
                )
                continue
            seen[number] = line
            rows.append(row)
        existing = {item.number: item for item in roadmap.items.all()}
        creates, updates, unchanged = [], [], 0
        for row in rows:
            item = existing.get(row.values["number"])
            if item is None:
                creates.append(row)
                continue
            changed = {k: v for k, v in row.values.items() if getattr(item, k) != v}
            if changed:
                updates.append((item, changed, row))
            else:
                unchanged += 1
        outcome = ImportOutcome(
            total_rows=total,
            errors=errors,
            stats={"created": len(creates), "updated": len(updates), "unchanged": unchanged},
        )
        if outcome.ok:
            outcome.changes = _changes(creates, updates, unchanged)
        if apply and outcome.ok:
            self._apply(roadmap, creates, updates)
        return outcome

    def _roadmap(self, number, region, user) -> Roadmap:
        if not number:
            raise TableError(
                "Укажите номер дорожной карты: он есть в адресе её страницы (/roadmaps/<номер>/)."
            )
        roadmaps = Roadmap.objects.filter(municipality__region=region)
        if not is_system(user):  # a command (SYSTEM) writes any roadmap of the region
            roadmaps = roadmaps.filter(pk__in=Roadmap.objects.editable_by(user).values("pk"))
        roadmap = roadmaps.filter(pk=number).select_related("municipality").first()
        if roadmap is None:
            raise TableError(
                f"Дорожная карта № {number} не найдена среди дорожных карт региона «{region}», которые вы ведёте."
            )
        return roadmap

    def _parse(self, line: int, raw: dict, roadmap: Roadmap, errors: list[RowError]) -> ItemRow | None:
        before = len(errors)
        values = {key: normalise_text(value) for key, value in raw.items()}
        number = values.get("number", "").rstrip(".")
        if not number:
            errors.append(RowError(line, LABELS["number"], "Обязательное поле не заполнено."))
        if not values.get("activity"):
            errors.append(RowError(line, LABELS["activity"], "Обязательное поле не заполнено."))
        for key, limit in TEXT_LIMITS.items():
            if len(values.get(key, "")) > limit:
                errors.append(
                    RowError(
                        line,
                        LABELS[key],
                        f"Слишком длинное значение: больше {count_noun(limit, 'символа', 'символов', 'символов')}.",
                    )
                )
        start = end = None
        all_year = False
        for key in ("start", "end"):
            try:
                parsed = parse_date(values.get(key, ""))
            except ValueError:
                errors.append(RowError(line, LABELS[key], "Дата не распознана: ожидается ДД.ММ.ГГГГ."))
                parsed = None
            if key == "start":
                start = parsed
            else:
                end = parsed
        if values.get("period") and not (start or end):
            try:
                start, end, all_year = parse_period_text(values["period"], roadmap.period_start.year)
            except ValueError as error:
                errors.append(RowError(line, LABELS["period"], str(error)))
        if start and end and end < start:
            errors.append(RowError(line, LABELS["end"], "Окончание раньше начала."))
        if len(errors) > before:
            return None
        result_text = values.get("result", "")
        result_kind = RESULT_KINDS.get(normalise_header(result_text))
        return ItemRow(
            line,
            {
                "number": number,
                "activity": values["activity"],
                "start_date": start,
                "end_date": end,
                "all_year": all_year,
                "responsible_text": values.get("responsible", ""),
                "result_kind": result_kind or ResultKind.OTHER,
                "expected_result": "" if result_kind else result_text,
                "target_indicator": values.get("indicator", ""),
            },
        )

    @transaction.atomic
    def _apply(self, roadmap: Roadmap, creates: list[ItemRow], updates: list) -> None:
        position = (roadmap.items.order_by("-position").values_list("position", flat=True).first() or 0) + 1
        for offset, row in enumerate(creates):
            item = RoadmapItem(roadmap=roadmap, position=position + offset, **row.values)
            item.full_clean()
            item.save()
        for item, changed, _row in updates:
            for field, value in changed.items():
                setattr(item, field, value)
            item.full_clean()
            item.save(update_fields=[*changed, "updated_at"])


def _changes(creates: list[ItemRow], updates: list, unchanged: int) -> ChangeLog:
    """The items the file adds and changes (old → new), in the file's order (#19 §4)."""
    log = ChangeLog(entities=(LABELS["number"],), fields=tuple(CHANGE_LABELS.values()))
    kinds = dict(ResultKind.choices)
    listed = [(row.line, row.values, None) for row in creates]
    listed += [(row.line, changed, item) for item, changed, row in updates]
    for _line, values, item in sorted(listed, key=lambda entry: entry[0]):
        shown = {key: value for key, value in values.items() if key in CHANGE_LABELS}
        if item is None:
            shown["result_kind"] = kinds.get(shown["result_kind"], shown["result_kind"])
            log.new((values["number"],), {CHANGE_LABELS[key]: value for key, value in shown.items()})
            continue
        differences = {key: (getattr(item, key), value) for key, value in shown.items()}
        if "result_kind" in differences:
            old, new = differences["result_kind"]
            differences["result_kind"] = (kinds.get(old, old), kinds.get(new, new))
        log.changed((item.number,), {CHANGE_LABELS[key]: value for key, value in differences.items()})
    log.unchanged(unchanged)
    return log


register_importer(RoadmapItemImporter())
