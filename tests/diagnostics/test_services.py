"""Writes of diagnostics, routes and progress forms (diagnostics.services): each refusal is a Russian
message, PermissionDenied or StaleForm, and a refused write saves nothing.

Routes are planned for the school year 2030/31 (drafted "on" 01.08.2030). The progress-form tests run on
05.01.2031 (``planned``): the IV 2030 form may be sent (its quarter is over) and is in time (due 10.01.2031); a
form of an old quarter (2019) is past its deadline, so it is late.
"""

import datetime
import os
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

import core.files
from core.models import User
from core.roles import Role
from diagnostics import services
from diagnostics.models import (
    Campaign,
    CompetenceBlock,
    DiagnosticResult,
    FormEvent,
    ProgressEntry,
    ProgressForm,
    Route,
    RouteLine,
    SpecificDeficit,
)
from diagnostics.progress import Quarter
from diagnostics.services import StaleForm
from mentoring import services as mentoring
from tests.builders.module import module_fixture
from tests.factories import SubjectFactory, TeacherFactory, user_with_role

pytestmark = pytest.mark.django_db

D = datetime.date
Q = Quarter
DRAFTED_ON = D(2030, 8, 1)  # → lines due IV 2030, I 2031, II 2031
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48


def fresh(user) -> User:
    """The scope is cached per user object; a fresh one sees the assignments made since."""
    return User.objects.get(pk=user.pk)


def messages(excinfo) -> str:
    return " ".join(excinfo.value.messages)


def scores(campaign, **by_code) -> dict:
    blocks = {b.code: b.pk for b in campaign.blocks.all()}
    return {blocks[code]: None if value is None else Decimal(str(value)) for code, value in by_code.items()}


def entry_of(form, line) -> ProgressEntry:
    return ProgressEntry.objects.get(form=form, line=line)


def save(form, user, entries, *, submit=False, version=None):
    """Save as a view would: with the version the form was read at (or an explicit one)."""
    form.refresh_from_db()
    return services.progress_form_save(
        form=form,
        user=fresh(user),
        version=form.version if version is None else version,
        entries={entry.pk: values for entry, values in entries.items()},
        submit=submit,
    )


def events(form) -> list[tuple[str, str, str]]:
    return [
        (e.action, e.user.username if e.user else "", e.comment)
        for e in FormEvent.objects.filter(form=form).order_by("pk")
    ]


@dataclass
class Staffed:
    world: object
    users: dict
    campaign: Campaign
    teachers: dict
    math: object

    def user(self, who: str) -> User:
        return fresh(self.users[who])


@module_fixture
def staffed(world) -> Staffed:
    """Иванова (school_a1) has the tutor; Петров (school_a1) has none; Сидорова teaches at school_a2."""
    users = world.users
    today = timezone.localdate()
    math = SubjectFactory(name="Математика")
    teachers = {
        "Иванова": TeacherFactory(school=world.school_a1, last_name="Иванова", subjects=[math]),
        "Петров": TeacherFactory(school=world.school_a1, last_name="Петров", subjects=[math]),
        "Сидорова": TeacherFactory(school=world.school_a2, last_name="Сидорова", subjects=[math]),
    }
    order = mentoring.order_create(
        municipality=world.mun_a, number="7-о", date=today, user=users["methodist"]
    )
    mentoring.tutor_assign(
        order=order,
        teacher=teachers["Иванова"],
        subject=math,
        tutor=users["tutor"],
        start_date=today - datetime.timedelta(days=10),
        user=users["methodist"],
    )
    mentoring.mentor_assign(
        order=order,
        school=world.school_a1,
        mentor_user=users["mentor"],
        start_date=today - datetime.timedelta(days=10),
        user=users["methodist"],
    )
    campaign = services.campaign_create(
        municipality=world.mun_a,
        name="Диагностика профессиональных дефицитов, январь 2026",
        instrument="Федеральная платформа диагностики",
        start_date=D(2026, 1, 12),
        end_date=D(2026, 1, 30),
        schools=[world.school_a1, world.school_a2],
        user=users["methodist"],
    )
    return Staffed(world, users, campaign, teachers, math)


def set_scores(staffed, teacher: str, **by_code) -> int:
    return services.results_set(
        campaign=staffed.campaign,
        teacher=staffed.teachers[teacher],
        scores=scores(staffed.campaign, **by_code),
        user=staffed.user("methodist"),
    )


# --- campaigns ------------------------------------------------------------------------------------------


def test_campaign_create_with_the_six_default_blocks(staffed):
    campaign = staffed.campaign
    assert campaign.municipality == staffed.world.mun_a
    assert campaign.threshold_percent == 60
    assert campaign.created_by == staffed.users["methodist"]
    assert set(campaign.schools.all()) == {staffed.world.school_a1, staffed.world.school_a2}
    assert [(b.position, b.code, b.name, b.max_score) for b in campaign.blocks.all()] == [
        (1, "subject", "Предметный", Decimal(100)),
        (2, "methodical", "Методический", Decimal(100)),
        (3, "psychological", "Психолого-педагогический", Decimal(100)),
        (4, "legal", "Нормативно-правовой", Decimal(100)),
        (5, "communicative", "Коммуникативный", Decimal(100)),
        (6, "digital", "Цифровой", Decimal(100)),
    ]


def test_campaign_create_with_own_blocks_and_threshold(world):
    campaign = services.campaign_create(
        municipality=world.mun_a,
        name="  Муниципальная анкета  ",
        instrument="анкета",
        start_date=D(2026, 8, 20),
        end_date=D(2026, 8, 20),
        schools=[world.school_a1],
        user=world.users["methodist"],
        threshold_percent=70,
        blocks=[
            ("reading", "Читательская грамотность", Decimal(20)),
            ("math", "Математическая", Decimal(30)),
        ],
    )
    assert campaign.name == "Муниципальная анкета"
    assert campaign.threshold_percent == 70
    assert [(b.code, b.max_score) for b in campaign.blocks.all()] == [
        ("reading", Decimal(20)),
        ("math", Decimal(30)),
    ]


def test_campaign_with_a_school_of_another_municipality_is_refused(world):
    with pytest.raises(ValidationError) as excinfo:
        services.campaign_create(
            municipality=world.mun_a,
            name="Диагностика",
            instrument="анкета",
            start_date=D(2026, 1, 12),
            end_date=D(2026, 1, 30),
            schools=[world.school_a1, world.school_b1],
            user=world.users["regional_methodist"],
        )
    assert messages(excinfo) == f"Школа «{world.school_b1}» не относится к муниципалитету «Обливский район»."
    assert not Campaign.objects.exists()
    assert not CompetenceBlock.objects.exists()


@pytest.mark.parametrize("who", ["head", "school_admin", "mentor", "tutor", "analyst", "nobody"])
def test_only_the_municipality_methodist_creates_campaigns(world, who):
    with pytest.raises(PermissionDenied):
        services.campaign_create(
            municipality=world.mun_a,
            name="Диагностика",
            instrument="анкета",
            start_date=D(2026, 1, 12),
            end_date=D(2026, 1, 30),
            schools=[world.school_a1],
            user=world.users[who],
        )
    assert not Campaign.objects.exists()


