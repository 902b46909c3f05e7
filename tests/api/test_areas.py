"""API of the areas (mentors, tutors, partnerships, teachers, diagnostics, ИОМ progress, roadmaps, events,
indicators): a key of municipality A sees only A; without personal data no name of a person anywhere; a fixed
number of queries whatever the page size."""

import datetime
import importlib
import json

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from api.models import ClientKey
from api.serializers_areas import pseudonym
from diagnostics import progress
from diagnostics import services as diagnostics
from mentoring import services as mentoring
from mentoring.models import PartnershipKind, PlanItem
from roadmaps import services as roadmaps
from roadmaps.events import services as events
from roadmaps.models import EventKind, EventLevel, Roadmap, RoadmapItem
from schools.models import FlagStatus, School
from tests.builders.module import module_fixture
from tests.builders.roadmaps import decide
from tests.factories import SchoolFactory, SubjectFactory, TeacherFactory
from tests.today import TODAY

pytestmark = [pytest.mark.django_db, pytest.mark.today]

YEAR = TODAY.year
ROWS = 7  # rows of municipality A on every list: more than the small page below
# Names no answer may carry without the right to personal data: the teachers' and the people's (mentor, tutor).
TEACHER_NAMES = ["Журавлёва", "Воробьёва", "Синицына", "Соловьёва", "Снегирёва", "Ласточкина", "Зябликова"]
TEACHER_FIRST, TEACHER_MIDDLE = "Евлампия", "Феоктистовна"
USER_NAMES = ["Иванова", "Мария", "Петровна"]  # tests.factories.UserFactory

LISTS = [
    "mentor",
    "tutor",
    "partnership",
    "teacher",
    "diagnostics",
    "route-progress",
    "roadmap",
    "roadmap-item",
    "event",
]


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


