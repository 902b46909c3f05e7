"""Benchmark: the справка (PDF, Excel, Word) of a municipality and of a region, and a 200,000-row Excel sheet.

Generates (seeded, once; reused on later runs) a region of 25 municipalities and 1,000 schools — one
municipality of 40 — beside a neighbouring region of the same size, five years of results (50 procedures a
school a year: the four dynamics years 2022–2025 give the region exactly 200,000 rows), the real ШНОР
decisions of 2025 and 2026 (``flags_recompute``), approved lists in half of the municipalities, mentors, tutors,
teachers, diagnostics and ИОМ, quarterly forms, roadmaps with items, events, КПК and risk profiles.

Then measures, each case in a fresh process of its own (so that the peak RSS of one does not mix with
another's):

  (a) the справка of the 40-school municipality: build (queries), PDF, Excel, Word one after another, then the three
      files as the worker writes them (``reports.services.render_files``: the PDF in a forked child beside Excel
      and Word, docs/adr/0003);
  (b) the справка of the 1,000-school region: the same;
  (c) the Excel of the region's 200,000 result rows (``results_data_table`` alone, ``render_xlsx_to``);

beside baselines measured in the same run: the 200,000-row query alone (a plain cursor, and the rows the
sheet consumes through the ORM), the WeasyPrint import and a one-page PDF.

    .venv/bin/python bench/reports.py [--fresh]

Goals: the whole build (data, PDF, Excel, Word) of 40 schools ≤ 3 s and of 1,000 schools ≤ 10 s (#22; «Отчёты» had
10 s and 60 s), the Excel of 200,000 rows ≤ 30 s and < 500 MB. Each is judged by the wall time of the worker's path
(build + ``render_files``) and, as the machine may be shared, by the CPU time on its longest path too (build +
the larger of the PDF and Excel + Word, each measured alone).
"""

import argparse
import datetime
import io
import json
import math
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import BENCH_DATABASE, ROOT, SERVER_URL  # noqa: E402

DATA_VERSION = 1
LIST_YEAR = 2026
RESULT_YEARS = (
    2022,
    2023,
    2024,
    2025,
    2026,
)  # the справка's dynamics are 2022–2025; 2026 feeds the indicators
TODAY = datetime.date(2026, 11, 22)
SCHOOLS_PER_REGION = 1000
MUNICIPALITIES = 25
FOCUS_MUNICIPALITY_SCHOOLS = 40
GOALS = {"municipal": 3.0, "regional": 10.0, "excel": 30.0, "excel_mb": 500.0}

# 50 procedures a year: ВПР 4–8 and 10–11, ОГЭ and ЕГЭ in 11 subjects each.
VPR_SUBJECTS = {
    4: ["Русский язык", "Математика", "Окружающий мир"],
    5: ["Русский язык", "Математика", "История", "Биология"],
    6: ["Русский язык", "Математика", "История", "Биология", "География"],
    7: ["Русский язык", "Математика", "История", "Биология", "География", "Обществознание"],
    8: ["Русский язык", "Математика", "История", "Биология", "География", "Физика"],
    10: ["География", "История"],
    11: ["История", "Биология"],
}
GIA_SUBJECTS = [
    "Русский язык",
    "История",
    "Биология",
    "География",
    "Физика",
    "Обществознание",
    "Химия",
    "Информатика",
    "Английский язык",
    "Литература",
]
OGE_SUBJECTS = ["Математика", *GIA_SUBJECTS]
EGE_SUBJECTS = ["Математика профильная", *GIA_SUBJECTS]

MUNICIPALITY_NAMES = [
    "Обливский район",
    "Азовский район",
    "Аксайский район",
    "Багаевский район",
    "Белокалитвинский район",
    "Боковский район",
    "Верхнедонской район",
    "Весёловский район",
    "Волгодонской район",
    "Дубовский район",
    "Егорлыкский район",
    "Заветинский район",
    "Зерноградский район",
    "Зимовниковский район",
    "Кагальницкий район",
    "Каменский район",
    "Кашарский район",
    "Константиновский район",
    "Красносулинский район",
    "Куйбышевский район",
    "Мартыновский район",
    "Матвеево-Курганский район",
    "Миллеровский район",
    "Милютинский район",
    "Морозовский район",
]
SETTLEMENTS = [
    "Каштановская",
    "Солонецкая",
    "Киреевская",
    "Нестеркинская",
    "Леоновская",
    "Алексеевская",
    "Сосновская",
    "Берёзовская",
    "Маркинская",
    "Холодненская",
    "Караичевская",
    "Ковылкинская",
    "Степновская",
    "Журавская",
    "Ольховская",
    "Покровская",
    "Садовская",
    "Ясеневская",
    "Дубравная",
    "Луговская",
]
HEROES = ["Героя Советского Союза И. А. Ковалёва", "А. С. Пушкина", "М. А. Шолохова", "Ю. А. Гагарина"]
LAST_NAMES = [
    "Иванова", "Петрова", "Смирнова", "Кузнецова", "Попова", "Васильева", "Соколова", "Михайлова", "Новикова",
    "Фёдорова", "Морозова", "Волкова", "Алексеева", "Лебедева", "Семёнова", "Егорова", "Павлова", "Козлова",
    "Степанова", "Николаева", "Орлова", "Андреева", "Макарова", "Никитина", "Захарова",
]  # fmt: skip
FIRST_NAMES = ["Анна", "Мария", "Елена", "Ольга", "Татьяна", "Наталья", "Ирина", "Светлана", "Галина", "Юлия"]
MIDDLE_NAMES = ["Ивановна", "Петровна", "Сергеевна", "Александровна", "Николаевна", "Викторовна"]
ACTIVITIES = [
    "Проведение методического семинара для учителей математики по итогам ВПР",
    "Анализ результатов ВПР и ГИА, подготовка аналитической справки и адресных рекомендаций",
    "Организация взаимопосещения уроков педагогами школы-наставника и школы перечня",
    "Корректировка антирисковой программы по итогам мониторинга",
    "Участие педагогов в курсах повышения квалификации по программам ФГАОУ ДПО «Академия Минпросвещения России»",
    "Проведение родительских собраний по вопросам подготовки к ГИА",
    "Методический десант специалистов муниципального методического центра",
    "Разработка индивидуальных образовательных маршрутов педагогов по итогам диагностики",
    "Мониторинг выполнения дорожной карты, отчёт муниципальному координатору",
    "Организация консультаций для обучающихся с рисками учебной неуспешности",
]
MEASURES = [
    "Закрепление наставника, план взаимопосещений уроков на учебный год",
    "Привлечение молодых специалистов, целевое обучение",
    "Курсы повышения квалификации по предметным дефицитам, ИОМ педагогов",
    "Дополнительные занятия для обучающихся с рисками учебной неуспешности",
    "Программа работы с родителями, совместные мероприятия",
]


