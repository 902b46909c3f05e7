"""The teachers importer: a teacher upserted by school and name (case does not matter)."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

from django.db import transaction
from django.utils import timezone

from core.changes import ChangeLog
from core.imports import ImportOutcome, register_importer
from core.plural import count_noun
from core.roles import SCHOOL_WRITE_ROLES
from core.tabular import (
    Column,
    RowError,
    normalise_header,
    normalise_text,
    parse_int,
)

from ..models import QualificationCategory, Region, Subject, Teacher
from ..services import subject_get_or_create
from ..subjects import display_subject, normalise_subject
from .rows import (
    DEFAULT_POSITION,
    MAX_EXPERIENCE_YEARS,
    MAX_POSITION_LENGTH,
    MAX_SUBJECT_LENGTH,
    SCHOOL_COLUMN,
    SUBJECT_SEPARATORS,
    PersonName,
    Schools,
    check_length,
    full_clean_except,
    name_columns,
    parse_name,
    parse_school_code,
    read_import_rows,
)

TEACHER_COLUMNS = (
    SCHOOL_COLUMN,
    *name_columns("ФИО", ("ФИО педагога", "Ф.И.О.", "фамилия имя отчество")),
    Column("position", "Должность", required=False),
    Column("subjects", "Предметы", aliases=("предмет", "преподаваемые предметы"), required=False),
    Column("category", "Категория", aliases=("квалификационная категория",), required=False),
    Column(
        "experience_years",
        "Стаж",
        aliases=("стаж, лет", "педагогический стаж", "педагогический стаж, лет"),
        required=False,
    ),
    Column("is_active", "Работает", aliases=("работает в школе",), required=False),
)
TEACHER_LABELS = {column.key: column.label for column in TEACHER_COLUMNS}
# A preview names a teacher by the school and the file's row, never by the name (like the errors: the batch is
# seen by the region's staff, wider than the teachers' own scope), and compares these fields (#19 §4). A name
# whose spelling changes (case) is said to change, without quoting it.
TEACHER_CHANGE_ENTITIES = ("Код ОО", "Строка файла")
NAME_FIELDS = ("last_name", "first_name", "middle_name")
NAME_CHANGE = ("прежнее написание", "написание из файла")
TEACHER_CHANGE_FIELDS = {
    "name": "ФИО",
    "position": TEACHER_LABELS["position"],
    "subjects": TEACHER_LABELS["subjects"],
    "category": TEACHER_LABELS["category"],
    "experience_years": TEACHER_LABELS["experience_years"],
    "is_active": TEACHER_LABELS["is_active"],
}

_CATEGORY_WORDS = {
    "без категории": QualificationCategory.NONE,
    "не имеет": QualificationCategory.NONE,
    "отсутствует": QualificationCategory.NONE,
    "-": QualificationCategory.NONE,
    "—": QualificationCategory.NONE,
    "сзд": QualificationCategory.CONFORMITY,
    "соответствие": QualificationCategory.CONFORMITY,
    "соответствие должности": QualificationCategory.CONFORMITY,
    "1": QualificationCategory.FIRST,
}
CATEGORIES = {
    **{normalise_header(choice.value): choice.value for choice in QualificationCategory},
    **{normalise_header(choice.label): choice.value for choice in QualificationCategory},
    **{
        normalise_header(f"{choice.label} {suffix}"): choice.value
        for choice in (QualificationCategory.FIRST, QualificationCategory.HIGHEST)
        for suffix in ("категория", "квалификационная категория")
    },
    **{normalise_header(word): choice.value for word, choice in _CATEGORY_WORDS.items()},
}
BOOLEANS = {
    **dict.fromkeys(("да", "1", "true", "yes", "истина"), True),
    **dict.fromkeys(("нет", "0", "false", "no", "ложь"), False),
}


# --- teachers -----------------------------------------------------------------------------------------


@dataclass
class TeacherRow:
    line: int
    school_code: str
    name: PersonName
    # None: the cell is empty (an existing teacher keeps the value, a new one gets the default)
    position: str | None
    subjects: dict[str, str] | None  # normalised name -> the spelling in the file
    category: str | None
    experience_years: int | None
    is_active: bool | None


class TeacherImporter:
    kind = "teachers"
    write_roles = SCHOOL_WRITE_ROLES  # a school's admin uploads their own staff; each row is checked
    title = "Педагоги"
    columns = TEACHER_COLUMNS
    notes = (
        "ФИО — одним столбцом «ФИО» (фамилия, имя, отчество через пробел) или тремя: «Фамилия», «Имя», "
        "«Отчество».",
        "Педагог ищется по коду ОО и ФИО без учёта регистра: найденный обновляется, новый добавляется. "
        "Педагоги школы, которых нет в файле, не меняются и не удаляются.",
        "Пустая ячейка необязательного столбца не меняет сохранённое значение; новому педагогу ставится "
        "должность «учитель», категория «нет», «Работает» — «да».",
        "Предметы — через запятую или точку с запятой; предмет, которого нет в справочнике, добавляется.",
        "Категория: нет (без категории), соответствие занимаемой должности (СЗД), первая (1), высшая. "
        "Стаж — целое число лет от 0 до 70. Работает: да или нет.",
        "Ошибки указывают строку и столбец, но не ФИО: персональные данные не попадают в список ошибок.",
    )

    def template_rows(self) -> list[list[str]]:
        header = [TEACHER_LABELS[key] for key in ("school_code", "last_name", "first_name", "middle_name")]
        header += [TEACHER_LABELS[key] for key in ("position", "subjects", "category", "experience_years")]
        header.append(TEACHER_LABELS["is_active"])
        return [
            header,
            [
                "sch610001",
                "Иванова",
                "Мария",
                "Петровна",
                "учитель",
                "Математика, Информатика",
                "высшая",
                "18",
                "да",
            ],
            ["sch610001", "Кузнецов", "Алексей", "Викторович", "учитель", "Физика", "первая", "7", "да"],
            [
                "sch610001",
                "Сидоренко",
                "Ольга",
                "Николаевна",
                "заместитель директора по УВР",
                "Русский язык; Литература",
                "соответствие занимаемой должности",
                "25",
                "да",
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
        total, parsed = read_import_rows(
            stream, name, TEACHER_COLUMNS, TEACHER_LABELS["full_name"], self._parse, errors, progress
        )
        rows: list[TeacherRow] = []
        first_line: dict[tuple, int] = {}
        for row in parsed:
            key = (row.school_code.lower(), *row.name.key())
            if key in first_line:
                errors.append(
                    RowError(
                        row.line,
                        row.name.column,
                        f"Педагог с такими ФИО в этой школе уже встречался в строке {first_line[key]}.",
                    )
                )
                continue
            first_line[key] = row.line
            rows.append(row)
        if total == 0:
            errors.append(RowError(0, "", "В файле нет строк с педагогами."))
        plan = self._plan(rows, region, user, errors)
        outcome = ImportOutcome(total_rows=total, errors=errors, stats=plan.stats())
        if outcome.ok:
            outcome.changes = plan.changes()
        if apply and outcome.ok:
            self._apply(plan)
        return outcome

    # --- validation -------------------------------------------------------------------------------------
    def _parse(self, line: int, values: dict[str, str], errors: list[RowError]) -> TeacherRow | None:
        before = len(errors)
        code = parse_school_code(line, values, errors)
        person = parse_name(line, values, errors, TEACHER_LABELS["full_name"])
        cleaned = {
            key: normalise_text(values.get(key, ""))
            for key in ("position", "subjects", "category", "experience_years", "is_active")
        }
        position = cleaned["position"] or None
        if position:
            check_length(line, TEACHER_LABELS["position"], position, MAX_POSITION_LENGTH, errors)
        subjects = self._parse_subjects(line, cleaned["subjects"], errors)
        category = None
        if cleaned["category"]:
            category = CATEGORIES.get(normalise_header(cleaned["category"]))
            if category is None:
                allowed = ", ".join(choice.label for choice in QualificationCategory)
                errors.append(
                    RowError(
                        line, TEACHER_LABELS["category"], f"Категория не распознана. Допустимо: {allowed}."
                    )
                )
        experience = None
        if cleaned["experience_years"]:
            try:
                experience = parse_int(cleaned["experience_years"])
            except ValueError:
                experience = -1
            if experience is None or not 0 <= experience <= MAX_EXPERIENCE_YEARS:
                errors.append(
                    RowError(
                        line,
                        TEACHER_LABELS["experience_years"],
                        f"Стаж — целое число лет от 0 до {MAX_EXPERIENCE_YEARS}.",
                    )
                )
        is_active = None
        if cleaned["is_active"]:
            is_active = BOOLEANS.get(cleaned["is_active"].lower())
            if is_active is None:
                errors.append(RowError(line, TEACHER_LABELS["is_active"], "Укажите «да» или «нет»."))
        if len(errors) > before or person is None:
            return None
        return TeacherRow(line, code, person, position, subjects, category, experience, is_active)

    def _parse_subjects(self, line: int, text: str, errors: list[RowError]) -> dict[str, str] | None:
        if not text:
            return None
        subjects: dict[str, str] = {}
        for part in SUBJECT_SEPARATORS.split(text):
            key = normalise_subject(part)
            if not key:
                continue
            if len(key) > MAX_SUBJECT_LENGTH:
                errors.append(
                    RowError(
                        line,
                        TEACHER_LABELS["subjects"],
                        "Слишком длинное название предмета: больше "
                        f"{count_noun(MAX_SUBJECT_LENGTH, 'символа', 'символов', 'символов')}.",
                    )
                )
                return None
            subjects.setdefault(key, display_subject(part))
        return subjects or None

    def _plan(self, rows: list[TeacherRow], region: Region, user, errors: list[RowError]) -> "_TeacherPlan":
        plan = _TeacherPlan()
        schools = Schools(region, user)
        schools.note_codes(row.school_code for row in rows)
        resolved: list[tuple[TeacherRow, int]] = []
        for row in rows:
            school_id = schools.resolve(row.line, row.school_code, errors)
            if school_id is not None:
                resolved.append((row, school_id))
        school_ids = {school_id for _row, school_id in resolved}
        existing = {
            (teacher.school_id, *_name_key(teacher)): teacher
            for teacher in Teacher.objects.filter(school_id__in=school_ids).order_by("pk")
        }
        current_subjects: dict[int, set[int]] = {}
        for teacher_id, subject_id in Teacher.subjects.through.objects.filter(
            teacher__school_id__in=school_ids
        ).values_list("teacher_id", "subject_id"):
            current_subjects.setdefault(teacher_id, set()).add(subject_id)
        for key, pk, subject_name in Subject.objects.values_list("normalized_name", "pk", "name"):
            plan.subjects[key] = pk
            plan.subject_names[pk] = subject_name
        plan.school_codes = schools.code_of
        plan.current_subjects = current_subjects
        for row, school_id in resolved:
            for key, spelling in (row.subjects or {}).items():
                if key not in plan.subjects:
                    plan.new_subjects.setdefault(key, spelling)
            teacher = existing.get((school_id, *row.name.key()))
            if teacher is None:
                plan.creates.append((row, school_id))
                continue
            changes = {
                "last_name": row.name.last,
                "first_name": row.name.first,
                "middle_name": row.name.middle,
                "position": row.position,
                "category": row.category,
                "experience_years": row.experience_years,
                "is_active": row.is_active,
            }
            changes = {
                field: value
                for field, value in changes.items()
                if value is not None and getattr(teacher, field) != value
            }
            subjects_change = row.subjects is not None and (
                any(key not in plan.subjects for key in row.subjects)
                or {plan.subjects[key] for key in row.subjects} != current_subjects.get(teacher.pk, set())
            )
            if changes or subjects_change:
                plan.updates.append((teacher, row, changes, subjects_change))
            else:
                plan.unchanged += 1
        return plan

    # --- writing ----------------------------------------------------------------------------------------
    @transaction.atomic
    def _apply(self, plan: "_TeacherPlan") -> None:
        subjects = dict(plan.subjects)
        for key, spelling in plan.new_subjects.items():
            subjects[key] = subject_get_or_create(spelling).pk
        now = timezone.now()
        new_teachers = []
        for row, school_id in plan.creates:
            teacher = Teacher(
                school_id=school_id,
                last_name=row.name.last,
                first_name=row.name.first,
                middle_name=row.name.middle,
                position=row.position or DEFAULT_POSITION,
                category=row.category or QualificationCategory.NONE,
                experience_years=row.experience_years,
                is_active=True if row.is_active is None else row.is_active,
            )
            full_clean_except(teacher, exclude=["school"])
            new_teachers.append(teacher)
        Teacher.objects.bulk_create(new_teachers, batch_size=1000)
        links = [
            (teacher.pk, subjects[key])
            for teacher, (row, _school_id) in zip(new_teachers, plan.creates, strict=True)
            for key in row.subjects or {}
        ]
        changed_fields: set[str] = set()
        relinked: list[int] = []
        for teacher, row, changes, subjects_change in plan.updates:
            for field, value in changes.items():
                setattr(teacher, field, value)
                changed_fields.add(field)
            if changes:
                teacher.updated_at = now
                full_clean_except(teacher, exclude=["school"])
            if subjects_change:
                relinked.append(teacher.pk)
                links.extend((teacher.pk, subjects[key]) for key in row.subjects)
        updated = [teacher for teacher, _row, changes, _s in plan.updates if changes]
        if updated:
            Teacher.objects.bulk_update(updated, [*changed_fields, "updated_at"], batch_size=1000)
        through = Teacher.subjects.through
        if relinked:
            through.objects.filter(teacher_id__in=relinked).delete()
        through.objects.bulk_create(
            [through(teacher_id=teacher_id, subject_id=subject_id) for teacher_id, subject_id in links],
            batch_size=1000,
        )


def _name_key(teacher: Teacher) -> tuple[str, str, str]:
    return (teacher.last_name.lower(), teacher.first_name.lower(), teacher.middle_name.lower())


class _TeacherPlan:
    def __init__(self):
        self.creates: list[tuple[TeacherRow, int]] = []
        self.updates: list[tuple[Teacher, TeacherRow, dict, bool]] = []
        self.unchanged = 0
        self.subjects: dict[str, int] = {}  # normalised name -> id, as in the database
        self.new_subjects: dict[str, str] = {}  # normalised name -> the first spelling in the file
        self.subject_names: dict[int, str] = {}  # id -> name, for the preview
        self.school_codes: dict[int, str] = {}  # id -> code, for the preview
        self.current_subjects: dict[int, set[int]] = {}  # teacher id -> subject ids, as in the database

    def stats(self) -> dict[str, int]:
        return {
            "created": len(self.creates),
            "updated": len(self.updates),
            "unchanged": self.unchanged,
            "subjects_created": len(self.new_subjects),
        }

    def changes(self) -> ChangeLog:
        """The teachers the file adds and changes (old → new), in the file's order (#19 §4)."""
        log = ChangeLog(entities=TEACHER_CHANGE_ENTITIES, fields=tuple(TEACHER_CHANGE_FIELDS.values()))
        listed = [(row.line, row, school_id, None, None, False) for row, school_id in self.creates]
        listed += [
            (row.line, row, teacher.school_id, teacher, changes, subjects_change)
            for teacher, row, changes, subjects_change in self.updates
        ]
        for _line, row, school_id, teacher, changes, subjects_change in sorted(
            listed, key=lambda item: item[0]
        ):
            entity = (self.school_codes.get(school_id, ""), row.line)
            if teacher is None:
                values = {
                    "position": row.position or DEFAULT_POSITION,
                    "subjects": self._subject_list(row.subjects),
                    "category": QualificationCategory(row.category or QualificationCategory.NONE).label,
                    "experience_years": row.experience_years,
                    "is_active": True if row.is_active is None else row.is_active,
                }
                log.new(entity, {TEACHER_CHANGE_FIELDS[key]: value for key, value in values.items()})
                continue
            differences = {
                key: (getattr(teacher, key), value)
                for key, value in changes.items()
                if key not in NAME_FIELDS
            }
            if any(key in NAME_FIELDS for key in changes):
                differences["name"] = NAME_CHANGE
            if "category" in differences:
                old, new = differences["category"]
                differences["category"] = (QualificationCategory(old).label, QualificationCategory(new).label)
            if subjects_change:
                current = sorted(self.subject_names[pk] for pk in self.current_subjects.get(teacher.pk, ()))
                differences["subjects"] = (", ".join(current), self._subject_list(row.subjects))
            log.changed(entity, {TEACHER_CHANGE_FIELDS[key]: value for key, value in differences.items()})
        log.unchanged(self.unchanged)
        return log

    def _subject_list(self, subjects: dict[str, str] | None) -> str:
        """The subjects of a row as the portal will name them: the stored name, or the file's spelling."""
        names = (
            self.subject_names[self.subjects[key]] if key in self.subjects else spelling
            for key, spelling in (subjects or {}).items()
        )
        return ", ".join(sorted(names))


register_importer(TeacherImporter())