def test_methodist_of_another_municipality_cannot_create_a_campaign(world):
    other = user_with_role(Role.METHODIST, world.mun_b, username="methodist_b")
    with pytest.raises(PermissionDenied):
        services.campaign_create(
            municipality=world.mun_a,
            name="Диагностика",
            instrument="анкета",
            start_date=D(2026, 1, 12),
            end_date=D(2026, 1, 30),
            schools=[],
            user=other,
        )


@pytest.mark.parametrize("who", ["methodist", "regional_methodist", "superuser"])
def test_municipality_and_region_methodists_create_campaigns(world, who):
    campaign = services.campaign_create(
        municipality=world.mun_a,
        name="Диагностика",
        instrument="анкета",
        start_date=D(2026, 1, 12),
        end_date=D(2026, 1, 30),
        schools=[world.school_a2],
        user=world.users[who],
    )
    assert campaign.blocks.count() == 6


@pytest.mark.parametrize(
    ("start", "end", "threshold"),
    [
        (D(2026, 1, 30), D(2026, 1, 12), 60),
        (D(2026, 1, 12), D(2026, 1, 30), 0),
        (D(2026, 1, 12), D(2026, 1, 30), 101),
    ],
)
def test_campaign_period_and_threshold_checked(world, start, end, threshold):
    with pytest.raises(ValidationError):
        services.campaign_create(
            municipality=world.mun_a,
            name="Диагностика",
            instrument="анкета",
            start_date=start,
            end_date=end,
            schools=[],
            user=world.users["methodist"],
            threshold_percent=threshold,
        )
    assert not Campaign.objects.exists()


# --- results --------------------------------------------------------------------------------------------


def stored(staffed, teacher: str) -> dict:
    return {
        r.block.code: r.score
        for r in DiagnosticResult.objects.filter(teacher=staffed.teachers[teacher]).select_related("block")
    }


def test_results_set_counts_what_changed(staffed):
    assert set_scores(staffed, "Иванова", subject=40, methodical=75.5) == 2
    assert stored(staffed, "Иванова") == {"subject": Decimal(40), "methodical": Decimal("75.5")}
    assert set_scores(staffed, "Иванова", subject=40, methodical=75.5) == 0  # nothing new
    assert set_scores(staffed, "Иванова", subject=45, methodical=75.5, digital=60) == 2
    assert stored(staffed, "Иванова") == {
        "subject": Decimal(45),
        "methodical": Decimal("75.5"),
        "digital": 60,
    }


def test_results_set_none_clears_a_block(staffed):
    set_scores(staffed, "Иванова", subject=40, methodical=70)
    assert set_scores(staffed, "Иванова", subject=None, legal=None) == 1  # legal had no score: no change
    assert stored(staffed, "Иванова") == {"methodical": Decimal(70)}


def test_results_set_score_above_maximum_refused_and_nothing_saved(staffed):
    set_scores(staffed, "Иванова", methodical=70)
    blocks = {b.code: b.pk for b in staffed.campaign.blocks.all()}
    with pytest.raises(ValidationError) as excinfo:
        set_scores(staffed, "Иванова", subject=50, methodical=101, digital=-1)
    assert excinfo.value.message_dict == {
        f"block_{blocks['methodical']}": ["Балл 101 больше максимума блока (100.00)."],
        f"block_{blocks['digital']}": ["Балл не может быть отрицательным."],
    }
    assert stored(staffed, "Иванова") == {"methodical": Decimal(70)}  # neither the valid 50 nor the rest


def test_results_set_at_the_maximum_is_fine(staffed):
    assert set_scores(staffed, "Иванова", subject=100) == 1


def test_results_set_block_of_another_campaign_refused(staffed):
    other = services.campaign_create(
        municipality=staffed.world.mun_a,
        name="Август",
        instrument="анкета",
        start_date=D(2026, 8, 20),
        end_date=D(2026, 8, 25),
        schools=[staffed.world.school_a1],
        user=staffed.user("methodist"),
    )
    with pytest.raises(ValidationError) as excinfo:
        services.results_set(
            campaign=staffed.campaign,
            teacher=staffed.teachers["Иванова"],
            scores=scores(other, subject=50),
            user=staffed.user("methodist"),
        )
    assert messages(excinfo) == "Указан блок другой диагностики."
    assert not DiagnosticResult.objects.exists()


def test_results_set_teacher_of_a_non_participating_school_refused(staffed):
    campaign = services.campaign_create(
        municipality=staffed.world.mun_a,
        name="Только Каштановская",
        instrument="анкета",
        start_date=D(2026, 8, 20),
        end_date=D(2026, 8, 25),
        schools=[staffed.world.school_a1],
        user=staffed.user("methodist"),
    )
    with pytest.raises(ValidationError) as excinfo:
        services.results_set(
            campaign=campaign,
            teacher=staffed.teachers["Сидорова"],  # school_a2
            scores=scores(campaign, subject=50),
            user=staffed.user("methodist"),
        )
    assert messages(excinfo) == "Школа педагога не участвует в этой диагностике."
    assert not DiagnosticResult.objects.exists()


@pytest.mark.parametrize("who", ["head", "school_admin", "mentor", "tutor", "analyst", "nobody"])
def test_only_the_methodist_enters_results(staffed, who):
    with pytest.raises(PermissionDenied):
        services.results_set(
            campaign=staffed.campaign,
            teacher=staffed.teachers["Иванова"],
            scores=scores(staffed.campaign, subject=50),
            user=staffed.user(who),
        )
    assert not DiagnosticResult.objects.exists()


def test_methodist_of_another_municipality_cannot_enter_results(staffed):
    other = user_with_role(Role.METHODIST, staffed.world.mun_b, username="methodist_b")
    with pytest.raises(PermissionDenied):
        services.results_set(
            campaign=staffed.campaign,
            teacher=staffed.teachers["Иванова"],
            scores=scores(staffed.campaign, subject=50),
            user=other,
        )


def test_specific_deficit_add_and_delete(staffed):
    deficit = services.specific_deficit_add(
        campaign=staffed.campaign,
        teacher=staffed.teachers["Иванова"],
        text="  Не владеет приёмами формирующего оценивания ",
        user=staffed.user("methodist"),
    )
    assert deficit.text == "Не владеет приёмами формирующего оценивания"
    assert deficit.added_by == staffed.users["methodist"]
    with pytest.raises(PermissionDenied):
        services.specific_deficit_delete(deficit=deficit, user=staffed.user("head"))
    services.specific_deficit_delete(deficit=deficit, user=staffed.user("methodist"))
    assert not SpecificDeficit.objects.exists()


