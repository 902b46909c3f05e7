"""Import of the ВПР conversion scales (reference data, #19 §3.4): one row per work — year, subject, grade, the
lowest primary score of «3», «4» and «5», the maximum and the source (ФИОКО's «Рекомендации по переводу первичных
баллов в отметки» of that year). A scale is found by (year, subject, grade): a new one is created, a changed one
updated, the same file twice changes nothing. Only a methodologist with a region-wide grant (or a command) may
load scales (schools.policies.VprScalePolicy): they serve every region's protocols."""

from collections.abc import Callable
from typing import IO

from django.db import transaction

from core.imports import ImportOutcome, register_importer
from core.plural import count_noun
from core.policies import CHANGE, policy_for
from core.tabular import Column, RowError, TableError, parse_int, read_rows, rows_with_header

from ..models import Region, VprScale
from ..subjects import display_subject, normalise_subject
from .layouts.vpr_protocol import scale_problem

COLUMNS = (
    Column("year", "Год"),
    Column("subject", "Предмет"),
    Column("grade", "Класс"),
    Column("three_from", "«3» от", aliases=("3 от", "отметка 3 от", "«3» с")),
    Column("four_from", "«4» от", aliases=("4 от", "отметка 4 от", "«4» с")),
    Column("five_from", "«5» от", aliases=("5 от", "отметка 5 от", "«5» с")),
    Column("max_score", "Максимальный балл", aliases=("максимальный первичный балл", "макс. балл")),
    Column("source", "Источник", required=False),
)
LABELS = {column.key: column.label for column in COLUMNS}
MAX_SUBJECT = VprScale._meta.get_field("subject").max_length or 255
FIELDS = ("subject", "three_from", "four_from", "five_from", "max_score", "source")
BOUNDS = {"year": (2015, 2100), "grade": (1, 11), "three_from": (1, 1000), "four_from": (1, 1000)}
BOUNDS |= {"five_from": (1, 1000), "max_score": (1, 1000)}


class VprScaleImporter:
    kind = "vpr_scales"
    title = "Шкалы перевода баллов ВПР"
    columns = COLUMNS
    notes = (
        "Одна строка — одна работа: год, предмет, класс и наименьший первичный балл отметок «3», «4», «5» "
        "(меньше «3» — «2»), максимальный балл, источник — документ ФИОКО «Рекомендации по переводу первичных "
        "баллов в отметки по пятибалльной шкале» того года. Шкала с тем же годом, предметом и классом обновляется.",
        "Загружать шкалы может методист региона: они общие для протоколов ВПР всех регионов.",
    )

    def template_rows(self) -> list[list[str]]:
        return [
            [column.label for column in COLUMNS],
            [
                "2021",
                "Математика",
                "5",
                "7",
                "11",
                "15",
                "20",
                "ФИОКО, описание ВПР 2021 по математике, 5 класс, таблица 5",
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
        outcome = ImportOutcome()
        if not policy_for(VprScale).can(user, CHANGE):  # SYSTEM (a command) may
            outcome.add_error(RowError(0, "", "Загружать шкалы перевода ВПР может только методист региона."))
            return outcome
        try:
            parsed = self._parse(rows_with_header(read_rows(stream, name), COLUMNS), outcome)
        except TableError as error:
            outcome.add_error(RowError(0, "", str(error)))
            return outcome
        if not outcome.ok:
            return outcome
        existing = {(scale.year, scale.subject_key, scale.grade): scale for scale in VprScale.objects.all()}
        created: list[VprScale] = []
        changed: list[VprScale] = []
        for key, values in parsed.items():
            scale = existing.get(key)
            if scale is None:
                created.append(VprScale(year=key[0], grade=key[2], **values))
            elif any(getattr(scale, field) != values[field] for field in FIELDS):
                for field, value in values.items():
                    setattr(scale, field, value)
                changed.append(scale)
        if apply:
            with transaction.atomic():
                for scale in [*created, *changed]:
                    scale.save()
        outcome.stats = {
            "created": len(created),
            "updated": len(changed),
            "unchanged": len(parsed) - len(created) - len(changed),
        }
        return outcome

    def _parse(self, rows, outcome: ImportOutcome) -> dict[tuple[int, str, int], dict]:
        parsed: dict[tuple[int, str, int], dict] = {}
        first_line: dict[tuple[int, str, int], int] = {}
        for line, values in rows:
            if not any(values.values()):
                continue
            outcome.total_rows += 1
            numbers: dict[str, int] = {}
            for key, (low, high) in BOUNDS.items():
                try:
                    number = parse_int(values.get(key, ""))
                except ValueError:
                    number = None
                if number is None or not low <= number <= high:
                    outcome.add_error(
                        RowError(
                            line,
                            LABELS[key],
                            f"Ожидается целое число от {low} до {high}, указано «{values.get(key, '')[:40]}».",
                        )
                    )
                    continue
                numbers[key] = number
            subject = display_subject(values.get("subject", ""))
            if not subject:
                outcome.add_error(RowError(line, LABELS["subject"], "Обязательное поле не заполнено."))
            elif len(subject) > MAX_SUBJECT:
                outcome.add_error(
                    RowError(
                        line,
                        LABELS["subject"],
                        f"Слишком длинное название: больше {count_noun(MAX_SUBJECT, 'символа', 'символов', 'символов')}.",
                    )
                )
                subject = ""
            if len(numbers) < len(BOUNDS) or not subject:
                continue
            problem = scale_problem(
                numbers["three_from"], numbers["four_from"], numbers["five_from"], numbers["max_score"]
            )
            if problem:
                outcome.add_error(RowError(line, LABELS["three_from"], problem))
                continue
            key = (numbers["year"], normalise_subject(subject), numbers["grade"])
            if key in parsed:
                outcome.add_error(
                    RowError(
                        line,
                        LABELS["subject"],
                        f"Шкала ВПР {key[0]}, «{subject}», {key[2]} класс уже была в строке {first_line[key]}.",
                    )
                )
                continue
            first_line[key] = line
            parsed[key] = {
                "subject": subject,
                "three_from": numbers["three_from"],
                "four_from": numbers["four_from"],
                "five_from": numbers["five_from"],
                "max_score": numbers["max_score"],
                "source": values.get("source", "").strip(),
            }
        if outcome.total_rows == 0:
            outcome.add_error(RowError(0, "", "В файле нет строк со шкалами."))
        return parsed


register_importer(VprScaleImporter())