@module_fixture
def areas(world):
    """ROWS rows of municipality A on every list (through the services), one row of municipality B on each."""
    importlib.import_module("diagnostics.migrations.0002_seed_activity_kinds").seed(django_apps, None)
    methodist, regional = world.users["methodist"], world.users["regional_methodist"]
    mentor, tutor = world.users["mentor"], world.users["tutor"]
    maths = SubjectFactory(name="Математика")
    schools_a = [world.school_a1, world.school_a2] + [
        SchoolFactory(municipality=world.mun_a, code=f"sch61050{i}", name=f"МБОУ «Школа А-{i}»")
        for i in range(ROWS - 2)
    ]
    teachers_a = [
        TeacherFactory(
            school=school,
            last_name=name,
            first_name=TEACHER_FIRST,
            middle_name=TEACHER_MIDDLE,
            subjects=[maths],
        )
        for school, name in zip(schools_a, TEACHER_NAMES, strict=True)
    ]
    teacher_b = TeacherFactory(school=world.school_b1, last_name="Чижова", subjects=[maths])

    order_a = mentoring.order_create(
        municipality=world.mun_a, number="112-од", date=days(-30), user=methodist
    )
    order_b = mentoring.order_create(municipality=world.mun_b, number="7-од", date=days(-30), user=regional)
    for school in schools_a[:-1]:
        mentoring.mentor_assign(
            order=order_a, school=school, mentor_user=mentor, start_date=days(-30), user=methodist
        )
    mentoring.mentor_assign(
        order=order_a,
        school=schools_a[-1],
        mentor_school=world.school_a1,
        start_date=days(-30),
        user=methodist,
    )
    mentoring.mentor_assign(
        order=order_b, school=world.school_b1, mentor_user=mentor, start_date=days(-30), user=regional
    )
    for teacher in teachers_a:
        mentoring.tutor_assign(
            order=order_a, teacher=teacher, subject=maths, tutor=tutor, start_date=days(-30), user=methodist
        )
    mentoring.tutor_assign(
        order=order_b, teacher=teacher_b, subject=maths, tutor=tutor, start_date=days(-30), user=regional
    )

    def partnership(school, partner, user):
        made = mentoring.partnership_create(
            school=school,
            partners=[partner],
            kind=PartnershipKind.PAIR,
            agreement_number="С-1",
            agreement_date=days(-20),
            first_year=YEAR,
            last_year=YEAR + 1,
            user=user,
        )
        for n in (1, 2):
            mentoring.plan_item_add(
                partnership=made, title=f"Взаимопосещение уроков {n}", due_date=days(30 * n), user=user
            )
        return made

    for school in schools_a:
        partnership(school, world.school_a1 if school != world.school_a1 else world.school_a2, methodist)
    partnership(world.school_b1, SchoolFactory(municipality=world.mun_b, code="sch610199"), regional)

    def campaign(municipality, schools, user, teachers):
        made = diagnostics.campaign_create(
            municipality=municipality,
            name="Диагностика",
            instrument="Платформа",
            start_date=days(-20),
            end_date=days(-10),
            schools=schools,
            user=user,
        )
        for teacher in teachers:
            diagnostics.results_set(
                campaign=made,
                teacher=teacher,
                scores={b.pk: (30 if b.code == "subject" else 90) for b in made.blocks.all()},
                user=user,
            )
        return made

    campaigns_a = [campaign(world.mun_a, schools_a[:2], methodist, teachers_a[:2]) for _ in range(ROWS)]
    campaign(world.mun_b, [world.school_b1], regional, [teacher_b])

    quarter = progress.quarter_of(TODAY)
    route = diagnostics.route_draft(
        teacher=teachers_a[0], campaign=campaigns_a[0], school_year=YEAR, user=methodist, today=TODAY
    )
    route.lines.update(due_year=quarter.year, due_quarter=quarter.number)
    diagnostics.route_approve(route=route, user=methodist)
    for school in schools_a:
        diagnostics.progress_form_open(school=school, quarter=quarter)
    diagnostics.progress_form_open(school=world.school_b1, quarter=quarter)

    def roadmap(municipality, user, n):
        made = roadmaps.roadmap_create(
            municipality=municipality,
            title=f"Дорожная карта {n}",
            period_start=datetime.date(YEAR, 1, 1),
            period_end=datetime.date(YEAR, 12, 31),
            user=user,
        )
        roadmaps.item_save(
            roadmap=made, user=user, number="1", activity="Диагностика дефицитов", end_date=days(-1)
        )
        roadmaps.item_save(roadmap=made, user=user, number="2", activity="Семинар", all_year=True)
        return made

    for n in range(ROWS):
        roadmap(world.mun_a, methodist, n)
    roadmap(world.mun_b, regional, "Б")

    def event(municipality, user, schools, teachers=(), participants_count=None):
        return events.event_create(
            user=user,
            municipality=municipality,
            kind=EventKind.SEMINAR,
            level=EventLevel.MUNICIPAL,
            start_date=days(-5),
            end_date=days(-5),
            organiser="ГБУ ДПО РО РИПК и ППРО",
            topic="Формирование функциональной грамотности",
            schools=schools,
            teachers=teachers,
            participants_count=participants_count,
        )

    for teacher in teachers_a[:-1]:
        event(world.mun_a, methodist, [teacher.school], [teacher])
    event(world.mun_a, methodist, [world.school_a1], participants_count=12)
    event(world.mun_b, regional, [world.school_b1], [teacher_b])
    return {
        "teachers_a": teachers_a,
        "teacher_b": teacher_b,
        "campaigns_a": campaigns_a,
        "schools_a": schools_a,
    }


def key_for(world, *, personal_data: bool, municipalities=None) -> str:
    obj, key = ClientKey.objects.create_key(
        name=f"РИС {personal_data}", region=world.region, personal_data=personal_data
    )
    obj.municipalities.set([world.mun_a] if municipalities is None else municipalities)
    return key


def get(client, key: str | None, name: str, **params):
    url = reverse(f"api:{name}")
    headers = {"HTTP_AUTHORIZATION": f"Api-Key {key}"} if key else {}
    response = client.get(url, params, **headers)
    assert response.status_code == 200, response.content.decode()
    return response


def rows(client, key, basename: str, **params) -> list[dict]:
    return get(client, key, f"{basename}-list", page_size=1000, **params).json()["results"]


