"""A territory whose справка runs to many pages: municipalities of 40 schools with long names, five years of
results, the ШНОР the rule computes from them, and the work the справка reports (mentors and tutors, the
mentoring log, diagnostics, ИОМ and quarterly forms, roadmaps with overdue items, events, КПК, risk profiles).

A smaller cousin of bench/reports.py's data (13 procedures a school a year instead of 50, one in three schools
weak instead of one in eight, so that a municipality has a dozen ШНОР and the list table runs over pages).
Everything goes in by ``bulk_create``: a region of 6 × 40 schools is built in a few seconds.
"""

import datetime
import math
import random
from dataclasses import dataclass

LIST_YEAR = 2026
TODAY = datetime.date(2026, 11, 22)
RESULT_YEARS = (2022, 2023, 2024, 2025, 2026)
PROCEDURES = (
    ("ВПР", 4, "Русский язык"),
    ("ВПР", 4, "Математика"),
    ("ВПР", 5, "Русский язык"),
    ("ВПР", 5, "Математика"),
    ("ВПР", 6, "Математика"),
    ("ВПР", 7, "Математика"),
    ("ВПР", 8, "Физика"),
    ("ОГЭ", 9, "Математика"),
    ("ОГЭ", 9, "Русский язык"),
    ("ОГЭ", 9, "История"),
    ("ЕГЭ", 11, "Математика профильная"),
    ("ЕГЭ", 11, "Русский язык"),
    ("ЕГЭ", 11, "Физика"),
)
MUNICIPALITY_NAMES = (
    "Обливский район",
    "Матвеево-Курганский район",
    "Тацинский район",
    "Красносулинский район",
    "Константиновский район",
    "Миллеровский район",
    "Морозовский район",
    "Куйбышевский район",
)
SETTLEMENTS = (
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
)
HEROES = ("Героя Советского Союза И. А. Ковалёва", "А. С. Пушкина", "М. А. Шолохова", "Ю. А. Гагарина")
LAST_NAMES = ("Иванова", "Петрова", "Смирнова", "Кузнецова", "Попова", "Васильева", "Соколова", "Новикова")
FIRST_NAMES = ("Анна", "Мария", "Елена", "Ольга", "Татьяна", "Наталья")
ACTIVITIES = (
    "Проведение методического семинара для учителей математики по итогам ВПР",
    "Анализ результатов ВПР и ГИА, подготовка аналитической справки и адресных рекомендаций",
    "Организация взаимопосещения уроков педагогами школы-наставника и школы перечня",
    "Корректировка антирисковой программы по итогам мониторинга",
    "Методический десант специалистов муниципального методического центра",
    "Разработка индивидуальных образовательных маршрутов педагогов по итогам диагностики",
)
MEASURES = (
    "Закрепление наставника, план взаимопосещений уроков на учебный год",
    "Курсы повышения квалификации по предметным дефицитам, ИОМ педагогов",
    "Дополнительные занятия для обучающихся с рисками учебной неуспешности",
)


@dataclass(frozen=True)
class Territory:
    region_id: int
    municipality_ids: tuple[int, ...]
    schools: int
    focus: int  # the year's ШНОР (approved where approved, else computed)


def _school_name(rng: random.Random, number: int) -> str:
    settlement = rng.choice(SETTLEMENTS)
    roll = rng.random()
    if roll < 0.2:
        return (
            "Муниципальное бюджетное общеобразовательное учреждение "
            f"«{settlement} средняя общеобразовательная школа № {number % 40 + 1} имени {rng.choice(HEROES)}»"
        )
    if roll < 0.4:
        return f"МБОУ «{settlement} ООШ № {number % 12 + 1}»"
    return f"МБОУ «{settlement} СОШ № {number % 40 + 1}»"


