"""The home page per role (issue #20 §1): each role's block, each number equal to the rows of the list it opens,
a user with several roles seeing each block, and at most 15 queries a page."""

import datetime
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import ImportBatch
from core.roles import Role
from core.services import role_grant
from diagnostics import progress
from diagnostics.models import ActivityKind, FormStatus, ProgressForm, Route, RouteLine, RouteStatus
from mentoring import services as mentoring
from mentoring.models import LogEntry
from reports.models import Report
from roadmaps.models import ItemStatus, Roadmap, RoadmapItem
from schools.models import FlagComputation, FlagDecision, FlagStatus
from shnor_portal.home import CoverageFigures, home_blocks
from tests.factories import SubjectFactory, TeacherFactory

TODAY = timezone.localdate()
QUARTER = progress.quarter_of(TODAY)
PAST = TODAY - datetime.timedelta(days=200)


def decide(world, school, status):
    computation, _ = FlagComputation.objects.get_or_create(
        region=world.region, list_year=TODAY.year, params={}
    )
    FlagDecision.objects.create(school=school, list_year=TODAY.year, status=status, computation=computation)


def form(school, quarter, status, *, deadline, comment=""):
    return ProgressForm.objects.create(
        school=school,
        year=quarter.year,
        quarter=quarter.number,
        status=status,
        deadline=deadline,
        review_comment=comment,
    )


@pytest.fixture
def scene(world):
    """What each role has to do, in municipality A (school a1) and B (school b1)."""
    a1, a2, b1 = world.school_a1, world.school_a2, world.school_b1
    methodist, regional = world.users["methodist"], world.users["regional_methodist"]
    previous = QUARTER.previous()
    # Forms: a1's last quarter returned (and past its deadline), a1's quarter before sent; a2's draft overdue;
    # b1's sent (municipality B: the regional methodist's, not A's).
    returned = form(
        a1, previous, FormStatus.RETURNED, deadline=PAST, comment="Приложите протокол открытого урока."
    )
    form(a1, previous.previous(), FormStatus.SUBMITTED, deadline=PAST)
    form(a2, previous, FormStatus.DRAFT, deadline=PAST)
    form(b1, previous, FormStatus.SUBMITTED, deadline=PAST)
    # Imports: one checked and waiting, one applied.
    for status in (ImportBatch.Status.VALIDATED, ImportBatch.Status.APPLIED):
        ImportBatch.objects.create(
            kind="schools",
            status=status,
            region=world.region,
            uploaded_by=methodist,
            original_name="реестр.xlsx",
        )
    # Statuses of this year: a1 and b1 ШНОР, a2 none; no list approved yet.
    decide(world, a1, FlagStatus.SHNOR)
    decide(world, a2, FlagStatus.NONE)
    decide(world, b1, FlagStatus.SHNOR)
    # Teachers of a1: one with a tutor and an approved ИОМ whose line is due, one without a tutor with a draft.
    maths = SubjectFactory(name="Математика")
    tutored = TeacherFactory(school=a1, last_name="Журавлёва", first_name="Анна", subjects=[maths])
    untutored = TeacherFactory(school=a1, last_name="Воробьёва", first_name="Инна", subjects=[maths])
    order = mentoring.order_create(municipality=world.mun_a, number="12-од", date=PAST, user=methodist)
    mentoring.tutor_assign(
        order=order,
        teacher=tutored,
        subject=maths,
        tutor=world.users["tutor"],
        start_date=PAST,
        user=methodist,
    )
    mentoring.mentor_assign(
        order=order, school=a1, mentor_user=world.users["mentor"], start_date=PAST, user=methodist
    )
    LogEntry.objects.create(
        school=a1,
        author=world.users["mentor"],
        date=TODAY - datetime.timedelta(days=3),
        kind="consultation",
        topic="Разбор ВПР по математике",
    )
    approved = Route.objects.create(teacher=tutored, school_year=TODAY.year, status=RouteStatus.APPROVED)
    activity = ActivityKind.objects.order_by("pk").first()
    RouteLine.objects.create(
        route=approved,
        deficit="Оценивание",
        task="Критерии",
        activity=activity,
        due_year=QUARTER.year,
        due_quarter=QUARTER.number,
    )
    RouteLine.objects.create(
        route=approved,
        deficit="Оценивание",
        task="Позже",
        activity=activity,
        due_year=QUARTER.next().year,
        due_quarter=QUARTER.next().number,
    )
    Route.objects.create(teacher=untutored, school_year=TODAY.year, status=RouteStatus.DRAFT)
    # a1's roadmap: one item late, one ahead; municipality A's roadmap: one item late.
    school_map = Roadmap.objects.create(
        municipality=world.mun_a,
        school=a1,
        title="Программа a1",
        period_start=PAST,
        period_end=TODAY + datetime.timedelta(days=200),
    )
    RoadmapItem.objects.create(
        roadmap=school_map, number="1", activity="Педсовет", end_date=TODAY - datetime.timedelta(days=5)
    )
    RoadmapItem.objects.create(
        roadmap=school_map, number="2", activity="Открытые уроки", end_date=TODAY + datetime.timedelta(days=9)
    )
    RoadmapItem.objects.create(
        roadmap=school_map,
        number="3",
        activity="Сделано",
        end_date=PAST,
        status=ItemStatus.DONE,
        completed_on=PAST,
    )
    town_map = Roadmap.objects.create(
        municipality=world.mun_a,
        title="Дорожная карта района",
        period_start=PAST,
        period_end=TODAY + datetime.timedelta(days=200),
    )
    RoadmapItem.objects.create(
        roadmap=town_map, number="1", activity="Семинар", end_date=TODAY - datetime.timedelta(days=1)
    )
    # Reports: municipality A's справка waiting for the head; another already signed.
    for status in ("ready", "failed"):
        Report.objects.create(
            kind="territory",
            region=world.region,
            municipality=world.mun_a,
            year=TODAY.year,
            requested_by=methodist,
            status=status,
        )
    return {"returned": returned, "regional": regional}


