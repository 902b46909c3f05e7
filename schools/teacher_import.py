"""Import of teachers and of their professional development courses (КПК) from .xlsx/.csv.

The flow of the schools registry: every row parsed, a plan made against the database, then everything written
in one transaction, or nothing when any row failed. A teacher is upserted by school and name (case does not
matter); a course is keyed by teacher, title and dates. The same file twice changes nothing.

Names are personal data (152-ФЗ): an error names the row and the column, never the teacher, so error lists
and logs can be read by whoever sees the upload.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import IO

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

from core.imports import ImportOutcome, register_importer
from core.plural import count_noun
from core.policies import policy_for
from core.roles import SCHOOL_WRITE_ROLES
from core.tabular import (
    Column,
    RowError,
    TableError,
    iter_table,
    normalise_header,
    normalise_text,
    parse_date,
    parse_int,
)

from .models import ProfessionalCourse, QualificationCategory, Region, School, Subject, Teacher
from .policies import MANAGE_TEACHERS
from .services import subject_get_or_create
from .subjects import display_subject, normalise_subject

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


def _name_columns(full_label: str, full_aliases: tuple[str, ...]) -> tuple[Column, ...]:
    # Either «ФИО» or «Фамилия» + «Имя» (+ «Отчество»): none is required by itself, the row check decides.
    return (
        Column("full_name", full_label, aliases=full_aliases, required=False),
        Column("last_name", "Фамилия", required=False),
        Column("first_name", "Имя", required=False),
        Column("middle_name", "Отчество", required=False),
    )


TEACHER_COLUMNS = (
    SCHOOL_COLUMN,
    *_name_columns("ФИО", ("ФИО педагога", "Ф.И.О.", "фамилия имя отчество")),
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

COURSE_COLUMNS = (
    SCHOOL_COLUMN,
    *_name_columns("ФИО педагога", ("ФИО", "Ф.И.О.", "педагог", "фамилия имя отчество")),
    Column("title", "Тема курса", aliases=("тема", "курс", "название курса", "наименование курса")),
    Column("provider", "Организация", aliases=("организация, проводившая курсы", "место прохождения")),
    Column("hours", "Часов", aliases=("часы", "количество часов", "кол-во часов", "объем, ч", "объем часов")),
    Column("start_date", "Начало", aliases=("дата начала",)),
    Column("end_date", "Окончание", aliases=("дата окончания",)),
    Column(
        "certificate",
        "Удостоверение",
        aliases=("номер удостоверения", "№ удостоверения", "удостоверение №"),
        required=False,
    ),
)
COURSE_LABELS = {column.key: column.label for column in COURSE_COLUMNS}

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


def _parse_name(
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


def _parse_school_code(line: int, values: dict[str, str], errors: list[RowError]) -> str:
    code = normalise_text(values.get("school_code", ""))
    if not code:
        errors.append(RowError(line, SCHOOL_COLUMN.label, "Обязательное поле не заполнено."))
    return code


def _check_length(line: int, label: str, value: str, limit: int, errors: list[RowError]) -> None:
    if len(value) > limit:
        errors.append(
            RowError(
                line,
                label,
                f"Слишком длинное значение: больше {count_noun(limit, 'символа', 'символов', 'символов')}.",
            )
        )


class _Schools:
    """The region's schools by code (case-insensitive) and which of them ``user`` may write teachers of."""

    def __init__(self, region: Region, user):
        self.region = region
        self.by_code: dict[str, int] = {
            code.lower(): pk
            for pk, code in School.objects.filter(municipality__region=region).values_list("pk", "code")
        }
        self.writable: set[int] | None = None  # a command (user None) writes every school of the region
        if user is not None:
            self.writable = set(
                policy_for(School)
                .instances(user, MANAGE_TEACHERS)
                .filter(municipality__region=region)
                .values_list("pk", flat=True)
            )
        self._elsewhere: set[str] | None = None
        self._missing: set[str] = set()

    def note_codes(self, codes) -> None:
        """Codes the file uses; those not in the region are looked up elsewhere at once."""
        self._missing.update(code.lower() for code in codes if code.lower() not in self.by_code)

    def resolve(self, line: int, code: str, errors: list[RowError]) -> int | None:
        pk = self.by_code.get(code.lower())
        label = SCHOOL_COLUMN.label
        shown = code[:40]
        if pk is None:
            if code.lower() in self._elsewhere_codes():
                errors.append(RowError(line, label, f"Школа с кодом «{shown}» относится к другому региону."))
            else:
                errors.append(
                    RowError(line, label, f"Школа с кодом «{shown}» не найдена в регионе «{self.region}».")
                )
            return None
        if self.writable is not None and pk not in self.writable:
            errors.append(
                RowError(line, label, f"Нет прав на изменение сведений о педагогах школы «{shown}».")
            )
            return None
        return pk

    def _elsewhere_codes(self) -> set[str]:
        if self._elsewhere is None:
            self._elsewhere = set(
                School.objects.annotate(code_lower=Lower("code"))
                .filter(code_lower__in=self._missing)
                .values_list("code_lower", flat=True)
            )
        return self._elsewhere


