"""Risk profiles: who opens what, the save and copy services with their Russian refusals, the list, no N+1."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from roadmaps.models import RiskEntry, RiskFactor, RiskProfile, Roadmap, RoadmapItem
from roadmaps.risks import services as services_risks
from roadmaps.risks.services import EntryInput
from schools.models import ApprovedList, ApprovedListEntry, FlagStatus
from tests.factories import SchoolFactory

pytestmark = pytest.mark.django_db

YEAR = 2026
ROLES = ["methodist", "regional_methodist", "head", "school_admin", "mentor", "tutor", "analyst", "nobody"]


def roadmap(municipality, school=None, year=YEAR, title="Дорожная карта") -> Roadmap:
    return Roadmap.objects.create(
        municipality=municipality,
        school=school,
        title=title,
        period_start=datetime.date(year, 1, 1),
        period_end=datetime.date(year, 12, 31),
    )


def item(map_: Roadmap, number: str, activity: str = "Мероприятие") -> RoadmapItem:
    return RoadmapItem.objects.create(roadmap=map_, number=number, activity=activity)


@pytest.fixture
def factors():
    return list(RiskFactor.objects.order_by("position"))  # the seeded catalogue (migration 0002)


@pytest.fixture
def plan(world):
    """mun_a's ШНОР list of 2026 (school_a1, school_a2) and the roadmaps a profile may link."""
    approved = ApprovedList.objects.create(
        municipality=world.mun_a,
        list_year=YEAR,
        order_number="15-од",
        order_date=datetime.date(YEAR, 1, 15),
        created_by=world.users["methodist"],
    )
    for school in (world.school_a1, world.school_a2):
        ApprovedListEntry.objects.create(
            approved_list=approved, school=school, computed_status=FlagStatus.SHNOR, included=True
        )
    municipal = roadmap(world.mun_a, title="Дорожная карта Обливского района 2026")
    own = roadmap(world.mun_a, world.school_a1, title="Дорожная карта Каштановской СОШ 2026")
    neighbour = roadmap(world.mun_a, world.school_a2, title="Дорожная карта Солонецкой СОШ 2026")
    old = roadmap(world.mun_a, world.school_a1, year=2024, title="Дорожная карта Каштановской СОШ 2024")
    return {
        "municipal": item(municipal, "1", "Методический десант в ШНОР"),
        "own": item(own, "3", "Курсы для учителей математики"),
        "neighbour": item(neighbour, "2", "Чужой пункт"),
        "old": item(old, "5", "Старый пункт"),
    }


def save(world, factors, user="methodist", school=None, year=YEAR, **by_index):
    """``by_index``: f0=("high", "меры", [item ids]) …"""
    entries = [
        EntryInput(factors[int(key[1:])], *(value if isinstance(value, tuple) else (value,)))
        for key, value in by_index.items()
    ]
    return services_risks.risk_profile_save(
        school=school or world.school_a1, year=year, entries=entries, user=world.users[user]
    )


@pytest.fixture
def profile(world, factors, plan):
    return save(
        world,
        factors,
        f0=("high", "Закупка оборудования", [plan["own"].pk]),
        f1=("medium", "Целевое обучение", [plan["municipal"].pk]),
        f2=("low", ""),
    )


def statuses(client, world, url, method="get", data=None):
    result = {}
    for role in ROLES:
        client.force_login(world.users[role])
        result[role] = getattr(client, method)(url, data or {}).status_code
    client.logout()
    result["anonymous"] = getattr(client, method)(url, data or {}).status_code
    return result


# --- who opens what -------------------------------------------------------------------------------------


def test_risk_list_opens_for_everyone_signed_in(client, world, profile):
    got = statuses(client, world, reverse("roadmaps:risks") + f"?year={YEAR}")
    assert got == {**dict.fromkeys(ROLES, 200), "anonymous": 302}
    client.force_login(world.users["school_admin"])
    rows = client.get(reverse("roadmaps:risks"), {"year": YEAR}).context["rows"]
    assert [row.school for row in rows] == [world.school_a1]  # their own school only
    client.force_login(world.users["nobody"])
    assert client.get(reverse("roadmaps:risks"), {"year": YEAR}).context["rows"] == []