def rows_behind(client, url: str) -> int:
    """The rows the page at ``url`` lists, read from what the page was given (its paginator or its list)."""
    parts = urlsplit(url)
    response = client.get(f"{parts.path}?{parts.query}" if parts.query else parts.path)
    assert response.status_code == 200, url
    context = response.context
    path, anchor = parts.path, parts.fragment
    if path == reverse("imports:list"):
        return context["page"].paginator.count
    if path == reverse("roadmaps:list"):
        return len(list(context["overdue_items"]))
    if path == reverse("roadmaps:my_items"):
        assert anchor == "school"
        return len(context["school_items"])
    if path == reverse("schools:approved_list_index"):
        assert anchor == "awaiting"
        return len(context["awaiting"])
    if path == reverse("mentoring:coverage"):
        coverage = context["report"].coverage
        return len(
            {"no-mentor": coverage.schools_without_mentor, "no-tutor": coverage.teachers_without_tutor}[
                anchor
            ]
        )
    return context["page_obj"].paginator.count  # forms, routes, reports, «Статусы ШНОР»


def home(client, user):
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response


def counts(response) -> dict[str, dict[str, int]]:
    return {
        block.role: {item.key: item.count for item in block.items} for block in response.context["blocks"]
    }


EXPECTED = {
    "school_admin": {
        Role.SCHOOL_ADMIN: {"forms-returned": 1, "forms-overdue": 1, "school-items": 2, "routes-due": 1},
    },
    "methodist": {
        Role.METHODIST: {
            "forms-submitted": 1,
            "imports-validated": 1,
            "lists-awaiting": 1,
            "without-mentor": 0,
            "without-tutor": 1,
            "routes-draft": 1,
            "items-overdue": 2,
        },
    },
    "regional_methodist": {
        Role.METHODIST: {
            "forms-submitted": 2,
            "imports-validated": 1,
            "lists-awaiting": 2,
            "without-mentor": 1,
            "without-tutor": 1,
            "routes-draft": 1,
            "items-overdue": 2,
        },
    },
    "head": {Role.HEAD: {"reports-ready": 1, "lists-awaiting": 1}},
    "mentor": {Role.MENTOR: {"routes-due": 1}},
    "tutor": {Role.MENTOR: {"routes-due": 1}},
    "analyst": {Role.REGIONAL_ANALYST: {}},
}