def municipalities_of(basename: str, row: dict) -> set[int]:
    """The municipalities a row belongs to (of every school it names as its own)."""
    school_municipality = dict(School.objects.values_list("pk", "municipality_id"))
    if basename in ("mentor", "tutor", "partnership", "teacher", "route-progress"):
        return {school_municipality[row["school"]]}
    if basename == "diagnostics":
        return {row["municipality"]} | {school_municipality[s["school"]] for s in row["schools"]}
    if basename in ("roadmap", "event"):
        return {row["municipality"]}
    if basename == "roadmap-item":
        return {Roadmap.objects.get(pk=row["roadmap"]).municipality_id}
    raise AssertionError(basename)


# --- scope ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("basename", LISTS)
def test_a_key_of_municipality_a_gets_only_a(client, world, areas, basename):
    key = key_for(world, personal_data=True)
    found = rows(client, key, basename)
    assert len(found) >= ROWS
    assert all(municipalities_of(basename, row) == {world.mun_a.pk} for row in found), found
    # The rows of municipality B exist (a key of the whole region gets them): the check above is not empty by
    # accident; and the key of A does not open one of them by its id either.
    everything = rows(client, key_for(world, personal_data=True, municipalities=[]), basename)
    foreign = [row for row in everything if world.mun_b.pk in municipalities_of(basename, row)]
    assert foreign
    response = client.get(
        reverse(f"api:{basename}-detail", args=[foreign[0]["id"]]), HTTP_AUTHORIZATION=f"Api-Key {key}"
    )
    assert response.status_code == 404


def test_indicators_cover_only_the_municipalities_of_the_key(client, world, areas):
    decide(world.school_a1, YEAR, FlagStatus.SHNOR)
    decide(world.school_b1, YEAR, FlagStatus.SHNOR)
    body = get(client, key_for(world, personal_data=False), "indicators-list", year=YEAR).json()
    assert body["year"] == YEAR
    assert [m["municipality"] for m in body["municipalities"]] == [world.mun_a.pk]
    (municipality,) = body["municipalities"]
    assert municipality["schools"] == 1
    codes = ["support", "diagnosed", "routes", "courses", "categories", "dynamics", "vpr", "gia"]
    assert [i["code"] for i in municipality["indicators"]] == codes
    support = municipality["indicators"][0]
    # school_a1 has one active teacher, with a tutor in force: 1 of 1.
    assert (support["numerator"], support["denominator"], support["value"], support["light"]) == (
        1,
        1,
        100.0,
        "green",
    )
    assert [i["code"] for i in body["total"]] == codes
    region = get(client, key_for(world, personal_data=False, municipalities=[]), "indicators-list").json()
    assert region["year"] == YEAR  # the latest list year by default
    assert {m["municipality"] for m in region["municipalities"]} == {world.mun_a.pk, world.mun_b.pk}


