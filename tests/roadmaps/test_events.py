"""Events: who opens what, the services' refusals in Russian, the year's totals on hand-made data, no N+1."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from core.roles import Role
from roadmaps.events import services as services_events
from roadmaps.models import Event, EventKind, EventLevel
from schools.models import ApprovedList, ApprovedListEntry, FlagStatus
from tests.factories import SchoolFactory, TeacherFactory, user_with_role

pytestmark = pytest.mark.django_db

YEAR = 2026
ROLES = ["methodist", "regional_methodist", "head", "school_admin", "mentor", "tutor", "analyst", "nobody"]


def day(month: int, d: int = 1, year: int = YEAR) -> datetime.date:
    return datetime.date(year, month, d)


def approve(world, year: int, schools) -> ApprovedList:
    approved = ApprovedList.objects.create(
        municipality=world.mun_a,
        list_year=year,
        order_number="15-од",
        order_date=day(1, 15, year),
        created_by=world.users["methodist"],
    )
    for school in schools:
        ApprovedListEntry.objects.create(
            approved_list=approved, school=school, computed_status=FlagStatus.SHNOR, included=True
        )
    return approved


def make(user, municipality, **fields) -> Event:
    values = {
        "kind": EventKind.SEMINAR,
        "level": EventLevel.REGIONAL,
        "start_date": day(3, 10),
        "end_date": day(3, 10),
        "organiser": "ГБУ ДПО РО РИПК и ППРО",
        "topic": "Формирование функциональной грамотности",
    } | fields
    return services_events.event_create(user=user, municipality=municipality, **values)


@pytest.fixture
def people(world):
    return {
        "a1_1": TeacherFactory(school=world.school_a1, last_name="Журавлёва"),
        "a1_2": TeacherFactory(school=world.school_a1, last_name="Воробьёва"),
        "a2": TeacherFactory(school=world.school_a2, last_name="Синицына"),
        "b1": TeacherFactory(school=world.school_b1, last_name="Соловьёва"),
    }


@pytest.fixture
def event(world, people):
    """A regional seminar recorded by mun_a's methodologist: school_a1 with two named teachers."""
    return make(
        world.users["methodist"],
        world.mun_a,
        schools=[world.school_a1],
        teachers=[people["a1_1"], people["a1_2"]],
    )


def statuses(client, world, url, method="get"):
    result = {}
    for role in ROLES:
        client.force_login(world.users[role])
        result[role] = getattr(client, method)(url).status_code
    client.logout()
    result["anonymous"] = getattr(client, method)(url).status_code
    return result


# --- who opens what -------------------------------------------------------------------------------------


def test_event_list_opens_for_everyone_signed_in_and_shows_what_the_gate_lets_through(client, world, event):
    got = statuses(client, world, reverse("roadmaps:events") + f"?year={YEAR}")
    assert got == {**dict.fromkeys(ROLES, 200), "anonymous": 302}
    seen = {}
    for role in ROLES:
        client.force_login(world.users[role])
        seen[role] = (
            client.get(reverse("roadmaps:events"), {"year": YEAR}).context["page_obj"].paginator.count
        )
    assert seen == {
        **dict.fromkeys(ROLES, 0),
        "methodist": 1,
        "regional_methodist": 1,
        "head": 1,
        "school_admin": 1,  # their school took part
        "analyst": 1,
    }


def test_event_create_page_is_for_methodologists(client, world):
    got = statuses(client, world, reverse("roadmaps:event_create"))
    assert got == {
        **dict.fromkeys(ROLES, 403),
        "methodist": 200,
        "regional_methodist": 200,
        "anonymous": 302,
    }


def test_event_detail_and_edit_per_role(client, world, event):
    detail = statuses(client, world, reverse("roadmaps:event_detail", args=[event.pk]))
    assert detail == {
        **dict.fromkeys(ROLES, 404),
        "methodist": 200,
        "regional_methodist": 200,
        "head": 200,
        "school_admin": 200,
        "analyst": 200,
        "anonymous": 302,
    }
    edit = statuses(client, world, reverse("roadmaps:event_edit", args=[event.pk]))
    assert edit == {
        **dict.fromkeys(ROLES, 404),
        "methodist": 200,
        "regional_methodist": 200,
        "anonymous": 302,
    }