def test_profile_page_per_role(client, world, profile):
    url = reverse("roadmaps:risk_profile", args=[world.school_a1.pk, YEAR])
    assert statuses(client, world, url) == {
        **dict.fromkeys(ROLES, 404),
        "methodist": 200,
        "regional_methodist": 200,
        "head": 200,
        "school_admin": 200,
        "analyst": 200,
        "anonymous": 302,
    }
    editors = {}
    for role in ("methodist", "regional_methodist", "head", "school_admin", "analyst"):
        client.force_login(world.users[role])
        editors[role] = client.get(url).context["can_edit"]
    assert editors == {
        "methodist": True,
        "regional_methodist": True,
        "head": False,
        "school_admin": False,
        "analyst": False,
    }
    client.force_login(world.users["school_admin"])
    page = client.get(url).content.decode()
    assert "Закупка оборудования" in page and "<textarea" not in page
    other = reverse("roadmaps:risk_profile", args=[world.school_a2.pk, YEAR])
    assert client.get(other).status_code == 404


def test_readers_cannot_save_or_copy(client, world, profile):
    url = reverse("roadmaps:risk_profile", args=[world.school_a1.pk, YEAR])
    data = {"f1-level": "low"}
    assert statuses(client, world, url, "post", data) == {
        **dict.fromkeys(ROLES, 404),
        "methodist": 302,
        "regional_methodist": 302,
        "head": 403,
        "school_admin": 403,
        "analyst": 403,
        "anonymous": 302,
    }
    copy = reverse("roadmaps:risk_profile_copy", args=[world.school_a1.pk, YEAR + 1])
    got = statuses(client, world, copy, "post")
    assert got == {
        **dict.fromkeys(ROLES, 404),
        "methodist": 302,
        "regional_methodist": 302,
        "head": 403,
        "school_admin": 403,
        "analyst": 403,
        "anonymous": 302,
    }
    client.force_login(world.users["methodist"])
    assert client.get(copy).status_code == 405


def test_unknown_year_is_404(client, world):
    client.force_login(world.users["methodist"])
    assert client.get(reverse("roadmaps:risk_profile", args=[world.school_a1.pk, 1990])).status_code == 404


# --- saving ---------------------------------------------------------------------------------------------


def test_save_creates_and_replaces_the_whole_profile(world, factors, plan, profile):
    entries = {e.factor_id: e for e in profile.entries.prefetch_related("roadmap_items")}
    assert {f: e.level for f, e in entries.items()} == {
        factors[0].pk: "high",
        factors[1].pk: "medium",
        factors[2].pk: "low",
    }
    assert list(entries[factors[0].pk].roadmap_items.all()) == [plan["own"]]
    assert list(entries[factors[1].pk].roadmap_items.all()) == [plan["municipal"]]
    # Saved again: factor 0 changes, 1 is left without a level (removed), 2 is left out (removed), 3 added.
    save(world, factors, f0=("medium", "  Новые меры  ", []), f1="", f3="high")
    profile.refresh_from_db()
    rows = {e.factor_id: (e.level, e.measures) for e in profile.entries.all()}
    assert rows == {factors[0].pk: ("medium", "Новые меры"), factors[3].pk: ("high", "")}
    assert RiskProfile.objects.count() == 1
    assert not RiskEntry.objects.get(factor=factors[0]).roadmap_items.exists()


def test_save_is_the_methodologists(world, factors):
    for role in ("head", "school_admin"):
        with pytest.raises(PermissionDenied, match="заполняет методист муниципалитета"):
            save(world, factors, user=role, f0="high")
    with pytest.raises(PermissionDenied, match="Тацинский район"):
        save(world, factors, school=world.school_b1, f0="high")
    assert not RiskProfile.objects.exists()
    assert save(world, factors, user="regional_methodist", school=world.school_b1, f0="high")