def _read_rows(
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


def _clean(obj, exclude: list[str]) -> None:
    try:
        obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:  # row validation should have caught it: fail loudly, write nothing
        raise ValueError(f"{obj._meta.verbose_name} (строка файла): {error.messages}") from error


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
        total, parsed = _read_rows(
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
        if apply and outcome.ok:
            self._apply(plan)
        return outcome

    # --- validation -------------------------------------------------------------------------------------
    def _parse(self, line: int, values: dict[str, str], errors: list[RowError]) -> TeacherRow | None:
        before = len(errors)
        code = _parse_school_code(line, values, errors)
        person = _parse_name(line, values, errors, TEACHER_LABELS["full_name"])
        cleaned = {
            key: normalise_text(values.get(key, ""))
            for key in ("position", "subjects", "category", "experience_years", "is_active")
        }
        position = cleaned["position"] or None
        if position:
            _check_length(line, TEACHER_LABELS["position"], position, MAX_POSITION_LENGTH, errors)
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
        schools = _Schools(region, user)
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
        plan.subjects = dict(Subject.objects.values_list("normalized_name", "pk"))
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
            _clean(teacher, exclude=["school"])
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
                _clean(teacher, exclude=["school"])
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

    def stats(self) -> dict[str, int]:
        return {
            "created": len(self.creates),
            "updated": len(self.updates),
            "unchanged": self.unchanged,
            "subjects_created": len(self.new_subjects),
        }


# --- courses ------------------------------------------------------------------------------------------


@dataclass
class CourseRow:
    line: int
    school_code: str
    name: PersonName
    title: str
    provider: str
    hours: int
    start_date: date
    end_date: date
    certificate: str | None  # None: the cell is empty (an existing course keeps its number)

    def key(self, teacher_id: int) -> tuple:
        return (teacher_id, self.title.lower(), self.start_date, self.end_date)


class CourseImporter:
    kind = "courses"
    write_roles = SCHOOL_WRITE_ROLES  # a school's admin uploads their own staff; each row is checked
    title = "Курсы повышения квалификации (КПК)"
    columns = COURSE_COLUMNS
    notes = (
        "Педагог должен уже быть в школе (загрузка «Педагоги» или карточка школы). Он ищется по коду ОО и "
        "ФИО без учёта регистра; если отчество не указано, а в школе один педагог с такими фамилией и "
        "именем, — курс записывается ему.",
        "ФИО — одним столбцом «ФИО педагога» или тремя: «Фамилия», «Имя», «Отчество».",
        "Даты — ДД.ММ.ГГГГ, ГГГГ-ММ-ДД или ячейки Excel в формате даты; часов — от 1 до 2000.",
        "Курс с той же темой и теми же датами у того же педагога не повторяется: повторная загрузка файла "
        "ничего не меняет, а исправленные организация, часы или номер удостоверения обновляются.",
        "Ошибки указывают строку и столбец, но не ФИО: персональные данные не попадают в список ошибок.",
    )

    def template_rows(self) -> list[list[str]]:
        header = [COURSE_LABELS[key] for key in ("school_code", "full_name", "title", "provider", "hours")]
        header += [COURSE_LABELS[key] for key in ("start_date", "end_date", "certificate")]
        return [
            header,
            [
                "sch610001",
                "Иванова Мария Петровна",
                "Формирование функциональной грамотности обучающихся на уроках математики",
                "ГБУ ДПО РО РИПК и ППРО",
                "72",
                "15.01.2024",
                "02.02.2024",
                "612400012345",
            ],
            [
                "sch610001",
                "Кузнецов Алексей Викторович",
                "Реализация требований обновлённых ФГОС ООО в работе учителя",
                "ФГАОУ ДПО «Академия Минпросвещения России»",
                "36",
                "11.03.2024",
                "22.03.2024",
                "",
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
        total, rows = _read_rows(
            stream, name, COURSE_COLUMNS, COURSE_LABELS["full_name"], self._parse, errors, progress
        )
        if total == 0:
            errors.append(RowError(0, "", "В файле нет строк с курсами."))
        plan = self._plan(rows, region, user, errors)
        outcome = ImportOutcome(total_rows=total, errors=errors, stats=plan.stats())
        if apply and outcome.ok:
            self._apply(plan)
        return outcome

    # --- validation -------------------------------------------------------------------------------------
    def _parse(self, line: int, values: dict[str, str], errors: list[RowError]) -> CourseRow | None:
        before = len(errors)
        code = _parse_school_code(line, values, errors)
        person = _parse_name(line, values, errors, COURSE_LABELS["full_name"])
        cleaned = {
            key: normalise_text(values.get(key, ""))
            for key in ("title", "provider", "hours", "start_date", "end_date", "certificate")
        }
        for key in ("title", "provider", "hours", "start_date", "end_date"):
            if not cleaned[key]:
                errors.append(RowError(line, COURSE_LABELS[key], "Обязательное поле не заполнено."))
        for key, limit in (
            ("title", MAX_TITLE_LENGTH),
            ("provider", MAX_PROVIDER_LENGTH),
            ("certificate", MAX_CERTIFICATE_LENGTH),
        ):
            _check_length(line, COURSE_LABELS[key], cleaned[key], limit, errors)
        hours = None
        if cleaned["hours"]:
            try:
                hours = parse_int(cleaned["hours"])
            except ValueError:
                hours = None
            if hours is None or not MIN_HOURS <= hours <= MAX_HOURS:
                errors.append(
                    RowError(
                        line, COURSE_LABELS["hours"], f"Часов — целое число от {MIN_HOURS} до {MAX_HOURS}."
                    )
                )
        start = self._date(line, "start_date", cleaned["start_date"], errors)
        end = self._date(line, "end_date", cleaned["end_date"], errors)
        if start and end and end < start:
            errors.append(RowError(line, COURSE_LABELS["end_date"], "Дата окончания раньше даты начала."))
        if len(errors) > before or person is None:
            return None
        return CourseRow(
            line,
            code,
            person,
            cleaned["title"],
            cleaned["provider"],
            hours,
            start,
            end,
            cleaned["certificate"] or None,
        )

    def _date(self, line: int, key: str, text: str, errors: list[RowError]) -> date | None:
        if not text:
            return None
        label = COURSE_LABELS[key]
        try:
            value = parse_date(text)
        except ValueError:
            errors.append(RowError(line, label, "Дата не распознана: укажите ДД.ММ.ГГГГ или ГГГГ-ММ-ДД."))
            return None
        latest = timezone.localdate() + timedelta(days=366)
        if not EARLIEST_COURSE_DATE <= value <= latest:
            errors.append(
                RowError(
                    line,
                    label,
                    f"Дата {value:%d.%m.%Y} вне допустимого периода "
                    f"({EARLIEST_COURSE_DATE:%d.%m.%Y} — {latest:%d.%m.%Y}): проверьте год.",
                )
            )
            return None
        return value

    def _plan(self, rows: list[CourseRow], region: Region, user, errors: list[RowError]) -> "_CoursePlan":
        plan = _CoursePlan()
        schools = _Schools(region, user)
        schools.note_codes(row.school_code for row in rows)
        resolved: list[tuple[CourseRow, int]] = []
        for row in rows:
            school_id = schools.resolve(row.line, row.school_code, errors)
            if school_id is not None:
                resolved.append((row, school_id))
        teachers: dict[tuple, int] = {}
        by_last_first: dict[tuple, list[int]] = {}
        for pk, school_id, last, first, middle in Teacher.objects.filter(
            school_id__in={school_id for _row, school_id in resolved}
        ).values_list("pk", "school_id", "last_name", "first_name", "middle_name"):
            teachers.setdefault((school_id, last.lower(), first.lower(), middle.lower()), pk)
            by_last_first.setdefault((school_id, last.lower(), first.lower()), []).append(pk)
        matched: list[tuple[CourseRow, int]] = []
        for row, school_id in resolved:
            last, first, middle = row.name.key()
            teacher_id = teachers.get((school_id, last, first, middle))
            if teacher_id is None and not middle:
                candidates = by_last_first.get((school_id, last, first), [])
                if len(candidates) > 1:
                    errors.append(
                        RowError(
                            row.line,
                            row.name.column,
                            "В школе несколько педагогов с такими фамилией и именем: укажите отчество.",
                        )
                    )
                    continue
                teacher_id = candidates[0] if candidates else None
            if teacher_id is None:
                errors.append(
                    RowError(
                        row.line,
                        row.name.column,
                        f"Педагог с такими ФИО не найден в школе «{row.school_code[:40]}»: сначала "
                        "загрузите педагогов (вид загрузки «Педагоги»).",
                    )
                )
                continue
            matched.append((row, teacher_id))
        existing: dict[tuple, ProfessionalCourse] = {}
        for course in ProfessionalCourse.objects.filter(
            teacher_id__in={teacher_id for _row, teacher_id in matched}
        ).order_by("pk"):
            key = (
                course.teacher_id,
                normalise_text(course.title).lower(),
                course.start_date,
                course.end_date,
            )
            existing.setdefault(key, course)
        first_line: dict[tuple, int] = {}
        for row, teacher_id in matched:
            key = row.key(teacher_id)
            if key in first_line:
                errors.append(
                    RowError(
                        row.line,
                        COURSE_LABELS["title"],
                        f"Этот курс этого педагога (та же тема и даты) уже встречался в строке {first_line[key]}.",
                    )
                )
                continue
            first_line[key] = row.line
            course = existing.get(key)
            if course is None:
                plan.creates.append((row, teacher_id))
                continue
            changes = {
                "title": row.title,
                "provider": row.provider,
                "hours": row.hours,
                "certificate": row.certificate,
            }
            changes = {
                field: value
                for field, value in changes.items()
                if value is not None and getattr(course, field) != value
            }
            if changes:
                plan.updates.append((course, changes))
            else:
                plan.unchanged += 1
        return plan

    # --- writing ----------------------------------------------------------------------------------------
    @transaction.atomic
    def _apply(self, plan: "_CoursePlan") -> None:
        new_courses = []
        for row, teacher_id in plan.creates:
            course = ProfessionalCourse(
                teacher_id=teacher_id,
                title=row.title,
                provider=row.provider,
                hours=row.hours,
                start_date=row.start_date,
                end_date=row.end_date,
                certificate=row.certificate or "",
            )
            _clean(course, exclude=["teacher"])
            new_courses.append(course)
        ProfessionalCourse.objects.bulk_create(new_courses, batch_size=1000)
        now = timezone.now()
        changed_fields: set[str] = set()
        for course, changes in plan.updates:
            for field, value in changes.items():
                setattr(course, field, value)
                changed_fields.add(field)
            course.updated_at = now
            _clean(course, exclude=["teacher"])
        if plan.updates:
            ProfessionalCourse.objects.bulk_update(
                [course for course, _changes in plan.updates],
                [*changed_fields, "updated_at"],
                batch_size=1000,
            )


class _CoursePlan:
    def __init__(self):
        self.creates: list[tuple[CourseRow, int]] = []
        self.updates: list[tuple[ProfessionalCourse, dict]] = []
        self.unchanged = 0

    def stats(self) -> dict[str, int]:
        return {"created": len(self.creates), "updated": len(self.updates), "unchanged": self.unchanged}


register_importer(TeacherImporter())
register_importer(CourseImporter())
