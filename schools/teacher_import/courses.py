"""The courses (КПК) importer: a course keyed by teacher, title and dates."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import IO

from django.db import transaction
from django.utils import timezone

from core.changes import ChangeLog
from core.imports import ImportOutcome, register_importer
from core.roles import SCHOOL_WRITE_ROLES
from core.tabular import (
    Column,
    RowError,
    normalise_text,
    parse_date,
    parse_int,
)

from ..models import ProfessionalCourse, Region, Teacher
from .rows import (
    EARLIEST_COURSE_DATE,
    MAX_CERTIFICATE_LENGTH,
    MAX_HOURS,
    MAX_PROVIDER_LENGTH,
    MAX_TITLE_LENGTH,
    MIN_HOURS,
    SCHOOL_COLUMN,
    PersonName,
    Schools,
    check_length,
    full_clean_except,
    name_columns,
    parse_name,
    parse_school_code,
    read_import_rows,
)

COURSE_COLUMNS = (
    SCHOOL_COLUMN,
    *name_columns("ФИО педагога", ("ФИО", "Ф.И.О.", "педагог", "фамилия имя отчество")),
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
# A preview names a course by the school, the teacher and the course with its dates, and compares these (#19 §4).
# The teacher is named by the file's row, never by the name (teachers.TEACHER_CHANGE_ENTITIES).
COURSE_CHANGE_ENTITIES = ("Код ОО", "Строка файла", "Курс")
COURSE_CHANGE_FIELDS = {key: COURSE_LABELS[key] for key in ("title", "provider", "hours", "certificate")}


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
        total, rows = read_import_rows(
            stream, name, COURSE_COLUMNS, COURSE_LABELS["full_name"], self._parse, errors, progress
        )
        if total == 0:
            errors.append(RowError(0, "", "В файле нет строк с курсами."))
        plan = self._plan(rows, region, user, errors)
        outcome = ImportOutcome(total_rows=total, errors=errors, stats=plan.stats())
        if outcome.ok:
            outcome.changes = plan.changes()
        if apply and outcome.ok:
            self._apply(plan)
        return outcome

    # --- validation -------------------------------------------------------------------------------------
    def _parse(self, line: int, values: dict[str, str], errors: list[RowError]) -> CourseRow | None:
        before = len(errors)
        code = parse_school_code(line, values, errors)
        person = parse_name(line, values, errors, COURSE_LABELS["full_name"])
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
            check_length(line, COURSE_LABELS[key], cleaned[key], limit, errors)
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
        schools = Schools(region, user)
        schools.note_codes(row.school_code for row in rows)
        resolved: list[tuple[CourseRow, int]] = []
        for row in rows:
            school_id = schools.resolve(row.line, row.school_code, errors)
            if school_id is not None:
                resolved.append((row, school_id))
        teachers: dict[tuple, int] = {}
        by_last_first: dict[tuple, list[int]] = {}
        plan.school_codes = schools.code_of
        for pk, school_id, last, first, middle in Teacher.objects.filter(
            school_id__in={school_id for _row, school_id in resolved}
        ).values_list("pk", "school_id", "last_name", "first_name", "middle_name"):
            plan.teachers[pk] = school_id
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
                plan.lines[course.pk] = row.line
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
            full_clean_except(course, exclude=["teacher"])
            new_courses.append(course)
        ProfessionalCourse.objects.bulk_create(new_courses, batch_size=1000)
        now = timezone.now()
        changed_fields: set[str] = set()
        for course, changes in plan.updates:
            for field, value in changes.items():
                setattr(course, field, value)
                changed_fields.add(field)
            course.updated_at = now
            full_clean_except(course, exclude=["teacher"])
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
        self.teachers: dict[int, int] = {}  # id -> school id, for the preview
        self.school_codes: dict[int, str] = {}  # id -> code, for the preview
        self.lines: dict[int, int] = {}  # a course to update -> its line in the file

    def stats(self) -> dict[str, int]:
        return {"created": len(self.creates), "updated": len(self.updates), "unchanged": self.unchanged}

    def changes(self) -> ChangeLog:
        """The courses the file adds and changes (old → new), in the file's order (#19 §4)."""
        log = ChangeLog(entities=COURSE_CHANGE_ENTITIES, fields=tuple(COURSE_CHANGE_FIELDS.values()))
        # (line, teacher id, the course's title and dates, {field: (old, new)}; old None for a new course)
        listed: list[tuple[int, int, str, date, date, dict, bool]] = [
            (
                row.line,
                teacher_id,
                row.title,
                row.start_date,
                row.end_date,
                {key: (None, getattr(row, key)) for key in COURSE_CHANGE_FIELDS},
                True,
            )
            for row, teacher_id in self.creates
        ]
        listed += [
            (
                self.lines[course.pk],
                course.teacher_id,
                course.title,
                course.start_date,
                course.end_date,
                {key: (getattr(course, key), value) for key, value in changes.items()},
                False,
            )
            for course, changes in self.updates
        ]
        for line, teacher_id, title, start, end, values, new in sorted(listed, key=lambda item: item[0]):
            entity = (
                self.school_codes.get(self.teachers[teacher_id], ""),
                line,
                f"{title}, {start:%d.%m.%Y}–{end:%d.%m.%Y}",
            )
            labelled = {COURSE_CHANGE_FIELDS[key]: value for key, value in values.items()}
            if new:
                log.new(entity, {label: after for label, (_before, after) in labelled.items()})
            else:
                log.changed(entity, labelled)
        log.unchanged(self.unchanged)
        return log


register_importer(CourseImporter())