def test_specific_deficit_checks(staffed):
    with pytest.raises(ValidationError):
        services.specific_deficit_add(
            campaign=staffed.campaign,
            teacher=staffed.teachers["Иванова"],
            text="   ",
            user=staffed.user("methodist"),
        )
    with pytest.raises(PermissionDenied):
        services.specific_deficit_add(
            campaign=staffed.campaign,
            teacher=staffed.teachers["Иванова"],
            text="Дефицит",
            user=staffed.user("tutor"),
        )
    outsider = TeacherFactory(school=staffed.world.school_b1)
    with pytest.raises(ValidationError):
        services.specific_deficit_add(
            campaign=staffed.campaign,
            teacher=outsider,
            text="Дефицит",
            user=staffed.user("regional_methodist"),
        )
    assert not SpecificDeficit.objects.exists()


def test_teacher_deficits(staffed):
    set_scores(
        staffed, "Иванова", subject=59.9, methodical=60, psychological=20, digital=60.1, communicative=0
    )
    set_scores(staffed, "Петров", legal=10)  # another teacher's scores do not mix in
    found = services.teacher_deficits(staffed.campaign, staffed.teachers["Иванова"])
    assert [(d.code, d.percent, d.threshold) for d in found] == [
        ("communicative", Decimal("0.0"), Decimal(60)),
        ("psychological", Decimal("20.0"), Decimal(60)),
        ("subject", Decimal("59.9"), Decimal(60)),
    ]
    staffed.campaign.threshold_percent = 61
    staffed.campaign.save()
    found = services.teacher_deficits(staffed.campaign, staffed.teachers["Иванова"])
    assert [d.code for d in found] == ["communicative", "psychological", "subject", "methodical", "digital"]


def test_teacher_deficits_of_another_campaign_do_not_mix(staffed):
    set_scores(staffed, "Иванова", subject=90)
    other = services.campaign_create(
        municipality=staffed.world.mun_a,
        name="Август",
        instrument="анкета",
        start_date=D(2026, 8, 20),
        end_date=D(2026, 8, 25),
        schools=[staffed.world.school_a1],
        user=staffed.user("methodist"),
    )
    services.results_set(
        campaign=other,
        teacher=staffed.teachers["Иванова"],
        scores=scores(other, subject=10),
        user=staffed.user("methodist"),
    )
    assert services.teacher_deficits(staffed.campaign, staffed.teachers["Иванова"]) == []
    assert [d.code for d in services.teacher_deficits(other, staffed.teachers["Иванова"])] == ["subject"]


def test_teacher_without_results_has_no_deficits(staffed):
    assert services.teacher_deficits(staffed.campaign, staffed.teachers["Иванова"]) == []


# --- routes ---------------------------------------------------------------------------------------------


def draft(staffed, teacher: str, who: str = "methodist", *, year: int = 2030, today=DRAFTED_ON) -> Route:
    return services.route_draft(
        teacher=staffed.teachers[teacher],
        campaign=staffed.campaign,
        school_year=year,
        user=staffed.user(who),
        today=today,
    )


def lines_of(route) -> list[RouteLine]:
    return list(route.lines.select_related("activity", "responsible").order_by("position"))


def test_route_draft_one_line_per_deficit_weakest_first(staffed):
    set_scores(staffed, "Иванова", subject=55, methodical=40, digital=50, legal=90)
    services.specific_deficit_add(
        campaign=staffed.campaign,
        teacher=staffed.teachers["Иванова"],
        text="Не владеет приёмами формирующего оценивания",
        user=staffed.user("methodist"),
    )
    route = draft(staffed, "Иванова", "tutor")
    assert route.status == "draft"
    assert route.campaign == staffed.campaign
    assert route.school_year == 2030
    assert route.approved_by is None
    assert [
        (line.position, line.deficit, line.activity.name, line.due, line.status, line.responsible)
        for line in lines_of(route)
    ] == [
        (
            1,
            "Методический блок компетенций",
            "Мастер-класс",
            Q(2030, 4),
            "not_started",
            staffed.users["tutor"],
        ),
        (
            2,
            "Цифровой блок компетенций",
            "Курсы повышения квалификации (КПК)",
            Q(2031, 1),
            "not_started",
            staffed.users["tutor"],
        ),
        (
            3,
            "Предметный блок компетенций",
            "Курсы повышения квалификации (КПК)",
            Q(2031, 2),
            "not_started",
            staffed.users["tutor"],
        ),
        (
            4,
            "Не владеет приёмами формирующего оценивания",
            "Наставничество",
            Q(2030, 4),
            "not_started",
            staffed.users["tutor"],
        ),
    ]
    first = lines_of(route)[0]
    assert first.task == "Восполнить дефицит: методический блок компетенций"
    assert first.reporting_form == "конспект, материалы мастер-класса"


def test_route_draft_starts_no_earlier_than_the_drafting_quarter(staffed):
    set_scores(staffed, "Иванова", subject=55, methodical=40, digital=50)
    route = draft(staffed, "Иванова", today=D(2031, 2, 15))
    assert [line.due for line in lines_of(route)] == [Q(2031, 1), Q(2031, 2), Q(2031, 1)]


def test_route_draft_responsible_is_the_active_tutor_only(staffed):
    set_scores(staffed, "Иванова", subject=10)
    set_scores(staffed, "Петров", subject=10)
    # Петров has no tutor
    assert [line.responsible for line in lines_of(draft(staffed, "Петров"))] == [None]
    # on a day before Иванова's tutor was assigned there is no active tutor either
    route = draft(staffed, "Иванова", year=2025, today=D(2025, 8, 1))
    assert [line.responsible for line in lines_of(route)] == [None]


def test_route_draft_duplicate_for_the_year_refused(staffed):
    set_scores(staffed, "Иванова", subject=10)
    draft(staffed, "Иванова")
    with pytest.raises(ValidationError) as excinfo:
        draft(staffed, "Иванова", "tutor")
    assert "У педагога уже есть ИОМ на этот учебный год" in messages(excinfo)
    assert Route.objects.count() == 1
    draft(staffed, "Иванова", year=2031, today=D(2031, 8, 1))  # another school year is fine
    assert Route.objects.count() == 2


def test_route_draft_without_deficits_refused(staffed):
    set_scores(staffed, "Иванова", subject=60, methodical=100)
    with pytest.raises(ValidationError) as excinfo:
        draft(staffed, "Иванова")
    assert "дефицитов не выявлено" in messages(excinfo)
    assert not Route.objects.exists()


def test_route_draft_from_specific_deficits_only(staffed):
    services.specific_deficit_add(
        campaign=staffed.campaign,
        teacher=staffed.teachers["Петров"],
        text="Не использует ЦОР",
        user=staffed.user("methodist"),
    )
    route = draft(staffed, "Петров")
    assert [(line.deficit, line.activity.name) for line in lines_of(route)] == [
        ("Не использует ЦОР", "Наставничество")
    ]


@pytest.mark.parametrize("who", ["school_admin", "head", "mentor", "analyst", "nobody"])
def test_only_methodist_or_the_teachers_tutor_drafts_a_route(staffed, who):
    set_scores(staffed, "Иванова", subject=10)
    with pytest.raises(PermissionDenied):
        draft(staffed, "Иванова", who)
    assert not Route.objects.exists()


def test_tutor_cannot_draft_a_route_of_another_teacher(staffed):
    set_scores(staffed, "Петров", subject=10)
    with pytest.raises(PermissionDenied):
        draft(staffed, "Петров", "tutor")


