"""The audit: change history of the working data (who, when, before → after), its scope, and the sign-in journal."""

import datetime
import html
import importlib
from contextlib import contextmanager

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from simple_history.models import HistoricalRecords

from core.models import AuthEvent, RoleAssignment, User
from core.navigation import menu_for
from core.selectors_audit import AuditFilter, audit_sources, change_rows
from mentoring.models import MentorAssignment
from mentoring.services import mentor_assign, order_create
from reports.models import Report, ReportKind, ReportStatus
from reports.services import report_return
from roadmaps import services as roadmap_services
from roadmaps.models import Roadmap, RoadmapItem
from schools.flags import flags_recompute
from schools.models import ApprovedListEntry, VprScale
from schools.services import approved_list_create
from tests.builders.schools import add
from tests.conftest import PASSWORD
from tests.factories import user_with_role

pytestmark = [pytest.mark.django_db, pytest.mark.history]  # the audit reads the change history

AUDIT = reverse("audit:changes")
LOGINS = reverse("audit:logins")
DAY = datetime.date(2026, 9, 1)


@contextmanager
def acting_as(user):
    """What HistoryRequestMiddleware does for a request: the history names ``user`` as the author."""
    request = RequestFactory().post("/")
    request.user = user
    HistoricalRecords.context.request = request
    try:
        yield
    finally:
        del HistoricalRecords.context.request


def page(client, reader, url=AUDIT, **params) -> str:
    """The page's text, without tags and with whitespace collapsed."""
    client.force_login(reader)
    response = client.get(url, params)
    assert response.status_code == 200
    return " ".join(html.unescape(strip_tags(response.content.decode())).split())


def roadmap(world, municipality, title, user="methodist"):
    return roadmap_services.roadmap_create(
        municipality=municipality,
        title=title,
        period_start=datetime.date(2026, 1, 1),
        period_end=datetime.date(2026, 12, 31),
        user=world.users[user],
    )


def item(world, owner, activity="Семинар для учителей математики", user="methodist"):
    return roadmap_services.item_save(roadmap=owner, user=world.users[user], number="1", activity=activity)


# --- what is recorded, and by whom ----------------------------------------------------------------------


@pytest.fixture
def approved(world):
    add(world.school_a1, "ОГЭ", "математика", 9, 2021, 27, 50)
    add(world.school_a1, "ОГЭ", "русский язык", 9, 2021, 31, 100)
    add(world.school_a2, "ОГЭ", "математика", 9, 2021, 40, 100)
    flags_recompute(list_year=2022)
    return approved_list_create(
        municipality=world.mun_a,
        list_year=2022,
        order_number="45-о",
        order_date=datetime.date(2022, 3, 1),
        user=world.users["methodist"],
    )


def test_excluding_a_school_on_the_page_is_recorded_with_its_author(client, world, approved):
    methodist = world.users["methodist"]
    entry = ApprovedListEntry.objects.get(approved_list=approved, school=world.school_a1)
    client.force_login(methodist)

    response = client.post(
        reverse("schools:approved_list_inclusion", args=[approved.pk, world.school_a1.pk]),
        {"included": "0", "reason": "Положительная динамика ВПР"},
    )

    assert response.status_code == 302
    created, changed = entry.history.order_by("history_date", "history_id")
    # The list's starting entries are bulk-created, with their history.
    assert (created.history_type, created.history_user_id, created.included) == ("+", methodist.pk, True)
    assert (changed.history_type, changed.history_user_id, changed.included) == ("~", methodist.pk, False)
    assert changed.reason == "Положительная динамика ВПР"


def test_the_page_shows_who_changed_what_before_and_after(client, world, approved):
    client.force_login(world.users["methodist"])
    client.post(
        reverse("schools:approved_list_inclusion", args=[approved.pk, world.school_a1.pk]),
        {"included": "0", "reason": "Положительная динамика ВПР"},
    )

    text = page(client, world.users["head"])

    assert "Иванова Мария Петровна (methodist)" in text
    assert "Школа в перечне" in text
    assert "МБОУ «Каштановская СОШ» — перечень 2022 года" in text
    assert "изменено" in text
    assert "Включена в перечень: да → нет" in text
    assert "Основание ручного решения: — → Положительная динамика ВПР" in text
    # A creation lists the values it started with.
    assert "создано" in text
    assert "Номер приказа: 45-о" in text


