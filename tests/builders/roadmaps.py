"""Scenario builders shared by test modules: the list years and the programme the indicators count.

``build_programme(world)`` fills the ``world`` of tests/conftest.py with a year of ШНОР work (statuses, an
approved list, teachers, mentoring, diagnostics, courses, results, roadmaps, forms); the expected figures are
in tests/roadmaps/test_dashboard.py.
"""

import datetime
import importlib

from django.apps import apps as django_apps

from diagnostics import services as diagnostics
from diagnostics.models import FormStatus, ProgressForm
from indicators import selectors
from mentoring import services as mentoring
from roadmaps.models import ItemStatus, Roadmap, RoadmapItem
from schools.models import FlagComputation, FlagDecision, FlagStatus, QualificationCategory, Region
from schools.services import approved_list_create, approved_list_set_inclusion
from tests.builders.schools import add
from tests.factories import ProfessionalCourseFactory, SchoolFactory, SubjectFactory, TeacherFactory
from tests.today import TODAY  # a module using these marks itself pytest.mark.today

Y = TODAY.year  # the list year of the programme: the current calendar year


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


def decide(school, year: int, status: str) -> FlagDecision:
    region = Region.objects.get(municipalities__schools=school)
    computation = FlagComputation.objects.filter(region=region, list_year=year).first()
    if computation is None:
        computation = FlagComputation.objects.create(region=region, list_year=year, params={})
    return FlagDecision.objects.create(school=school, list_year=year, status=status, computation=computation)


# Every migration that seeds a catalogue (a RunPython ``seed``, idempotent: get_or_create): procedure kinds,
# activity kinds, risk factors, ВПР scales. tests/test_seed_catalogues.py keeps this list equal to the migrations'.
SEEDING_MIGRATIONS = (
    "schools.migrations.0003_seed_procedure_kinds",
    "diagnostics.migrations.0002_seed_activity_kinds",
    "roadmaps.migrations.0002_seed_risk_factors",
    "schools.migrations.0016_vpr_scales",
)


def seed_catalogues() -> None:
    """Catalogues seeded by migrations; a transactional (browser) test starts from a flushed database."""
    for name in SEEDING_MIGRATIONS:
        importlib.import_module(name).seed(django_apps, None)