@pytest.mark.parametrize("login", list(EXPECTED))
def test_each_number_is_the_length_of_the_list_it_opens(client, world, scene, login):
    response = home(client, world.users[login])

    assert counts(response) == EXPECTED[login]
    for block in response.context["blocks"]:
        for item in block.items:
            assert rows_behind(client, item.url) == item.count, (login, item.key, item.url)


def test_the_school_admin_sees_the_returned_form_with_its_remark_and_the_quarters_due(client, world, scene):
    response = home(client, world.users["school_admin"])

    [block] = response.context["blocks"]
    assert block.returned == [scene["returned"]]
    assert [(row.quarter, row.status_label, row.deadline) for row in block.quarter_forms] == [
        (QUARTER.previous(), "возвращена на доработку", PAST),
        (QUARTER, "не начата", progress.deadline(QUARTER, 10)),
    ]
    html = response.content.decode()
    assert "<q>Приложите протокол открытого урока.</q>" in html
    forms = reverse("diagnostics:forms")
    assert (
        f'href="{forms}?status=returned&amp;school={world.school_a1.pk}" data-count="forms-returned"' in html
    )
    assert '<span class="status-counts__label">форма возвращена</span>' in html
    assert '<span class="status-counts__label">открытых пункта дорожной карты школы</span>' in html


def test_the_mentor_and_the_tutor_see_their_school_and_teacher_with_the_last_entry(client, world, scene):
    [block] = home(client, world.users["mentor"]).context["blocks"]
    [school] = block.schools
    assert (school.school_id, school.last_date, school.overdue, school.next_due) == (
        world.school_a1.pk,
        TODAY - datetime.timedelta(days=3),
        1,
        TODAY + datetime.timedelta(days=9),
    )

    response = home(client, world.users["tutor"])
    [block] = response.context["blocks"]
    [teacher] = block.teachers
    assert (teacher.teacher.last_name, teacher.last_date, teacher.due_lines) == ("Журавлёва", None, 1)
    assert block.title == "Тьютор"


def test_the_analyst_sees_the_region_by_municipality_linked_to_the_statuses(client, world, scene):
    response = home(client, world.users["analyst"])

    [block] = response.context["blocks"]
    assert [(row.name, [n for _s, _l, n in row.counts]) for row in block.municipalities] == [
        ("Обливский район", [1, 0, 0, 1]),
        ("Тацинский район", [1, 0, 0, 0]),
    ]
    assert [n for _s, _l, n in block.totals] == [2, 0, 0, 1]
    # The coverage as its page counts it: a1 has a mentor, b1 none; the analyst reads no teachers (no names).
    assert block.coverage == CoverageFigures(TODAY.year, 2, 1, 0, 0)
    page = client.get(reverse("mentoring:coverage"), {"year": TODAY.year}).context["report"].coverage
    assert (page.schools_total, page.schools_with_mentor, page.teachers_total) == (2, 1, 0)
    assert "ШНОР с наставником: <a" in response.content.decode()
    html = response.content.decode()
    url = f"{reverse('schools:flags')}?year={TODAY.year}&amp;municipality={world.mun_a.pk}&amp;status=shnor"
    assert f'href="{url}"' in html
    assert rows_behind(client, url.replace("&amp;", "&")) == 1
    assert rows_behind(client, f"{reverse('schools:flags')}?year={TODAY.year}&status=shnor") == 2


def test_a_user_with_several_roles_sees_each_roles_block(client, world, scene):
    user = world.users["head"]
    role_grant(user=user, role=Role.SCHOOL_ADMIN, school=world.school_a1)

    response = home(client, user)

    assert [(b.role, b.title) for b in response.context["blocks"]] == [
        (Role.HEAD, "Руководитель управления образования"),
        (Role.SCHOOL_ADMIN, "Администратор школы"),
    ]
    assert counts(response) == {
        Role.HEAD: {"reports-ready": 1, "lists-awaiting": 1},
        Role.SCHOOL_ADMIN: {"forms-returned": 1, "forms-overdue": 1, "school-items": 2, "routes-due": 1},
    }
    html = response.content.decode()
    assert 'id="role-head-title">Руководитель управления образования</h2>' in html
    assert 'id="role-school_admin-title">Администратор школы</h2>' in html