def test_save_refusals_are_in_russian(world, factors, plan):
    with pytest.raises(ValidationError) as caught:
        save(world, factors, f0=("", "Меры без уровня"))
    assert caught.value.messages == [
        "Фактор «Низкий уровень оснащения школы»: укажите уровень риска — без него меры и пункты "
        "дорожной карты не сохраняются."
    ]
    for foreign in ("neighbour", "old"):
        with pytest.raises(ValidationError) as caught:
            save(world, factors, f1=("high", "", [plan[foreign].pk]))
        assert caught.value.messages == [
            "Фактор «Дефицит педагогических кадров»: можно связать только пункты дорожных карт школы "
            "или её муниципалитета на 2026 год."
        ]
    with pytest.raises(ValidationError) as caught:
        save(world, factors, year=1990, f0="high")
    assert caught.value.messages[0].startswith("Год профиля должен быть от 2015 до")
    with pytest.raises(ValidationError) as caught:
        save(world, factors, f0="extreme")
    assert caught.value.messages == ["Фактор «Низкий уровень оснащения школы»: неизвестный уровень риска."]
    retired = RiskFactor.objects.create(name="Устаревший фактор", position=99, is_active=False)
    with pytest.raises(ValidationError) as caught:
        services_risks.risk_profile_save(
            school=world.school_a1,
            year=YEAR,
            entries=[EntryInput(retired, "high")],
            user=world.users["methodist"],
        )
    assert caught.value.messages == [
        "Фактор «Устаревший фактор» исключён из справочника: добавить его в профиль нельзя."
    ]
    assert not RiskProfile.objects.exists()  # nothing half-saved


def test_save_accepts_a_mapping(world, factors, plan):
    profile = services_risks.risk_profile_save(
        school=world.school_a1,
        year=YEAR,
        user=world.users["methodist"],
        entries={factors[4]: {"level": "high", "measures": "КПК", "roadmap_items": [plan["own"].pk]}},
        note="По итогам самодиагностики",
    )
    assert profile.note == "По итогам самодиагностики"
    assert profile.entries.get().factor == factors[4]


# --- copying --------------------------------------------------------------------------------------------


def test_copy_starts_from_the_latest_earlier_profile(world, factors, plan, profile):
    save(world, factors, year=YEAR - 2, f5="high")  # older: not the one copied
    copied, source_year = services_risks.risk_profile_copy(
        school=world.school_a1, year=YEAR + 1, user=world.users["methodist"]
    )
    assert source_year == YEAR
    rows = {e.factor_id: (e.level, e.measures, e.roadmap_items.count()) for e in copied.entries.all()}
    assert rows == {
        factors[0].pk: ("high", "Закупка оборудования", 0),  # items are not copied: a new year, a new roadmap
        factors[1].pk: ("medium", "Целевое обучение", 0),
        factors[2].pk: ("low", "", 0),
    }
    with pytest.raises(ValidationError) as caught:
        services_risks.risk_profile_copy(school=world.school_a1, year=YEAR + 1, user=world.users["methodist"])
    assert caught.value.messages == [
        "Профиль 2027 года уже заполнен: копирование заменило бы его. Исправьте его на странице профиля."
    ]
    with pytest.raises(ValidationError) as caught:
        services_risks.risk_profile_copy(school=world.school_a2, year=YEAR, user=world.users["methodist"])
    assert caught.value.messages == [
        "У школы нет заполненного рискового профиля до 2026 года: копировать нечего."
    ]
    with pytest.raises(PermissionDenied):
        services_risks.risk_profile_copy(school=world.school_a1, year=YEAR + 1, user=world.users["head"])


def test_copy_button_through_the_page(client, world, profile):
    client.force_login(world.users["methodist"])
    url = reverse("roadmaps:risk_profile", args=[world.school_a1.pk, YEAR + 1])
    page = client.get(url).content.decode()
    assert "Скопировать профиль 2026 года" in page
    response = client.post(reverse("roadmaps:risk_profile_copy", args=[world.school_a1.pk, YEAR + 1]))
    assert response.status_code == 302 and response.url == url
    assert RiskProfile.objects.get(year=YEAR + 1).entries.count() == 3
    assert "Скопировать профиль" not in client.get(url).content.decode()


# --- the pages ------------------------------------------------------------------------------------------