def build_programme(world):
    """The ШНОР of year Y and what the indicators count (expected figures in the tests below).

    Computed statuses — Y−1: a1 ШНОР, a2 ШНОР, b1 none, b2 none, other none;
                        Y:   a1 ШНОР, a2 risk (left the list), b1 ШНОР, b2 none, other ШНОР.
    mun_b approved its list of Y by hand: b1 excluded, b2 included. So the ШНОР of Y are a1 (computed, mun_a has
    no approved list), b2 (approved) and, in the other region, other.
    """
    seed_catalogues()
    a1, a2, b1, other = world.school_a1, world.school_a2, world.school_b1, world.school_other
    b2 = SchoolFactory(municipality=world.mun_b, code="sch610102", name="МБОУ «Тацинская СОШ №2»")
    for school, before, now in [
        (a1, FlagStatus.SHNOR, FlagStatus.SHNOR),
        (a2, FlagStatus.SHNOR, FlagStatus.RISK),
        (b1, FlagStatus.NONE, FlagStatus.SHNOR),
        (b2, FlagStatus.NONE, FlagStatus.NONE),
        (other, FlagStatus.NONE, FlagStatus.SHNOR),
    ]:
        decide(school, Y - 1, before)
        decide(school, Y, now)
    regional = world.users["regional_methodist"]
    approved = approved_list_create(
        municipality=world.mun_b, list_year=Y, order_number="15-од", order_date=days(-60), user=regional
    )
    approved_list_set_inclusion(
        approved_list=approved, school=b1, included=False, reason="Реорганизация", user=regional
    )
    approved_list_set_inclusion(
        approved_list=approved, school=b2, included=True, reason="Решение комиссии", user=regional
    )

    maths, physics = SubjectFactory(name="Математика"), SubjectFactory(name="Физика")
    highest, first = QualificationCategory.HIGHEST, QualificationCategory.FIRST
    t1 = TeacherFactory(school=a1, last_name="Журавлёва", subjects=[maths], category=highest)
    t2 = TeacherFactory(school=a1, last_name="Воробьёва", subjects=[maths], category=first)
    t3 = TeacherFactory(school=a1, last_name="Синицына", position="педагог-психолог")
    t4 = TeacherFactory(
        school=a1, last_name="Снегирёва", subjects=[physics], category=QualificationCategory.CONFORMITY
    )
    TeacherFactory(school=a1, last_name="Уволенная", subjects=[maths], category=highest, is_active=False)
    t6 = TeacherFactory(school=b2, last_name="Клестова", subjects=[maths])
    TeacherFactory(school=a2, last_name="Соседова", subjects=[maths], category=highest)  # a2: not ШНОР in Y
    TeacherFactory(school=other, last_name="Дальняя", subjects=[maths], category=highest)

    # 1. support: t1 has a tutor; a1's mentor ended; b2 has a mentor.
    methodist = world.users["methodist"]
    order_a = mentoring.order_create(
        municipality=world.mun_a, number="112-од", date=days(-120), user=methodist
    )
    mentoring.tutor_assign(
        order=order_a,
        teacher=t1,
        subject=maths,
        tutor=world.users["tutor"],
        start_date=days(-30),
        user=methodist,
    )
    mentoring.mentor_assign(
        order=order_a,
        school=a1,
        mentor_user=world.users["mentor"],
        start_date=days(-120),
        end_date=days(-50),
        user=methodist,
    )
    order_b = mentoring.order_create(municipality=world.mun_b, number="7", date=days(-30), user=regional)
    mentoring.mentor_assign(
        order=order_b, school=b2, mentor_school=world.school_b1, start_date=days(-30), user=regional
    )
    # 2–3. diagnostics of Y: t1 and t2; t4 only in a diagnostics of Y−1. t1 has an approved ИОМ from it.
    campaign = diagnostics.campaign_create(
        municipality=world.mun_a,
        name="Январская диагностика",
        instrument="Платформа",
        start_date=datetime.date(Y, 1, 1),
        end_date=datetime.date(Y, 1, 1),
        schools=[a1],
        user=methodist,
    )
    old = diagnostics.campaign_create(
        municipality=world.mun_a,
        name="Августовская диагностика",
        instrument="Платформа",
        start_date=datetime.date(Y - 1, 8, 20),
        end_date=datetime.date(Y - 1, 8, 30),
        schools=[a1],
        user=methodist,
    )
    for c, teacher in [(campaign, t1), (campaign, t2), (old, t4)]:
        blocks = list(c.blocks.all())
        diagnostics.results_set(
            campaign=c,
            teacher=teacher,
            scores={b.pk: (30 if b.code == "subject" else 90) for b in blocks},
            user=methodist,
        )
    route = diagnostics.route_draft(
        teacher=t1, campaign=campaign, school_year=Y - 1, user=methodist, today=TODAY
    )
    diagnostics.route_approve(route=route, user=methodist)
    diagnostics.route_draft(
        teacher=t2, campaign=campaign, school_year=Y, user=methodist, today=TODAY
    )  # a draft
    # 4. КПК: t1 recently; t3 one day inside the 3 years; t2 exactly 3 years ago (outside).
    three_years_ago = selectors.years_before(TODAY, 3)
    for teacher, end in [
        (t1, days(-20)),
        (t3, three_years_ago + datetime.timedelta(days=1)),
        (t2, three_years_ago),
    ]:
        ProfessionalCourseFactory(teacher=teacher, start_date=end - datetime.timedelta(days=10), end_date=end)

    # 6–8. results of Y against Y−1.
    add(a1, "ВПР", "математика", 5, Y, 4, 20)  # 20 % failed, 50 % the year before: improved
    add(a1, "ВПР", "математика", 5, Y - 1, 10, 20)
    add(a1, "ВПР", "русский язык", 5, Y, 2, 10)  # 20 % against 10 %: worse
    add(a1, "ВПР", "русский язык", 5, Y - 1, 1, 10)
    add(a1, "ВПР", "история", 6, Y, 1, 10)  # the year before had no participants: not compared
    add(a1, "ВПР", "история", 6, Y - 1, 0, 0)
    add(a1, "ВПР", "биология", 7, Y, 0, 0)  # no participants: not counted at all
    add(a1, "ОГЭ", "математика", 9, Y, 3, 12)  # the same share: compared, not improved
    add(a1, "ОГЭ", "математика", 9, Y - 1, 3, 12)
    add(a1, "ЕГЭ", "русский язык", 11, Y, 0, 5)  # no ЕГЭ the year before: not compared
    add(a1, "ВПР", "математика", 6, Y - 1, 9, 10)  # only the year before: not counted
    add(b2, "ВПР", "математика", 5, Y, 5, 10)  # 50 % against 60 %: improved
    add(b2, "ВПР", "математика", 5, Y - 1, 6, 10)
    add(a2, "ВПР", "математика", 5, Y, 9, 10)  # a2 is not ШНОР in Y
    add(b1, "ВПР", "математика", 5, Y, 9, 10)  # b1 excluded by the approved list
    add(other, "ВПР", "математика", 5, Y, 1, 10)

    # Roadmaps: overdue items.
    roadmap_a = Roadmap.objects.create(
        municipality=world.mun_a, title="Дорожная карта", period_start=days(-200), period_end=days(100)
    )
    roadmap_a_old = Roadmap.objects.create(
        municipality=world.mun_a,
        school=a1,
        title="Карта школы",
        period_start=days(-400),
        period_end=days(-10),
    )
    roadmap_b = Roadmap.objects.create(
        municipality=world.mun_b,
        title="Карта Тацинского района",
        period_start=days(-200),
        period_end=days(100),
    )
    item = RoadmapItem.objects.create
    item(roadmap=roadmap_a, number="1", activity="Совещание", end_date=days(-1))  # overdue
    item(
        roadmap=roadmap_a,
        number="2",
        activity="Приказ",
        end_date=days(-5),
        status=ItemStatus.DONE,
        completed_on=days(-6),
    )
    item(roadmap=roadmap_a, number="3", activity="Семинар", end_date=days(5))
    item(roadmap=roadmap_a, number="4", activity="Мониторинг", all_year=True)  # due at the period's end
    item(roadmap=roadmap_a_old, number="1", activity="Анализ", all_year=True)  # overdue: the period ended
    item(
        roadmap=roadmap_a_old,
        number="2",
        activity="Отменено",
        end_date=days(-30),
        status=ItemStatus.CANCELLED,
    )
    item(
        roadmap=roadmap_b, number="1", activity="Совещание", end_date=days(-3), status=ItemStatus.IN_PROGRESS
    )

    # Quarterly forms: a1 missed a deadline; a2 submitted; b1 returned and overdue.
    ProgressForm.objects.create(school=a1, year=Y - 1, quarter=1, deadline=days(-40))
    ProgressForm.objects.create(
        school=a2, year=Y - 1, quarter=1, deadline=days(-40), status=FormStatus.SUBMITTED
    )
    ProgressForm.objects.create(
        school=b1, year=Y - 1, quarter=1, deadline=days(-40), status=FormStatus.RETURNED
    )
    ProgressForm.objects.create(school=b1, year=Y - 1, quarter=2, deadline=days(40))  # not yet due
    world.b2 = b2
    world.teachers = [t1, t2, t3, t4, t6]
    return world