@pytest.mark.parametrize("who", ["methodist", "regional_methodist", "tutor", "superuser"])
def test_route_drafters(staffed, who):
    set_scores(staffed, "Иванова", subject=10)
    assert draft(staffed, "Иванова", who).lines.count() == 1


def test_route_line_save_adds_and_edits(staffed):
    from diagnostics.models import ActivityKind

    set_scores(staffed, "Иванова", subject=10)
    route = draft(staffed, "Иванова")
    lesson = ActivityKind.objects.get(name="Открытый урок")
    added = services.route_line_save(
        route=route,
        user=staffed.user("tutor"),
        deficit="Методический блок компетенций",
        task="Провести открытый урок",
        activity=lesson,
        due_year=2031,
        due_quarter=2,
    )
    assert added.position == 2
    changed = services.route_line_save(route=route, user=staffed.user("methodist"), line=added, due_quarter=1)
    assert changed.due == Q(2031, 1)
    with pytest.raises(ValidationError):
        services.route_line_save(route=route, user=staffed.user("methodist"), line=added, due_quarter=5)
    with pytest.raises(TypeError):
        services.route_line_save(route=route, user=staffed.user("methodist"), line=added, status="done")
    with pytest.raises(PermissionDenied):
        services.route_line_save(route=route, user=staffed.user("school_admin"), line=added, due_quarter=2)
    set_scores(staffed, "Петров", subject=10)
    other = draft(staffed, "Петров")
    with pytest.raises(PermissionDenied):
        services.route_line_save(route=other, user=staffed.user("methodist"), line=added, due_quarter=2)
    added.refresh_from_db()
    assert added.due == Q(2031, 1)


def test_route_approve(staffed):
    set_scores(staffed, "Иванова", subject=10)
    route = draft(staffed, "Иванова")
    with pytest.raises(PermissionDenied):
        services.route_approve(route=route, user=staffed.user("school_admin"))
    approved = services.route_approve(route=route, user=staffed.user("tutor"))
    route.refresh_from_db()
    assert approved.status == route.status == "approved"
    assert route.approved_by == staffed.users["tutor"]
    assert route.approved_at is not None


def test_route_without_lines_cannot_be_approved(staffed):
    set_scores(staffed, "Иванова", subject=10)
    route = draft(staffed, "Иванова")
    services.route_line_delete(line=route.lines.get(), user=staffed.user("methodist"))
    with pytest.raises(ValidationError) as excinfo:
        services.route_approve(route=route, user=staffed.user("methodist"))
    assert messages(excinfo) == "В ИОМ нет ни одной строки."
    route.refresh_from_db()
    assert route.status == "draft"


# --- progress forms -------------------------------------------------------------------------------------


@dataclass
class Planned:
    staffed: Staffed
    routes: dict
    lines: list  # Иванова's lines: due IV 2030, I 2031, II 2031

    def user(self, who: str) -> User:
        return self.staffed.user(who)

    @property
    def world(self):
        return self.staffed.world


REPORTING_DAY = D(2031, 1, 5)  # IV 2030 is over, its form is due 10.01.2031


@pytest.fixture
def planned(staffed, on_day) -> Planned:
    """Иванова: an approved route; Петров: a draft one; Сидорова (school_a2): an approved one. The day is
    REPORTING_DAY."""
    on_day(REPORTING_DAY)
    set_scores(staffed, "Иванова", subject=40, methodical=50, digital=55, legal=80)
    set_scores(staffed, "Петров", subject=30)
    set_scores(staffed, "Сидорова", legal=10)
    routes = {name: draft(staffed, name) for name in ("Иванова", "Петров", "Сидорова")}
    services.route_approve(route=routes["Иванова"], user=staffed.user("tutor"))
    services.route_approve(route=routes["Сидорова"], user=staffed.user("methodist"))
    lines = lines_of(routes["Иванова"])
    assert [line.due for line in lines] == [Q(2030, 4), Q(2031, 1), Q(2031, 2)]
    return Planned(staffed, routes, lines)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def open_form(planned, quarter: Quarter, school=None) -> ProgressForm:
    return services.progress_form_open(school=school or planned.world.school_a1, quarter=quarter)


def entry_lines(form) -> set[int]:
    return set(form.entries.values_list("line_id", flat=True))


def test_progress_form_open_creates_the_entries_of_the_quarter(planned):
    form = open_form(planned, Q(2030, 4))
    assert (form.year, form.quarter, form.status, form.version) == (2030, 4, "draft", 1)
    assert form.deadline == D(2031, 1, 10)
    # only Иванова's line due in IV 2030: Петров's route is a draft, Сидорова teaches at another school
    assert entry_lines(form) == {planned.lines[0].pk}
    assert [e.status for e in form.entries.all()] == ["not_started"]


def test_progress_form_open_includes_overdue_unfinished_lines(planned):
    first, second, _third = planned.lines
    assert entry_lines(open_form(planned, Q(2031, 1))) == {first.pk, second.pk}
    RouteLine.objects.filter(pk=first.pk).update(status="done")
    assert entry_lines(open_form(planned, Q(2031, 2))) == {planned.lines[2].pk, second.pk}


def test_progress_form_open_leaves_out_finished_and_inactive_teachers_lines(planned):
    first, second, _third = planned.lines
    RouteLine.objects.filter(pk=first.pk).update(status="cancelled")
    assert entry_lines(open_form(planned, Q(2031, 1))) == {second.pk}
    other = open_form(planned, Q(2030, 4), school=planned.world.school_a2)
    assert entry_lines(other) == set(planned.routes["Сидорова"].lines.values_list("pk", flat=True))
    planned.staffed.teachers["Иванова"].is_active = False
    planned.staffed.teachers["Иванова"].save()
    assert entry_lines(open_form(planned, Q(2031, 2))) == set()


def test_progress_form_open_twice_is_the_same_form(planned):
    form = open_form(planned, Q(2030, 4))
    again = open_form(planned, Q(2030, 4))
    assert again.pk == form.pk
    assert ProgressForm.objects.count() == 1
    assert ProgressEntry.objects.count() == 1


def test_reopening_adds_lines_due_since_while_the_school_may_edit(planned, settings, on_day):
    from diagnostics.models import ActivityKind

    route = planned.routes["Иванова"]
    form = open_form(planned, Q(2031, 1))
    assert len(entry_lines(form)) == 2
    added = services.route_line_save(
        route=route,
        user=planned.user("tutor"),
        deficit="Методический блок компетенций",
        task="Провести открытый урок",
        activity=ActivityKind.objects.get(name="Открытый урок"),
        due_year=2031,
        due_quarter=1,
    )
    assert added.pk in entry_lines(open_form(planned, Q(2031, 1)))
    on_day(D(2031, 4, 1))  # I 2031 is over
    save(form, planned.staffed.users["school_admin"], {}, submit=True)
    late_line = services.route_line_save(
        route=route,
        user=planned.user("tutor"),
        deficit="Цифровой блок компетенций",
        task="Пройти вебинар",
        activity=ActivityKind.objects.get(name="Семинар, вебинар"),
        due_year=2031,
        due_quarter=1,
    )
    assert late_line.pk not in entry_lines(open_form(planned, Q(2031, 1)))  # submitted: left as it was