# --- the database -------------------------------------------------------------------------------------------


def django_on_database(*, fresh: bool) -> None:
    """Point Django at the bench database; create it when missing (or when ``fresh``) and migrate."""
    import psycopg

    with psycopg.connect(f"{SERVER_URL}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DATABASE]).fetchone()
        if exists and fresh:
            conn.execute(f'DROP DATABASE "{BENCH_DATABASE}" WITH (FORCE)')
        if fresh or not exists:
            conn.execute(f'CREATE DATABASE "{BENCH_DATABASE}"')
    _django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "shnor_portal.settings.local"
    os.environ["DATABASE_URL"] = f"{SERVER_URL}/{BENCH_DATABASE}"
    os.environ["DEBUG"] = "false"  # as in the worker: no query log
    os.environ.pop("CELERY_BROKER_URL", None)
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()


def read_marker() -> dict | None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('bench_reports_marker') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return None
        cursor.execute("SELECT data FROM bench_reports_marker")
        row = cursor.fetchone()
    return json.loads(row[0]) if row else None


def write_marker(data: dict) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_reports_marker (data text NOT NULL)")
        cursor.execute("INSERT INTO bench_reports_marker VALUES (%s)", [json.dumps(data, ensure_ascii=False)])


# --- data ---------------------------------------------------------------------------------------------------


def _sizes(rng: random.Random) -> list[int]:
    """Schools per municipality: 40 in the first, 16–64 in the others, 1,000 in all."""
    rest = MUNICIPALITIES - 1
    sizes = [(SCHOOLS_PER_REGION - FOCUS_MUNICIPALITY_SCHOOLS) // rest] * rest
    for index in range(rest):
        delta = rng.randint(-12, 12)
        sizes[index] += delta
        sizes[(index + 1) % rest] -= delta
    return [FOCUS_MUNICIPALITY_SCHOOLS, *sizes]


def _school_name(rng: random.Random, number: int) -> str:
    settlement = rng.choice(SETTLEMENTS)
    roll = rng.random()
    if roll < 0.12:
        return (
            "Муниципальное бюджетное общеобразовательное учреждение "
            f"«{settlement} средняя общеобразовательная школа № {number % 40 + 1} имени {rng.choice(HEROES)}»"
        )
    if roll < 0.3:
        return f"МБОУ «{settlement} ООШ № {number % 12 + 1}»"
    return f"МБОУ «{settlement} СОШ № {number % 40 + 1}»"


def _write_results(school_ids: list[int], plan: dict[int, list[tuple[int, str]]], rng: random.Random) -> int:
    """Results by COPY. One school in eight is weak (a low result is likely) in some years; elsewhere a low
    result is rare. Returns the number of rows."""
    from django.db import connection

    rows = 0
    with connection.cursor() as cursor:
        with cursor.copy(
            "COPY schools_result (school_id, procedure_id, participants, failed, marks_3, marks_4, marks_5, "
            "mean_score, created_at, updated_at) FROM STDIN"
        ) as copy:
            buffer = io.StringIO()
            for school_id in school_ids:
                roll = rng.random()
                if roll < 0.12:  # weak lately: the ШНОР of 2026 (and of 2025 if it began early)
                    weak_years = set(range(rng.choice((2022, 2023, 2024)), 2027))
                elif roll < 0.16:  # weak before, recovered in 2025: leaves the list
                    weak_years = {2022, 2023, 2024}
                else:
                    weak_years = set()
                size = rng.randint(5, 19) if rng.random() < 0.3 else rng.randint(20, 120)
                for year, procedures in plan.items():
                    weak = year in weak_years
                    for procedure_id, kind in procedures:
                        base = size // 2 if kind == "ЕГЭ" else size
                        participants = max(1, base + rng.randint(-4, 4))
                        if rng.random() < (0.08 if weak else 0.004):
                            failed = min(participants, math.ceil(participants * rng.uniform(0.3, 0.5)))
                        else:
                            failed = int(participants * rng.uniform(0.02, 0.25 if weak else 0.18))
                        if kind == "ЕГЭ":
                            marks = "\\N\t\\N\t\\N"
                            mean = f"{rng.uniform(40, 60) if weak else rng.uniform(50, 78):.2f}"
                        else:
                            rest = participants - failed
                            m5 = int(rest * rng.uniform(0.1, 0.3))
                            m4 = int(rest * rng.uniform(0.3, 0.45))
                            m3 = rest - m4 - m5
                            marks = f"{m3}\t{m4}\t{m5}"
                            points = 2 * failed + 3 * m3 + 4 * m4 + 5 * m5
                            mean = f"{points / participants:.2f}" if kind == "ОГЭ" else "\\N"
                        buffer.write(
                            f"{school_id}\t{procedure_id}\t{participants}\t{failed}\t{marks}\t{mean}\t"
                            "2026-07-01 00:00+00\t2026-07-01 00:00+00\n"
                        )
                        rows += 1
                if buffer.tell() > 4_000_000:
                    copy.write(buffer.getvalue())
                    buffer = io.StringIO()
            copy.write(buffer.getvalue())
    return rows


def generate(seed: int = 2026) -> dict:
    """Everything a справка reads, for two regions (the second only so that the first is not the whole table)."""
    from django.db import connection, transaction

    from core.models import User
    from schools.flags import flags_recompute
    from schools.models import (
        ApprovedList,
        ApprovedListEntry,
        FlagDecision,
        FlagStatus,
        Municipality,
        Procedure,
        ProcedureKind,
        Region,
        School,
        Subject,
    )

    rng = random.Random(seed)
    started = time.perf_counter()
    with transaction.atomic():
        region = Region.objects.create(name="Южная область", code="61")
        neighbour = Region.objects.create(name="Северная область", code="34")
        municipalities = Municipality.objects.bulk_create(
            [
                Municipality(
                    region=region,
                    name=name,
                    department_name="Отдел образования администрации "
                    + name.replace("кий район", "кого района").replace("ской район", "ского района"),
                )
                for name in MUNICIPALITY_NAMES
            ]
            + [Municipality(region=neighbour, name=f"Район С-{n:02d}") for n in range(MUNICIPALITIES)]
        )
        schools = []
        number = 0
        for region_municipalities in (municipalities[:MUNICIPALITIES], municipalities[MUNICIPALITIES:]):
            for municipality, size in zip(region_municipalities, _sizes(rng), strict=True):
                for _ in range(size):
                    number += 1
                    schools.append(
                        School(
                            municipality=municipality, code=f"sch{number:06d}", name=_school_name(rng, number)
                        )
                    )
        schools = School.objects.bulk_create(schools, batch_size=2000)
        names = sorted(
            {*(s for subjects in VPR_SUBJECTS.values() for s in subjects), *OGE_SUBJECTS, *EGE_SUBJECTS}
        )
        subjects = {
            subject.name: subject
            for subject in Subject.objects.bulk_create(
                [Subject(name=n, normalized_name=n.lower()) for n in names]
            )
        }
        kinds = {kind.code: kind for kind in ProcedureKind.objects.all()}
        per_year = [("ВПР", grade, s) for grade, names_ in VPR_SUBJECTS.items() for s in names_]
        per_year += [("ОГЭ", 9, s) for s in OGE_SUBJECTS] + [("ЕГЭ", 11, s) for s in EGE_SUBJECTS]
        procedures = Procedure.objects.bulk_create(
            [
                Procedure(kind=kinds[kind], subject=subjects[subject], grade=grade, year=year)
                for year in RESULT_YEARS
                for kind, grade, subject in per_year
            ]
        )
        plan: dict[int, list[tuple[int, str]]] = {year: [] for year in RESULT_YEARS}
        for procedure in procedures:
            plan[procedure.year].append((procedure.pk, procedure.kind.code))
        results = _write_results([s.pk for s in schools], plan, rng)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    flags = {year: flags_recompute(list_year=year) for year in (LIST_YEAR - 1, LIST_YEAR)}

    with transaction.atomic():
        users = User.objects.bulk_create(
            [
                User(
                    username=f"bench{n:03d}",
                    last_name=LAST_NAMES[n % len(LAST_NAMES)],
                    first_name=FIRST_NAMES[n % len(FIRST_NAMES)],
                    middle_name=MIDDLE_NAMES[n % len(MIDDLE_NAMES)],
                    password="!",  # noqa: S106 - an unusable password
                )
                for n in range(2 * MUNICIPALITIES)
            ]
        )
        staff = dict(zip([m.pk for m in municipalities[:MUNICIPALITIES]], users, strict=False))
        mentors_by_municipality = dict(
            zip([m.pk for m in municipalities[:MUNICIPALITIES]], users[MUNICIPALITIES:], strict=False)
        )
        region_schools = [s for s in schools if s.municipality.region_id == region.pk]
        status = {
            (year, school_id): value
            for year, school_id, value in FlagDecision.objects.filter(
                school__municipality__region=region
            ).values_list("list_year", "school_id", "status")
        }
        # Half of the municipalities (the 40-school one among them) approved their lists of 2025 and 2026.
        approved_municipalities = {m.pk for m in municipalities[:MUNICIPALITIES:2]}
        focus: list[School] = []
        entries = []
        for year in (LIST_YEAR - 1, LIST_YEAR):
            lists = {
                approved.municipality_id: approved
                for approved in ApprovedList.objects.bulk_create(
                    [
                        ApprovedList(
                            municipality_id=pk,
                            list_year=year,
                            order_number=f"{rng.randint(10, 400)}-од",
                            order_date=datetime.date(year, 2, rng.randint(1, 25)),
                            created_by=staff[pk],
                        )
                        for pk in sorted(approved_municipalities)
                    ]
                )
            }
            overridden: set[int] = set()
            for school in region_schools:
                computed = status.get((year, school.pk))
                approved = lists.get(school.municipality_id)
                if approved is None:
                    if year == LIST_YEAR and computed == FlagStatus.SHNOR:
                        focus.append(school)
                    continue
                if computed not in (FlagStatus.SHNOR, FlagStatus.RISK):
                    continue
                included, reason = computed == FlagStatus.SHNOR, ""
                if computed == FlagStatus.RISK and school.municipality_id not in overridden:
                    overridden.add(school.municipality_id)  # one school included by hand in each list
                    included, reason = (
                        True,
                        "Решение муниципальной комиссии: результаты ВПР весны текущего года",
                    )
                entries.append(
                    ApprovedListEntry(
                        approved_list=approved,
                        school=school,
                        computed_status=computed,
                        included=included,
                        reason=reason,
                    )
                )
                if year == LIST_YEAR and included:
                    focus.append(school)
        ApprovedListEntry.objects.bulk_create(entries, batch_size=2000)
        _activity(
            rng,
            region_schools,
            focus,
            municipalities[:MUNICIPALITIES],
            staff,
            mentors_by_municipality,
            subjects,
        )

    data = {
        "version": DATA_VERSION,
        "region_id": region.pk,
        "municipality_id": municipalities[0].pk,
        "municipality": municipalities[0].name,
        "schools": len(schools),
        "region_schools": len(region_schools),
        "results": results,
        "shnor_2026": flags[LIST_YEAR].counts.get(FlagStatus.SHNOR, 0),
        "risk_2026": flags[LIST_YEAR].counts.get(FlagStatus.RISK, 0),
        "focus_region": len(focus),
        "focus_municipality": sum(1 for s in focus if s.municipality_id == municipalities[0].pk),
        "seconds": round(time.perf_counter() - started, 1),
    }
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    write_marker(data)
    return data


def _activity(rng, region_schools, focus, municipalities, staff, mentors_by_municipality, subjects) -> None:
    """Teachers, mentors and tutors, logs, diagnostics, ИОМ, forms, roadmaps, events, КПК, risk profiles (the
    pieces tests/builders/spravka.py's smaller territory draws the same way come from there)."""
    from diagnostics.models import (
        FormStatus,
        ProgressForm,
    )
    from mentoring.models import LogEntry, LogKind, MentorAssignment, Order, TutorAssignment
    from roadmaps.models import (
        Event,
        EventKind,
        EventLevel,
        ItemStatus,
        Roadmap,
        RoadmapItem,
    )
    from schools.models import QualificationCategory, Teacher
    from tests.builders.spravka import professional_courses, risk_profiles, routes_and_lines, school_roadmaps

    focus_ids = {s.pk for s in focus}
    subject_list = list(subjects.values())
    categories = [c for c, _label in QualificationCategory.choices]
    teachers = []
    for school in region_schools:
        combos = rng.sample(range(len(LAST_NAMES) * len(FIRST_NAMES) * len(MIDDLE_NAMES)), rng.randint(8, 22))
        for combo in combos:
            last, rest = divmod(combo, len(FIRST_NAMES) * len(MIDDLE_NAMES))
            first, middle = divmod(rest, len(MIDDLE_NAMES))
            teachers.append(
                Teacher(
                    school=school,
                    last_name=LAST_NAMES[last],
                    first_name=FIRST_NAMES[first],
                    middle_name=MIDDLE_NAMES[middle],
                    position="учитель" if rng.random() < 0.9 else "педагог-психолог",
                    category=rng.choice(categories),
                    experience_years=rng.randint(0, 40),
                )
            )
    teachers = Teacher.objects.bulk_create(teachers, batch_size=2000)
    teaching = {}
    links = []
    for teacher in teachers:
        if teacher.position == "учитель":
            chosen = rng.sample(subject_list, rng.randint(1, 2))
            teaching[teacher.pk] = chosen[0]
            links += [Teacher.subjects.through(teacher_id=teacher.pk, subject_id=s.pk) for s in chosen]
    Teacher.subjects.through.objects.bulk_create(links, batch_size=5000)
    focus_teachers = [t for t in teachers if t.school_id in focus_ids]
    by_school: dict[int, list] = {}
    for teacher in focus_teachers:
        by_school.setdefault(teacher.school_id, []).append(teacher)

    orders = {
        o.municipality_id: o
        for o in Order.objects.bulk_create(
            [
                Order(
                    municipality=m,
                    number=f"{100 + i}-од",
                    date=datetime.date(2026, 1, 20),
                    created_by=staff[m.pk],
                )
                for i, m in enumerate(municipalities)
            ]
        )
    }
    others: dict[int, list] = {}
    for school in region_schools:
        if school.pk not in focus_ids:
            others.setdefault(school.municipality_id, []).append(school)
    mentor_rows = []
    for school in focus:
        if rng.random() < 0.85:
            by_person = rng.random() < 0.3 or not others.get(school.municipality_id)
            mentor_rows.append(
                MentorAssignment(
                    order=orders[school.municipality_id],
                    school=school,
                    mentor_user=mentors_by_municipality[school.municipality_id] if by_person else None,
                    mentor_school=None if by_person else rng.choice(others[school.municipality_id]),
                    start_date=datetime.date(2026, 2, 1),
                )
            )
    MentorAssignment.objects.bulk_create(mentor_rows)
    municipality_of = {s.pk: s.municipality_id for s in region_schools}
    TutorAssignment.objects.bulk_create(
        [
            TutorAssignment(
                order=orders[municipality_of[t.school_id]],
                teacher=t,
                subject=teaching[t.pk],
                tutor=staff[municipality_of[t.school_id]],
                start_date=datetime.date(2026, 2, 1),
            )
            for t in focus_teachers
            if t.pk in teaching and rng.random() < 0.55
        ],
        batch_size=2000,
    )
    kinds = [k for k, _label in LogKind.choices]
    LogEntry.objects.bulk_create(
        [
            LogEntry(
                school=school,
                author=mentors_by_municipality[school.municipality_id],
                date=datetime.date(2025, 1, 10) + datetime.timedelta(days=rng.randint(0, 680)),
                kind=rng.choice(kinds),
                topic=rng.choice(ACTIVITIES),
            )
            for school in focus
            for _ in range(rng.randint(4, 14))
        ],
        batch_size=2000,
    )
    professional_courses(rng, focus_teachers)

    # Diagnostics in January 2026, ИОМ for 2025/26, quarterly forms.
    routes_and_lines(
        rng,
        municipalities,
        focus,
        [t for t in focus_teachers if t.pk in teaching],
        municipality_of,
        blocks=(("subject", "Предметные"), ("method", "Методические"), ("psych", "Психолого-педагогические")),
    )
    forms = []
    for school in focus:
        for year, quarter in [(2025, q) for q in (1, 2, 3, 4)] + [(2026, q) for q in (1, 2, 3)]:
            late = rng.random() < 0.1
            forms.append(
                ProgressForm(
                    school=school,
                    year=year,
                    quarter=quarter,
                    status=FormStatus.ACCEPTED if rng.random() < 0.85 else FormStatus.SUBMITTED,
                    deadline=datetime.date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 10),
                    late=late,
                )
            )
    ProgressForm.objects.bulk_create(forms, batch_size=2000)

    # Roadmaps: each municipality's for 2025 and 2026, each ШНОР's for 2026.
    roadmaps = Roadmap.objects.bulk_create(
        [
            Roadmap(
                municipality=m,
                title=f"Дорожная карта по повышению качества образования, {m.name}, {year} год",
                period_start=datetime.date(year, 1, 1),
                period_end=datetime.date(year, 12, 31),
                order_number=f"{rng.randint(10, 300)}-од",
                order_date=datetime.date(year, 1, 15),
            )
            for m in municipalities
            for year in (2025, 2026)
        ]
        + school_roadmaps(focus)
    )
    items = []
    for roadmap in roadmaps:
        for position in range(1, (25 if roadmap.school_id is None else 12) + 1):
            year = roadmap.period_start.year
            all_year = rng.random() < 0.1
            end = datetime.date(year, 1, 31) + datetime.timedelta(days=rng.randint(0, 330))
            past = (datetime.date(year, 12, 31) if all_year else end) < TODAY
            if past:
                roll = rng.random()
                state = (
                    ItemStatus.DONE
                    if roll < 0.82
                    else ItemStatus.CANCELLED
                    if roll < 0.86
                    else rng.choice((ItemStatus.PLANNED, ItemStatus.IN_PROGRESS, ItemStatus.POSTPONED))
                )
            else:
                state = rng.choice((ItemStatus.PLANNED, ItemStatus.IN_PROGRESS))
            items.append(
                RoadmapItem(
                    roadmap=roadmap,
                    number=str(position),
                    position=position,
                    activity=rng.choice(ACTIVITIES),
                    start_date=None if all_year else end - datetime.timedelta(days=30),
                    end_date=None if all_year else end,
                    all_year=all_year,
                    responsible_text="Муниципальный методический центр, руководители ОО",
                    status=state,
                    completed_on=(end if not all_year else datetime.date(year, 12, 20))
                    if state == ItemStatus.DONE
                    else None,
                )
            )
    RoadmapItem.objects.bulk_create(items, batch_size=5000)

    # Events of 2025–2026 with the municipality's ШНОР taking part; КПК sessions among them.
    focus_by_municipality: dict[int, list] = {}
    for school in focus:
        focus_by_municipality.setdefault(school.municipality_id, []).append(school)
    events, participants = [], []
    for m in municipalities:
        mine = focus_by_municipality.get(m.pk, [])
        for _ in range(12):
            start = datetime.date(2025, 1, 15) + datetime.timedelta(days=rng.randint(0, 650))
            events.append(
                (
                    Event(
                        municipality=m,
                        kind=rng.choice([k for k, _label in EventKind.choices]),
                        level=rng.choice((EventLevel.MUNICIPAL, EventLevel.REGIONAL)),
                        start_date=start,
                        end_date=start + datetime.timedelta(days=rng.randint(0, 2)),
                        organiser="Муниципальный методический центр",
                        topic=rng.choice(ACTIVITIES),
                    ),
                    rng.sample(mine, max(0, int(len(mine) * rng.uniform(0.3, 0.9)))),
                )
            )
    created = Event.objects.bulk_create([event for event, _schools in events])
    for event, (_event, taking_part) in zip(created, events, strict=True):
        participants += [Event.schools.through(event_id=event.pk, school_id=s.pk) for s in taking_part]
    Event.schools.through.objects.bulk_create(participants, batch_size=5000)

    # Risk profiles of 2026: every factor rated, measures for the high and medium ones.
    risk_profiles(rng, focus, MEASURES)


# --- the cases, each in a process of its own ------------------------------------------------------------------


def _rss_mb() -> tuple[float, float]:
    """(current, peak) resident set size of this process, MB."""
    values = {}
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(("VmRSS:", "VmHWM:")):
                values[line.split(":")[0]] = int(line.split()[1]) / 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return values.get("VmRSS", 0.0), max(peak, values.get("VmHWM", 0.0))


@contextmanager
def timed(out: dict, key: str):
    """Wall time into ``out[key]``, this process's CPU time into ``out[key + "_cpu"]`` (CPU time hardly changes
    when the machine is shared; the database's work is in the server's processes and is not in it)."""
    wall, cpu = time.perf_counter(), time.process_time()
    yield
    out[key] = time.perf_counter() - wall
    out[key + "_cpu"] = time.process_time() - cpu


class QueryCounter:
    def __init__(self):
        self.count = 0
        self.statements: list[tuple[str, object]] = []

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        self.statements.append((sql, params))
        return execute(sql, params, many, context)


def _params(marker: dict, *, regional: bool):
    from reports.builders import ReportParams

    return ReportParams(
        kind="territory",
        region_id=marker["region_id"],
        municipality_id=None if regional else marker["municipality_id"],
        school_id=None,
        year=LIST_YEAR,
        recommendations=(
            "Руководителям школ перечня: скорректировать антирисковые программы по итогам осенней диагностики.\n\n"
            "Муниципальным методическим центрам: обеспечить тьюторское сопровождение педагогов школ перечня."
        ),
        signer="Начальник управления образования И. И. Иванов",
    )


def _pages(pdf: bytes) -> int | None:
    try:
        from pypdf import PdfReader
    except ImportError:
        return None
    return len(PdfReader(io.BytesIO(pdf)).pages)


def case_report(marker: dict, *, regional: bool) -> dict:
    """Build a справка and render its three files, as ``reports.services.report_build`` does."""
    import weasyprint  # noqa: F401 - the worker has it loaded after its first report: not part of the timing
    from django.db import connection

    from core.forking import may_fork
    from reports.builders import build
    from reports.renderers.docx import render_docx
    from reports.renderers.pdf import render_pdf
    from reports.renderers.xlsx import render_xlsx_to
    from reports.services import _with_workbook_tables, render_files

    out: dict = {"rss_start": _rss_mb()[0]}
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        with timed(out, "build"):
            built = build(_params(marker, regional=regional), today=TODAY)
        out["queries"] = counter.count
        out["peak_build"] = _rss_mb()[1]

        # The three files as the worker writes them (reports.services.render_files): the PDF in a forked child
        # beside the Excel and Word files. Its CPU is this process's and the child's together. First, as in the
        # worker, whose own process never lays a PDF out: the child starts without what a layout leaves loaded.
        with tempfile.TemporaryDirectory(prefix="bench-report-") as work:
            children = os.times()
            with timed(out, "files"):
                render_files(built, Path(work))
            after = os.times()
            out["files_cpu"] += (after.children_user - children.children_user) + (
                after.children_system - children.children_system
            )
            out["forked"] = may_fork()

        with timed(out, "pdf"):
            pdf = render_pdf(built.context)
        out["peak_pdf"] = _rss_mb()[1]
        out["pdf_kb"] = len(pdf) / 1024
        out["pdf_pages"] = _pages(pdf)
        del pdf

        with tempfile.TemporaryDirectory(prefix="bench-report-") as work:
            path = Path(work) / "report.xlsx"
            with timed(out, "xlsx"):
                with open(path, "wb") as handle:
                    render_xlsx_to(_with_workbook_tables(built), handle)
            out["xlsx_kb"] = path.stat().st_size / 1024
        out["peak_xlsx"] = _rss_mb()[1]
        out["queries_xlsx"] = counter.count - out["queries"]

        with timed(out, "docx"):
            docx = render_docx(built.context)
        out["docx_kb"] = len(docx) / 1024
        out["peak"] = _rss_mb()[1]

    for suffix in ("", "_cpu"):
        out["sequential" + suffix] = sum(out[step + suffix] for step in ("build", "pdf", "xlsx", "docx"))
        out["total" + suffix] = out["build" + suffix] + out["files" + suffix]
    # The CPU on the longest path: what the build takes on two cores however busy the machine is otherwise.
    out["path_cpu"] = out["build_cpu"] + (
        max(out["pdf_cpu"], out["xlsx_cpu"] + out["docx_cpu"]) if out["forked"] else out["sequential_cpu"]
    )
    tables = [t for s in built.context.sections for t in s.tables]
    printed = sorted(((len(list(t.iter_rows())), t.title) for t in tables if t.in_pdf), reverse=True)
    out["pdf_rows"] = sum(rows for rows, _title in printed)
    out["pdf_largest"] = printed[:2]
    out["sheet_rows"] = sum(  # the workbook's, without the raw data (a print-only table has no sheet)
        len(list(t.iter_rows())) for t in tables if getattr(t, "in_workbook", True)
    )
    out["charts"] = sum(len(s.charts) for s in built.context.sections)
    out["focus"] = len(built.context.sections[0].tables[0].rows)
    return out


def _data_table(marker: dict):
    from reports.builders import territory_scope
    from reports.builders.sections import results_data_table

    return results_data_table(territory_scope(_params(marker, regional=True), today=TODAY))


def case_excel(marker: dict) -> dict:
    """The region's 200,000 result rows as a workbook: the raw-data sheet alone."""
    from dataclasses import replace

    from django.utils import timezone

    from reports.context import ReportContext, Section
    from reports.renderers.xlsx import render_xlsx_to

    out: dict = {"rss_start": _rss_mb()[0]}
    table = _data_table(marker)
    counted = {"rows": 0}

    def rows():
        for row in table.iter_rows():
            counted["rows"] += 1
            yield row

    context = ReportContext(
        title="Результаты оценочных процедур",
        department="Министерство образования",
        territory="Южная область",
        year=LIST_YEAR,
        as_of=timezone.now(),
        sections=(Section("data", "Исходные данные", tables=(replace(table, rows=rows),)),),
    )
    with tempfile.TemporaryDirectory(prefix="bench-report-") as work:
        path = Path(work) / "results.xlsx"
        with timed(out, "seconds"):
            with open(path, "wb") as handle:
                render_xlsx_to(context, handle)
        out["xlsx_kb"] = path.stat().st_size / 1024
    out["rows"] = counted["rows"]
    out["peak"] = _rss_mb()[1]
    return out


def case_query(marker: dict) -> dict:
    """Baseline: the raw-data sheet's query alone — a plain cursor, and the rows the sheet consumes via the ORM."""
    from django.db import connection

    out: dict = {"rss_start": _rss_mb()[0]}
    table = _data_table(marker)
    counter = QueryCounter()
    with timed(out, "orm"):
        with connection.execute_wrapper(counter):
            out["orm_rows"] = sum(1 for _row in table.iter_rows())
    sql, params = max(counter.statements, key=lambda statement: len(statement[0]))
    rows = 0
    with timed(out, "cursor"):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            while chunk := cursor.fetchmany(5000):
                rows += len(chunk)
    out["cursor_rows"] = rows
    out["peak"] = _rss_mb()[1]
    return out


def case_startup(marker: dict) -> dict:
    """Baseline: WeasyPrint's import and a one-page PDF (the fixed cost of any PDF)."""
    from django.utils import timezone

    from reports.context import ReportContext, Section

    out: dict = {"rss_start": _rss_mb()[0]}
    with timed(out, "import"):
        import weasyprint  # noqa: F401

        from reports.renderers.pdf import render_pdf

    context = ReportContext(
        title="Аналитическая справка",
        department="Отдел образования",
        territory=marker["municipality"],
        year=LIST_YEAR,
        as_of=timezone.now(),
        sections=(Section("one", "Раздел", ("Один абзац текста.",)),),
    )
    with timed(out, "first"):
        pdf = render_pdf(context)
    with timed(out, "second"):
        render_pdf(context)
    out["pages"] = _pages(pdf)
    out["peak"] = _rss_mb()[1]
    return out


CASES = {
    "startup": case_startup,
    "query": case_query,
    "municipal": lambda marker: case_report(marker, regional=False),
    "regional": lambda marker: case_report(marker, regional=True),
    "excel": case_excel,
}


def run_case(name: str) -> dict:
    completed = subprocess.run(  # noqa: S603 - this script with fixed arguments
        [sys.executable, str(Path(__file__).resolve()), "--case", name],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    for line in completed.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
    sys.stderr.write(completed.stdout + completed.stderr)
    raise SystemExit(f"замер «{name}» не удался (код {completed.returncode})")


# --- the report -----------------------------------------------------------------------------------------------


def _n(value: float) -> str:
    return f"{value:,.0f}".replace(",", " ")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--fresh", action="store_true", help="drop the bench database and generate the data anew"
    )
    parser.add_argument("--case", choices=sorted(CASES), help=argparse.SUPPRESS)  # a measurement, in a child
    args = parser.parse_args()

    if args.case:
        _django()
        result = CASES[args.case](read_marker())
        print("RESULT " + json.dumps(result))
        return

    django_on_database(fresh=args.fresh)
    marker = read_marker()
    if marker is None or marker.get("version") != DATA_VERSION:
        if not args.fresh:  # no data, data of another version, or a generation that did not finish
            from django.db import connections

            connections.close_all()
            django_on_database(fresh=True)
        marker = generate()
        print(f"Данные сгенерированы за {marker['seconds']:.0f} с.")
    else:
        print("Данные из прошлого прогона (--fresh: сгенерировать заново).")
    print(
        f"Регион: {_n(marker['region_schools'])} школ в {MUNICIPALITIES} муниципалитетах (и соседний такой же); "
        f"результатов всего {_n(marker['results'])}; ШНОР {LIST_YEAR} (расчёт, оба региона) "
        f"{marker['shnor_2026']}, зона риска {marker['risk_2026']}; в перечне региона {marker['focus_region']}, "
        f"«{marker['municipality']}» — {marker['focus_municipality']} из "
        f"{FOCUS_MUNICIPALITY_SCHOOLS}."
    )
    from django.db import connections

    connections.close_all()

    load_before = os.getloadavg()[0]
    figures = {}
    for name in ("startup", "query", "municipal", "regional", "excel"):
        print(f"… {name}", flush=True)
        figures[name] = run_case(name)
    s, q, m, r, x = (figures[k] for k in ("startup", "query", "municipal", "regional", "excel"))

    print()
    print(
        f"Загрузка машины ({os.cpu_count()} ядра), load average за минуту: до замеров {load_before:.2f}, после "
        f"{os.getloadavg()[0]:.2f} (сам бенчмарк даёт около 1; больше — замеры делили процессор с чем-то ещё)."
    )
    print(f"{'замер':<74}{'секунды':>9}{'ЦП, с':>8}{'пик RSS, МБ':>13}")

    def line(label: str, f: dict | None = None, key: str = "", peak: float | None = None) -> None:
        wall = f"{f[key]:9.2f}{f[key + '_cpu']:8.2f}" if f else " " * 17
        print(f"{label:<74}{wall}{'' if peak is None else f'{peak:13.0f}'}")

    line("база: процесс после импорта Django (RSS)", peak=q["rss_start"])
    line("база: импорт WeasyPrint", s, "import")
    line("база: PDF в одну страницу, первый", s, "first")
    line("база: PDF в одну страницу, повторный", s, "second", s["peak"])
    line(f"база: запрос {_n(q['cursor_rows'])} строк листа исходных данных, курсор", q, "cursor")
    line("база: те же строки через ORM (генератор листа)", q, "orm", q["peak"])
    for label, f in (
        (f"(a) муниципалитет, {FOCUS_MUNICIPALITY_SCHOOLS} школ", m),
        (f"(b) регион, {_n(SCHOOLS_PER_REGION)} школ", r),
    ):
        line(f"{label}: сбор данных ({f['queries']} запросов)", f, "build", f["peak_build"])
        line(
            f"{label}: PDF ({f['pdf_pages']} с., {f['pdf_rows']} строк таблиц, {f['charts']} диаграмм)",
            f,
            "pdf",
            f["peak_pdf"],
        )
        line(f"{label}: Excel ({f['xlsx_kb'] / 1024:.1f} МБ)", f, "xlsx", f["peak_xlsx"])
        line(f"{label}: Word ({f['docx_kb']:.0f} КБ)", f, "docx", f["peak"])
        line(f"{label}: всего, по очереди (сбор, PDF, Excel, Word)", f, "sequential")
        how = "PDF в дочернем процессе рядом с Excel и Word" if f["forked"] else "без fork: по очереди"
        line(f"{label}: файлы, как в работе ({how})", f, "files")
        line(f"{label}: всего, как в работе (сбор + файлы; ЦП обоих процессов)", f, "total", f["peak"])
        print(f"{label}: ЦП на самом длинном пути (сбор + max(PDF, Excel + Word)): {f['path_cpu']:.2f} с")
    line(
        f"(c) Excel из {_n(x['rows'])} строк результатов ({x['xlsx_kb'] / 1024:.1f} МБ)",
        x,
        "seconds",
        x["peak"],
    )

    for label, f in (("(a)", m), ("(b)", r)):
        largest = "; ".join(f"«{title}» — {rows}" for rows, title in f["pdf_largest"])
        print(f"{label} крупнейшие таблицы PDF и Word (строк): {largest}")
    for suffix, kind in (("", "по секундам"), ("_cpu", "по ЦП на самом длинном пути; Excel — ЦП процесса")):
        report_key = "total" if suffix == "" else "path_cpu"
        checks = [
            (f"муниципалитет ≤ {GOALS['municipal']:.0f} с", m[report_key] <= GOALS["municipal"]),
            (f"регион ≤ {GOALS['regional']:.0f} с", r[report_key] <= GOALS["regional"]),
            (f"Excel ≤ {GOALS['excel']:.0f} с", x["seconds" + suffix] <= GOALS["excel"]),
        ]
        print(f"Цели ({kind}): " + "; ".join(f"{label} — {'да' if ok else 'НЕТ'}" for label, ok in checks))
    print(f"Цель: Excel < {GOALS['excel_mb']:.0f} МБ — {'да' if x['peak'] < GOALS['excel_mb'] else 'НЕТ'}")
    print(
        f"Excel к базовой линии: {x['seconds'] / q['cursor']:.1f}× запроса, {x['seconds'] / q['orm']:.1f}× строк "
        f"через ORM; PDF региона к одностраничному: {r['pdf'] / s['second']:.0f}×"
    )


if __name__ == "__main__":
    main()
