"""Roadmap pages: who opens what (a status per role and page), the overdue list, status moves and evidence by
POST, the home page's «Мои пункты дорожных карт», and queries that do not grow with rows."""

import datetime
import re

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.models import User
from roadmaps import transitions
from roadmaps.models import ItemEvidence, Roadmap, RoadmapItem
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

D = datetime.date
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"\x00" * 48
    + b"This program cannot be run"
)
USERS = (
    "methodist",
    "regional_methodist",
    "head",
    "school_admin",
    "mentor",
    "tutor",
    "analyst",
    "superuser",
    "nobody",
)


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def roadmap_of(municipality, school=None, title=None, start=None, end=None) -> Roadmap:
    owner = school or municipality
    return Roadmap.objects.create(
        municipality=municipality,
        school=school,
        title=title or f"Дорожная карта: {owner.name}",
        period_start=start or days(-200),
        period_end=end or days(165),
    )


def item_of(roadmap, number, activity=None, **fields) -> RoadmapItem:
    return RoadmapItem.objects.create(
        roadmap=roadmap,
        number=number,
        position=fields.pop("position", 0),
        activity=activity or f"Мероприятие {number} ({roadmap.title})",
        **fields,
    )


def evidence_file(item, name="Приказ № 45.pdf") -> ItemEvidence:
    evidence = ItemEvidence(item=item, name=name)
    evidence.file.save("prikaz.pdf", SimpleUploadedFile("prikaz.pdf", PDF), save=False)
    evidence.save()
    return evidence


class Maps:
    def __init__(self, world):
        self.mun_a = roadmap_of(world.mun_a)
        self.school_a1 = roadmap_of(world.mun_a, world.school_a1)
        self.school_a2 = roadmap_of(world.mun_a, world.school_a2)
        self.mun_b = roadmap_of(world.mun_b)
        self.items = {
            name: item_of(getattr(self, name), "1") for name in ("mun_a", "school_a1", "school_a2", "mun_b")
        }
        self.evidence = {name: evidence_file(item) for name, item in self.items.items()}


@pytest.fixture
def maps(world):
    return Maps(world)


def as_user(client, world, name):
    client.force_login(world.users[name])
    return client