def build_territory(*, municipalities: int = 1, schools: int = 40, seed: int = 2026) -> Territory:
    """A region of ``municipalities`` × ``schools``; the first municipality approved its lists."""
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
        Result,
        School,
        Subject,
    )
    from tests.builders.roadmaps import seed_catalogues

    seed_catalogues()
    rng = random.Random(seed)
    region = Region.objects.create(name="Южная область", code="61")
    towns = Municipality.objects.bulk_create(
        [
            Municipality(
                region=region,
                name=name,
                department_name="Отдел образования Администрации "
                + name.replace("кий район", "кого района").replace("ский район", "ского района"),
            )
            for name in MUNICIPALITY_NAMES[:municipalities]
        ]
    )
    rows = []
    for town in towns:
        for _ in range(schools):
            rows.append(
                School(
                    municipality=town,
                    code=f"spr{len(rows):06d}",
                    name=_school_name(rng, len(rows)),
                    short_name="",
                )
            )
    created = School.objects.bulk_create(rows)
    subjects = {}
    for _kind, _grade, name in PROCEDURES:
        if name not in subjects:
            subjects[name] = Subject.objects.filter(name=name).first() or Subject.objects.create(name=name)
    kinds = {kind.code: kind for kind in ProcedureKind.objects.all()}
    procedures = [
        Procedure.objects.get_or_create(kind=kinds[kind], subject=subjects[name], grade=grade, year=year)[0]
        for year in RESULT_YEARS
        for kind, grade, name in PROCEDURES
    ]
    results = []
    for school in created:
        roll = rng.random()
        weak = set(range(rng.choice((2022, 2023, 2024)), 2027)) if roll < 0.33 else set()
        if 0.33 <= roll < 0.4:
            weak = {2022, 2023, 2024}  # recovered: leaves the list
        size = rng.randint(8, 19) if rng.random() < 0.3 else rng.randint(20, 90)
        for procedure in procedures:
            participants = max(1, (size // 2 if procedure.kind.code == "ЕГЭ" else size) + rng.randint(-4, 4))
            if rng.random() < (0.3 if procedure.year in weak else 0.01):
                failed = min(participants, math.ceil(participants * rng.uniform(0.3, 0.5)))
            else:
                failed = int(participants * rng.uniform(0.02, 0.2))
            results.append(
                Result(school=school, procedure=procedure, participants=participants, failed=failed)
            )
    Result.objects.bulk_create(results, batch_size=5000)
    for year in (LIST_YEAR - 1, LIST_YEAR):
        flags_recompute(list_year=year, region_ids=[region.pk])

    from core.models import User

    staff = User.objects.create(username="spravka-staff", last_name="Курочкина", first_name="Наталья")
    status = dict(
        FlagDecision.objects.filter(list_year=LIST_YEAR, school__in=created).values_list(
            "school_id", "status"
        )
    )
    # The first municipality approved its list: the computed ШНОР and one school of the zone of risk by hand.
    approved = ApprovedList.objects.create(
        municipality=towns[0],
        list_year=LIST_YEAR,
        order_number="112-од",
        order_date=datetime.date(LIST_YEAR, 2, 10),
        created_by=staff,
    )
    entries, by_hand = [], False
    for school in created:
        if school.municipality_id != towns[0].pk or status.get(school.pk) not in (
            FlagStatus.SHNOR,
            FlagStatus.RISK,
        ):
            continue
        included, reason = status[school.pk] == FlagStatus.SHNOR, ""
        if not included and not by_hand:
            by_hand, included = True, True
            reason = "Решение муниципальной комиссии: результаты ВПР весны текущего года"
        entries.append(
            ApprovedListEntry(
                approved_list=approved,
                school=school,
                computed_status=status[school.pk],
                included=included,
                reason=reason,
            )
        )
    ApprovedListEntry.objects.bulk_create(entries)
    included = {e.school_id for e in entries if e.included}
    focus = [
        s
        for s in created
        if (s.pk in included if s.municipality_id == towns[0].pk else status.get(s.pk) == FlagStatus.SHNOR)
    ]
    _activity(rng, created, focus, towns, staff, subjects)
    return Territory(region.pk, tuple(t.pk for t in towns), len(created), len(focus))


def _activity(rng, schools, focus, towns, staff, subjects) -> None:  # noqa: PLR0915 -- one scenario, in order
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

    subject_list = list(subjects.values())
    focus_ids = {s.pk for s in focus}
    teachers = Teacher.objects.bulk_create(
        [
            Teacher(
                school=school,
                last_name=LAST_NAMES[n % len(LAST_NAMES)],
                first_name=FIRST_NAMES[n // len(LAST_NAMES)],
                position="учитель" if rng.random() < 0.9 else "педагог-психолог",
                category=rng.choice([c for c, _label in QualificationCategory.choices]),
            )
            for school in focus
            for n in range(rng.randint(6, 14))
        ]
    )
    teaching = {t.pk: rng.choice(subject_list) for t in teachers if t.position == "учитель"}
    Teacher.subjects.through.objects.bulk_create(
        [Teacher.subjects.through(teacher_id=pk, subject_id=s.pk) for pk, s in teaching.items()]
    )
    orders = {
        o.municipality_id: o
        for o in Order.objects.bulk_create(
            [
                Order(
                    municipality=m, number=f"{100 + i}-од", date=datetime.date(2026, 1, 20), created_by=staff
                )
                for i, m in enumerate(towns)
            ]
        )
    }
    others = {}
    for school in schools:
        if school.pk not in focus_ids:
            others.setdefault(school.municipality_id, []).append(school)
    MentorAssignment.objects.bulk_create(
        [
            MentorAssignment(
                order=orders[school.municipality_id],
                school=school,
                mentor_school=rng.choice(others[school.municipality_id]),
                start_date=datetime.date(2026, 2, 1),
            )
            for school in focus
            if rng.random() < 0.8 and others.get(school.municipality_id)
        ]
    )
    municipality_of = {s.pk: s.municipality_id for s in schools}
    TutorAssignment.objects.bulk_create(
        [
            TutorAssignment(
                order=orders[municipality_of[t.school_id]],
                teacher=t,
                subject=teaching[t.pk],
                tutor=staff,
                start_date=datetime.date(2026, 2, 1),
            )
            for t in teachers
            if t.pk in teaching and rng.random() < 0.55
        ]
    )
    LogEntry.objects.bulk_create(
        [
            LogEntry(
                school=school,
                author=staff,
                date=datetime.date(2025, 1, 10) + datetime.timedelta(days=rng.randint(0, 680)),
                kind=rng.choice([k for k, _label in LogKind.choices]),
                topic=rng.choice(ACTIVITIES),
            )
            for school in focus
            for _ in range(rng.randint(4, 14))
        ]
    )
    professional_courses(rng, teachers)
    routes_and_lines(
        rng,
        towns,
        focus,
        [t for t in teachers if t.pk in teaching],
        municipality_of,
        blocks=(("subject", "Предметные"), ("method", "Методические")),
    )
    ProgressForm.objects.bulk_create(
        [
            ProgressForm(
                school=school,
                year=year,
                quarter=quarter,
                status=FormStatus.ACCEPTED if rng.random() < 0.85 else FormStatus.SUBMITTED,
                deadline=datetime.date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 10),
                late=rng.random() < 0.1,
            )
            for school in focus
            for year, quarter in [(2025, q) for q in (1, 2, 3, 4)] + [(2026, q) for q in (1, 2, 3)]
        ]
    )
    roadmaps = Roadmap.objects.bulk_create(
        [
            Roadmap(
                municipality=m,
                title=f"Дорожная карта по повышению качества образования, {m.name}, {year} год",
                period_start=datetime.date(year, 1, 1),
                period_end=datetime.date(year, 12, 31),
            )
            for m in towns
            for year in (2025, 2026)
        ]
        + school_roadmaps(focus)
    )
    items = []
    for roadmap in roadmaps:
        for position in range(1, (12 if roadmap.school_id is None else 5) + 1):
            year = roadmap.period_start.year
            end = datetime.date(year, 1, 31) + datetime.timedelta(days=rng.randint(0, 330))
            if end < TODAY:
                roll = rng.random()
                state = (
                    ItemStatus.DONE
                    if roll < 0.85
                    else ItemStatus.CANCELLED
                    if roll < 0.9
                    else ItemStatus.PLANNED
                )
            else:
                state = ItemStatus.PLANNED
            items.append(
                RoadmapItem(
                    roadmap=roadmap,
                    number=str(position),
                    position=position,
                    activity=rng.choice(ACTIVITIES),
                    start_date=end - datetime.timedelta(days=30),
                    end_date=end,
                    responsible_text="Муниципальный методический центр, руководители ОО",
                    status=state,
                    completed_on=end if state == ItemStatus.DONE else None,
                )
            )
    RoadmapItem.objects.bulk_create(items)
    by_town = {}
    for school in focus:
        by_town.setdefault(school.municipality_id, []).append(school)
    events = []
    for m in towns:
        mine = by_town.get(m.pk, [])
        for _ in range(6):
            start = datetime.date(2025, 1, 15) + datetime.timedelta(days=rng.randint(0, 650))
            events.append(
                (
                    Event(
                        municipality=m,
                        kind=rng.choice([k for k, _label in EventKind.choices]),
                        level=rng.choice((EventLevel.MUNICIPAL, EventLevel.REGIONAL)),
                        start_date=start,
                        end_date=start,
                        organiser="Муниципальный методический центр",
                        topic=rng.choice(ACTIVITIES),
                    ),
                    rng.sample(mine, int(len(mine) * rng.uniform(0.3, 0.9))),
                )
            )
    created = Event.objects.bulk_create([event for event, _schools in events])
    Event.schools.through.objects.bulk_create(
        [
            Event.schools.through(event_id=event.pk, school_id=s.pk)
            for event, (_e, taking_part) in zip(created, events, strict=True)
            for s in taking_part
        ]
    )
    risk_profiles(rng, focus, MEASURES)


# --- pieces bench/reports.py's generator shares (each draws from ``rng`` in the same order for both) ---------


def professional_courses(rng, teachers, *, batch_size: int = 2000) -> None:
    """КПК for about 45 % of ``teachers``, ended between January 2025 and October 2026."""
    from schools.models import ProfessionalCourse

    ProfessionalCourse.objects.bulk_create(
        [
            ProfessionalCourse(
                teacher=t,
                title="Реализация требований обновлённых ФГОС в работе учителя",
                provider="ГБУ ДПО РО РИПК и ППРО",
                hours=rng.choice((16, 24, 36, 72)),
                start_date=(end := datetime.date(2025, 1, 15) + datetime.timedelta(days=rng.randint(0, 650)))
                - datetime.timedelta(days=10),
                end_date=end,
            )
            for t in teachers
            if rng.random() < 0.45
        ],
        batch_size=batch_size,
    )


def routes_and_lines(rng, towns, focus, teaching_teachers, municipality_of, *, blocks) -> None:
    """A diagnostics campaign of January 2026 in each of ``towns`` (its ``blocks``: (code, name) pairs) with
    ``focus`` taking part; results for about 70 % of ``teaching_teachers`` (teachers of a subject), an approved
    ИОМ of 2025/26 for about 60 % of those, its four quarters' lines done (the first three) at 75 %."""
    from diagnostics.models import (
        ActivityKind,
        Campaign,
        CompetenceBlock,
        DiagnosticResult,
        LineStatus,
        Route,
        RouteLine,
        RouteStatus,
    )

    campaigns = {
        c.municipality_id: c
        for c in Campaign.objects.bulk_create(
            [
                Campaign(
                    municipality=m,
                    name="Диагностика профессиональных дефицитов",
                    instrument="Федеральная платформа диагностики",
                    start_date=datetime.date(2026, 1, 20),
                    end_date=datetime.date(2026, 2, 5),
                )
                for m in towns
            ]
        )
    }
    Campaign.schools.through.objects.bulk_create(
        [Campaign.schools.through(campaign_id=campaigns[s.municipality_id].pk, school_id=s.pk) for s in focus]
    )
    block_rows = {
        c.pk: CompetenceBlock.objects.bulk_create(
            [
                CompetenceBlock(campaign=c, code=code, name=name, position=i)
                for i, (code, name) in enumerate(blocks)
            ]
        )
        for c in campaigns.values()
    }
    diagnosed = [t for t in teaching_teachers if rng.random() < 0.7]
    DiagnosticResult.objects.bulk_create(
        [
            DiagnosticResult(campaign_id=block.campaign_id, teacher=t, block=block, score=rng.randint(20, 95))
            for t in diagnosed
            for block in block_rows[campaigns[municipality_of[t.school_id]].pk]
        ],
        batch_size=5000,
    )
    routes = Route.objects.bulk_create(
        [
            Route(
                teacher=t,
                school_year=2025,
                campaign=campaigns[municipality_of[t.school_id]],
                status=RouteStatus.APPROVED,
            )
            for t in diagnosed
            if rng.random() < 0.6
        ],
        batch_size=2000,
    )
    activity_kinds = list(ActivityKind.objects.all())
    RouteLine.objects.bulk_create(
        [
            RouteLine(
                route=route,
                position=quarter,
                deficit="Формирование функциональной грамотности обучающихся",
                task="Освоить приёмы работы с текстами и задачами практического содержания",
                activity=rng.choice(activity_kinds),
                due_year=2026,
                due_quarter=quarter,
                status=LineStatus.DONE if done else LineStatus.NOT_STARTED,
                done_on=datetime.date(2026, 3 * quarter, 15) if done else None,
            )
            for route in routes
            for quarter in (1, 2, 3, 4)
            for done in [quarter < 4 and rng.random() < 0.75]
        ],
        batch_size=5000,
    )


def school_roadmaps(focus) -> list:
    """Each ШНОР's programme of antirisk measures for 2026 (unsaved: the caller creates them with its others)."""
    from roadmaps.models import Roadmap

    return [
        Roadmap(
            municipality_id=school.municipality_id,
            school=school,
            title=f"Программа антирисковых мер, {school.name}"[:500],
            period_start=datetime.date(2026, 1, 1),
            period_end=datetime.date(2026, 12, 31),
        )
        for school in focus
    ]


def risk_profiles(rng, focus, measures) -> None:
    """The risk profiles of ``LIST_YEAR``: every factor rated, one of ``measures`` for the high and medium ones."""
    from roadmaps.models import RiskEntry, RiskFactor, RiskLevel, RiskProfile

    factors = list(RiskFactor.objects.all())
    profiles = RiskProfile.objects.bulk_create([RiskProfile(school=s, year=LIST_YEAR) for s in focus])
    entries = []
    for profile in profiles:
        for factor in factors:
            roll = rng.random()
            level = RiskLevel.HIGH if roll < 0.12 else RiskLevel.MEDIUM if roll < 0.35 else RiskLevel.LOW
            entries.append(
                RiskEntry(
                    profile=profile,
                    factor=factor,
                    level=level,
                    measures=rng.choice(measures) if level != RiskLevel.LOW else "",
                )
            )
    RiskEntry.objects.bulk_create(entries, batch_size=5000)