def test_profile_form_saves_all_rows(client, world, factors, plan):
    client.force_login(world.users["methodist"])
    url = reverse("roadmaps:risk_profile", args=[world.school_a1.pk, YEAR])
    response = client.get(url)
    forms = response.context["forms"]
    assert [factor for factor, _form in forms] == factors
    choices = {pk for pk, _label in forms[0][1].fields["roadmap_items"].choices}
    assert choices == {plan["own"].pk, plan["municipal"].pk}  # the school's and the municipality's, of 2026
    data = {
        f"f{factors[0].pk}-level": "high",
        f"f{factors[0].pk}-measures": "Модернизация кабинетов",
        f"f{factors[0].pk}-roadmap_items": [plan["own"].pk, plan["municipal"].pk],
        f"f{factors[5].pk}-level": "low",
        "note": "Согласовано с директором",
    }
    response = client.post(url, data)
    assert response.status_code == 302 and response.url == url
    profile = RiskProfile.objects.get(school=world.school_a1, year=YEAR)
    assert profile.note == "Согласовано с директором"
    entry = profile.entries.get(factor=factors[0])
    assert set(entry.roadmap_items.all()) == {plan["own"], plan["municipal"]}
    assert profile.entries.count() == 2
    # A refusal comes back on the page, nothing saved.
    response = client.post(url, {f"f{factors[1].pk}-measures": "Без уровня"})
    assert response.status_code == 200
    assert "укажите уровень риска" in response.content.decode()
    assert profile.entries.count() == 2


def test_list_counts_levels_and_offers_the_missing_ones(client, world, factors, plan, profile):
    outsider = save(world, factors, school=world.school_b1, user="regional_methodist", f0="high")
    client.force_login(world.users["regional_methodist"])
    response = client.get(reverse("roadmaps:risks"), {"year": YEAR})
    rows = {row.school.pk: row for row in response.context["rows"]}
    a1 = rows[world.school_a1.pk].profile
    assert (a1.high, a1.medium, a1.low) == (1, 1, 1)
    assert rows[world.school_a2.pk].profile is None and rows[world.school_a2.pk].in_list
    assert rows[world.school_b1.pk].profile == outsider and not rows[world.school_b1.pk].in_list
    assert (response.context["filled"], response.context["listed"]) == (1, 2)
    page = response.content.decode()
    assert "Заполнить" in page and "не в перечне 2026 года" in page
    client.force_login(world.users["head"])
    page = client.get(reverse("roadmaps:risks"), {"year": YEAR}).content.decode()
    assert "Заполнить" not in page and "не заполнен" in page


# --- queries --------------------------------------------------------------------------------------------


def _queries(client, url, params=None) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params or {}).status_code == 200
    return len(captured)


def test_list_queries_do_not_grow_with_schools(
    client, world, factors, plan, profile, django_assert_num_queries
):
    client.force_login(world.users["methodist"])
    url = reverse("roadmaps:risks")
    few = _queries(client, url, {"year": YEAR})
    approved = ApprovedList.objects.get(list_year=YEAR)
    for n in range(15):
        school = SchoolFactory(municipality=world.mun_a, code=f"sch6188{n:02d}")
        ApprovedListEntry.objects.create(
            approved_list=approved, school=school, computed_status=FlagStatus.SHNOR, included=True
        )
        if n % 2:
            save(world, factors, school=school, f0="high", f1="low")
    many = _queries(client, url, {"year": YEAR})
    assert many == few
    with django_assert_num_queries(14):  # 13 + the header's bell (notifications)
        client.get(url, {"year": YEAR})


def test_profile_page_queries_do_not_grow_with_items(
    client, world, factors, plan, profile, django_assert_num_queries
):
    client.force_login(world.users["methodist"])
    url = reverse("roadmaps:risk_profile", args=[world.school_a1.pk, YEAR])
    few = _queries(client, url)
    own = plan["own"].roadmap
    extra = [item(own, str(10 + n)) for n in range(20)]
    for entry in RiskEntry.objects.all():
        entry.roadmap_items.add(*extra[:5])
    assert _queries(client, url) == few
    client.force_login(world.users["head"])
    with django_assert_num_queries(11):  # 10 + the header's bell (notifications)
        client.get(url)