def test_progress_form_deadline_follows_the_setting(planned, settings):
    settings.PROGRESS_DEADLINE_DAYS = 15
    assert open_form(planned, Q(2030, 4)).deadline == D(2031, 1, 15)


# --- progress_form_save ---------------------------------------------------------------------------------


@pytest.fixture
def filled(planned):
    """The school_a1 form of IV 2030 with Иванова's first line."""
    form = open_form(planned, Q(2030, 4))
    return form, entry_of(form, planned.lines[0])


def test_save_moves_the_entry_and_the_line(planned, filled):
    form, entry = filled
    admin = planned.staffed.users["school_admin"]
    saved = save(form, admin, {entry: {"status": "in_progress", "comment": " Записана на КПК "}})
    entry.refresh_from_db()
    line = RouteLine.objects.get(pk=entry.line_id)
    assert (entry.status, entry.comment) == ("in_progress", "Записана на КПК")
    assert (line.status, line.done_on) == ("in_progress", None)
    assert saved.version == 2
    assert saved.updated_by == admin
    assert saved.status == "draft"
    assert events(form) == [("saved", "school_admin", "")]


def test_save_done_sets_done_on_and_reopening_clears_it(planned, filled):
    form, entry = filled
    admin = planned.staffed.users["school_admin"]
    save(form, admin, {entry: {"status": "done", "evidence_link": "https://example.org/cert/1"}})
    line = RouteLine.objects.get(pk=entry.line_id)
    assert (line.status, line.done_on) == ("done", timezone.localdate())
    entry.refresh_from_db()
    assert entry.evidence_link == "https://example.org/cert/1"
    save(form, admin, {entry: {"status": "in_progress"}})
    line.refresh_from_db()
    assert (line.status, line.done_on) == ("in_progress", None)
    form.refresh_from_db()
    assert form.version == 3


@pytest.mark.parametrize("status", ["postponed", "cancelled"])
def test_save_postponed_or_cancelled_needs_a_reason(planned, filled, status):
    form, entry = filled
    admin = planned.staffed.users["school_admin"]
    with pytest.raises(ValidationError) as excinfo:
        save(form, admin, {entry: {"status": status, "comment": "  "}})
    assert excinfo.value.message_dict == {
        f"entry_{entry.pk}:comment": ["Укажите причину переноса или отмены."]
    }
    line = RouteLine.objects.get(pk=entry.line_id)
    form.refresh_from_db()
    assert (line.status, form.version, events(form)) == ("not_started", 1, [])
    save(form, admin, {entry: {"status": status, "comment": "Курсы перенесены организатором"}})
    line.refresh_from_db()
    assert (line.status, line.status_reason) == (status, "Курсы перенесены организатором")


def test_save_status_move_is_checked_against_the_table(planned, filled):
    form, entry = filled
    admin = planned.staffed.users["school_admin"]
    save(form, admin, {entry: {"status": "cancelled", "comment": "Педагог в декретном отпуске"}})
    with pytest.raises(ValidationError) as excinfo:
        save(form, admin, {entry: {"status": "in_progress", "comment": ""}})
    assert excinfo.value.message_dict == {
        f"entry_{entry.pk}:status": ["Такой переход статуса не предусмотрен."]
    }
    assert RouteLine.objects.get(pk=entry.line_id).status == "cancelled"


def test_save_status_move_is_checked_against_the_lines_current_status(planned):
    """A line on two forms (overdue): done on one, the other form's entry cannot postpone it."""
    first = planned.lines[0]
    admin = planned.staffed.users["school_admin"]
    old, new = open_form(planned, Q(2030, 4)), open_form(planned, Q(2031, 1))
    save(new, admin, {entry_of(new, first): {"status": "done"}})
    stale_entry = entry_of(old, first)
    assert stale_entry.status == "not_started"
    with pytest.raises(ValidationError) as excinfo:
        save(old, admin, {stale_entry: {"status": "postponed", "comment": "перенос"}})
    assert "Такой переход статуса не предусмотрен." in messages(excinfo)
    assert RouteLine.objects.get(pk=first.pk).status == "done"


def test_saving_an_unchanged_entry_keeps_the_status_the_line_got_on_another_form(planned):
    """The view posts every entry's status; an entry left as it was must not move its line back."""
    first = planned.lines[0]
    admin = planned.staffed.users["school_admin"]
    old, new = open_form(planned, Q(2030, 4)), open_form(planned, Q(2031, 1))
    save(new, admin, {entry_of(new, first): {"status": "done"}})
    save(old, admin, {entry_of(old, first): {"status": "not_started", "comment": "Записана на КПК"}})
    line = RouteLine.objects.get(pk=first.pk)
    assert (line.status, line.done_on) == ("done", timezone.localdate())


def test_stale_version_raises_and_saves_nothing(planned, filled):
    form, entry = filled
    deputy = user_with_role(Role.SCHOOL_ADMIN, planned.world.school_a1, username="deputy")
    deputy.last_name, deputy.first_name, deputy.middle_name = "Кравцова", "Ольга", "Ивановна"
    deputy.save()
    read_at = form.version
    save(form, deputy, {entry: {"comment": "Уточнила у педагога"}})  # another admin saves first
    with pytest.raises(StaleForm) as excinfo:
        save(form, planned.staffed.users["school_admin"], {entry: {"status": "done"}}, version=read_at)
    assert "Форму уже изменил(а) Кравцова Ольга Ивановна" in str(excinfo.value)
    assert "Ваши данные не сохранены" in str(excinfo.value)
    entry.refresh_from_db()
    form.refresh_from_db()
    assert (entry.status, entry.comment, form.version) == ("not_started", "Уточнила у педагога", 2)
    assert RouteLine.objects.get(pk=entry.line_id).status == "not_started"
    assert [e[0] for e in events(form)] == ["saved"]


def test_save_with_evidence_stores_it_under_a_generated_name(
    planned, filled, media, django_capture_on_commit_callbacks
):
    form, entry = filled
    upload = SimpleUploadedFile("Удостоверение КПК.pdf", PDF, content_type="application/pdf")
    save(form, planned.staffed.users["school_admin"], {entry: {"status": "done", "evidence": upload}})
    entry.refresh_from_db()
    assert entry.evidence_name == "Удостоверение КПК.pdf"
    assert entry.evidence.name.startswith("evidence/2030/q4/")
    assert entry.evidence.name.endswith(".pdf")
    assert "Удостоверение" not in entry.evidence.name
    with entry.evidence.open("rb") as stored_file:
        assert stored_file.read() == PDF
    path = entry.evidence.path
    with django_capture_on_commit_callbacks(execute=True):  # the file goes when the row's change commits
        save(form, planned.staffed.users["school_admin"], {entry: {"remove_evidence": True}})
    entry.refresh_from_db()
    assert (entry.evidence.name, entry.evidence_name) == ("", "")
    assert not os.path.exists(path)