def test_school_admin_does_not_see_events_of_other_schools(client, world, people):
    other = make(world.users["methodist"], world.mun_a, schools=[world.school_a2])
    client.force_login(world.users["school_admin"])
    assert client.get(reverse("roadmaps:event_detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("roadmaps:events"), {"year": YEAR}).context["page_obj"].paginator.count == 0


def test_delete_is_the_methodologists_and_post_only(client, world, event):
    url = reverse("roadmaps:event_delete", args=[event.pk])
    for role in ("head", "school_admin", "analyst", "nobody"):
        client.force_login(world.users[role])
        assert client.post(url).status_code == 404
    client.force_login(world.users["methodist"])
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302 and response.url == reverse("roadmaps:events")
    assert not Event.objects.filter(pk=event.pk).exists()


def test_teacher_names_only_through_the_gate(client, world, people):
    event = make(
        world.users["methodist"],
        world.mun_a,
        schools=[world.school_a1, world.school_a2],
        teachers=[people["a1_1"], people["a2"]],
    )
    url = reverse("roadmaps:event_detail", args=[event.pk])
    client.force_login(world.users["analyst"])  # aggregates only
    page = client.get(url).content.decode()
    assert "Журавлёва" not in page and "Синицына" not in page
    assert "Участников поимённо: 2" in page
    client.force_login(world.users["school_admin"])  # their own school's teachers only
    page = client.get(url).content.decode()
    assert "Журавлёва" in page and "Синицына" not in page
    assert "Ещё 1" in page
    client.force_login(world.users["methodist"])
    page = client.get(url).content.decode()
    assert "Журавлёва" in page and "Синицына" in page


def test_an_assigned_mentor_sees_the_events_of_their_school(client, world, event):
    from mentoring import services as mentoring_services

    methodist = world.users["methodist"]
    order = mentoring_services.order_create(
        municipality=world.mun_a, number="7-од", date=day(1, 10), user=methodist
    )
    mentoring_services.mentor_assign(
        order=order,
        school=world.school_a1,
        mentor_user=world.users["mentor"],
        start_date=day(1, 10),
        user=methodist,
    )
    client.force_login(world.users["mentor"])
    page = client.get(reverse("roadmaps:event_detail", args=[event.pk])).content.decode()
    assert "Журавлёва" in page
    assert client.get(reverse("roadmaps:event_edit", args=[event.pk])).status_code == 404


# --- services -------------------------------------------------------------------------------------------


def test_only_the_municipalitys_methodologist_records_events(world):
    with pytest.raises(PermissionDenied, match="Мероприятия вносят методисты"):
        make(world.users["head"], world.mun_a)
    with pytest.raises(PermissionDenied, match="Тацинский район"):
        make(world.users["methodist"], world.mun_b)
    assert make(world.users["regional_methodist"], world.mun_b).municipality == world.mun_b


def test_dates_must_be_in_order(world):
    with pytest.raises(ValidationError) as caught:
        make(world.users["methodist"], world.mun_a, start_date=day(3, 10), end_date=day(3, 9))
    assert caught.value.message_dict == {"end_date": ["Мероприятие заканчивается раньше, чем начинается."]}


def test_municipal_and_school_events_take_schools_of_the_municipality(world):
    regional = world.users["regional_methodist"]
    for level in (EventLevel.MUNICIPAL, EventLevel.SCHOOL):
        with pytest.raises(ValidationError) as caught:
            make(regional, world.mun_a, level=level, schools=[world.school_a1, world.school_b1])
        (message,) = caught.value.message_dict["schools"]
        assert "участвуют школы муниципалитета «Обливский район»" in message
        assert "«МБОУ «Тацинская СОШ №1»» относится к другому муниципалитету" in message
    # A regional event may gather schools of several municipalities.
    event = make(regional, world.mun_a, schools=[world.school_a1, world.school_b1])
    assert set(event.schools.all()) == {world.school_a1, world.school_b1}


def test_schools_and_teachers_must_be_within_reach(world, people):
    methodist = world.users["methodist"]
    with pytest.raises(ValidationError) as caught:
        make(methodist, world.mun_a, schools=[world.school_a1, world.school_other])
    assert caught.value.message_dict == {"schools": ["Среди школ-участниц есть школы вне вашего доступа."]}
    stranger = TeacherFactory(school=world.school_other)
    with pytest.raises(ValidationError) as caught:
        make(methodist, world.mun_a, schools=[world.school_a1], teachers=[stranger])
    assert caught.value.message_dict == {"teachers": ["Среди педагогов есть педагоги вне вашего доступа."]}


def test_teachers_must_work_in_participating_schools(world, people):
    with pytest.raises(ValidationError) as caught:
        make(world.users["methodist"], world.mun_a, schools=[world.school_a1], teachers=[people["a2"]])
    (message,) = caught.value.message_dict["teachers"]
    assert message.startswith("Педагог «Синицына Анна Сергеевна» не работает ни в одной из школ-участниц")


def test_named_teachers_or_a_count_not_both(world, people):
    with pytest.raises(ValidationError) as caught:
        make(
            world.users["methodist"],
            world.mun_a,
            schools=[world.school_a1],
            teachers=[people["a1_1"]],
            participants_count=12,
        )
    assert (
        "либо педагогов поимённо, либо число участников" in caught.value.message_dict["participants_count"][0]
    )
    assert make(world.users["methodist"], world.mun_a, participants_count=12).teacher_count == 12
    assert make(world.users["methodist"], world.mun_a).teacher_count == 0


def test_update_keeps_what_the_editor_does_not_see(world, people):
    """A regional methodologist records a regional event of mun_a with schools of mun_a and mun_b; mun_a's
    methodologist corrects it, seeing only mun_a: mun_b's school and teacher stay."""
    event = make(
        world.users["regional_methodist"],
        world.mun_a,
        schools=[world.school_a1, world.school_b1],
        teachers=[people["a1_1"], people["b1"]],
    )
    services_events.event_update(
        event=event,
        user=world.users["methodist"],
        schools=[world.school_a1, world.school_a2],
        teachers=[people["a2"]],
        topic="  Новая тема ",
    )
    event.refresh_from_db()
    assert event.topic == "Новая тема"
    assert set(event.schools.all()) == {world.school_a1, world.school_a2, world.school_b1}
    assert set(event.teachers.all()) == {people["a2"], people["b1"]}
    # mun_b's staff see it too: their school took part.
    mun_b_methodist = user_with_role(Role.METHODIST, world.mun_b, username="methodist_b")
    assert Event.objects.visible_to(mun_b_methodist).filter(pk=event.pk).exists()
    assert not Event.objects.editable_by(mun_b_methodist).filter(pk=event.pk).exists()
    with pytest.raises(PermissionDenied, match="Обливский район"):
        services_events.event_update(event=event, user=mun_b_methodist, topic="Чужая правка")


def test_update_refuses_a_teacher_of_a_removed_school(world, event, people):
    with pytest.raises(ValidationError) as caught:
        services_events.event_update(event=event, user=world.users["methodist"], schools=[world.school_a2])
    assert "не работают ни в одной из школ-участниц" in caught.value.message_dict["teachers"][0]


# --- the pages' forms -----------------------------------------------------------------------------------


def test_create_through_the_form_with_the_teacher_list_refreshed(client, world, people):
    client.force_login(world.users["methodist"])
    data = {
        "municipality": world.mun_a.pk,
        "kind": EventKind.MASTER_CLASS,
        "level": EventLevel.MUNICIPAL,
        "start_date": "2026-04-02",
        "end_date": "",
        "topic": "Смысловое чтение на уроках",
        "organiser": "РМО учителей русского языка",
        "schools": [world.school_a1.pk],
    }
    refreshed = client.post(reverse("roadmaps:event_create"), {**data, "refresh": "1"})
    assert refreshed.status_code == 200 and not Event.objects.exists()
    choices = {pk.value for pk, _label in refreshed.context["form"].fields["teachers"].choices}
    assert choices == {people["a1_1"].pk, people["a1_2"].pk}
    response = client.post(reverse("roadmaps:event_create"), {**data, "teachers": [people["a1_1"].pk]})
    event = Event.objects.get()
    assert response.status_code == 302 and response.url == reverse("roadmaps:event_detail", args=[event.pk])
    assert event.end_date == event.start_date  # one-day event
    assert list(event.teachers.all()) == [people["a1_1"]]


def test_form_shows_the_services_refusal(client, world, people):
    client.force_login(world.users["methodist"])
    response = client.post(
        reverse("roadmaps:event_create"),
        {
            "municipality": world.mun_a.pk,
            "kind": EventKind.SEMINAR,
            "level": EventLevel.REGIONAL,
            "start_date": "2026-04-02",
            "end_date": "2026-04-01",
            "topic": "Т",
            "organiser": "О",
        },
    )
    assert response.status_code == 200
    assert "Мероприятие заканчивается раньше, чем начинается." in response.content.decode()
    assert not Event.objects.exists()


def test_edit_through_the_form(client, world, event, people):
    client.force_login(world.users["methodist"])
    url = reverse("roadmaps:event_edit", args=[event.pk])
    form = client.get(url).context["form"]
    assert set(form.initial["teachers"]) == {people["a1_1"].pk, people["a1_2"].pk}
    response = client.post(
        url,
        {
            "kind": EventKind.FESTIVAL,
            "level": EventLevel.REGIONAL,
            "start_date": "2026-03-10",
            "end_date": "2026-03-12",
            "topic": "Фестиваль открытых уроков",
            "organiser": "РИПК",
            "schools": [world.school_a1.pk],
            "teachers": [people["a1_2"].pk],
        },
    )
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.kind == EventKind.FESTIVAL and event.municipality == world.mun_a
    assert list(event.teachers.all()) == [people["a1_2"]]


# --- totals ---------------------------------------------------------------------------------------------


@pytest.fixture
def year_of_events(world, people):
    """ШНОР of 2026: school_a1 and school_a2 (mun_a's approved list); school_b1 is not one."""
    approve(world, YEAR, [world.school_a1, world.school_a2])
    methodist, regional = world.users["methodist"], world.users["regional_methodist"]
    a1_1, a1_2, a2, b1 = people["a1_1"], people["a1_2"], people["a2"], people["b1"]
    make(methodist, world.mun_a, schools=[world.school_a1], teachers=[a1_1, a1_2])
    make(methodist, world.mun_a, schools=[world.school_a1, world.school_a2], teachers=[a1_1, a2])
    make(methodist, world.mun_a, level=EventLevel.MUNICIPAL, schools=[world.school_a2], participants_count=7)
    make(regional, world.mun_a, schools=[world.school_a1, world.school_b1], participants_count=10)
    make(methodist, world.mun_a, schools=[world.school_a1, world.school_a2], participants_count=5)
    make(
        methodist,
        world.mun_a,
        start_date=day(12, 1, 2025),
        end_date=day(12, 1, 2025),
        schools=[world.school_a2],
        teachers=[a2],
    )
    make(regional, world.mun_b, schools=[world.school_b1], teachers=[b1])
    make(methodist, world.mun_a, level=EventLevel.FEDERAL, schools=[world.school_a1], teachers=[a1_1])


def test_totals_count_distinct_named_teachers_and_head_counts(world, people, year_of_events):
    totals = services_events.event_totals(world.users["regional_methodist"], YEAR)
    assert totals.shnor_count == 2 and totals.source == "approved"
    assert totals.named_by_level == {"school": 0, "municipal": 0, "regional": 3, "federal": 1}
    assert totals.counted_by_level == {"school": 0, "municipal": 7, "regional": 5, "federal": 0}
    assert totals.total_by_level == {"school": 0, "municipal": 7, "regional": 8, "federal": 1}
    assert (totals.named_total, totals.counted_total, totals.total) == (3, 12, 15)
    rows = {row.school.pk: row for row in totals.rows}
    assert rows[world.school_a1.pk].by_level == {"school": 0, "municipal": 0, "regional": 2, "federal": 1}
    assert rows[world.school_a1.pk].total == 2  # Журавлёва counted once over both levels
    assert rows[world.school_a2.pk].by_level == {"school": 0, "municipal": 7, "regional": 1, "federal": 0}
    assert rows[world.school_a2.pk].total == 8
    assert totals.several_schools == {"school": 0, "municipal": 0, "regional": 5, "federal": 0}
    assert (totals.uncounted_events, totals.uncounted_participants) == (1, 10)
    assert totals.event_count == 7


def test_totals_on_the_page_say_what_is_counted(client, world, year_of_events):
    client.force_login(world.users["methodist"])
    response = client.get(reverse("roadmaps:events"), {"year": YEAR})
    assert response.context["headlines"] == [
        "7 педагогов ШНОР стали участниками муниципальных мероприятий",
        "8 педагогов ШНОР стали участниками региональных (краевых, областных) мероприятий",
        "1 педагог ШНОР стал участником федеральных мероприятий",
    ]
    page = response.content.decode()
    assert "Что считается" in page and "школы перечня 2026 года" in page
    assert "участников — 10" in page
    # Everyone outside the municipality's staff sees the list without the totals.
    client.force_login(world.users["school_admin"])
    assert client.get(reverse("roadmaps:events"), {"year": YEAR}).context["totals"] is None
    client.force_login(world.users["analyst"])
    assert client.get(reverse("roadmaps:events"), {"year": YEAR}).context["totals"].total == 15


def test_list_filters(client, world, year_of_events):
    client.force_login(world.users["methodist"])
    url = reverse("roadmaps:events")

    def count(**params):
        return client.get(url, params).context["page_obj"].paginator.count

    assert count(year=YEAR) == 6  # mun_b's event is not the methodologist's
    assert count(year="") == 7
    assert count(year=YEAR, level=EventLevel.MUNICIPAL) == 1
    assert count(year=YEAR, school=world.school_a2.pk) == 3
    assert count(year=YEAR, kind=EventKind.CONTEST) == 0


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (1, "1 педагог ШНОР стал участником"),
        (2, "2 педагога ШНОР стали участниками"),
        (5, "5 педагогов ШНОР стали участниками"),
        (11, "11 педагогов ШНОР стали участниками"),
        (21, "21 педагог ШНОР стал участником"),
        (41, "41 педагог ШНОР стал участником"),
        (112, "112 педагогов ШНОР стали участниками"),
    ],
)
def test_totals_sentence(n, text):
    assert services_events.totals_sentence(n, EventLevel.REGIONAL) == (
        f"{text} региональных (краевых, областных) мероприятий"
    )