def test_nothing_to_do_says_so(client, world):
    response = home(client, world.users["head"])

    assert counts(response) == {Role.HEAD: {"reports-ready": 0, "lists-awaiting": 0}}
    assert 'data-calm="head">Сейчас ничего не ждёт ваших действий.' in response.content.decode()


@pytest.mark.parametrize("login", ["mentor", "tutor"])
def test_a_mentor_without_assignments_is_told_when_schools_come(client, world, login):
    html = home(client, world.users[login]).content.decode()

    assert "Вам пока не назначены школы. Они появятся здесь, когда приказом вас назначат" in html


def test_a_user_without_roles(client, world):
    response = home(client, world.users["nobody"])

    assert response.context["blocks"] == []
    assert "Вам ещё не назначена роль." in response.content.decode()


def test_the_superuser_sees_the_staff_blocks(client, world, scene):
    blocks = home(client, world.users["superuser"]).context["blocks"]

    assert [b.role for b in blocks] == [Role.METHODIST, Role.HEAD]


@pytest.mark.parametrize("login", [*EXPECTED, "superuser", "nobody"])
def test_a_home_page_takes_at_most_15_queries(client, world, scene, login, django_assert_max_num_queries):
    client.force_login(world.users[login])

    with django_assert_max_num_queries(15):
        response = client.get(reverse("home"))

    assert response.status_code == 200


def test_home_blocks_read_through_the_policies_only(world, scene):
    """Another municipality's work is not counted: the methodist of A sees b1's sent form nowhere."""
    [block] = home_blocks(world.users["methodist"], today=TODAY)
    assert {i.key: i.count for i in block.items}["forms-submitted"] == 1
    assert ProgressForm.objects.filter(status=FormStatus.SUBMITTED).count() == 2


# --- the filters the home page's links use ------------------------------------------------------------------


def test_the_forms_page_filters_by_state_and_lateness(client, world, scene):
    client.force_login(world.users["regional_methodist"])
    url = reverse("diagnostics:forms")

    assert client.get(url).context["page_obj"].paginator.count == 4
    assert client.get(url, {"status": "submitted"}).context["page_obj"].paginator.count == 2
    overdue = client.get(url, {"overdue": "1"})
    assert [(f.school.code, late) for f, late in overdue.context["rows"]] == [
        ("sch610001", True),
        ("sch610002", True),
    ]
    assert "Найдено форм: 2" in overdue.content.decode()


def test_the_routes_page_filters_by_state_and_due_lines(client, world, scene):
    client.force_login(world.users["methodist"])
    url = reverse("diagnostics:routes")

    assert client.get(url).context["page_obj"].paginator.count == 2
    [draft] = client.get(url, {"status": "draft"}).context["page_obj"]
    assert draft.teacher.last_name == "Воробьёва"
    [due] = client.get(url, {"due": "1"}).context["page_obj"]
    assert due.teacher.last_name == "Журавлёва"


def test_the_imports_page_filters_by_state(client, world, scene):
    client.force_login(world.users["methodist"])

    response = client.get(reverse("imports:list"), {"status": "validated"})

    assert [b.status for b in response.context["page"]] == ["validated"]
    assert "Найдено загрузок: 1" in response.content.decode()


def test_the_lists_page_names_the_municipalities_awaiting_an_order(client, world, scene):
    client.force_login(world.users["regional_methodist"])

    response = client.get(reverse("schools:approved_list_index"))

    assert [(r.municipality_name, r.list_year, r.shnor, r.schools) for r in response.context["awaiting"]] == [
        ("Обливский район", TODAY.year, 1, 2),
        ("Тацинский район", TODAY.year, 1, 1),
    ]
    html = response.content.decode()
    assert "Ждут приказа об утверждении (2)" in html
    assert (
        f'href="{reverse("schools:approved_list_create")}?municipality={world.mun_b.pk}">Утвердить</a>'
        in html
    )
    create = client.get(reverse("schools:approved_list_create"), {"municipality": world.mun_b.pk})
    assert create.context["form"].initial["municipality"] == world.mun_b