def test_a_roadmap_item_status_move_is_recorded(client, world):
    methodist = world.users["methodist"]
    entry = item(world, roadmap(world, world.mun_a, "Дорожная карта Обливского района"))

    with acting_as(methodist):
        roadmap_services.item_move(item=entry, status="in_progress", user=methodist)

    latest = entry.history.latest()
    assert (latest.history_type, latest.history_user_id, latest.status) == ("~", methodist.pk, "in_progress")
    text = page(client, methodist)
    assert "Статус: запланировано → в работе" in text
    assert "1. Семинар для учителей математики (Дорожная карта Обливского района)" in text


def test_responsible_people_of_an_item_are_part_of_its_history(client, world):
    entry = item(world, roadmap(world, world.mun_a, "Карта"))

    roadmap_services.item_save(
        roadmap=entry.roadmap,
        item=entry,
        user=world.users["methodist"],
        responsible_users=[world.users["head"]],
    )

    assert "Ответственные пользователи: — → Иванова Мария Петровна" in page(client, world.users["methodist"])


def test_a_mentor_assignment_and_its_order_are_recorded(client, world):
    methodist = world.users["methodist"]
    with acting_as(methodist):
        order = order_create(municipality=world.mun_a, number="12-н", date=DAY, user=methodist)
        assignment = mentor_assign(
            order=order,
            school=world.school_a1,
            start_date=DAY,
            mentor_user=world.users["mentor"],
            user=methodist,
        )

    record = assignment.history.get()
    assert (record.history_type, record.history_user_id) == ("+", methodist.pk)
    text = page(client, methodist)
    assert "Назначение наставника" in text
    assert "приказ № 12-н от 01.09.2026" in text
    assert "Школа: МБОУ «Каштановская СОШ»" in text


def test_a_report_returned_by_the_head_is_recorded(client, world):
    head = world.users["head"]
    report = Report.objects.create(
        kind=ReportKind.TERRITORY,
        region=world.region,
        municipality=world.mun_a,
        year=2025,
        requested_by=world.users["methodist"],
        status=ReportStatus.READY,
    )

    with acting_as(head):
        report_return(user=head, report=report, comment="Уточните выводы")

    assert report.history.latest().history_user_id == head.pk
    assert "Состояние: готов, на утверждении → возвращён на доработку" in page(client, head)


def test_the_password_hash_and_sign_ins_stay_out_of_user_history(client, world):
    methodist = world.users["methodist"]
    before = methodist.history.count()

    client.post(reverse("login"), {"username": "methodist", "password": PASSWORD})

    assert "password" not in {f.name for f in User.history.model._meta.fields}
    assert "last_login" not in {f.name for f in User.history.model._meta.fields}
    assert methodist.history.count() == before  # last_login moved, nothing tracked did


def test_without_a_request_the_system_is_the_author(client, world):
    entry = item(world, roadmap(world, world.mun_a, "Карта"))

    assert entry.history.get().history_user_id is None
    assert "система" in page(client, world.users["methodist"])


# --- scope ------------------------------------------------------------------------------------------------


def test_a_methodist_sees_their_municipality_only(client, world):
    item(world, roadmap(world, world.mun_a, "Карта района А"))
    item(
        world,
        roadmap(world, world.mun_b, "Карта района Б", user="regional_methodist"),
        activity="Чужой пункт",
        user="regional_methodist",
    )

    mine = page(client, world.users["methodist"])
    everything = page(client, world.users["regional_methodist"])
    superuser = page(client, world.users["superuser"])

    assert "Карта района А" in mine and "Карта района Б" not in mine and "Чужой пункт" not in mine
    assert "Карта района А" in everything and "Карта района Б" in everything
    assert "Чужой пункт" in superuser


def test_deleted_objects_stay_in_their_municipalitys_audit(client, world):
    owner = roadmap(world, world.mun_a, "Удалённая карта")
    item(world, owner, activity="Удалённый пункт")
    pk = owner.pk

    owner.delete()

    assert not Roadmap.objects.filter(pk=pk).exists()
    assert RoadmapItem.history.filter(history_type="-").count() == 1
    text = page(client, world.users["methodist"])
    assert text.count("удалено") == 2
    assert "1. Удалённый пункт (Удалённая карта)" in text
    assert "Удалённая карта" not in page(client, user_with_role("methodist", world.mun_b, username="b"))


