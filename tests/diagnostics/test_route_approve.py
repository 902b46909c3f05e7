"""Approving an ИОМ shows what will be fixed and asks to confirm, on the server (issue #20 §3)."""

import datetime
import importlib

import pytest
from django.apps import apps as django_apps
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from diagnostics import services
from diagnostics.models import Route, RouteStatus
from tests.factories import TeacherFactory

pytestmark = pytest.mark.django_db

CONFIRM_REQUIRED = (
    "Отметьте, что вы проверили ИОМ: после утверждения его строки попадут в квартальные формы школы."
)


@pytest.fixture
def draft(world) -> Route:
    importlib.import_module("diagnostics.migrations.0002_seed_activity_kinds").seed(django_apps, None)
    methodist = world.users["methodist"]
    today = timezone.localdate()
    campaign = services.campaign_create(
        municipality=world.mun_a,
        name="Октябрьская диагностика",
        instrument="Платформа",
        start_date=today - datetime.timedelta(days=20),
        end_date=today - datetime.timedelta(days=10),
        schools=[world.school_a1],
        user=methodist,
    )
    teacher = TeacherFactory(
        school=world.school_a1, last_name="Петрова", first_name="Анна", middle_name="Ивановна"
    )
    services.results_set(
        campaign=campaign,
        teacher=teacher,
        scores={b.pk: (30 if b.code == "subject" else 90) for b in campaign.blocks.all()},
        user=methodist,
    )
    route = services.route_draft(
        teacher=teacher, campaign=campaign, school_year=2026, user=methodist, today=today
    )
    # Two lines in two quarters, so the page names a period: IV 2026 and II 2027.
    (first,) = route.lines.all()
    route.lines.update(due_year=2026, due_quarter=4)
    services.route_line_save(
        route=route,
        user=methodist,
        deficit=first.deficit,
        task="Посетить уроки наставника",
        activity=first.activity,
        due_year=2027,
        due_quarter=2,
    )
    return route


def test_the_page_shows_what_will_be_fixed(client, world, draft):
    client.force_login(world.users["methodist"])
    response = client.get(reverse("diagnostics:route_approve", args=[draft.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    summary = html.split('id="approve-summary">', 1)[1].split("</dl>", 1)[0]
    n = draft.lines.count()
    assert n == 2
    assert "<dt>Педагог</dt><dd>Петрова Анна Ивановна</dd>" in summary
    assert f"<dt>Школа</dt><dd>{world.school_a1.display_name}</dd>" in summary
    assert "<dt>Учебный год</dt><dd>2026/27</dd>" in summary
    assert "<dt>По результатам диагностики</dt><dd>Октябрьская диагностика" in summary
    assert "<dt>Строк</dt><dd>2 строки</dd>" in summary
    assert "<dt>Сроки</dt><dd>4 квартал 2026 г. — 2 квартал 2027 г.</dd>" in summary
    assert 'name="confirm"' in html and "Я проверил(а) строки ИОМ и утверждаю его" in html
    draft.refresh_from_db()
    assert draft.status == RouteStatus.DRAFT  # a GET fixes nothing


def test_without_the_box_ticked_nothing_is_approved(client, world, draft):
    client.force_login(world.users["methodist"])
    response = client.post(reverse("diagnostics:route_approve", args=[draft.pk]), {})
    assert response.status_code == 400
    assert response.context["form"].errors == {"confirm": [CONFIRM_REQUIRED]}
    assert CONFIRM_REQUIRED in response.content.decode()
    draft.refresh_from_db()
    assert (draft.status, draft.approved_by, draft.approved_at) == (RouteStatus.DRAFT, None, None)


def test_with_the_box_ticked_the_route_is_approved(client, world, draft):
    client.force_login(world.users["methodist"])
    response = client.post(reverse("diagnostics:route_approve", args=[draft.pk]), {"confirm": "on"})
    assert response.status_code == 302
    assert response["Location"] == reverse("diagnostics:route_detail", args=[draft.pk])
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "ИОМ утверждён: его строки появятся в квартальных формах школы."
    ]
    draft.refresh_from_db()
    assert (draft.status, draft.approved_by) == (RouteStatus.APPROVED, world.users["methodist"])
    # Opened again, the page sends back to the route.
    again = client.get(reverse("diagnostics:route_approve", args=[draft.pk]))
    assert again.status_code == 302
    assert [str(m) for m in get_messages(again.wsgi_request)][-1] == "ИОМ уже утверждён."


def test_a_route_without_lines_is_refused_beside_the_box(client, world, draft):
    draft.lines.all().delete()
    client.force_login(world.users["methodist"])
    response = client.post(reverse("diagnostics:route_approve", args=[draft.pk]), {"confirm": "on"})
    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == ["В ИОМ нет ни одной строки."]
    assert "<dt>Строк</dt><dd>0 строк</dd>" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == RouteStatus.DRAFT


@pytest.mark.parametrize("role", ["head", "school_admin", "mentor", "analyst", "nobody"])
def test_who_may_not_approve_gets_404_and_nothing_changes(client, world, draft, role):
    client.force_login(world.users[role])
    url = reverse("diagnostics:route_approve", args=[draft.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"confirm": "on"}).status_code == 404
    draft.refresh_from_db()
    assert draft.status == RouteStatus.DRAFT


def test_the_route_page_links_to_the_confirmation(client, world, draft):
    client.force_login(world.users["methodist"])
    html = client.get(reverse("diagnostics:route_detail", args=[draft.pk])).content.decode()
    url = reverse("diagnostics:route_approve", args=[draft.pk])
    assert f'<a class="button button--primary" href="{url}">Утвердить ИОМ…</a>' in html
