"""The demo's mentoring season: teachers with КПК, mentors and tutors by orders, partnerships, a log.

Registered as a step of ``demo.base`` after the results (it needs the approved ШНОР list of the Обливский
district). Idempotent: teachers are created once per school, assignments and partnerships once per order,
log entries once per (school, date, topic). A few gaps are left on purpose so the coverage page has
something to show: one ШНОР without a mentor, some subject teachers without a tutor.
"""

import datetime

from django.db import transaction

from core.access import forget_scope
from core.policies import policy_for
from mentoring.models import (
    LogEntry,
    LogKind,
    MentorAssignment,
    Order,
    Partnership,
    PlanStatus,
    TutorAssignment,
)
from mentoring.policies import LOG
from mentoring.services import (
    log_entry_create,
    mentor_assign,
    order_create,
    partnership_create,
    plan_item_add,
    tutor_assign,
)
from schools.models import ApprovedList, ProfessionalCourse, QualificationCategory, School, Subject, Teacher
from schools.services import subject_get_or_create

from .base import DemoContext, demo_step_register

MUNICIPALITY = "Обливский район"
ORDER_DATE = datetime.date(2026, 8, 28)
START = datetime.date(2026, 9, 1)

FEMALE = [
    ("Иванова", "Мария", "Петровна"),
    ("Кузнецова", "Анна", "Сергеевна"),
    ("Смирнова", "Ольга", "Ивановна"),
    ("Попова", "Елена", "Викторовна"),
    ("Васильева", "Наталья", "Николаевна"),
    ("Морозова", "Татьяна", "Алексеевна"),
    ("Новикова", "Светлана", "Юрьевна"),
    ("Фёдорова", "Ирина", "Владимировна"),
    ("Волкова", "Людмила", "Анатольевна"),
    ("Соколова", "Галина", "Михайловна"),
    ("Лебедева", "Юлия", "Андреевна"),
    ("Козлова", "Валентина", "Григорьевна"),
    ("Павлова", "Оксана", "Дмитриевна"),
    ("Семёнова", "Марина", "Васильевна"),
]
MALE = [
    ("Петров", "Алексей", "Иванович"),
    ("Сидоров", "Николай", "Петрович"),
    ("Орлов", "Виктор", "Сергеевич"),
    ("Макаров", "Дмитрий", "Александрович"),
    ("Зуев", "Андрей", "Николаевич"),
]
SUBJECT_SETS = [
    ["Математика"],
    ["Русский язык", "Литература"],
    ["Математика", "Физика"],
    ["Русский язык"],
    ["Начальные классы"],
    ["Начальные классы"],
    ["Биология", "Химия"],
    ["История", "Обществознание"],
    ["Английский язык"],
    ["География"],
    ["Физическая культура"],
    ["Информатика", "Математика"],
]
COURSES = [
    ("Реализация требований обновлённых ФГОС ООО в работе учителя", "ГБУ ДПО РО РИПК и ППРО", 36),
    ("Формирование функциональной грамотности обучающихся", "ФГАОУ ДПО «Академия Минпросвещения России»", 72),
    ("Методика подготовки обучающихся к ОГЭ по математике", "ГБУ ДПО РО РИПК и ППРО", 24),
    ("Объективность оценивания: работа с результатами ВПР", "ГБУ РО «РОЦОИСО»", 16),
    ("Цифровые образовательные ресурсы на уроке", "ФГАОУ ДПО «Академия Минпросвещения России»", 36),
]
TOPICS = {
    LogKind.CONSULTATION: [
        "Анализ результатов ВПР по математике и планирование коррекционной работы",
        "Подготовка к ОГЭ: типичные ошибки и работа с группой риска",
        "Разработка индивидуального образовательного маршрута педагога",
    ],
    LogKind.LESSON_VISIT: [
        "Посещение урока математики в 6 классе: организация самостоятельной работы",
        "Посещение урока русского языка в 5 классе: формирующее оценивание",
    ],
    LogKind.MASTER_CLASS: ["Приёмы смыслового чтения на уроках в основной школе"],
    LogKind.SEMINAR: ["Объективность оценивания: критерии и согласованность отметок"],
    LogKind.LANDING: ["Методический десант: оценка и корректировка школьной программы повышения качества"],
}