def test_save_with_evidence_reads_its_type_once(planned, filled, media, monkeypatch):
    """The check and the stored name share one reading of the file's head."""
    form, entry = filled
    guesses = []
    guess = core.files.filetype.guess
    monkeypatch.setattr(core.files.filetype, "guess", lambda head: guesses.append(len(head)) or guess(head))
    upload = SimpleUploadedFile("prikaz.hta", PDF, content_type="application/hta")
    save(form, planned.staffed.users["school_admin"], {entry: {"status": "done", "evidence": upload}})
    entry.refresh_from_db()
    assert entry.evidence_name == "prikaz.pdf"
    assert guesses == [len(PDF)]


def test_save_with_renamed_exe_refused_and_nothing_saved(planned, media):
    form = open_form(planned, Q(2031, 1))
    first, second = entry_of(form, planned.lines[0]), entry_of(form, planned.lines[1])
    exe = SimpleUploadedFile("report.pdf", EXE, content_type="application/pdf")
    with pytest.raises(ValidationError) as excinfo:
        save(
            form,
            planned.staffed.users["school_admin"],
            {first: {"status": "done"}, second: {"status": "done", "evidence": exe}},
        )
    assert list(excinfo.value.message_dict) == [f"entry_{second.pk}:evidence"]  # shown beside the file
    assert "«report.pdf» не похож на документ допустимого вида" in messages(excinfo)
    form.refresh_from_db()
    assert form.version == 1
    assert set(ProgressEntry.objects.filter(form=form).values_list("status", flat=True)) == {"not_started"}
    assert set(
        RouteLine.objects.filter(pk__in=[first.line_id, second.line_id]).values_list("status", flat=True)
    ) == {"not_started"}
    assert ProgressEntry.objects.filter(form=form).exclude(evidence="").count() == 0
    assert events(form) == []
    assert not (media / "evidence").exists()


def test_refused_link_keeps_the_evidence_already_stored(planned, filled, media):
    form, entry = filled
    admin = planned.staffed.users["school_admin"]
    save(form, admin, {entry: {"evidence": SimpleUploadedFile("скан.pdf", PDF)}})
    entry.refresh_from_db()
    path = entry.evidence.path
    with pytest.raises(ValidationError):
        save(
            form,
            admin,
            {entry: {"remove_evidence": True, "evidence_link": "https://example.org/" + "a" * 300}},
        )
    entry.refresh_from_db()
    assert entry.evidence.name  # the row still names the file…
    assert os.path.exists(path)  # …so the file must still be there


def test_save_entry_of_another_form_refused(planned):
    form = open_form(planned, Q(2030, 4))
    other = open_form(planned, Q(2031, 1))
    with pytest.raises(PermissionDenied):
        save(
            form,
            planned.staffed.users["school_admin"],
            {entry_of(other, planned.lines[1]): {"status": "done"}},
        )


def test_save_and_submit_in_time(planned, filled):
    form, entry = filled
    admin = planned.staffed.users["school_admin"]
    submitted = save(form, admin, {entry: {"status": "in_progress"}}, submit=True)
    assert submitted.status == "submitted"
    assert submitted.submitted_by == admin
    assert submitted.submitted_at is not None
    assert submitted.late is False
    assert submitted.version == 3  # saved, then submitted
    assert events(form) == [("saved", "school_admin", ""), ("submitted", "school_admin", "")]


def test_submit_after_the_deadline_is_accepted_but_late(planned):
    form = open_form(planned, Q(2019, 4))  # due 10.01.2020
    assert form.deadline == D(2020, 1, 10)
    submitted = save(form, planned.staffed.users["school_admin"], {}, submit=True)
    assert (submitted.status, submitted.late) == ("submitted", True)
    assert events(form)[-1] == ("submitted", "school_admin", "после срока")


def test_submit_directly(planned, filled):
    form, _entry = filled
    submitted = services.progress_form_submit(form=form, user=planned.user("school_admin"))
    assert (submitted.status, submitted.version, submitted.late) == ("submitted", 2, False)
    with pytest.raises(ValidationError):
        services.progress_form_submit(form=form, user=planned.user("school_admin"))
    assert events(form) == [("submitted", "school_admin", "")]


@pytest.mark.parametrize(
    ("day", "sent"),
    [
        (D(2030, 11, 30), False),  # the day before the quarter's last month
        (D(2030, 12, 1), True),  # the first day of the last month (issue #20 §3)
        (D(2030, 12, 7), True),  # #17's 7 December: in the last month, so it may be sent now
        (D(2031, 1, 10), True),  # the deadline
    ],
)
def test_form_is_sent_only_from_its_quarters_last_month(planned, filled, on_day, day, sent):
    form, entry = filled
    admin = planned.staffed.users["school_admin"]
    on_day(day)
    if sent:
        assert save(form, admin, {entry: {"status": "in_progress"}}, submit=True).status == "submitted"
        return
    with pytest.raises(ValidationError) as excinfo:
        save(form, admin, {entry: {"status": "in_progress"}}, submit=True)
    assert messages(excinfo) == (
        "Форму за 4 квартал 2030 г. можно отправить с 01.12.2030 — с начала последнего месяца квартала. "
        "До тех пор заполняйте её и сохраняйте черновик."
    )
    with pytest.raises(ValidationError):
        services.progress_form_submit(form=form, user=planned.user("school_admin"))
    form.refresh_from_db()
    assert (form.status, form.version, events(form)) == ("draft", 1, [])  # nothing saved with the refusal
    # The draft itself is saved at any time of the quarter.
    assert save(form, admin, {entry: {"status": "in_progress"}}).status == "draft"


def test_done_without_evidence_is_sent_only_when_confirmed_and_is_marked(planned, media):
    form = open_form(planned, Q(2030, 4))
    (first,) = form.entries.all()
    admin = planned.staffed.users["school_admin"]
    save(form, admin, {first: {"status": "done", "comment": "Курсы пройдены"}})
    with pytest.raises(services.UnconfirmedDone) as excinfo:
        services.progress_form_submit(form=form, user=fresh(admin))
    assert excinfo.value.entry_ids == [first.pk]
    assert excinfo.value.message_dict == {
        f"entry_{first.pk}": [
            "Статус «выполнено», но нет ни документа, ни ссылки: приложите подтверждение или отправьте форму "
            "без него — методист увидит строку отмеченной."
        ]
    }
    form.refresh_from_db()
    assert form.status == "draft"
    # Confirming another entry does not cover this one.
    with pytest.raises(services.UnconfirmedDone):
        services.progress_form_submit(form=form, user=fresh(admin), unconfirmed_ok=[first.pk + 1000])
    sent = services.progress_form_submit(form=form, user=fresh(admin), unconfirmed_ok=[first.pk])
    assert sent.status == "submitted"
    assert events(form)[-1] == ("submitted", "school_admin", "1 строка «выполнено» без документа и ссылки")
    assert [e.pk for e in services.unconfirmed_entries(sent)] == [first.pk]