def flashed(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- who opens what ------------------------------------------------------------------------------------

READERS_A = {"methodist", "regional_methodist", "head", "school_admin", "analyst", "superuser"}
PLANNERS_A = {"methodist", "regional_methodist", "superuser"}
EXPECTED = {
    # page: users answered 200; everyone else the second value
    "list": (set(USERS), None),
    "my_items": (set(USERS), None),
    "create": (PLANNERS_A, 403),
    "detail:mun_a": (READERS_A, 404),
    "detail:school_a1": (READERS_A, 404),
    "detail:school_a2": (READERS_A - {"school_admin"}, 404),
    "detail:mun_b": ({"regional_methodist", "analyst", "superuser"}, 404),
    "item_create:mun_a": (PLANNERS_A, 404),
    "item_create:school_a1": (PLANNERS_A, 404),
    "item_edit:mun_a": (PLANNERS_A, 404),
    "item_edit:school_a1": (PLANNERS_A, 404),
    "item_create:mun_b": ({"regional_methodist", "superuser"}, 404),
    "evidence:mun_a": (READERS_A, 404),
    "evidence:school_a1": (READERS_A, 404),
    "evidence:school_a2": (READERS_A - {"school_admin"}, 404),
    "evidence:mun_b": ({"regional_methodist", "analyst", "superuser"}, 404),
}


def url_for(page: str, maps) -> str:
    name, _, which = page.partition(":")
    if name in ("list", "my_items", "create"):
        return reverse(f"roadmaps:{name}")
    roadmap = getattr(maps, which)
    if name == "detail":
        return reverse("roadmaps:detail", args=[roadmap.pk])
    if name == "item_create":
        return reverse("roadmaps:item_create", args=[roadmap.pk])
    if name == "item_edit":
        return reverse("roadmaps:item_edit", args=[roadmap.pk, maps.items[which].pk])
    return reverse("roadmaps:evidence", args=[maps.evidence[which].pk])


@pytest.mark.parametrize("user_name", USERS)
@pytest.mark.parametrize("page", sorted(EXPECTED))
def test_status_per_role_and_page(client, world, maps, page, user_name):
    allowed, otherwise = EXPECTED[page]
    response = as_user(client, world, user_name).get(url_for(page, maps))
    assert response.status_code == (200 if user_name in allowed else otherwise)


POSTS = [
    ("roadmaps:copy", "roadmap"),
    ("roadmaps:item_move", "item"),
    ("roadmaps:evidence_add", "item"),
]


@pytest.mark.parametrize("page", sorted(EXPECTED))
def test_anonymous_is_sent_to_login(client, maps, page):
    url = url_for(page, maps)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


@pytest.mark.parametrize(("name", "target"), POSTS)
def test_anonymous_posts_are_sent_to_login(client, maps, name, target):
    url = reverse(name, args=[maps.mun_a.pk if target == "roadmap" else maps.items["mun_a"].pk])
    response = client.post(url, {"status": "done"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert Roadmap.objects.count() == 4
    assert RoadmapItem.objects.get(pk=maps.items["mun_a"].pk).status == "planned"


@pytest.mark.parametrize(("name", "target"), POSTS)
def test_posts_only(client, world, maps, name, target):
    url = reverse(name, args=[maps.mun_a.pk if target == "roadmap" else maps.items["mun_a"].pk])
    assert as_user(client, world, "methodist").get(url).status_code == 405


@pytest.mark.parametrize("user_name", ["mentor", "tutor", "nobody"])
@pytest.mark.parametrize(("name", "target"), POSTS)
def test_posts_on_what_a_user_does_not_see_are_404(client, world, maps, user_name, name, target):
    url = reverse(name, args=[maps.mun_a.pk if target == "roadmap" else maps.items["mun_a"].pk])
    response = as_user(client, world, user_name).post(url, {"status": "done", "link": "https://x.ru"})
    assert response.status_code == 404
    assert Roadmap.objects.count() == 4
    assert RoadmapItem.objects.get(pk=maps.items["mun_a"].pk).status == "planned"
    assert ItemEvidence.objects.count() == 4


# --- the list ------------------------------------------------------------------------------------------

TITLE_LINK = re.compile(r'<td><a href="/roadmaps/(\d+)/">')


def listed(response) -> set[int]:
    return {int(pk) for pk in TITLE_LINK.findall(response.content.decode())}


@pytest.mark.parametrize(
    ("user_name", "expected"),
    [
        ("methodist", {"mun_a", "school_a1", "school_a2"}),
        ("head", {"mun_a", "school_a1", "school_a2"}),
        ("school_admin", {"mun_a", "school_a1"}),  # the municipality's roadmap and their school's
        ("regional_methodist", {"mun_a", "school_a1", "school_a2", "mun_b"}),
        ("analyst", {"mun_a", "school_a1", "school_a2", "mun_b"}),
        ("superuser", {"mun_a", "school_a1", "school_a2", "mun_b"}),
        ("mentor", set()),
        ("nobody", set()),
    ],
)
def test_list_shows_the_users_roadmaps(client, world, maps, user_name, expected):
    response = as_user(client, world, user_name).get(reverse("roadmaps:list"))
    assert listed(response) == {getattr(maps, name).pk for name in expected}
    content = response.content.decode()
    assert ('href="/roadmaps/new/"' in content) is (user_name in PLANNERS_A)
    assert 'id="overdue"' not in content
    if not expected:
        assert "Дорожных карт пока нет." in content


def test_list_counts_done_and_overdue(client, world):
    roadmap = roadmap_of(world.mun_a, title="Дорожная карта Обливского района")
    item_of(roadmap, "1", status="done", completed_on=days(-3), end_date=days(-10))
    item_of(roadmap, "2", end_date=days(-1))  # overdue
    item_of(roadmap, "3", status="postponed", status_reason="письмо", end_date=days(-40))  # overdue
    item_of(roadmap, "4", end_date=days(0))  # due today: not yet
    item_of(roadmap, "5", all_year=True)
    response = as_user(client, world, "methodist").get(reverse("roadmaps:list"))
    row = response.context["page_obj"].object_list[0]
    assert (row.item_count, row.done_count, row.overdue_count) == (5, 1, 2)
    assert "1 из 5" in response.content.decode()


# --- the overdue list ------------------------------------------------------------------------------------


@pytest.fixture
def overdue_world(world):
    """Items of every status and kind of date on a current roadmap, one whose period has ended, and one the
    methodist of mun_a does not see."""
    current = roadmap_of(world.mun_a, title="Текущая карта", start=days(-200), end=days(100))
    ended = roadmap_of(world.mun_a, world.school_a1, title="Прошлая карта", start=days(-500), end=days(-1))
    today_end = roadmap_of(
        world.mun_a, world.school_a2, title="Карта до сегодня", start=days(-300), end=days(0)
    )
    foreign = roadmap_of(world.mun_b, title="Карта соседей", start=days(-200), end=days(-5))
    number = 0
    for roadmap in (current, ended, today_end, foreign):
        for status in transitions.ALLOWED:
            for dates in (
                {"end_date": days(-30)},
                {"end_date": days(-1)},
                {"end_date": days(0)},
                {"end_date": days(20)},
                {"start_date": days(-60), "end_date": None},
                {"all_year": True},
                {"all_year": True, "end_date": days(-30)},
                {},
            ):
                number += 1
                item_of(
                    roadmap,
                    str(number),
                    activity=f"Пункт-{number:03d}",
                    status=status,
                    completed_on=days(-2) if status == "done" else None,
                    status_reason="причина" if status in transitions.NEEDS_REASON else "",
                    **dates,
                )
    return current, ended, today_end, foreign


OVERDUE_ROW = re.compile(r"<td>Пункт-(\d{3})</td>")


def test_overdue_list_is_exactly_the_python_rule(client, world, overdue_world):
    today = timezone.localdate()
    foreign = overdue_world[3]
    response = as_user(client, world, "methodist").get(reverse("roadmaps:list") + "?overdue=1")
    assert response.status_code == 200
    content = response.content.decode()
    section = content[content.index('id="overdue"') : content.index("Все дорожные карты")]
    shown = [int(n) for n in OVERDUE_ROW.findall(section)]
    expected = {
        int(item.number)
        for item in RoadmapItem.objects.select_related("roadmap").exclude(roadmap=foreign)
        if item.is_overdue(today)
    }
    assert set(shown) == expected
    assert len(shown) == len(expected)  # each once
    assert f"Просроченные пункты ({len(expected)})" in section
    # the rule, spelled out: open statuses only, past the end, or past the period for «в течение года»
    statuses = set(
        RoadmapItem.objects.filter(number__in=[str(n) for n in expected]).values_list("status", flat=True)
    )
    assert statuses == {"planned", "in_progress", "postponed"}
    # per open status: current 2 past ends; ended 2 past ends + 4 due at its end; ending today 2 past ends
    assert len(expected) == 3 * (2 + 6 + 2)


def test_overdue_list_of_the_region_includes_the_neighbours(client, world, overdue_world):
    today = timezone.localdate()
    response = as_user(client, world, "regional_methodist").get(reverse("roadmaps:list") + "?overdue=1")
    shown = {int(n) for n in OVERDUE_ROW.findall(response.content.decode())}
    expected = {int(i.number) for i in RoadmapItem.objects.select_related("roadmap") if i.is_overdue(today)}
    assert shown == expected
    assert any(i.roadmap == overdue_world[3] for i in RoadmapItem.objects.filter(number__in=map(str, shown)))


def test_overdue_list_of_a_school_admin(client, world, overdue_world):
    today = timezone.localdate()
    response = as_user(client, world, "school_admin").get(reverse("roadmaps:list") + "?overdue=1")
    shown = {int(n) for n in OVERDUE_ROW.findall(response.content.decode())}
    current, ended, _today_end, _foreign = overdue_world
    expected = {
        int(i.number)
        for i in RoadmapItem.objects.select_related("roadmap").filter(roadmap__in=[current, ended])
        if i.is_overdue(today)
    }
    assert shown == expected


def test_no_overdue_items(client, world, maps):
    response = as_user(client, world, "methodist").get(reverse("roadmaps:list") + "?overdue=1")
    content = response.content.decode()
    assert "Просроченные пункты (0)" in content
    assert "Просроченных пунктов нет." in content


def test_detail_marks_overdue_items(client, world):
    roadmap = roadmap_of(world.mun_a)
    item_of(roadmap, "1", activity="Просроченное мероприятие", end_date=days(-1), position=1)
    item_of(roadmap, "2", activity="Мероприятие в срок", end_date=days(0), position=2)
    item_of(
        roadmap,
        "3",
        activity="Выполненное",
        end_date=days(-5),
        status="done",
        completed_on=days(-6),
        position=3,
    )
    response = as_user(client, world, "head").get(reverse("roadmaps:detail", args=[roadmap.pk]))
    rows = response.context["rows"]
    assert [(item.number, overdue) for item, overdue, _can in rows] == [
        ("1", True),
        ("2", False),
        ("3", False),
    ]
    assert response.context["overdue"] == 1
    assert response.context["done"] == 1
    assert "просрочено: 1" in response.content.decode()


# --- the detail page: who may do what -------------------------------------------------------------------


def test_detail_offers_planning_only_to_planners(client, world, maps):
    url = reverse("roadmaps:detail", args=[maps.mun_a.pk])
    methodist_page = as_user(client, world, "methodist").get(url)
    assert methodist_page.context["can_plan"] is True
    assert reverse("roadmaps:item_create", args=[maps.mun_a.pk]) in methodist_page.content.decode()
    assert "Создать копию на следующий год" in methodist_page.content.decode()
    head_page = as_user(client, world, "head").get(url)
    assert head_page.context["can_plan"] is False
    assert reverse("roadmaps:item_create", args=[maps.mun_a.pk]) not in head_page.content.decode()
    assert "Отметить" not in head_page.content.decode()


def test_detail_offers_moves_to_the_school_admin_and_to_responsible_people(client, world, maps):
    school_page = as_user(client, world, "school_admin").get(
        reverse("roadmaps:detail", args=[maps.school_a1.pk])
    )
    assert [can for _item, _o, can in school_page.context["rows"]] == [True]
    assert school_page.context["can_plan"] is False
    municipal_page = client.get(reverse("roadmaps:detail", args=[maps.mun_a.pk]))
    assert [can for _item, _o, can in municipal_page.context["rows"]] == [False]
    second = item_of(maps.mun_a, "2", position=2)
    second.responsible_users.set([world.users["school_admin"]])
    municipal_page = client.get(reverse("roadmaps:detail", args=[maps.mun_a.pk]))
    assert [(item.number, can) for item, _o, can in municipal_page.context["rows"]] == [
        ("1", False),
        ("2", True),
    ]
    assert reverse("roadmaps:item_move", args=[second.pk]) in municipal_page.content.decode()
    assert reverse("roadmaps:item_move", args=[maps.items["mun_a"].pk]) not in municipal_page.content.decode()


# --- POST: status moves --------------------------------------------------------------------------------


def test_methodist_moves_an_item(client, world, maps):
    item = maps.items["mun_a"]
    response = as_user(client, world, "methodist").post(
        reverse("roadmaps:item_move", args=[item.pk]), {"status": "in_progress"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("roadmaps:detail", args=[maps.mun_a.pk])
    assert flashed(response) == ["Пункт 1: статус изменён."]
    item.refresh_from_db()
    assert item.status == "in_progress"


def test_done_by_post_is_dated_today(client, world, maps):
    item = maps.items["school_a1"]
    as_user(client, world, "school_admin").post(
        reverse("roadmaps:item_move", args=[item.pk]), {"status": "done"}
    )
    item.refresh_from_db()
    assert (item.status, item.completed_on) == ("done", timezone.localdate())


def test_done_without_evidence_asks_the_school_admin_for_a_reason(client, world, maps):
    """Issue #20 §3: an item of the school's roadmap with nothing attached, marked «выполнено» — refused with a Russian
    message naming the reason field; with a reason it is done and the methodologist sees it flagged."""
    item = maps.items["school_a1"]
    item.evidence.all().delete()
    url = reverse("roadmaps:item_move", args=[item.pk])
    response = as_user(client, world, "school_admin").post(url, {"status": "done", "reason": ""})
    assert response.status_code == 302
    assert flashed(response) == [
        "Пункт отмечается выполненным с подтверждением: приложите документ или ссылку (кнопка «Приложить») "
        "или укажите в поле «Причина», почему подтверждения нет."
    ]
    item.refresh_from_db()
    assert (item.status, item.status_reason) == ("planned", "")

    client.post(url, {"status": "done", "reason": "Протокол педсовета на подписи"})
    item.refresh_from_db()
    assert (item.status, item.status_reason) == ("done", "Протокол педсовета на подписи")

    html = as_user(client, world, "methodist").get(reverse("roadmaps:detail", args=[maps.school_a1.pk]))
    row = html.content.decode().split(f'<tr id="item-{item.pk}">', 1)[1].split("</tr>", 1)[0]
    assert f'<span class="badge badge--warning" data-unconfirmed="{item.pk}">без подтверждения</span>' in row
    assert "Причина: Протокол педсовета на подписи" in row


def test_done_with_evidence_carries_no_warning(client, world, maps):
    item = maps.items["school_a1"]
    as_user(client, world, "school_admin").post(
        reverse("roadmaps:item_move", args=[item.pk]), {"status": "done"}
    )
    item.refresh_from_db()
    assert item.status == "done"
    html = as_user(client, world, "methodist").get(reverse("roadmaps:detail", args=[maps.school_a1.pk]))
    assert "без подтверждения" not in html.content.decode()


def test_move_back_to_my_items(client, world, maps):
    item = maps.items["school_a1"]
    response = as_user(client, world, "school_admin").post(
        reverse("roadmaps:item_move", args=[item.pk]), {"status": "in_progress", "from": "my"}
    )
    assert response["Location"] == reverse("roadmaps:my_items")


def test_postponing_without_a_reason_is_refused_with_a_message(client, world, maps):
    item = maps.items["mun_a"]
    response = as_user(client, world, "methodist").post(
        reverse("roadmaps:item_move", args=[item.pk]), {"status": "postponed", "reason": " "}
    )
    assert response.status_code == 302
    assert flashed(response) == ["Укажите причину переноса или отмены."]
    item.refresh_from_db()
    assert item.status == "planned"


def test_postponing_with_a_reason(client, world, maps):
    item = maps.items["mun_a"]
    as_user(client, world, "methodist").post(
        reverse("roadmaps:item_move", args=[item.pk]),
        {"status": "postponed", "reason": "письмо министерства"},
    )
    item.refresh_from_db()
    assert (item.status, item.status_reason) == ("postponed", "письмо министерства")
    page = client.get(reverse("roadmaps:detail", args=[maps.mun_a.pk]))
    assert "письмо министерства" in page.content.decode()


def test_school_admin_cannot_move_a_municipal_item(client, world, maps):
    item = maps.items["mun_a"]
    response = as_user(client, world, "school_admin").post(
        reverse("roadmaps:item_move", args=[item.pk]), {"status": "done"}
    )
    assert response.status_code == 302
    assert flashed(response) == ["Отмечать выполнение могут ответственные, администратор школы и методист."]
    item.refresh_from_db()
    assert item.status == "planned"


@pytest.mark.parametrize("user_name", ["head", "analyst"])
def test_readers_cannot_move(client, world, maps, user_name):
    item = maps.items["school_a1"]
    as_user(client, world, user_name).post(reverse("roadmaps:item_move", args=[item.pk]), {"status": "done"})
    item.refresh_from_db()
    assert item.status == "planned"


def test_a_responsible_head_moves_their_item(client, world, maps):
    item = maps.items["mun_a"]
    item.responsible_users.set([world.users["head"]])
    as_user(client, world, "head").post(
        reverse("roadmaps:item_move", args=[item.pk]), {"status": "in_progress"}
    )
    item.refresh_from_db()
    assert item.status == "in_progress"


def test_an_unknown_status_changes_nothing(client, world, maps):
    item = maps.items["mun_a"]
    response = as_user(client, world, "methodist").post(
        reverse("roadmaps:item_move", args=[item.pk]), {"status": "archived"}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == "planned"


# --- POST: copy, evidence --------------------------------------------------------------------------------


def test_methodist_copies_a_roadmap(client, world, maps):
    response = as_user(client, world, "methodist").post(reverse("roadmaps:copy", args=[maps.mun_a.pk]))
    copy = Roadmap.objects.get(copied_from=maps.mun_a)
    assert response["Location"] == reverse("roadmaps:detail", args=[copy.pk])
    assert copy.items.count() == 1


def test_a_reader_cannot_copy(client, world, maps):
    response = as_user(client, world, "head").post(reverse("roadmaps:copy", args=[maps.mun_a.pk]))
    assert response["Location"] == reverse("roadmaps:detail", args=[maps.mun_a.pk])
    assert flashed(response) == ["Дорожную карту муниципалитета ведёт его методист."]
    assert Roadmap.objects.count() == 4


def test_evidence_upload_and_download(client, world, maps):
    item = maps.items["school_a1"]
    upload = SimpleUploadedFile("Протокол.pdf", PDF, content_type="application/pdf")
    response = as_user(client, world, "school_admin").post(
        reverse("roadmaps:evidence_add", args=[item.pk]), {"name": "Протокол № 3", "upload": upload}
    )
    assert response["Location"] == reverse("roadmaps:detail", args=[maps.school_a1.pk])
    assert flashed(response) == ["Подтверждение приложено."]
    evidence = item.evidence.get(name="Протокол № 3")
    download = client.get(reverse("roadmaps:evidence", args=[evidence.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Type"] == "application/pdf"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"].startswith("attachment")
    page = client.get(reverse("roadmaps:detail", args=[maps.school_a1.pk]))
    assert reverse("roadmaps:evidence", args=[evidence.pk]) in page.content.decode()


def test_renamed_exe_is_refused_by_post(client, world, maps):
    item = maps.items["mun_a"]
    upload = SimpleUploadedFile("Приказ.pdf", EXE, content_type="application/pdf")
    response = as_user(client, world, "methodist").post(
        reverse("roadmaps:evidence_add", args=[item.pk]), {"upload": upload}
    )
    assert response.status_code == 302
    (message,) = flashed(response)
    assert "«Приказ.pdf» не похож на документ допустимого вида" in message
    assert item.evidence.count() == 1  # the fixture's only


def test_evidence_link_by_post(client, world, maps):
    item = maps.items["mun_a"]
    as_user(client, world, "methodist").post(
        reverse("roadmaps:evidence_add", args=[item.pk]), {"name": "Протокол", "link": "obliv-edu.ru/p/1"}
    )
    assert item.evidence.get(name="Протокол").link == "https://obliv-edu.ru/p/1"
    response = client.post(reverse("roadmaps:evidence_add", args=[item.pk]), {"link": "не ссылка"})
    assert flashed(response)[-1] == "Подтверждение не приложено: проверьте ссылку."
    assert item.evidence.count() == 2


def test_a_reader_cannot_attach_evidence(client, world, maps):
    item = maps.items["mun_a"]
    response = as_user(client, world, "head").post(
        reverse("roadmaps:evidence_add", args=[item.pk]), {"link": "https://obliv-edu.ru/p/1"}
    )
    assert flashed(response) == [
        "Прикладывать подтверждения могут ответственные, администратор школы и методист."
    ]
    assert item.evidence.count() == 1


def test_link_evidence_has_no_download(client, world, maps):
    evidence = ItemEvidence.objects.create(
        item=maps.items["mun_a"], name="Ссылка", link="https://obliv-edu.ru/p/1"
    )
    response = as_user(client, world, "methodist").get(reverse("roadmaps:evidence", args=[evidence.pk]))
    assert response.status_code == 404


# --- forms ---------------------------------------------------------------------------------------------


def test_methodist_creates_a_roadmap_by_post(client, world):
    response = as_user(client, world, "methodist").post(
        reverse("roadmaps:create"),
        {
            "municipality": world.mun_a.pk,
            "school": world.school_a1.pk,
            "title": "Программа поддержки",
            "period_start": "2027-01-01",
            "period_end": "2027-12-31",
        },
    )
    roadmap = Roadmap.objects.get()
    assert response["Location"] == reverse("roadmaps:detail", args=[roadmap.pk])
    assert (roadmap.school, roadmap.created_by) == (world.school_a1, world.users["methodist"])


def test_roadmap_with_a_reversed_period_is_not_created(client, world):
    response = as_user(client, world, "methodist").post(
        reverse("roadmaps:create"),
        {
            "municipality": world.mun_a.pk,
            "title": "Программа поддержки",
            "period_start": "2027-12-31",
            "period_end": "2027-01-01",
        },
    )
    assert response.status_code == 200
    assert "Срок заканчивается (01.01.2027) раньше, чем начинается (31.12.2027)." in response.content.decode()
    assert not Roadmap.objects.exists()


def test_methodist_adds_and_edits_an_item_by_post(client, world, maps):
    as_user(client, world, "methodist")
    page = client.get(reverse("roadmaps:item_create", args=[maps.mun_a.pk]))
    assert page.context["form"].initial["number"] == "2"
    response = client.post(
        reverse("roadmaps:item_create", args=[maps.mun_a.pk]),
        {
            "number": "2",
            "activity": "Совещание в Отделе образования",
            "start_date": "2027-04-01",
            "end_date": "2027-04-30",
            "result_kind": "protocol",
            "responsible_users": [world.users["school_admin"].pk],
        },
    )
    assert response["Location"] == reverse("roadmaps:detail", args=[maps.mun_a.pk])
    item = maps.mun_a.items.get(number="2")
    assert (item.result_kind, item.end_date, item.position) == ("protocol", D(2027, 4, 30), 1)
    assert list(item.responsible_users.all()) == [world.users["school_admin"]]
    response = client.post(
        reverse("roadmaps:item_edit", args=[maps.mun_a.pk, item.pk]),
        {"number": "2", "activity": "Совещание", "all_year": "on", "result_kind": "protocol"},
    )
    item.refresh_from_db()
    assert (item.activity, item.all_year, item.end_date) == ("Совещание", True, None)
    assert not item.responsible_users.exists()


def test_item_with_a_reversed_period_is_not_saved(client, world, maps):
    response = as_user(client, world, "methodist").post(
        reverse("roadmaps:item_create", args=[maps.mun_a.pk]),
        {
            "number": "2",
            "activity": "Совещание",
            "start_date": "2027-04-30",
            "end_date": "2027-04-01",
            "result_kind": "protocol",
        },
    )
    assert response.status_code == 200
    assert "раньше, чем начинается" in response.content.decode()
    assert maps.mun_a.items.count() == 1


# --- my items and the home page ---------------------------------------------------------------------------


def test_home_shows_my_open_items(client, world, maps):
    head = world.users["head"]
    mine = item_of(maps.mun_a, "2", activity="Проведение совещания по переводу ШНОР", end_date=days(-3))
    done = item_of(maps.mun_a, "3", activity="Выполненное мероприятие", status="done", completed_on=days(-1))
    cancelled = item_of(
        maps.mun_a, "4", activity="Отменённое мероприятие", status="cancelled", status_reason="x"
    )
    for item in (mine, done, cancelled):
        item.responsible_users.set([head])
    content = as_user(client, world, "head").get(reverse("home")).content.decode()
    assert "Мои пункты дорожных карт" in content
    section = content[content.index('id="my-items"') :]
    assert "2. Проведение совещания по переводу ШНОР" in section
    assert "просрочено" in section
    assert "Выполненное мероприятие" not in section
    assert "Отменённое мероприятие" not in section
    assert reverse("roadmaps:detail", args=[maps.mun_a.pk]) + f"#item-{mine.pk}" in section
    assert "показаны первые" not in section


def test_home_without_items_has_no_section(client, world, maps):
    for name in ("methodist", "head", "nobody"):
        content = as_user(client, world, name).get(reverse("home")).content.decode()
        assert "Мои пункты дорожных карт" not in content


def test_home_shows_the_first_ten_items(client, world, maps):
    for n in range(12):
        item = item_of(maps.school_a1, str(n + 2), activity=f"Пункт школы {n + 2}", end_date=days(n))
        item.responsible_users.set([world.users["school_admin"]])
    response = as_user(client, world, "school_admin").get(reverse("home"))
    assert len(response.context["my_items"]) == 10
    assert response.context["more_items"] is True
    assert "показаны первые 10" in response.content.decode()


def test_my_items_page(client, world, maps):
    item = item_of(maps.mun_a, "2", activity="Пункт, где администратор ответственный")
    item.responsible_users.set([world.users["school_admin"]])
    response = as_user(client, world, "school_admin").get(reverse("roadmaps:my_items"))
    assert [i.pk for i, _o in response.context["items"]] == [item.pk]
    assert [i.pk for i, _o in response.context["school_items"]] == [maps.items["school_a1"].pk]
    methodist = as_user(client, world, "methodist").get(reverse("roadmaps:my_items"))
    assert methodist.context["items"] == []
    assert methodist.context["school_items"] == []
    assert "Открытых пунктов, где вы ответственный, нет." in methodist.content.decode()


def test_a_named_mentor_sees_the_item_on_the_home_page(client, world, maps):
    item = maps.items["mun_a"]
    item.responsible_users.set([world.users["mentor"]])
    content = as_user(client, world, "mentor").get(reverse("home")).content.decode()
    assert "Мои пункты дорожных карт" in content


# --- queries do not grow with rows ----------------------------------------------------------------------


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


def grow(world, roadmap, n: int, people) -> None:
    for k in range(n):
        item = item_of(roadmap, f"{k + 10}", end_date=days(-k), position=k + 10)
        item.responsible_users.set(people)
        evidence_file(item)
        ItemEvidence.objects.create(item=item, name="Ссылка", link="https://obliv-edu.ru/p/1")


DETAIL_QUERIES = {"methodist": 11, "head": 10, "school_admin": 10}  # the header's bell included


def test_detail_queries_do_not_grow_with_items(client, world, maps, django_assert_num_queries):
    people = [world.users["head"], world.users["school_admin"], UserFactory()]
    url = reverse("roadmaps:detail", args=[maps.mun_a.pk])
    grow(world, maps.mun_a, 1, people)
    for name in ("methodist", "head", "school_admin"):
        as_user(client, world, name)
        small = count_queries(client, url)
        grow(world, maps.mun_a, 15, people)
        assert count_queries(client, url) == small, name
        with django_assert_num_queries(DETAIL_QUERIES[name]):
            client.get(url)


@pytest.mark.parametrize("query", ["", "?overdue=1"])
def test_list_queries_do_not_grow_with_roadmaps_and_items(
    client, world, maps, query, django_assert_num_queries
):
    url = reverse("roadmaps:list") + query
    as_user(client, world, "regional_methodist")
    small = count_queries(client, url)
    for k in range(12):
        roadmap = roadmap_of(world.mun_b if k % 2 else world.mun_a, title=f"Карта {k}")
        grow(world, roadmap, 3, [world.users["head"]])
    assert count_queries(client, url) == small
    with django_assert_num_queries(8 if query else 7):  # the overdue items: one query more; the bell: one
        response = client.get(url)
    assert len(response.context["page_obj"].object_list) == 16
    if query:
        assert len(response.context["overdue_items"]) == 12 * 2  # days(-1), days(-2) of each


def test_home_and_my_items_queries_do_not_grow(client, world, maps, django_assert_num_queries):
    admin = world.users["school_admin"]
    as_user(client, world, "school_admin")
    small_home = count_queries(client, reverse("home"))
    small_my = count_queries(client, reverse("roadmaps:my_items"))
    for k in range(8):
        item = item_of(maps.mun_a if k % 2 else maps.school_a1, str(k + 10), end_date=days(-k))
        item.responsible_users.set([admin, world.users["head"]])
    assert count_queries(client, reverse("home")) == small_home
    assert count_queries(client, reverse("roadmaps:my_items")) == small_my
    with django_assert_num_queries(7):  # 6 + the header's bell (notifications)
        client.get(reverse("roadmaps:my_items"))
    assert User.objects.filter(pk=admin.pk).exists()