@transaction.atomic
def demo_mentoring(context: DemoContext) -> None:
    rng = context.rng("mentoring")
    municipality = context.municipalities.get(MUNICIPALITY)
    methodist = context.users.get("methodist")
    if municipality is None or methodist is None:
        return
    schools = sorted(
        (s for s in context.schools.values() if s.municipality_id == municipality.pk and s.is_active),
        key=lambda s: s.code,
    )
    _teachers(context, rng, schools)
    approved = ApprovedList.objects.filter(municipality=municipality).order_by("-list_year").first()
    shnor = (
        list(
            School.objects.filter(
                approved_entries__approved_list=approved, approved_entries__included=True
            ).order_by("code")
        )
        if approved
        else []
    )
    if not shnor:
        return
    order = Order.objects.filter(municipality=municipality, number="112-од", date=ORDER_DATE).first()
    if order is None:
        order = order_create(
            municipality=municipality,
            number="112-од",
            date=ORDER_DATE,
            title="О закреплении наставников и тьюторов за школами с низкими образовательными результатами",
            user=methodist,
        )
        _assignments(context, order, shnor, schools, methodist)
        context.summary.changed("внесено приказов о наставничестве")
    _log(context, context.rng("mentoring-log"), shnor)  # its own stream: a rerun draws the same days
    counts = context.summary.counts
    counts["Педагоги"] = Teacher.objects.filter(school__municipality=municipality).count()
    counts["Назначения наставников"] = MentorAssignment.objects.filter(
        school__municipality=municipality
    ).count()
    counts["Назначения тьюторов"] = TutorAssignment.objects.filter(
        teacher__school__municipality=municipality
    ).count()
    counts["Сетевые партнёрства"] = Partnership.objects.filter(school__municipality=municipality).count()
    counts["Записи журнала наставничества"] = LogEntry.objects.filter(
        school__municipality=municipality
    ).count()