def test_user_and_role_changes_are_seen_by_the_staff_of_the_users_territory(client, world):
    newcomer = user_with_role("school_admin", world.school_a2, username="newcomer", last_name="Новикова")
    stranger = user_with_role("school_admin", world.school_b1, username="stranger", last_name="Чужая")

    mine = page(client, world.users["methodist"], source="core.roleassignment")
    assert "Администратор школы: МБОУ «Солонецкая СОШ»" in mine
    assert "МБОУ «Тацинская СОШ №1»" not in mine
    users = page(client, world.users["methodist"], source="core.user")
    assert newcomer.username in users and stranger.username not in users


@pytest.mark.parametrize("user_name", ["school_admin", "mentor", "tutor", "analyst", "nobody"])
def test_others_are_refused(client, world, user_name):
    client.force_login(world.users[user_name])

    assert client.get(AUDIT).status_code == 403
    assert client.get(LOGINS).status_code == 403
    assert "Журнал изменений" not in [item.title for item in menu_for(world.users[user_name])]


@pytest.mark.parametrize("user_name", ["methodist", "head", "regional_methodist", "superuser"])
def test_staff_have_it_in_the_menu(world, user_name):
    assert "Журнал изменений" in [item.title for item in menu_for(world.users[user_name])]


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(AUDIT)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- nobody edits it --------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [AUDIT, LOGINS])
def test_the_audit_cannot_be_posted_to(client, world, url):
    client.force_login(world.users["superuser"])

    assert client.post(url, {"anything": "1"}).status_code == 405


def test_the_admin_cannot_add_or_change_history(rf, world):
    historical = [source.history_model for source in audit_sources()]
    request = rf.get("/admin/")
    request.user = world.users["superuser"]

    assert not [model for model in historical if admin.site.is_registered(model)]
    assert not Permission.objects.filter(content_type__model__startswith="historical").exclude(
        codename__startswith="view_"
    )
    auth_admin = admin.site._registry[AuthEvent]
    assert not auth_admin.has_add_permission(request)
    assert not auth_admin.has_change_permission(request)
    assert not auth_admin.has_delete_permission(request)


# --- filters ----------------------------------------------------------------------------------------------


def test_filters_by_model_user_and_dates(client, world):
    with acting_as(world.users["head"]):
        item(world, roadmap(world, world.mun_a, "Карта руководителя"))
    with acting_as(world.users["methodist"]):
        order_create(municipality=world.mun_a, number="7-н", date=DAY, user=world.users["methodist"])
    methodist = world.users["methodist"]

    orders = page(client, methodist, source="mentoring.order")
    assert "приказ № 7-н" in orders and "Карта руководителя" not in orders
    by_head = page(client, methodist, user="head")
    assert "Карта руководителя" in by_head and "приказ № 7-н" not in by_head
    today = timezone.localdate().isoformat()
    assert "приказ № 7-н" in page(client, methodist, date_from=today, date_to=today)
    assert "Изменений не найдено" in page(client, methodist, date_to="2000-01-01")


# --- queries ----------------------------------------------------------------------------------------------


def _changes(world, first: int, count: int) -> None:
    methodist = world.users["methodist"]
    with acting_as(methodist):
        for n in range(first, first + count):
            entry = item(world, roadmap(world, world.mun_a, f"Карта {n}"), activity=f"Пункт {n}")
            entry = roadmap_services.item_move(item=entry, status="in_progress", user=methodist)
            roadmap_services.item_save(
                roadmap=entry.roadmap, item=entry, user=methodist, responsible_users=[world.users["head"]]
            )
            order = order_create(municipality=world.mun_a, number=f"{n}-н", date=DAY, user=methodist)
            assignment = MentorAssignment(
                order=order, school=world.school_a1, mentor_school=world.school_a2, start_date=DAY
            )
            assignment.save()
            assignment.end_note = f"Окончание {n}"
            assignment.save()


def test_the_page_does_not_query_per_row(client, world, django_assert_num_queries):
    methodist = world.users["methodist"]
    client.force_login(methodist)
    _changes(world, 0, 2)
    with CaptureQueriesContext(connection) as few:
        client.get(AUDIT)
    _changes(world, 2, 10)

    with django_assert_num_queries(20), CaptureQueriesContext(connection) as many:  # 19 + the bell
        response = client.get(AUDIT)

    assert len(response.context["entries"]) == 50
    assert len(many) <= len(few)  # more rows, no more queries (the few rows span more models)


@pytest.mark.parametrize("user_name", ["methodist", "head", "superuser"])
def test_the_union_of_changes_orders_only_once(world, user_name):
    """SQLite refuses an ORDER BY inside a compound statement (the demo's 500, issue #17): the historical
    models' Meta ordering must not reach the union's parts; the union itself is ordered newest first."""
    rows = change_rows(world.users[user_name], AuditFilter())
    parts = rows.query.combined_queries
    assert len(parts) == len(audit_sources())
    assert [part.get_compiler("default").get_order_by() for part in parts] == [[]] * len(parts)
    assert rows.query.order_by == ("-history_date", "-audit_source", "-history_id")


