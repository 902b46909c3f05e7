"""The diagnostics scenario the access and policy tables of diagnostics read."""

import datetime
from decimal import Decimal

from django.utils import timezone

from diagnostics import services
from diagnostics.progress import Quarter
from mentoring import services as mentoring
from tests.factories import SubjectFactory, TeacherFactory


def build_diagnosed(world) -> dict:
    """Five teachers in the world's four schools; a mentor at a1 and a tutor of Иванова by one order of mun_a;
    campaigns A (mun_a: a1, a2), B (mun_b: b1) and OTHER (the other region), each with results, a specific
    deficit and an approved ИОМ of 2030 per teacher; the quarterly forms of 2030 Q4 opened. Returns the teachers
    by last name (tests/diagnostics/test_access.py and test_policies.py)."""
    users = world.users
    start = timezone.localdate() - datetime.timedelta(days=10)
    math = SubjectFactory(name="Математика")
    teachers = {
        "Иванова": TeacherFactory(school=world.school_a1, last_name="Иванова", subjects=[math]),
        "Петров": TeacherFactory(school=world.school_a1, last_name="Петров", subjects=[math]),
        "Сидорова": TeacherFactory(school=world.school_a2, last_name="Сидорова", subjects=[math]),
        "Смирнова": TeacherFactory(school=world.school_b1, last_name="Смирнова", subjects=[math]),
        "Попов": TeacherFactory(school=world.school_other, last_name="Попов", subjects=[math]),
    }
    order = mentoring.order_create(
        municipality=world.mun_a, number="1-о", date=start, user=users["methodist"]
    )
    mentoring.mentor_assign(
        order=order,
        school=world.school_a1,
        mentor_user=users["mentor"],
        start_date=start,
        user=users["methodist"],
    )
    mentoring.tutor_assign(
        order=order,
        teacher=teachers["Иванова"],
        subject=math,
        tutor=users["tutor"],
        start_date=start,
        user=users["methodist"],
    )
    for name, municipality, schools, who, names in (
        (
            "A",
            world.mun_a,
            [world.school_a1, world.school_a2],
            "methodist",
            ["Иванова", "Петров", "Сидорова"],
        ),
        ("B", world.mun_b, [world.school_b1], "regional_methodist", ["Смирнова"]),
        ("OTHER", world.school_other.municipality, [world.school_other], "superuser", ["Попов"]),
    ):
        campaign = services.campaign_create(
            municipality=municipality,
            name=name,
            instrument="анкета",
            start_date=datetime.date(2026, 1, 12),
            end_date=datetime.date(2026, 1, 30),
            schools=schools,
            user=users[who],
        )
        subject = campaign.blocks.get(code="subject")
        for teacher_name in names:
            teacher = teachers[teacher_name]
            services.results_set(
                campaign=campaign, teacher=teacher, scores={subject.pk: Decimal(10)}, user=users[who]
            )
            services.specific_deficit_add(
                campaign=campaign, teacher=teacher, text=teacher_name, user=users[who]
            )
            route = services.route_draft(
                teacher=teacher,
                campaign=campaign,
                school_year=2030,
                user=users[who],
                today=datetime.date(2030, 8, 1),
            )
            services.route_approve(route=route, user=users[who])
    for school in (world.school_a1, world.school_a2, world.school_b1, world.school_other):
        services.progress_form_open(school=school, quarter=Quarter(2030, 4))
    return teachers