def _teachers(context: DemoContext, rng, schools: list[School]) -> None:
    with_teachers = set(
        Teacher.objects.filter(school__in=schools).values_list("school_id", flat=True).distinct()
    )
    subjects: dict[str, Subject] = {}
    created = 0
    for school in schools:
        if school.pk in with_teachers:
            continue
        people = rng.sample(FEMALE, 8) + rng.sample(MALE, 2)
        for index, (last, first, middle) in enumerate(people):
            subject_names = SUBJECT_SETS[index % len(SUBJECT_SETS)]
            teacher = Teacher.objects.create(
                school=school,
                last_name=last,
                first_name=first,
                middle_name=middle,
                position="учитель",
                category=rng.choice(list(QualificationCategory.values)),
                experience_years=rng.randint(1, 38),
            )
            teacher.subjects.set(
                [subjects.setdefault(name, subject_get_or_create(name)) for name in subject_names]
            )
            for title, provider, hours in rng.sample(COURSES, rng.randint(0, 2)):
                start = datetime.date(
                    rng.choice([2024, 2025, 2026]), rng.choice([3, 4, 10, 11]), rng.randint(1, 15)
                )
                ProfessionalCourse.objects.create(
                    teacher=teacher,
                    title=title,
                    provider=provider,
                    hours=hours,
                    start_date=start,
                    end_date=start + datetime.timedelta(days=max(3, hours // 6)),
                    certificate=f"61{rng.randint(10000, 99999)}",
                )
            created += 1
    context.summary.changed("создано педагогов", created)


def _assignments(
    context: DemoContext, order: Order, shnor: list[School], schools: list[School], methodist
) -> None:
    mentor = context.users.get("mentor")
    tutor = context.users.get("tutor")
    strong = [s for s in schools if s not in shnor]
    # The demo mentor leads the first two ШНОР; a mentor school leads the third; the last one has none yet.
    for index, school in enumerate(shnor[:-1] if len(shnor) > 1 else shnor):
        if index < 2 and mentor is not None:
            mentor_assign(order=order, school=school, mentor_user=mentor, start_date=START, user=methodist)
        elif strong:
            mentor_assign(
                order=order,
                school=school,
                mentor_school=strong[index % len(strong)],
                start_date=START,
                user=methodist,
            )
    # History: last year's mentor of the first ШНОР, ended when the new order came.
    if strong:
        earlier = order_create(
            municipality=order.municipality,
            number="97-од",
            date=datetime.date(2025, 8, 29),
            title="О закреплении наставников за ШНОР на 2025/26 учебный год",
            user=methodist,
        )
        mentor_assign(
            order=earlier,
            school=shnor[0],
            mentor_school=strong[0],
            start_date=datetime.date(2025, 9, 1),
            end_date=datetime.date(2026, 8, 31),
            user=methodist,
        )
    # The demo tutor (Russian) takes the Russian teachers of the first two ШНОР; the other subject teachers
    # are left without a tutor on purpose (the coverage page lists them).
    russian = Subject.objects.filter(normalized_name="русский язык").first()
    for school in shnor[:2]:
        for teacher in Teacher.objects.filter(school=school, subjects=russian).order_by("pk"):
            if tutor is not None:
                tutor_assign(
                    order=order,
                    teacher=teacher,
                    subject=russian,
                    tutor=tutor,
                    start_date=START,
                    user=methodist,
                )
    # Network mentoring: a pair for the first ШНОР, a group for the second.
    if len(strong) >= 3:
        pair = partnership_create(
            school=shnor[0],
            partners=[strong[0]],
            kind="pair",
            agreement_number="7/2026",
            agreement_date=datetime.date(2026, 9, 5),
            first_year=2026,
            last_year=2027,
            order=order,
            goal="Совместная подготовка к ОГЭ по математике; взаимопосещение уроков; обмен материалами.",
            user=methodist,
        )
        for title, due, status in (
            ("Взаимопосещение уроков математики в 8–9 классах", datetime.date(2026, 10, 20), PlanStatus.DONE),
            ("Совместный пробный ОГЭ по математике", datetime.date(2026, 11, 15), PlanStatus.IN_PROGRESS),
            ("Семинар «Объективность оценивания»", datetime.date(2026, 12, 10), PlanStatus.PLANNED),
            ("Мастер-класс по смысловому чтению", datetime.date(2027, 2, 12), PlanStatus.PLANNED),
        ):
            item = plan_item_add(
                partnership=pair,
                title=title,
                due_date=due,
                responsible="заместители директоров по УВР",
                user=methodist,
            )
            if status != PlanStatus.PLANNED:
                item.status = status
                item.done_on = due if status == PlanStatus.DONE else None
                item.save(update_fields=["status", "done_on"])
        if len(shnor) > 1:
            partnership_create(
                school=shnor[1],
                partners=strong[1:3],
                kind="group",
                agreement_number="8/2026",
                agreement_date=datetime.date(2026, 9, 5),
                first_year=2026,
                last_year=2026,
                order=order,
                goal="Обмен ресурсами: лаборатория естественных наук, дистанционные консультации.",
                user=methodist,
            )


def _log(context: DemoContext, rng, shnor: list[School]) -> None:
    mentor = context.users.get("mentor")
    tutor = context.users.get("tutor")
    existing = set(LogEntry.objects.filter(school__in=shnor).values_list("school_id", "date", "topic"))
    created = 0
    day = datetime.date(2026, 9, 8)
    last = datetime.date(2026, 11, 20)
    step = 0
    while day <= last:
        author = mentor if step % 3 else tutor
        if author is not None:
            forget_scope(author)
            reachable = [s for s in shnor if policy_for(LogEntry).can_for_school(author, LOG, s)]
        else:
            reachable = []
        kind = rng.choice(list(TOPICS))
        if author is tutor:
            kind = rng.choice([LogKind.CONSULTATION, LogKind.LESSON_VISIT])
        topic = rng.choice(TOPICS[kind])
        school = reachable[step % len(reachable)] if reachable else None
        how_many = rng.randint(1, 3)  # drawn whether or not the entry exists: a rerun draws the same days
        if school is not None and (school.pk, day, topic) not in existing:
            teachers = list(Teacher.objects.visible_to(author).filter(school=school).order_by("pk")[:3])
            log_entry_create(
                author=author,
                school=school,
                date=day,
                kind=kind,
                topic=topic,
                teachers=teachers[:how_many],
                outcome="Проведён разбор; согласованы приёмы работы с обучающимися группы риска.",
                recommendations="Включить приёмы в поурочное планирование; повторное посещение через месяц.",
            )
            created += 1
        day += datetime.timedelta(days=rng.randint(4, 9))
        step += 1
    context.summary.changed("создано записей журнала", created)


demo_step_register("Наставничество", demo_mentoring, order=20)