def test_indicators_refuse_a_bad_year_and_a_school_admin(client, world, areas):
    response = client.get(
        reverse("api:indicators-list"),
        {"year": "двадцать"},
        HTTP_AUTHORIZATION=f"Api-Key {key_for(world, personal_data=False)}",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    client.force_login(world.users["school_admin"])
    assert client.get(reverse("api:indicators-list")).status_code == 403


# --- personal data -------------------------------------------------------------------------------------------


def names_in(text: str) -> list[str]:
    return [
        name
        for name in [*TEACHER_NAMES, "Чижова", TEACHER_FIRST, TEACHER_MIDDLE, *USER_NAMES]
        if name in text
    ]


@pytest.mark.parametrize("basename", LISTS)
def test_without_personal_data_no_name_anywhere(client, world, areas, basename):
    key = key_for(world, personal_data=False)
    listed = get(client, key, f"{basename}-list", page_size=1000)
    text = json.dumps(listed.json(), ensure_ascii=False)
    assert names_in(text) == []
    first = listed.json()["results"][0]["id"]
    detail = client.get(reverse(f"api:{basename}-detail", args=[first]), HTTP_AUTHORIZATION=f"Api-Key {key}")
    assert detail.status_code == 200
    assert names_in(detail.content.decode()) == []


def test_teachers_without_personal_data_are_pseudonyms(client, world, areas):
    key = key_for(world, personal_data=False)
    found = rows(client, key, "teacher")
    by_pseudonym = {pseudonym(t.pk): t for t in areas["teachers_a"]}
    assert {row["id"] for row in found} == set(by_pseudonym)
    row = next(r for r in found if r["id"] == pseudonym(areas["teachers_a"][0].pk))
    assert set(row) == {
        "id",
        "school",
        "school_code",
        "position",
        "subjects",
        "category",
        "experience_years",
        "is_active",
        "updated_at",
    }
    assert (row["school"], row["subjects"], row["is_active"]) == (world.school_a1.pk, ["Математика"], True)
    # Stable: the same pseudonym on the next call and through the detail, which is reached by the pseudonym only.
    assert rows(client, key, "teacher") == found
    detail = client.get(reverse("api:teacher-detail", args=[row["id"]]), HTTP_AUTHORIZATION=f"Api-Key {key}")
    assert detail.json() == row
    by_id = client.get(
        reverse("api:teacher-detail", args=[areas["teachers_a"][0].pk]), HTTP_AUTHORIZATION=f"Api-Key {key}"
    )
    assert by_id.status_code == 404
    # Tutors name the teacher by the same pseudonym, the tutor by a pseudonym of their own.
    tutors = rows(client, key, "tutor")
    assert {t["teacher"] for t in tutors} == set(by_pseudonym)
    assert {t["tutor"] for t in tutors} == {pseudonym(world.users["tutor"].pk, "user")}
    assert not {"teacher_name", "tutor_name"} & set(tutors[0])


def test_deleted_teachers_come_back_as_pseudonyms(client, world, areas):
    since = timezone.now().isoformat()
    gone = TeacherFactory(school=world.school_a2, last_name="Уволенная")
    gone_pk = gone.pk
    gone.delete()
    body = get(client, key_for(world, personal_data=False), "teacher-list", updated_since=since).json()
    assert body["deleted"] == [pseudonym(gone_pk)]
    body = get(client, key_for(world, personal_data=True), "teacher-list", updated_since=since).json()
    assert body["deleted"] == [gone_pk]


def test_with_personal_data_names_and_ids(client, world, areas):
    key = key_for(world, personal_data=True)
    teacher = areas["teachers_a"][0]
    found = {row["id"]: row for row in rows(client, key, "teacher")}
    assert set(found) == {t.pk for t in areas["teachers_a"]}
    assert (found[teacher.pk]["last_name"], found[teacher.pk]["full_name"]) == (
        teacher.last_name,
        f"{teacher.last_name} {TEACHER_FIRST} {TEACHER_MIDDLE}",
    )
    tutor = next(row for row in rows(client, key, "tutor") if row["teacher"] == teacher.pk)
    assert (tutor["teacher_name"], tutor["tutor"], tutor["tutor_name"]) == (
        teacher.full_name,
        world.users["tutor"].pk,
        world.users["tutor"].full_name,
    )
    mentors = rows(client, key, "mentor")
    people = [m for m in mentors if m["mentor_kind"] == "person"]
    schools = [m for m in mentors if m["mentor_kind"] == "school"]
    assert {m["mentor_name"] for m in people} == {world.users["mentor"].full_name}
    assert [(m["mentor_user"], m["mentor_name"], m["mentor_school"]) for m in schools] == [
        (None, None, world.school_a1.pk)
    ]


def test_a_person_in_the_browser_sees_names(client, world, areas):
    client.force_login(world.users["methodist"])
    text = json.dumps(rows(client, None, "teacher"), ensure_ascii=False)
    assert all(name in text for name in TEACHER_NAMES)


# --- figures -------------------------------------------------------------------------------------------------


def test_diagnostics_are_counts_per_school_and_block(client, world, areas):
    campaign = areas["campaigns_a"][0]
    body = client.get(
        reverse("api:diagnostics-detail", args=[campaign.pk]),
        HTTP_AUTHORIZATION=f"Api-Key {key_for(world, personal_data=True)}",
    ).json()
    assert [b["code"] for b in body["blocks"]] == [b.code for b in campaign.blocks.all()]
    assert {s["school"] for s in body["schools"]} == {world.school_a1.pk, world.school_a2.pk}
    for school in body["schools"]:
        assert school["teachers_with_results"] == 1
        counts = {b["code"]: (b["measured"], b["below"]) for b in school["blocks"]}
        assert counts["subject"] == (1, 1)  # 30 of 100 is below 60 %
        assert counts["methodical"] == (1, 0)
    assert {key for school in body["schools"] for key in school} == {
        "school",
        "school_code",
        "teachers_with_results",
        "blocks",
    }


def test_route_progress_counts_the_form_lines(client, world, areas):
    found = {
        row["school"]: row for row in rows(client, key_for(world, personal_data=False), "route-progress")
    }
    a1 = found[world.school_a1.pk]
    assert a1["lines_total"] > 0
    assert a1["lines_done"] == 0
    assert found[world.school_a2.pk]["lines_total"] == 0
    assert (a1["year"], a1["quarter"], a1["status"], a1["late"]) == (
        TODAY.year,
        progress.quarter_of(TODAY).number,
        "draft",
        False,
    )


def test_roadmap_items_nested_with_overdue_and_events_count_teachers(client, world, areas):
    key = key_for(world, personal_data=False)
    roadmap = rows(client, key, "roadmap")[0]
    assert [(i["number"], i["overdue"]) for i in roadmap["items"]] == [("1", True), ("2", False)]
    assert RoadmapItem.objects.filter(roadmap_id=roadmap["id"]).count() == 2
    found = rows(client, key, "event")
    assert sorted(e["teacher_count"] for e in found) == [1] * (ROWS - 1) + [12]


# --- queries -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("basename", LISTS)
def test_queries_do_not_grow_with_the_page(client, world, areas, basename, django_assert_num_queries):
    url = reverse(f"api:{basename}-list")
    for personal_data in (True, False):
        key = key_for(world, personal_data=personal_data)
        with CaptureQueriesContext(connection) as small:
            response = client.get(url, {"page_size": 5}, HTTP_AUTHORIZATION=f"Api-Key {key}")
        assert len(response.json()["results"]) == 5
        with django_assert_num_queries(len(small)):
            response = client.get(url, {"page_size": 50}, HTTP_AUTHORIZATION=f"Api-Key {key}")
        assert len(response.json()["results"]) >= ROWS


def test_indicators_queries_do_not_grow_with_the_schools(client, world, areas, django_assert_num_queries):
    key = key_for(world, personal_data=False)
    decide(world.school_a1, YEAR, FlagStatus.SHNOR)
    with CaptureQueriesContext(connection) as one:
        get(client, key, "indicators-list", year=YEAR)
    for school in areas["schools_a"][1:]:
        decide(school, YEAR, FlagStatus.SHNOR)
    with django_assert_num_queries(len(one)):
        body = get(client, key, "indicators-list", year=YEAR).json()
    assert body["municipalities"][0]["schools"] == ROWS


# --- sync ----------------------------------------------------------------------------------------------------


def test_updated_since_sees_a_change_of_a_nested_row(client, world, areas):
    """A changed plan item, roadmap item or diagnostics score brings its partnership, roadmap or campaign back."""
    key = key_for(world, personal_data=False)
    since = timezone.now().isoformat()
    for basename in ("partnership", "roadmap", "diagnostics"):
        assert rows(client, key, basename, updated_since=since) == []
    methodist = world.users["methodist"]
    item = RoadmapItem.objects.filter(roadmap__municipality=world.mun_a).order_by("pk").first()
    roadmaps.item_save(roadmap=item.roadmap, item=item, user=methodist, activity="Семинар (перенесён)")
    plan_item = PlanItem.objects.filter(partnership__school=world.school_a2).order_by("pk").first()
    mentoring.plan_item_move(item=plan_item, status="in_progress", user=methodist)
    campaign, teacher = areas["campaigns_a"][1], areas["teachers_a"][1]
    block = campaign.blocks.get(code="digital")
    diagnostics.results_set(campaign=campaign, teacher=teacher, scores={block.pk: 10}, user=methodist)
    assert [r["id"] for r in rows(client, key, "roadmap", updated_since=since)] == [item.roadmap_id]
    assert [r["id"] for r in rows(client, key, "partnership", updated_since=since)] == [
        plan_item.partnership_id
    ]
    (changed,) = rows(client, key, "diagnostics", updated_since=since)
    assert changed["id"] == campaign.pk
    school = next(s for s in changed["schools"] if s["school"] == teacher.school_id)
    assert {b["code"]: b["below"] for b in school["blocks"]}["digital"] == 1