# --- sign-ins ---------------------------------------------------------------------------------------------


def test_sign_in_and_out_are_recorded(client, world):
    client.post(
        reverse("login"), {"username": "methodist", "password": PASSWORD}, HTTP_USER_AGENT="Firefox/140.0"
    )
    client.post(reverse("logout"))

    events = list(AuthEvent.objects.order_by("at", "pk"))
    assert [(e.kind, e.user, e.username) for e in events] == [
        ("login", world.users["methodist"], "methodist"),
        ("logout", world.users["methodist"], "methodist"),
    ]
    assert (events[0].ip, events[0].user_agent) == ("127.0.0.1", "Firefox/140.0")


def test_failed_sign_ins_are_recorded_without_the_password(client, world):
    client.post(reverse("login"), {"username": "methodist", "password": "неверный-пароль-1"})
    client.post(reverse("login"), {"username": "no-such-user", "password": "неверный-пароль-2"})

    events = list(AuthEvent.objects.order_by("at", "pk"))
    assert [(e.kind, e.user, e.username) for e in events] == [
        ("failed", world.users["methodist"], "methodist"),
        ("failed", None, "no-such-user"),
    ]
    stored = " ".join(str(getattr(e, f.attname)) for e in events for f in AuthEvent._meta.fields)
    assert "неверный" not in stored


def test_the_sign_in_journal_follows_the_scope(client, world):
    outsider = user_with_role("methodist", world.mun_b, username="outsider")
    for username in ("school_admin", "outsider", "no-such-user"):
        client.post(reverse("login"), {"username": username, "password": "неверный-пароль"})

    mine = page(client, world.users["methodist"], url=LOGINS)
    everything = page(client, world.users["superuser"], url=LOGINS)

    assert "school_admin" in mine and outsider.username not in mine and "no-such-user" not in mine
    assert "school_admin" in everything and "outsider" in everything and "no-such-user" in everything
    client.force_login(world.users["superuser"])
    failed_only = client.get(LOGINS, {"kind": "failed"}).context["page_obj"]
    assert {event.kind for event in failed_only} == {"failed"}


def test_role_assignments_are_tracked(world):
    assert RoleAssignment.history.filter(user_id=world.users["methodist"].pk, history_type="+").exists()


def test_a_vpr_scale_change_is_recorded_and_seen_by_every_reader_of_the_audit(client, world):
    """A scale decides the marks of every region's protocols: its changes are audited, for every territory."""
    writer = world.users["regional_methodist"]
    client.force_login(writer)
    data = {"year": 2026, "subject": "Математика", "grade": 5, "three_from": 7, "four_from": 11}
    data |= {"five_from": 15, "max_score": 20, "source": "ФИОКО, таблица 5"}
    assert client.post(reverse("schools:vpr_scale_create"), data).status_code == 302
    scale = VprScale.objects.get(year=2026, subject_key="математика", grade=5)

    response = client.post(
        reverse("schools:vpr_scale_edit", kwargs={"pk": scale.pk}), data | {"four_from": 12}
    )

    assert response.status_code == 302
    created, changed = scale.history.order_by("history_date", "history_id")
    assert (created.history_type, created.history_user_id, created.four_from) == ("+", writer.pk, 11)
    assert (changed.history_type, changed.history_user_id, changed.four_from) == ("~", writer.pk, 12)
    # A municipal methodist (another territory than the writer's grant) sees the change too.
    text = page(client, world.users["methodist"])
    assert "ВПР 2026, Математика, 5 класс" in text
    assert f"{writer} (regional_methodist)" in text
    assert "«4» от: 11 → 12" in text


def test_the_scales_seeded_before_their_history_get_a_created_row(world):
    """Migration 0020: a seeded scale's first edit is then shown as before → after."""
    from django.apps import apps

    migration = importlib.import_module("schools.migrations.0020_vpr_scale_history")
    VprScale.history.model.objects.all().delete()

    migration.record_initial_history(apps, None)
    migration.record_initial_history(apps, None)  # a second run adds nothing

    rows = VprScale.history.model.objects.all()
    assert rows.count() == VprScale.objects.count() == 33
    assert set(rows.values_list("history_type", "history_user_id")) == {("+", None)}