# --- queries --------------------------------------------------------------------------------------------


def _queries(client, url, params=None) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params or {}).status_code == 200
    return len(captured)


def test_event_list_queries_do_not_grow_with_events(client, world, people, django_assert_num_queries):
    approve(world, YEAR, [world.school_a1, world.school_a2])
    methodist = world.users["methodist"]
    make(methodist, world.mun_a, schools=[world.school_a1], teachers=[people["a1_1"]])
    client.force_login(methodist)
    url = reverse("roadmaps:events")
    few = _queries(client, url, {"year": YEAR})
    for n in range(15):
        school = SchoolFactory(municipality=world.mun_a, code=f"sch6199{n:02d}")
        teacher = TeacherFactory(school=school)
        make(methodist, world.mun_a, schools=[school, world.school_a2], teachers=[teacher, people["a2"]])
        make(methodist, world.mun_a, schools=[school], participants_count=n)
    many = _queries(client, url, {"year": YEAR})
    assert many == few
    with django_assert_num_queries(18):  # 17 + the header's bell (notifications)
        client.get(url, {"year": YEAR})


def test_event_detail_queries_do_not_grow_with_teachers(client, world, django_assert_num_queries):
    school = world.school_a1
    teachers = [TeacherFactory(school=school) for _ in range(20)]
    event = make(world.users["methodist"], world.mun_a, schools=[school], teachers=teachers)
    client.force_login(world.users["methodist"])
    with django_assert_num_queries(10):  # 9 + the header's bell (notifications)
        assert client.get(reverse("roadmaps:event_detail", args=[event.pk])).status_code == 200