def test_done_without_evidence_sent_knowingly_still_needs_a_reason(planned, media):
    """Issue #20 §3: the school is asked for evidence or a reason — «Отправить без подтверждения» with an empty
    comment is refused beside the comment; with a reason the form goes."""
    form = open_form(planned, Q(2030, 4))
    (first,) = form.entries.all()
    admin = planned.staffed.users["school_admin"]
    save(form, admin, {first: {"status": "done", "comment": "  "}})
    with pytest.raises(services.UnconfirmedWithoutReason) as excinfo:
        services.progress_form_submit(form=form, user=fresh(admin), unconfirmed_ok=[first.pk])
    assert excinfo.value.entry_ids == [first.pk]
    assert excinfo.value.message_dict == {
        f"entry_{first.pk}:comment": [
            "«Выполнено» без документа и ссылки: напишите в комментарии, почему подтверждения нет, — методист "
            "увидит причину рядом со строкой."
        ]
    }
    form.refresh_from_db()
    assert (form.status, events(form)) == ("draft", [("saved", "school_admin", "")])  # no «submitted»
    save(form, admin, {first: {"status": "done", "comment": "Удостоверение КПК ещё не выдано"}})
    sent = services.progress_form_submit(form=form, user=fresh(admin), unconfirmed_ok=[first.pk])
    assert sent.status == "submitted"
    assert events(form)[-1] == ("submitted", "school_admin", "1 строка «выполнено» без документа и ссылки")


@pytest.mark.parametrize(
    "confirmation",
    [{"evidence_link": "https://school.example.ru/kpk/1"}, {"evidence": SimpleUploadedFile("kpk.pdf", PDF)}],
)
def test_done_with_a_document_or_a_link_is_sent_without_a_question(planned, media, confirmation):
    form = open_form(planned, Q(2030, 4))
    (first,) = form.entries.all()
    admin = planned.staffed.users["school_admin"]
    sent = save(form, admin, {first: {"status": "done", **confirmation}}, submit=True)
    assert sent.status == "submitted"
    assert events(form)[-1] == ("submitted", "school_admin", "")
    assert services.unconfirmed_entries(sent) == []


@pytest.mark.parametrize(
    "who", ["methodist", "regional_methodist", "head", "tutor", "mentor", "analyst", "nobody"]
)
def test_only_the_school_admin_fills_a_form(planned, filled, who):
    """The methodologist reviews the form and does not sign it for the school."""
    form, entry = filled
    with pytest.raises(PermissionDenied):
        save(form, planned.staffed.users[who], {entry: {"status": "in_progress"}})
    with pytest.raises(PermissionDenied):
        services.progress_form_submit(form=form, user=planned.user(who))
    assert entry_of(form, planned.lines[0]).status == "not_started"
    form.refresh_from_db()
    assert (form.status, form.version, events(form)) == ("draft", 1, [])


def test_school_admin_cannot_save_another_schools_form(planned):
    form = open_form(planned, Q(2030, 4), school=planned.world.school_a2)
    (entry,) = form.entries.all()
    with pytest.raises(PermissionDenied) as excinfo:
        save(form, planned.staffed.users["school_admin"], {entry: {"status": "in_progress"}})
    assert str(excinfo.value) == "Заполнять форму может администратор этой школы."
    with pytest.raises(PermissionDenied):
        services.progress_form_submit(form=form, user=planned.user("school_admin"))
    form.refresh_from_db()
    assert (form.status, form.version) == ("draft", 1)


def test_submitted_form_cannot_be_edited(planned, filled):
    form, entry = filled
    admin = planned.staffed.users["school_admin"]
    save(form, admin, {}, submit=True)
    with pytest.raises(ValidationError) as excinfo:
        save(form, admin, {entry: {"status": "done"}})
    assert "Форма в состоянии «отправлена»" in messages(excinfo)
    assert entry_of(form, planned.lines[0]).status == "not_started"


def test_route_line_reported_on_cannot_be_deleted(planned):
    first, second, _third = planned.lines
    open_form(planned, Q(2030, 4))  # reports on the first line
    with pytest.raises(PermissionDenied):
        services.route_line_delete(line=second, user=planned.user("school_admin"))
    with pytest.raises(ValidationError) as excinfo:
        services.route_line_delete(line=first, user=planned.user("tutor"))
    assert "отмените её, а не удаляйте" in messages(excinfo)
    services.route_line_delete(line=second, user=planned.user("tutor"))  # not on any form yet
    assert set(planned.routes["Иванова"].lines.values_list("pk", flat=True)) == {first.pk, _third.pk}


# --- review ---------------------------------------------------------------------------------------------


@pytest.fixture
def submitted(planned, filled):
    form, entry = filled
    save(form, planned.staffed.users["school_admin"], {entry: {"status": "in_progress"}}, submit=True)
    form.refresh_from_db()
    return form, entry


def review(planned, form, who="methodist", **kwargs):
    return services.progress_form_review(form=form, user=planned.user(who), **kwargs)


def test_accept_is_final(planned, submitted):
    form, entry = submitted
    accepted = review(planned, form, accept=True)
    assert (accepted.status, accepted.reviewed_by, accepted.review_comment) == (
        "accepted",
        planned.staffed.users["methodist"],
        "",
    )
    assert accepted.reviewed_at is not None
    for attempt in (
        lambda: review(planned, form, accept=True),
        lambda: review(planned, form, accept=False, comment="Исправьте"),
        lambda: save(form, planned.staffed.users["school_admin"], {entry: {"status": "done"}}),
        lambda: services.progress_form_submit(form=form, user=planned.user("school_admin")),
    ):
        with pytest.raises(ValidationError):
            attempt()
    form.refresh_from_db()
    assert form.status == "accepted"


@pytest.mark.parametrize("comment", ["", "   "])
def test_return_requires_a_comment(planned, submitted, comment):
    form, _entry = submitted
    with pytest.raises(ValidationError) as excinfo:
        review(planned, form, accept=False, comment=comment)
    assert messages(excinfo) == "Напишите, что нужно исправить: без замечаний форму не вернуть."
    form.refresh_from_db()
    assert form.status == "submitted"


def test_draft_form_cannot_be_reviewed(planned, filled):
    form, _entry = filled
    with pytest.raises(ValidationError) as excinfo:
        review(planned, form, accept=True)
    assert "рассмотреть её сейчас нельзя" in messages(excinfo)


@pytest.mark.parametrize("who", ["head", "school_admin", "tutor", "mentor", "analyst", "nobody"])
def test_only_the_municipality_methodist_reviews(planned, submitted, who):
    form, _entry = submitted
    for accept in (True, False):
        with pytest.raises(PermissionDenied):
            review(planned, form, who, accept=accept, comment="Замечание")
    form.refresh_from_db()
    assert form.status == "submitted"


def test_methodist_of_another_municipality_cannot_review(planned, submitted):
    form, _entry = submitted
    other = user_with_role(Role.METHODIST, planned.world.mun_b, username="methodist_b")
    with pytest.raises(PermissionDenied):
        services.progress_form_review(form=form, user=other, accept=True)


