"""The demo's roadmaps (the municipal one modelled on 002_…), a school roadmap, events and risk profiles.

Registered after the diagnostics step. Idempotent: roadmaps by title, events by topic and date, profiles by
school and year.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from roadmaps.models import (
    Event,
    EventKind,
    EventLevel,
    ItemStatus,
    RiskEntry,
    RiskFactor,
    RiskLevel,
    RiskProfile,
    Roadmap,
)
from roadmaps.services import evidence_add, item_move, item_save, roadmap_create
from schools.models import ApprovedList, School, Teacher

from .base import DemoContext, demo_step_register

MUNICIPALITY = "Обливский район"
D = datetime.date
# 002_… «Дорожная карта (план мероприятий) по переводу в эффективный режим работы», moved to 2026.
# The done item the demo leaves without a document or a link, with a reason (the reviewer's warning shows on it).
UNCONFIRMED_ITEM = "4"
MUNICIPAL_ITEMS = [
    (
        "1",
        "Утверждение плана мероприятий по переводу в эффективный режим работы ШНОР",
        D(2026, 1, 15),
        D(2026, 2, 28),
        "Отдел образования",
        "order",
        "done",
    ),
    (
        "2",
        "Совещание в Отделе образования по вопросу перевода ШНОР в эффективный режим работы",
        D(2026, 2, 1),
        D(2026, 2, 28),
        "Отдел образования, РМО математики",
        "protocol",
        "done",
    ),
    (
        "3",
        "Методическая помощь в разработке антирисковых программ",
        D(2026, 3, 1),
        D(2026, 4, 30),
        "Отдел образования, РМК, заместители директоров",
        "programme",
        "done",
    ),
    (
        "4",
        "Участие в диагностике профессиональных дефицитов педагогов и управленческих кадров "
        "на платформе ФГАОУ ДПО «Академия Минпросвещения России»",
        D(2026, 3, 1),
        D(2026, 5, 31),
        "Отдел образования, РМК",
        "analytics",
        "done",
    ),
    (
        "5",
        "Изучение профессиональных дефицитов, разработка индивидуальных образовательных маршрутов",
        D(2026, 4, 1),
        D(2026, 6, 30),
        "РМК, тьюторы",
        "plan",
        "in_progress",
    ),
    (
        "6",
        "Организация взаимодействия (в том числе сетевого) школы-наставника и ШНОР",
        D(2026, 3, 1),
        D(2026, 12, 31),
        "Отдел образования, РМК, школа-наставник",
        "plan",
        "in_progress",
    ),
    (
        "7",
        "Адресная помощь районного методического кабинета, РМО и школы-наставника",
        D(2026, 5, 1),
        D(2026, 12, 31),
        "РМК, РМО",
        "recommendations",
        "in_progress",
    ),
    (
        "8",
        "Взаимодействие участников регионального методического актива с педагогами ШНОР",
        D(2026, 5, 1),
        D(2026, 10, 31),
        "Отдел образования, РМА",
        "other",
        "planned",
    ),
    (
        "9",
        "Методическая помощь учителям в подготовке обучающихся к ВПР, ОГЭ и ЕГЭ",
        D(2026, 3, 1),
        D(2026, 12, 31),
        "Отдел образования, РМК, ШНОР",
        "recommendations",
        "in_progress",
    ),
    (
        "10",
        "Участие в региональных вебинарах по переходу рискованных школ в эффективный режим",
        None,
        None,
        "ШНОР",
        "other",
        "in_progress",
    ),
    (
        "11",
        "Повышение квалификации педагогических и руководящих кадров ШНОР",
        D(2026, 3, 1),
        D(2026, 11, 30),
        "Отдел образования, РМК, ШНОР",
        "other",
        "in_progress",
    ),
    (
        "12",
        "Вовлечение руководителей, педагогов и обучающихся ШНОР в районные и региональные активности",
        None,
        None,
        "Отдел образования",
        "other",
        "planned",
    ),
    (
        "13",
        "Использование возможностей центра «Точка роста»",
        D(2026, 3, 1),
        D(2026, 12, 31),
        "ШНОР",
        "other",
        "in_progress",
    ),
    (
        "14",
        "Участие в областном смотре-конкурсе «Наша история успеха»",
        D(2026, 9, 1),
        D(2026, 10, 31),
        "Отдел образования, ШНОР",
        "other",
        "planned",
    ),
    (
        "15",
        "Анализ и оценка комплекса мер по преодолению факторов академической неуспешности",
        D(2026, 10, 1),
        D(2026, 11, 15),
        "Отдел образования, ШНОР",
        "analytics",
        "planned",
    ),
    (
        "16",
        "Анализ и оценка образовательных результатов обучающихся ШНОР",
        D(2026, 12, 1),
        D(2026, 12, 31),
        "Отдел образования, ШНОР",
        "analytics",
        "planned",
    ),
    (
        "17",
        "Заседание рабочей группы: подведение итогов реализации Программы",
        D(2026, 12, 1),
        D(2026, 12, 31),
        "Отдел образования, ШНОР",
        "protocol",
        "planned",
    ),
]
EVENTS = [
    (
        EventKind.SEMINAR,
        EventLevel.MUNICIPAL,
        D(2026, 2, 12),
        "РМК Обливского района",
        "Объективность оценивания: критерии и согласованность отметок",
        0,
    ),
    (
        EventKind.MASTER_CLASS,
        EventLevel.MUNICIPAL,
        D(2026, 3, 19),
        "МБОУ «Солонецкая СОШ»",
        "Приёмы смыслового чтения на уроках в основной школе",
        0,
    ),
    (
        EventKind.WEBINAR,
        EventLevel.REGIONAL,
        D(2026, 4, 8),
        "ГБУ ДПО РО РИПК и ППРО",
        "Переход школ в эффективный режим: антирисковые программы",
        14,
    ),
    (
        EventKind.FESTIVAL,
        EventLevel.REGIONAL,
        D(2026, 5, 21),
        "ГБУ ДПО РО РИПК и ППРО",
        "Фестиваль открытых уроков «Учимся вместе»",
        0,
    ),
    (
        EventKind.LANDING,
        EventLevel.MUNICIPAL,
        D(2026, 10, 14),
        "Отдел образования",
        "Методический десант: корректировка школьной программы повышения качества",
        0,
    ),
    (
        EventKind.COURSE,
        EventLevel.FEDERAL,
        D(2026, 11, 2),
        "ФГАОУ ДПО «Академия Минпросвещения России»",
        "КПК «Школа современного учителя математики»",
        6,
    ),
]
RISKS = [
    ("Недостаточная предметная и методическая компетентность педагогических работников", RiskLevel.HIGH),
    ("Высокая доля обучающихся с рисками учебной неуспешности", RiskLevel.HIGH),
    ("Низкая учебная мотивация обучающихся", RiskLevel.MEDIUM),
    ("Низкий уровень вовлечённости родителей", RiskLevel.MEDIUM),
    ("Дефицит педагогических кадров", RiskLevel.LOW),
]


@transaction.atomic
def demo_roadmaps(context: DemoContext) -> None:
    municipality = context.municipalities.get(MUNICIPALITY)
    methodist = context.users.get("methodist")
    if municipality is None or methodist is None:
        return
    approved = ApprovedList.objects.filter(municipality=municipality).order_by("-list_year").first()
    shnor = list(
        School.objects.filter(
            approved_entries__approved_list=approved, approved_entries__included=True
        ).order_by("code")
    )
    title = "Дорожная карта по переводу ШНОР Обливского района в эффективный режим работы на 2026 год"
    roadmap = Roadmap.objects.filter(municipality=municipality, title=title).first()
    today = timezone.localdate()
    if roadmap is None:
        roadmap = roadmap_create(
            municipality=municipality,
            title=title,
            period_start=D(2026, 1, 1),
            period_end=D(2026, 12, 31),
            order_number="15-од",
            order_date=D(2026, 1, 15),
            user=methodist,
        )
        for number, activity, start, end, responsible, kind, status in MUNICIPAL_ITEMS:
            item = item_save(
                roadmap=roadmap,
                user=methodist,
                number=number,
                activity=activity,
                start_date=start,
                end_date=end,
                all_year=start is None,
                responsible_text=responsible,
                result_kind=kind,
                responsible_users=[methodist] if number in ("5", "15") else [],
            )
            if status != ItemStatus.PLANNED:
                done_on = min(end or today, today) if status == ItemStatus.DONE else None
                reason = ""
                if status == ItemStatus.DONE and number == UNCONFIRMED_ITEM:
                    # «Выполнено» without proof needs a reason (issue #20 §3): the reviewer sees the warning.
                    reason = "Протокол совещания на подписи, будет приложен после 10-го числа"
                elif status == ItemStatus.DONE:
                    evidence_add(
                        item=item,
                        user=methodist,
                        name=f"Приказ отдела образования (пункт {number})",
                        link=f"https://example.org/otdel-obrazovaniya/dorozhnaya-karta-2026/{number}",
                    )
                item_move(item=item, status=status, user=methodist, completed_on=done_on, reason=reason)
        context.summary.changed("создано дорожных карт")
    if shnor:
        school = shnor[0]
        school_title = f"Дорожная карта {school.display_name} на 2026/27 учебный год"
        if not Roadmap.objects.filter(school=school, title=school_title).exists():
            school_map = roadmap_create(
                municipality=municipality,
                school=school,
                title=school_title,
                period_start=D(2026, 9, 1),
                period_end=D(2027, 5, 31),
                user=methodist,
            )
            for number, activity, start, end in (
                ("1", "Разработка и утверждение антирисковой программы школы", D(2026, 9, 1), D(2026, 9, 30)),
                (
                    "2",
                    "Корректировка ИОМ педагогов по итогам августовской диагностики",
                    D(2026, 9, 1),
                    D(2026, 10, 15),
                ),
                ("3", "Взаимопосещение уроков с педагогами школы-партнёра", D(2026, 10, 1), D(2026, 12, 25)),
                (
                    "4",
                    "Пробный ОГЭ по математике и русскому языку, анализ результатов",
                    D(2027, 1, 15),
                    D(2027, 2, 15),
                ),
            ):
                item_save(
                    roadmap=school_map,
                    user=methodist,
                    number=number,
                    activity=activity,
                    start_date=start,
                    end_date=end,
                )
            context.summary.changed("создано дорожных карт")
    _events(context, municipality, shnor)
    _risks(context, shnor, approved.list_year if approved else today.year)
    counts = context.summary.counts
    counts["Дорожные карты"] = Roadmap.objects.filter(municipality=municipality).count()
    counts["Мероприятия"] = Event.objects.filter(municipality=municipality).count()
    counts["Рисковые профили"] = RiskProfile.objects.filter(school__municipality=municipality).count()


def _events(context, municipality, shnor) -> None:
    teachers = list(Teacher.objects.filter(school__in=shnor, is_active=True).order_by("pk"))
    rng = context.rng("roadmaps-events")
    made = 0
    for kind, level, start, organiser, topic, count in EVENTS:
        if Event.objects.filter(municipality=municipality, topic=topic, start_date=start).exists():
            rng.random()
            continue
        event = Event.objects.create(
            municipality=municipality,
            kind=kind,
            level=level,
            start_date=start,
            end_date=start,
            organiser=organiser,
            topic=topic,
            participants_count=count or None,
        )
        event.schools.set(shnor)
        if not count and teachers:
            event.teachers.set(rng.sample(teachers, min(len(teachers), rng.randint(4, 9))))
        made += 1
    context.summary.changed("создано мероприятий", made)


def _risks(context, shnor, year) -> None:
    factors = {f.name: f for f in RiskFactor.objects.all()}
    made = 0
    for school in shnor:
        profile, created = RiskProfile.objects.get_or_create(school=school, year=year)
        if not created:
            continue
        for name, level in RISKS:
            if name in factors:
                RiskEntry.objects.create(
                    profile=profile,
                    factor=factors[name],
                    level=level,
                    measures="Меры — в антирисковой программе школы и пунктах дорожной карты.",
                )
        made += 1
    context.summary.changed("создано рисковых профилей", made)


demo_step_register("Дорожные карты, мероприятия, риски", demo_roadmaps, order=40)
