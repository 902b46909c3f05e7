"""roadmaps.services: every write path and every refusal (PermissionDenied / ValidationError, in Russian)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from roadmaps import services
from roadmaps.models import ItemEvidence, Roadmap, RoadmapItem

pytestmark = pytest.mark.django_db

D = datetime.date
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"\x00" * 48
    + b"This program cannot be run"
)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def roadmap_of(owner_municipality, school=None, **fields) -> Roadmap:
    values = {
        "title": "Дорожная карта по переводу ШНОР в эффективный режим работы на 2027 год",
        "period_start": D(2027, 1, 1),
        "period_end": D(2027, 12, 31),
        **fields,
    }
    return Roadmap.objects.create(municipality=owner_municipality, school=school, **values)


def item_of(roadmap, number="1", position=None, **fields) -> RoadmapItem:
    values = {
        "activity": "Организация участия педагогов ШНОР в диагностике профессиональных дефицитов",
        "position": int(number) if position is None and number.isdigit() else (position or 0),
        **fields,
    }
    return RoadmapItem.objects.create(roadmap=roadmap, number=number, **values)


def messages_of(excinfo) -> str:
    error = excinfo.value
    return " ".join(getattr(error, "messages", [str(error)]))


@pytest.fixture
def municipal(world):
    return roadmap_of(world.mun_a)


@pytest.fixture
def school_map(world):
    return roadmap_of(world.mun_a, world.school_a1, title="Программа поддержки МБОУ «Каштановская СОШ» 2027")


# --- roadmap_create ------------------------------------------------------------------------------------


def test_methodist_creates_a_municipal_roadmap(world):
    roadmap = services.roadmap_create(
        municipality=world.mun_a,
        title="  Дорожная карта Обливского района на 2027 год ",
        period_start=D(2027, 1, 1),
        period_end=D(2027, 12, 31),
        user=world.users["methodist"],
        order_number=" 45-од ",
        order_date=D(2026, 12, 20),
    )
    roadmap.refresh_from_db()
    assert (roadmap.municipality, roadmap.school, roadmap.title) == (
        world.mun_a,
        None,
        "Дорожная карта Обливского района на 2027 год",
    )
    assert (roadmap.order_number, roadmap.order_date, roadmap.created_by) == (
        "45-од",
        D(2026, 12, 20),
        world.users["methodist"],
    )
    assert roadmap.owner == world.mun_a
    assert roadmap.copied_from is None


def test_methodist_creates_a_school_roadmap(world):
    roadmap = services.roadmap_create(
        municipality=world.mun_a,
        school=world.school_a1,
        title="Программа поддержки",
        period_start=D(2027, 9, 1),
        period_end=D(2028, 5, 31),
        user=world.users["methodist"],
    )
    assert (roadmap.school, roadmap.owner) == (world.school_a1, world.school_a1)


@pytest.mark.parametrize("user_name", ["regional_methodist", "superuser"])
def test_regional_methodist_and_superuser_create_anywhere_in_reach(world, user_name):
    roadmap = services.roadmap_create(
        municipality=world.mun_b,
        school=world.school_b1,
        title="Программа поддержки",
        period_start=D(2027, 1, 1),
        period_end=D(2027, 12, 31),
        user=world.users[user_name],
    )
    assert roadmap.pk


@pytest.mark.parametrize("user_name", ["head", "school_admin", "mentor", "tutor", "analyst", "nobody"])
def test_only_methodists_create_municipal_roadmaps(world, user_name):
    with pytest.raises(PermissionDenied) as excinfo:
        services.roadmap_create(
            municipality=world.mun_a,
            title="Дорожная карта",
            period_start=D(2027, 1, 1),
            period_end=D(2027, 12, 31),
            user=world.users[user_name],
        )
    assert messages_of(excinfo) == "Дорожную карту муниципалитета ведёт его методист."
    assert not Roadmap.objects.exists()


@pytest.mark.parametrize("user_name", ["head", "school_admin", "analyst", "nobody"])
def test_only_methodists_create_school_roadmaps(world, user_name):
    with pytest.raises(PermissionDenied) as excinfo:
        services.roadmap_create(
            municipality=world.mun_a,
            school=world.school_a1,
            title="Программа поддержки",
            period_start=D(2027, 1, 1),
            period_end=D(2027, 12, 31),
            user=world.users[user_name],
        )
    assert messages_of(excinfo) == "Дорожные карты школ ведёт методист муниципалитета."
    assert not Roadmap.objects.exists()


def test_methodist_of_another_municipality_is_refused(world):
    with pytest.raises(PermissionDenied):
        services.roadmap_create(
            municipality=world.mun_b,
            title="Дорожная карта",
            period_start=D(2027, 1, 1),
            period_end=D(2027, 12, 31),
            user=world.users["methodist"],
        )
    with pytest.raises(PermissionDenied):
        services.roadmap_create(
            municipality=world.mun_b,
            school=world.school_b1,
            title="Дорожная карта",
            period_start=D(2027, 1, 1),
            period_end=D(2027, 12, 31),
            user=world.users["methodist"],
        )
    assert not Roadmap.objects.exists()


def test_school_of_another_municipality_is_a_validation_error(world):
    with pytest.raises(ValidationError) as excinfo:
        services.roadmap_create(
            municipality=world.mun_a,
            school=world.school_b1,
            title="Дорожная карта",
            period_start=D(2027, 1, 1),
            period_end=D(2027, 12, 31),
            user=world.users["regional_methodist"],
        )
    assert messages_of(excinfo) == (
        "Школа «МБОУ «Тацинская СОШ №1»» не относится к муниципалитету «Обливский район»."
    )


def test_period_ending_before_it_starts_is_refused(world):
    with pytest.raises(ValidationError) as excinfo:
        services.roadmap_create(
            municipality=world.mun_a,
            title="Дорожная карта",
            period_start=D(2027, 12, 31),
            period_end=D(2027, 1, 1),
            user=world.users["methodist"],
        )
    assert messages_of(excinfo) == "Срок заканчивается (01.01.2027) раньше, чем начинается (31.12.2027)."
    assert not Roadmap.objects.exists()


def test_blank_title_is_refused(world):
    with pytest.raises(ValidationError) as excinfo:
        services.roadmap_create(
            municipality=world.mun_a,
            title="   ",
            period_start=D(2027, 1, 1),
            period_end=D(2027, 12, 31),
            user=world.users["methodist"],
        )
    assert "title" in excinfo.value.message_dict


# --- roadmap_copy --------------------------------------------------------------------------------------


@pytest.fixture
def full_roadmap(world):
    """The 2023 roadmap of 002_…, in part: months, «в течение года», no dates, a leap day, every status."""
    source = roadmap_of(
        world.mun_a,
        title="Дорожная карта Обливского района на 2023/2024 год",
        period_start=D(2023, 3, 1),
        period_end=D(2024, 2, 29),
        order_number="45-од",
        order_date=D(2023, 2, 27),
    )
    head, admin = world.users["head"], world.users["school_admin"]
    first = item_of(
        source,
        "1",
        activity="Утверждение плана мероприятий",
        start_date=D(2023, 3, 1),
        end_date=D(2023, 3, 1),
        responsible_text="Отдел образования, РМК",
        result_kind="order",
        expected_result="Приказ Отдела образования",
        target_indicator="",
        status="done",
        completed_on=D(2023, 3, 1),
        note="утверждено приказом № 45",
    )
    first.responsible_users.set([head])
    second = item_of(
        source,
        "2",
        start_date=D(2023, 5, 1),
        end_date=D(2023, 10, 31),
        status="postponed",
        status_reason="перенос по письму министерства",
    )
    second.responsible_users.set([head, admin])
    item_of(source, "3", all_year=True, status="in_progress", result_kind="analytics")
    item_of(source, "3.1", position=4, status="cancelled", status_reason="не требуется")
    item_of(source, "4", position=5, start_date=D(2024, 2, 1), end_date=D(2024, 2, 29))
    ItemEvidence.objects.create(item=first, name="Приказ № 45", link="https://obliv-edu.ru/prikaz-45")
    return source


def test_copy_shifts_every_date_a_year_and_starts_items_over(world, full_roadmap):
    copy = services.roadmap_copy(source=full_roadmap, user=world.users["methodist"])
    copy.refresh_from_db()
    assert copy.pk != full_roadmap.pk
    assert copy.copied_from == full_roadmap
    assert copy.title == "Дорожная карта Обливского района на 2024/2025 год"
    assert (copy.period_start, copy.period_end) == (D(2024, 3, 1), D(2025, 2, 28))
    assert (copy.municipality, copy.school) == (world.mun_a, None)
    assert (copy.order_number, copy.order_date) == ("", None)  # a new year needs a new order
    assert copy.created_by == world.users["methodist"]

    rows = list(
        copy.items.order_by("position", "pk").values_list(
            "number",
            "position",
            "start_date",
            "end_date",
            "all_year",
            "status",
            "status_reason",
            "completed_on",
        )
    )
    assert rows == [
        ("1", 1, D(2024, 3, 1), D(2024, 3, 1), False, "planned", "", None),
        ("2", 2, D(2024, 5, 1), D(2024, 10, 31), False, "planned", "", None),
        ("3", 3, None, None, True, "planned", "", None),
        ("3.1", 4, None, None, False, "planned", "", None),
        ("4", 5, D(2025, 2, 1), D(2025, 2, 28), False, "planned", "", None),
    ]
    first = copy.items.get(number="1")
    assert (first.activity, first.responsible_text, first.result_kind, first.expected_result) == (
        "Утверждение плана мероприятий",
        "Отдел образования, РМК",
        "order",
        "Приказ Отдела образования",
    )
    assert copy.items.get(number="3").result_kind == "analytics"
    assert set(first.responsible_users.all()) == {world.users["head"]}
    assert set(copy.items.get(number="2").responsible_users.all()) == {
        world.users["head"],
        world.users["school_admin"],
    }
    assert not ItemEvidence.objects.filter(item__roadmap=copy).exists()


def test_copy_leaves_the_source_as_it_was(world, full_roadmap):
    before = list(full_roadmap.items.order_by("pk").values())
    services.roadmap_copy(source=full_roadmap, user=world.users["methodist"])
    assert list(full_roadmap.items.order_by("pk").values()) == before
    assert ItemEvidence.objects.filter(item__roadmap=full_roadmap).count() == 1


def test_copy_with_a_title_and_several_years(world, full_roadmap):
    copy = services.roadmap_copy(
        source=full_roadmap, user=world.users["methodist"], years=4, title="Дорожная карта 2027"
    )
    assert copy.title == "Дорожная карта 2027"
    assert (copy.period_start, copy.period_end) == (D(2027, 3, 1), D(2028, 2, 29))
    assert copy.items.get(number="4").end_date == D(2028, 2, 29)


@pytest.mark.parametrize(
    ("title", "start", "end", "expected"),
    [
        ("Дорожная карта на 2027 год", D(2027, 1, 1), D(2027, 12, 31), "Дорожная карта на 2028 год"),
        ("План на 2025–2026 учебный год", D(2025, 9, 1), D(2026, 5, 31), "План на 2026–2027 учебный год"),
        ("План 2025/2026", D(2025, 9, 1), D(2026, 5, 31), "План 2026/2027"),
        ("План на 2027г.", D(2027, 1, 1), D(2027, 12, 31), "План на 2028г."),
        ("План по итогам ВПР", D(2027, 1, 1), D(2027, 12, 31), "План по итогам ВПР"),
        ("Приказ № 12027 от 2027", D(2027, 1, 1), D(2027, 12, 31), "Приказ № 12027 от 2028"),
    ],
)
def test_copy_moves_the_years_in_the_title(world, title, start, end, expected):
    source = roadmap_of(world.mun_a, title=title, period_start=start, period_end=end)
    assert services.roadmap_copy(source=source, user=world.users["methodist"]).title == expected


def test_copy_of_a_school_roadmap_stays_the_schools(world, school_map):
    item_of(school_map, "1", end_date=D(2027, 6, 30))
    copy = services.roadmap_copy(source=school_map, user=world.users["methodist"])
    assert (copy.municipality, copy.school) == (world.mun_a, world.school_a1)
    assert copy.title == "Программа поддержки МБОУ «Каштановская СОШ» 2028"
    assert copy.items.get().end_date == D(2028, 6, 30)


@pytest.mark.parametrize("user_name", ["head", "school_admin", "analyst"])
def test_readers_who_do_not_plan_cannot_copy(world, school_map, user_name):
    with pytest.raises(PermissionDenied) as excinfo:
        services.roadmap_copy(source=school_map, user=world.users[user_name])
    assert messages_of(excinfo) == "Дорожные карты школ ведёт методист муниципалитета."
    assert Roadmap.objects.count() == 1


@pytest.mark.parametrize("user_name", ["mentor", "tutor", "nobody"])
def test_users_who_do_not_see_the_roadmap_cannot_copy(world, municipal, user_name):
    with pytest.raises(PermissionDenied) as excinfo:
        services.roadmap_copy(source=municipal, user=world.users[user_name])
    assert messages_of(excinfo) == "Нет доступа к этой дорожной карте."
    assert Roadmap.objects.count() == 1


def test_methodist_of_another_municipality_cannot_copy(world):
    source = roadmap_of(world.mun_b)
    with pytest.raises(PermissionDenied):
        services.roadmap_copy(source=source, user=world.users["methodist"])
    assert Roadmap.objects.count() == 1


def test_copy_is_all_or_nothing(world, full_roadmap, monkeypatch):
    calls = []
    original = RoadmapItem.objects.create

    def create_then_fail(**kwargs):
        calls.append(kwargs["number"])
        if len(calls) == 3:
            raise RuntimeError("сбой базы")
        return original(**kwargs)

    monkeypatch.setattr(RoadmapItem.objects, "create", create_then_fail)
    with pytest.raises(RuntimeError):
        services.roadmap_copy(source=full_roadmap, user=world.users["methodist"])
    assert Roadmap.objects.count() == 1
    assert RoadmapItem.objects.count() == 5


# --- item_save (planning) ------------------------------------------------------------------------------


def test_methodist_adds_items_at_the_end(world, municipal):
    user = world.users["methodist"]
    first = services.item_save(
        roadmap=municipal,
        user=user,
        number=" 1 ",
        activity="  Утверждение плана мероприятий ",
        start_date=D(2027, 3, 1),
        end_date=D(2027, 4, 30),
        responsible_text=" Отдел образования ",
        result_kind="order",
        responsible_users=[world.users["head"]],
    )
    second = services.item_save(roadmap=municipal, user=user, number="2", activity="Совещание", all_year=True)
    first.refresh_from_db()
    assert (first.number, first.activity, first.responsible_text, first.position) == (
        "1",
        "Утверждение плана мероприятий",
        "Отдел образования",
        1,
    )
    assert (first.start_date, first.end_date, first.status, first.result_kind) == (
        D(2027, 3, 1),
        D(2027, 4, 30),
        "planned",
        "order",
    )
    assert list(first.responsible_users.all()) == [world.users["head"]]
    assert (second.position, second.all_year, second.dates_label) == (2, True, "в течение года")
    assert not second.responsible_users.exists()


def test_methodist_changes_an_item_and_its_responsible_people(world, municipal):
    item = item_of(municipal, "1", end_date=D(2027, 5, 31))
    item.responsible_users.set([world.users["head"]])
    saved = services.item_save(
        roadmap=municipal,
        item=item,
        user=world.users["methodist"],
        end_date=D(2027, 6, 30),
        note="срок продлён приказом",
        responsible_users=[world.users["school_admin"]],
    )
    saved.refresh_from_db()
    assert (saved.pk, saved.end_date, saved.note, saved.position) == (
        item.pk,
        D(2027, 6, 30),
        "срок продлён приказом",
        1,
    )
    assert list(saved.responsible_users.all()) == [world.users["school_admin"]]
    # responsible_users left out: the people stay
    services.item_save(roadmap=municipal, item=item, user=world.users["methodist"], number="1.")
    assert list(item.responsible_users.all()) == [world.users["school_admin"]]


def test_methodist_plans_a_school_roadmap(world, school_map):
    item = services.item_save(
        roadmap=school_map, user=world.users["methodist"], number="1", activity="Анализ"
    )
    assert item.roadmap == school_map


@pytest.mark.parametrize("user_name", ["head", "school_admin", "analyst", "mentor", "nobody"])
def test_only_the_methodist_plans(world, municipal, school_map, user_name):
    user = world.users[user_name]
    with pytest.raises(PermissionDenied) as excinfo:
        services.item_save(roadmap=municipal, user=user, number="1", activity="Анализ")
    assert messages_of(excinfo) == "Дорожную карту муниципалитета ведёт его методист."
    with pytest.raises(PermissionDenied) as excinfo:
        services.item_save(roadmap=school_map, user=user, number="1", activity="Анализ")
    assert messages_of(excinfo) == "Дорожные карты школ ведёт методист муниципалитета."
    assert not RoadmapItem.objects.exists()


def test_a_responsible_person_does_not_plan(world, municipal):
    item = item_of(municipal, "1", activity="Совещание")
    item.responsible_users.set([world.users["head"]])
    with pytest.raises(PermissionDenied):
        services.item_save(roadmap=municipal, item=item, user=world.users["head"], activity="Другое")
    item.refresh_from_db()
    assert item.activity == "Совещание"


def test_methodist_of_another_municipality_does_not_plan(world):
    roadmap = roadmap_of(world.mun_b)
    with pytest.raises(PermissionDenied):
        services.item_save(roadmap=roadmap, user=world.users["methodist"], number="1", activity="Анализ")


def test_item_of_another_roadmap_is_refused(world, municipal, school_map):
    item = item_of(school_map, "1", activity="Анализ")
    with pytest.raises(PermissionDenied) as excinfo:
        services.item_save(roadmap=municipal, item=item, user=world.users["methodist"], activity="Другое")
    assert messages_of(excinfo) == "Пункт относится к другой дорожной карте."
    item.refresh_from_db()
    assert (item.roadmap, item.activity) == (school_map, "Анализ")


def test_item_period_out_of_order_is_refused(world, municipal):
    with pytest.raises(ValidationError) as excinfo:
        services.item_save(
            roadmap=municipal,
            user=world.users["methodist"],
            number="1",
            activity="Анализ",
            start_date=D(2027, 5, 1),
            end_date=D(2027, 4, 30),
        )
    assert messages_of(excinfo) == "Срок заканчивается (30.04.2027) раньше, чем начинается (01.05.2027)."
    assert not RoadmapItem.objects.exists()


def test_changing_only_the_end_before_the_start_is_refused(world, municipal):
    item = item_of(municipal, "1", start_date=D(2027, 5, 1), end_date=D(2027, 5, 31))
    with pytest.raises(ValidationError) as excinfo:
        services.item_save(
            roadmap=municipal, item=item, user=world.users["methodist"], end_date=D(2027, 4, 1)
        )
    assert "Срок заканчивается раньше, чем начинается." in messages_of(excinfo)
    item.refresh_from_db()
    assert item.end_date == D(2027, 5, 31)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"number": "1", "activity": ""}, "activity"),
        ({"number": "", "activity": "Анализ"}, "number"),
        ({"number": "1" * 17, "activity": "Анализ"}, "number"),
        ({"number": "1", "activity": "Анализ", "result_kind": "poem"}, "result_kind"),
        ({"number": "1", "activity": "Анализ", "target_indicator": "x" * 256}, "target_indicator"),
    ],
)
def test_invalid_item_fields_are_refused(world, municipal, fields, field):
    with pytest.raises(ValidationError) as excinfo:
        services.item_save(roadmap=municipal, user=world.users["methodist"], **fields)
    assert field in excinfo.value.message_dict
    assert not RoadmapItem.objects.exists()


def test_unknown_item_field_is_a_programming_error(world, municipal):
    with pytest.raises(TypeError):
        services.item_save(
            roadmap=municipal, user=world.users["methodist"], number="1", activity="x", status="done"
        )
    assert not RoadmapItem.objects.exists()


# --- item_move (status) --------------------------------------------------------------------------------

NO_PROOF_YET = "Протокол совещания на подписи"  # «выполнено» without a document needs a reason (issue #20 §3)
UNCONFIRMED = (
    "Пункт отмечается выполненным с подтверждением: приложите документ или ссылку (кнопка «Приложить») "
    "или укажите в поле «Причина», почему подтверждения нет."
)


@pytest.mark.parametrize("reason", ["", "   "])
def test_done_without_evidence_or_a_reason_is_refused(world, school_map, reason):
    """The school admin marks an item of the school's roadmap «выполнено» with nothing attached: asked for a
    document, a link or a reason; nothing changes."""
    item = item_of(school_map, "1")
    with pytest.raises(ValidationError) as excinfo:
        services.item_move(item=item, status="done", user=world.users["school_admin"], reason=reason)
    assert messages_of(excinfo) == UNCONFIRMED
    item.refresh_from_db()
    assert (item.status, item.completed_on, item.status_reason) == ("planned", None, "")


def test_done_with_a_reason_keeps_the_reason_until_evidence_comes(world, school_map):
    item = item_of(school_map, "1")
    admin = world.users["school_admin"]
    services.item_move(item=item, status="done", user=admin, reason="  " + NO_PROOF_YET + " ")
    item.refresh_from_db()
    assert (item.status, item.status_reason) == ("done", NO_PROOF_YET)
    # Saved again as done, the reason stays; once a document is attached, a new save drops it.
    services.item_move(item=item, status="done", user=admin)
    item.refresh_from_db()
    assert item.status_reason == NO_PROOF_YET
    services.evidence_add(item=item, user=admin, name="Протокол № 3", link="https://school.example.ru/p3")
    services.item_move(item=item, status="done", user=admin)
    item.refresh_from_db()
    assert (item.status, item.status_reason) == ("done", "")


def test_done_with_evidence_needs_no_reason(world, school_map):
    item = item_of(school_map, "1")
    admin = world.users["school_admin"]
    services.evidence_add(item=item, user=admin, name="Приказ № 45", link="https://school.example.ru/45")
    services.item_move(item=item, status="done", user=admin, reason="лишнее")
    item.refresh_from_db()
    assert (item.status, item.status_reason) == ("done", "")  # the reason belongs to unconfirmed items only


def test_methodist_moves_an_item_through_its_life(world, municipal):
    user = world.users["methodist"]
    item = item_of(municipal, "1")
    today = timezone.localdate()

    item = services.item_move(item=item, status="in_progress", user=user)
    assert (item.status, item.completed_on) == ("in_progress", None)

    item = services.item_move(item=item, status="postponed", user=user, reason="  письмо министерства  ")
    item.refresh_from_db()
    assert (item.status, item.status_reason) == ("postponed", "письмо министерства")

    item = services.item_move(item=item, status="done", user=user, reason=NO_PROOF_YET)
    item.refresh_from_db()
    assert (item.status, item.completed_on, item.status_reason) == ("done", today, NO_PROOF_YET)

    item = services.item_move(item=item, status="in_progress", user=user)  # reopened
    item.refresh_from_db()
    assert (item.status, item.completed_on) == ("in_progress", None)


def test_done_on_a_given_day(world, municipal):
    item = item_of(municipal, "1")
    item = services.item_move(
        item=item,
        status="done",
        user=world.users["methodist"],
        completed_on=D(2025, 3, 1),
        reason=NO_PROOF_YET,
    )
    item.refresh_from_db()
    assert item.completed_on == D(2025, 3, 1)
    # saved again as done without a day: the day stays; with a day: it changes
    services.item_move(item=item, status="done", user=world.users["methodist"])
    item.refresh_from_db()
    assert item.completed_on == D(2025, 3, 1)
    services.item_move(item=item, status="done", user=world.users["methodist"], completed_on=D(2025, 3, 2))
    item.refresh_from_db()
    assert item.completed_on == D(2025, 3, 2)


def test_done_in_the_future_is_refused(world, municipal):
    item = item_of(municipal, "1")
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as excinfo:
        services.item_move(
            item=item,
            status="done",
            user=world.users["methodist"],
            completed_on=tomorrow,
            reason=NO_PROOF_YET,
        )
    assert messages_of(excinfo) == "Дата выполнения ещё не наступила."
    item.refresh_from_db()
    assert (item.status, item.completed_on) == ("planned", None)


def test_completed_on_is_ignored_for_other_statuses(world, municipal):
    item = item_of(municipal, "1")
    item = services.item_move(
        item=item, status="in_progress", user=world.users["methodist"], completed_on=D(2027, 3, 1)
    )
    item.refresh_from_db()
    assert item.completed_on is None


@pytest.mark.parametrize("status", ["postponed", "cancelled"])
@pytest.mark.parametrize("reason", ["", "   "])
def test_postponing_and_cancelling_need_a_reason(world, municipal, status, reason):
    item = item_of(municipal, "1")
    with pytest.raises(ValidationError) as excinfo:
        services.item_move(item=item, status=status, user=world.users["methodist"], reason=reason)
    assert messages_of(excinfo) == "Укажите причину переноса или отмены."
    item.refresh_from_db()
    assert (item.status, item.status_reason) == ("planned", "")


def test_saving_a_postponed_item_again_keeps_its_reason(world, municipal):
    item = item_of(municipal, "1", status="postponed", status_reason="письмо министерства")
    services.item_move(item=item, status="postponed", user=world.users["methodist"])
    item.refresh_from_db()
    assert (item.status, item.status_reason) == ("postponed", "письмо министерства")
    services.item_move(item=item, status="postponed", user=world.users["methodist"], reason="новая причина")
    item.refresh_from_db()
    assert item.status_reason == "новая причина"


@pytest.mark.parametrize(
    ("current", "new"),
    [
        ("in_progress", "planned"),
        ("done", "planned"),
        ("done", "cancelled"),
        ("cancelled", "done"),
        ("planned", "x"),
    ],
)
def test_a_move_off_the_table_is_refused(world, municipal, current, new):
    item = item_of(municipal, "1", status=current, completed_on=D(2027, 3, 1) if current == "done" else None)
    with pytest.raises(ValidationError) as excinfo:
        services.item_move(item=item, status=new, user=world.users["methodist"], reason="причина")
    assert messages_of(excinfo) == "Такой переход статуса не предусмотрен."
    item.refresh_from_db()
    assert item.status == current


def test_a_stale_item_object_is_moved_from_its_stored_status(world, municipal):
    item = item_of(municipal, "1")
    stale = RoadmapItem.objects.get(pk=item.pk)
    services.item_move(item=item, status="cancelled", user=world.users["methodist"], reason="не требуется")
    with pytest.raises(ValidationError):
        services.item_move(item=stale, status="done", user=world.users["methodist"])  # stale says «planned»
    item.refresh_from_db()
    assert item.status == "cancelled"


def test_school_admin_moves_items_of_their_schools_roadmap(world, school_map):
    item = item_of(school_map, "1")
    services.item_move(item=item, status="in_progress", user=world.users["school_admin"])
    item.refresh_from_db()
    assert item.status == "in_progress"


def test_school_admin_does_not_move_other_items(world, municipal):
    other_school = roadmap_of(world.mun_a, world.school_a2)
    for roadmap in (municipal, other_school, roadmap_of(world.mun_b, world.school_b1)):
        item = item_of(roadmap, "1")
        with pytest.raises(PermissionDenied) as excinfo:
            services.item_move(item=item, status="in_progress", user=world.users["school_admin"])
        assert messages_of(excinfo) == (
            "Отмечать выполнение могут ответственные, администратор школы и методист."
        )
        item.refresh_from_db()
        assert item.status == "planned"


@pytest.mark.parametrize("user_name", ["head", "analyst", "mentor", "tutor", "nobody"])
def test_others_do_not_move(world, municipal, school_map, user_name):
    for roadmap in (municipal, school_map):
        item = item_of(roadmap, "1")
        with pytest.raises(PermissionDenied):
            services.item_move(item=item, status="in_progress", user=world.users[user_name])
        item.refresh_from_db()
        assert item.status == "planned"


@pytest.mark.parametrize("user_name", ["regional_methodist", "superuser"])
def test_regional_methodist_and_superuser_move(world, user_name):
    item = item_of(roadmap_of(world.mun_b, world.school_b1), "1")
    services.item_move(item=item, status="done", user=world.users[user_name], reason=NO_PROOF_YET)
    item.refresh_from_db()
    assert item.status == "done"


@pytest.mark.parametrize("user_name", ["head", "school_admin", "mentor"])
def test_a_responsible_person_moves_the_item(world, municipal, user_name):
    user = world.users[user_name]
    item = item_of(municipal, "1")
    other = item_of(municipal, "2")
    item.responsible_users.set([user])
    services.item_move(item=item, status="done", user=user, completed_on=D(2025, 3, 1), reason=NO_PROOF_YET)
    item.refresh_from_db()
    assert (item.status, item.completed_on) == ("done", D(2025, 3, 1))
    with pytest.raises(PermissionDenied):  # only the items naming them
        services.item_move(item=other, status="done", user=user)


def test_a_responsible_person_is_held_to_the_same_rules(world, municipal):
    item = item_of(municipal, "1")
    item.responsible_users.set([world.users["head"]])
    with pytest.raises(ValidationError):
        services.item_move(item=item, status="cancelled", user=world.users["head"])


def test_anonymous_does_not_move(world, municipal):
    from django.contrib.auth.models import AnonymousUser

    item = item_of(municipal, "1")
    with pytest.raises(PermissionDenied):
        services.item_move(item=item, status="done", user=AnonymousUser())


# --- evidence_add --------------------------------------------------------------------------------------


def test_methodist_attaches_a_pdf(world, municipal, media):
    item = item_of(municipal, "1")
    upload = SimpleUploadedFile("Приказ 45.pdf", PDF, content_type="application/pdf")
    evidence = services.evidence_add(item=item, user=world.users["methodist"], upload=upload)
    evidence.refresh_from_db()
    assert (evidence.item, evidence.name, evidence.link, evidence.uploaded_by) == (
        item,
        "Приказ 45.pdf",
        "",
        world.users["methodist"],
    )
    assert evidence.file.name.startswith(f"roadmaps/{municipal.pk}/")
    assert evidence.file.name.endswith(".pdf")
    assert "Приказ" not in evidence.file.name  # the stored name is random, not the user's
    with evidence.file.open("rb") as handle:
        assert handle.read() == PDF


def test_evidence_with_a_name_and_a_link(world, municipal):
    item = item_of(municipal, "1")
    evidence = services.evidence_add(
        item=item, user=world.users["methodist"], name="Протокол совещания", link="https://obliv-edu.ru/p/17"
    )
    assert (evidence.name, evidence.link, bool(evidence.file)) == (
        "Протокол совещания",
        "https://obliv-edu.ru/p/17",
        False,
    )
    link_only = services.evidence_add(
        item=item, user=world.users["methodist"], link="https://obliv-edu.ru/p/18"
    )
    assert link_only.name == "https://obliv-edu.ru/p/18"


def test_evidence_needs_a_file_or_a_link(world, municipal):
    item = item_of(municipal, "1")
    with pytest.raises(ValidationError) as excinfo:
        services.evidence_add(item=item, user=world.users["methodist"], name="Приказ")
    assert messages_of(excinfo) == "Приложите файл или укажите ссылку."
    assert not ItemEvidence.objects.exists()


def test_renamed_exe_is_refused(world, municipal, media):
    item = item_of(municipal, "1")
    upload = SimpleUploadedFile("Приказ.pdf", EXE, content_type="application/pdf")
    with pytest.raises(ValidationError) as excinfo:
        services.evidence_add(item=item, user=world.users["methodist"], upload=upload)
    assert "«Приказ.pdf» не похож на документ допустимого вида (PDF, DOCX, XLSX, JPG, PNG)" in messages_of(
        excinfo
    )
    assert not ItemEvidence.objects.exists()
    assert not [path for path in media.rglob("*") if path.is_file()]  # nothing stored


def test_text_pretending_to_be_a_pdf_is_refused(world, municipal):
    item = item_of(municipal, "1")
    upload = SimpleUploadedFile("Протокол.pdf", "Протокол совещания".encode(), content_type="application/pdf")
    with pytest.raises(ValidationError):
        services.evidence_add(item=item, user=world.users["methodist"], upload=upload)
    assert not ItemEvidence.objects.exists()


@pytest.mark.parametrize("link", ["javascript:alert(1)", "не ссылка", "file:///etc/passwd"])
def test_bad_link_is_refused(world, municipal, link):
    item = item_of(municipal, "1")
    with pytest.raises(ValidationError) as excinfo:
        services.evidence_add(item=item, user=world.users["methodist"], link=link)
    assert "link" in excinfo.value.message_dict
    assert not ItemEvidence.objects.exists()


def test_school_admin_and_a_responsible_person_attach_evidence(world, municipal, school_map):
    school_item = item_of(school_map, "1")
    services.evidence_add(item=school_item, user=world.users["school_admin"], link="https://school.ru/1")
    item = item_of(municipal, "1")
    item.responsible_users.set([world.users["head"]])
    services.evidence_add(item=item, user=world.users["head"], link="https://obliv-edu.ru/1")
    assert ItemEvidence.objects.count() == 2


@pytest.mark.parametrize("user_name", ["head", "school_admin", "analyst", "nobody"])
def test_others_do_not_attach_evidence(world, municipal, user_name):
    item = item_of(municipal, "1")
    upload = SimpleUploadedFile("Приказ.pdf", PDF, content_type="application/pdf")
    with pytest.raises(PermissionDenied) as excinfo:
        services.evidence_add(item=item, user=world.users[user_name], upload=upload)
    assert messages_of(excinfo) == (
        "Прикладывать подтверждения могут ответственные, администратор школы и методист."
    )
    assert not ItemEvidence.objects.exists()