@pytest.mark.parametrize("who", ["regional_methodist", "superuser"])
def test_regional_methodist_and_superuser_review(planned, submitted, who):
    form, _entry = submitted
    assert review(planned, form, who, accept=True).status == "accepted"


def test_returned_form_is_corrected_and_resubmitted_with_an_audit_trail(planned, submitted):
    form, entry = submitted
    admin = planned.staffed.users["school_admin"]
    returned = review(planned, form, accept=False, comment="  Приложите удостоверение  ")
    assert (returned.status, returned.review_comment) == ("returned", "Приложите удостоверение")
    save(form, admin, {entry: {"status": "done", "evidence_link": "https://example.org/cert"}})
    resubmitted = services.progress_form_submit(form=form, user=planned.user("school_admin"))
    assert resubmitted.status == "submitted"
    accepted = review(planned, form, accept=True)
    assert accepted.status == "accepted"
    assert RouteLine.objects.get(pk=entry.line_id).status == "done"
    assert events(form) == [
        ("saved", "school_admin", ""),
        ("submitted", "school_admin", ""),
        ("returned", "methodist", "Приложите удостоверение"),
        ("saved", "school_admin", ""),
        ("submitted", "school_admin", ""),
        ("accepted", "methodist", ""),
    ]


def test_version_grows_with_every_step(planned, submitted):
    form, entry = submitted
    assert form.version == 3
    assert review(planned, form, accept=False, comment="Исправьте").version == 4
    assert save(form, planned.staffed.users["school_admin"], {entry: {"comment": "Исправлено"}}).version == 5


# --- reminders ------------------------------------------------------------------------------------------


def test_tests_send_mail_to_the_locmem_outbox():
    assert settings.EMAIL_BACKEND == "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def reminded(planned):
    """Forms of IV 2030 (due 10.01.2031): school_a1 draft, school_a2 submitted, school_b1 returned."""
    world = planned.world
    admin = planned.staffed.users["school_admin"]
    admin.email = "admin@kashtan.example"
    admin.save()
    second = user_with_role(
        Role.SCHOOL_ADMIN, world.school_a1, username="deputy", email="deputy@kashtan.example"
    )
    user_with_role(Role.SCHOOL_ADMIN, world.school_a1, username="no_mail", email="")
    gone = user_with_role(Role.SCHOOL_ADMIN, world.school_a1, username="gone", email="gone@kashtan.example")
    gone.is_active = False
    gone.save()
    a2_admin = user_with_role(
        Role.SCHOOL_ADMIN, world.school_a2, username="a2_admin", email="a2@solonets.example"
    )
    b1_admin = user_with_role(
        Role.SCHOOL_ADMIN, world.school_b1, username="b1_admin", email="b1@tatsin.example"
    )
    forms = {
        "a1": open_form(planned, Q(2030, 4)),
        "a2": open_form(planned, Q(2030, 4), school=world.school_a2),
        "b1": open_form(planned, Q(2030, 4), school=world.school_b1),
        "a1_next": open_form(planned, Q(2031, 1)),
    }
    services.progress_form_submit(form=forms["a2"], user=a2_admin)
    services.progress_form_submit(form=forms["b1"], user=b1_admin)
    services.progress_form_review(
        form=forms["b1"], user=planned.user("regional_methodist"), accept=False, comment="Исправьте"
    )
    return forms, {admin.email, second.email}


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (D(2031, 1, 4), set()),
        (D(2031, 1, 5), {("a1", "before"), ("b1", "before")}),  # a2 is submitted
        (D(2031, 1, 6), set()),
        (D(2031, 1, 10), set()),
        (D(2031, 1, 11), {("a1", "after"), ("b1", "after")}),
        # school_a2's unfinished lines of IV 2030 carry into I 2031: its form is opened so it is reminded too.
        (D(2031, 4, 5), {("a1_next", "before"), ("new:sch610002", "before")}),
        (D(2031, 4, 11), {("a1_next", "after"), ("new:sch610002", "after")}),
    ],
)
def test_forms_to_remind(reminded, today, expected):
    forms, _emails = reminded
    names = {form.pk: name for name, form in forms.items()}
    found = services.forms_to_remind(today)
    assert {(names.get(form.pk, f"new:{form.school.code}"), kind) for form, kind in found} == expected


def test_reminders_sent_once_per_kind(reminded, mailoutbox, django_capture_on_commit_callbacks):
    """Through the notifications (issue #20 §2): one letter per admin with an e-mail, after the commit."""
    forms, emails = reminded

    def send(day):
        with django_capture_on_commit_callbacks(execute=True):
            return services.progress_reminders_send(today=day)

    assert send(D(2031, 1, 5)) == 2
    assert sorted(m.to for m in mailoutbox) == [
        ["admin@kashtan.example"],
        ["b1@tatsin.example"],
        ["deputy@kashtan.example"],
    ]
    message = next(m for m in mailoutbox if m.to == ["admin@kashtan.example"])
    assert message.subject == "Квартальная форма ИОМ: 4 квартал 2030 г. — срок 10.01.2031"
    assert "через 5 дней" in message.body
    assert f"школы «{forms['a1'].school}» за 4 квартал 2030 г. не отправлена" in message.body
    # the daily task runs again the same day: nothing more
    assert send(D(2031, 1, 5)) == 0
    assert len(mailoutbox) == 3
    # the day after the deadline: the second kind, once
    assert send(D(2031, 1, 11)) == 2
    assert send(D(2031, 1, 11)) == 0
    assert len(mailoutbox) == 6
    assert all("Срок сдачи — 10.01.2031 (вчера)" in m.body for m in mailoutbox[3:])
    assert {m.to[0] for m in mailoutbox[3:]} == {*emails, "b1@tatsin.example"}
    assert events(forms["a1"]) == [("reminded", "", "before"), ("reminded", "", "after")]
    assert [e[0] for e in events(forms["a2"])] == ["submitted"]


def test_reminder_without_an_admin_email_is_recorded_not_mailed(planned, mailoutbox):
    form = open_form(planned, Q(2030, 4), school=planned.world.school_a2)  # nobody with an e-mail
    assert services.progress_reminders_send(today=D(2031, 1, 5)) == 0
    assert mailoutbox == []
    assert events(form) == [("reminded", "", "before")]


def test_school_that_never_opened_its_form_is_reminded(
    planned, mailoutbox, django_capture_on_commit_callbacks
):
    admin = planned.staffed.users["school_admin"]
    admin.email = "admin@kashtan.example"
    admin.save()
    assert not ProgressForm.objects.exists()  # school_a1 has approved route lines due in IV 2030
    with django_capture_on_commit_callbacks(execute=True):
        assert services.progress_reminders_send(today=D(2031, 1, 5)) == 1
    assert [m.to for m in mailoutbox] == [["admin@kashtan.example"]]


def test_no_reminders_on_other_days(reminded, mailoutbox):
    assert services.progress_reminders_send(today=D(2031, 1, 7)) == 0
    assert mailoutbox == []
    assert not FormEvent.objects.filter(action="reminded").exists()
