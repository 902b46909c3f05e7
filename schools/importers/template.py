"""The registry in the portal's own template (.xlsx/.csv): every row validated, all or nothing, upsert by code."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

from django.core.exceptions import ValidationError
from django.db import transaction

from core.changes import ChangeLog
from core.imports import ImportOutcome
from core.plural import count_noun
from core.policies import is_system
from core.tabular import Column, RowError, iter_table, normalise_header, normalise_text

from ..models import Municipality, Region, School, SchoolType
from ..policies import municipality_policy

COLUMNS = (
    Column("code", "Код ОО", aliases=("код", "логин", "логин ФИС ОКО", "school_code")),
    Column("name", "Наименование", aliases=("полное наименование", "наименование ОО")),
    Column("municipality", "Муниципалитет", aliases=("муниципальное образование", "МО", "район")),
    Column("short_name", "Краткое наименование", required=False),
    Column("type", "Тип", aliases=("тип ОО", "school_type"), required=False),
    Column("address", "Адрес", required=False),
    Column("director", "Директор", aliases=("руководитель", "ФИО директора"), required=False),
)
LABELS = {column.key: column.label for column in COLUMNS}
# A school's values a preview compares, by model field: the file's column headers name them.
CHANGE_FIELDS = {
    "name": LABELS["name"],
    "municipality": LABELS["municipality"],
    "short_name": LABELS["short_name"],
    "school_type": LABELS["type"],
    "address": LABELS["address"],
    "director": LABELS["director"],
}
OPTIONAL_FIELDS = {
    "short_name": "short_name",
    "type": "school_type",
    "address": "address",
    "director": "director",
}
MAX_LENGTHS = {
    "code": 32,
    "name": 500,
    "municipality": 255,
    "short_name": 255,
    "address": 500,
    "director": 255,
}
CODE_PATTERN = re.compile(r"^[0-9A-Za-zА-Яа-яЁё_.\-/]+$")

_TYPE_WORDS = {
    "средняя общеобразовательная школа": SchoolType.SOSH,
    "основная общеобразовательная школа": SchoolType.OOSH,
    "начальная общеобразовательная школа": SchoolType.NOSH,
    "начальная школа": SchoolType.NOSH,
    "школа-интернат": SchoolType.BOARDING,
    "интернат": SchoolType.BOARDING,
}
SCHOOL_TYPES = {
    **{normalise_header(choice.value): choice.value for choice in SchoolType},
    **{normalise_header(choice.label): choice.value for choice in SchoolType},
    **{normalise_header(word): choice.value for word, choice in _TYPE_WORDS.items()},
}


@dataclass
class SchoolRow:
    line: int
    code: str
    name: str
    municipality: str
    optional: dict[str, str]


class SchoolImporter:
    kind = "schools"
    title = "Реестр школ"
    columns = COLUMNS

    def template_rows(self) -> list[list[str]]:
        return [
            [c.label for c in COLUMNS],
            [
                "sch610101",
                "Муниципальное бюджетное общеобразовательное учреждение «Каштановская средняя "
                "общеобразовательная школа»",
                "Обливский район",
                "МБОУ «Каштановская СОШ»",
                "СОШ",
                "х. Каштановский, ул. Школьная, 1",
                "Иванова Мария Петровна",
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
        errors: list[RowError] = []
        rows: list[SchoolRow] = []
        first_line_of_code: dict[str, int] = {}
        total = 0
        for line, values in iter_table(stream, name, COLUMNS):
            total += 1
            row = self._parse(line, values, errors)
            if row is None:
                continue
            key = row.code.lower()
            if key in first_line_of_code:
                errors.append(
                    RowError(
                        line,
                        LABELS["code"],
                        f"Код ОО «{row.code}» уже встречался в строке {first_line_of_code[key]}.",
                    )
                )
                continue
            first_line_of_code[key] = line
            rows.append(row)
        plan = self._plan(rows, region, user, errors)
        outcome = ImportOutcome(total_rows=total, errors=errors, stats=plan.stats())
        if outcome.ok:
            outcome.changes = plan.changes()
        if apply and outcome.ok:
            self._apply(plan, region)
        return outcome

    # --- validation -------------------------------------------------------------------------------------
    def _parse(self, line: int, values: dict[str, str], errors: list[RowError]) -> SchoolRow | None:
        before = len(errors)
        cleaned = {key: normalise_text(value) for key, value in values.items()}
        for key in ("code", "name", "municipality"):
            if not cleaned.get(key):
                errors.append(RowError(line, LABELS[key], "Обязательное поле не заполнено."))
        for key, limit in MAX_LENGTHS.items():
            if len(cleaned.get(key, "")) > limit:
                errors.append(
                    RowError(
                        line,
                        LABELS[key],
                        f"Слишком длинное значение: больше {count_noun(limit, 'символа', 'символов', 'символов')}.",
                    )
                )
        code = cleaned.get("code", "")
        if code and not CODE_PATTERN.match(code):
            errors.append(
                RowError(
                    line,
                    LABELS["code"],
                    f"Код ОО «{code[:40]}» содержит недопустимые символы (пробелы, кавычки).",
                )
            )
        school_type = ""
        if cleaned.get("type"):
            school_type = SCHOOL_TYPES.get(normalise_header(cleaned["type"]), "")
            if not school_type:
                allowed = ", ".join(choice.value for choice in SchoolType)
                errors.append(
                    RowError(
                        line,
                        LABELS["type"],
                        f"Неизвестный тип «{cleaned['type'][:60]}». Допустимо: {allowed}.",
                    )
                )
        if len(errors) > before:
            return None
        optional = {OPTIONAL_FIELDS[key]: cleaned[key] for key in OPTIONAL_FIELDS if cleaned.get(key)}
        if school_type:
            optional["school_type"] = school_type
        return SchoolRow(line, code, cleaned["name"], cleaned["municipality"], optional)

    def _plan(self, rows: list[SchoolRow], region: Region, user, errors: list[RowError]) -> "_Plan":
        actor = user  # SYSTEM (the command line) writes every municipality of the region
        may_create_municipality = municipality_policy().can_create_in(actor, region)
        municipalities = {m.name.lower(): m for m in Municipality.objects.filter(region=region)}
        if is_system(actor):
            writable_municipalities = {m.pk for m in municipalities.values()}
        else:
            writable_municipalities = set(
                Municipality.objects.editable_by(actor).filter(region=region).values_list("pk", flat=True)
            )
        existing = {
            s.code.lower(): s
            for s in School.objects.filter(code__in=[r.code for r in rows]).select_related("municipality")
        }
        plan = _Plan()
        for row in rows:
            municipality = municipalities.get(row.municipality.lower())
            if municipality is None:
                if not may_create_municipality:
                    errors.append(
                        RowError(
                            row.line,
                            LABELS["municipality"],
                            f"Муниципалитет «{row.municipality}» не найден в регионе «{region}», "
                            "а создавать муниципалитеты может только региональный методист.",
                        )
                    )
                    continue
                plan.new_municipalities.setdefault(row.municipality.lower(), row.municipality)
            elif municipality.pk not in writable_municipalities:
                errors.append(
                    RowError(
                        row.line,
                        LABELS["municipality"],
                        f"Нет прав на изменение школ муниципалитета «{municipality}».",
                    )
                )
                continue
            school = existing.get(row.code.lower())
            if school is None:
                plan.creates.append(row)
                continue
            if school.municipality.region_id != region.pk:
                errors.append(
                    RowError(
                        row.line, LABELS["code"], f"Школа с кодом «{row.code}» уже есть в другом регионе."
                    )
                )
                continue
            if school.municipality_id not in writable_municipalities:
                errors.append(
                    RowError(
                        row.line,
                        LABELS["code"],
                        f"Школа с кодом «{row.code}» относится к муниципалитету вне вашего доступа.",
                    )
                )
                continue
            changes = {"name": row.name, **row.optional}
            if municipality is None or municipality.pk != school.municipality_id:
                changes["municipality"] = row.municipality
            changes = {f: v for f, v in changes.items() if f == "municipality" or getattr(school, f) != v}
            if changes:
                plan.updates.append((school, row, changes))
            else:
                plan.unchanged += 1
        plan.municipalities = municipalities
        return plan

    # --- writing ----------------------------------------------------------------------------------------
    @transaction.atomic
    def _apply(self, plan: "_Plan", region: Region) -> None:
        municipalities = dict(plan.municipalities)
        for key, name in plan.new_municipalities.items():
            municipality = Municipality(region=region, name=name)
            municipality.full_clean()
            municipality.save()
            municipalities[key] = municipality
        new_schools = []
        for row in plan.creates:
            school = School(
                municipality=municipalities[row.municipality.lower()],
                code=row.code,
                name=row.name,
                **row.optional,
            )
            _clean(school, exclude=["municipality"])
            new_schools.append(school)
        School.objects.bulk_create(new_schools, batch_size=1000)
        changed_fields: set[str] = set()
        for school, _row, changes in plan.updates:
            for field, value in changes.items():
                if field == "municipality":
                    school.municipality = municipalities[value.lower()]
                    changed_fields.add("municipality")
                else:
                    setattr(school, field, value)
                    changed_fields.add(field)
            _clean(school, exclude=["code"])
        if plan.updates:
            School.objects.bulk_update(
                [s for s, _r, _c in plan.updates], [*changed_fields, "updated_at"], batch_size=1000
            )


def _clean(school: School, exclude: list[str]) -> None:
    try:
        school.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:  # should have been caught by row validation; fail loudly, write nothing
        raise ValueError(f"Школа {school.code}: {error.messages}") from error


class _Plan:
    def __init__(self):
        self.creates: list[SchoolRow] = []
        self.updates: list[tuple[School, SchoolRow, dict]] = []
        self.unchanged = 0
        self.new_municipalities: dict[str, str] = {}
        self.municipalities: dict[str, Municipality] = {}

    def stats(self) -> dict[str, int]:
        return {
            "created": len(self.creates),
            "updated": len(self.updates),
            "unchanged": self.unchanged,
            "municipalities_created": len(self.new_municipalities),
        }

    def changes(self) -> ChangeLog:
        """The schools the file adds and changes (old → new), in the file's order (#19 §4)."""
        log = ChangeLog(entities=(LABELS["code"],), fields=tuple(CHANGE_FIELDS.values()))
        listed = [(row.line, row, None, None) for row in self.creates]
        listed += [(row.line, row, school, changes) for school, row, changes in self.updates]
        for _line, row, school, changes in sorted(listed, key=lambda item: item[0]):
            if school is None:
                values = {"name": row.name, "municipality": row.municipality, **row.optional}
                log.new((row.code,), {CHANGE_FIELDS[key]: value for key, value in values.items()})
                continue
            log.changed(
                (school.code,),
                {
                    CHANGE_FIELDS[key]: (
                        school.municipality.name if key == "municipality" else getattr(school, key),
                        value,
                    )
                    for key, value in changes.items()
                },
            )
        log.unchanged(self.unchanged)
        return log
