"""The path out of the list (issue #21 §1) where people read it: the school card, the API, each through the gate."""

import re

import pytest
from django.urls import reverse

from schools.flags import flags_recompute_years
from schools.models import FlagDecision
from tests.api.throttle import fresh_throttle_counters  # noqa: F401 — autouse: throttle counters at zero
from tests.builders.module import module_fixture
from tests.builders.schools import add

pytestmark = pytest.mark.django_db


@module_fixture
def listed(world):
    """List 2023: a1 ШНОР by criteria 1 and 2 (Каштановская, 002_…, and a low ВПР), other at risk, b1 without a flag."""
    a1, b1, other = world.school_a1, world.school_b1, world.school_other
    add(a1, "ОГЭ", "математика", 9, 2021, 27, 50)
    add(a1, "ОГЭ", "русский язык", 9, 2021, 31, 100)
    add(a1, "ОГЭ", "математика", 9, 2022, 43, 100)
    add(a1, "ВПР", "математика", 5, 2022, 5, 13)
    add(a1, "ЕГЭ", "русский язык", 11, 2022, 0, 9)
    add(b1, "ОГЭ", "математика", 9, 2022, 5, 100)
    add(other, "ОГЭ", "математика", 9, 2022, 31, 100)
    flags_recompute_years(years=[2022, 2023])
    return world


def section_html(response) -> str:
    html = response.content.decode()
    if 'id="path-out"' not in html:
        return ""
    start = html.index('id="path-out"')
    return html[start : html.index("</section>", start)]


def test_statuses_of_the_fixture(listed):
    assert {
        d.school.code: (d.status, d.criteria)
        for d in FlagDecision.objects.filter(list_year=2023, school__code__in=["sch610001", "sch610101"])
    } == {"sch610001": ("shnor", "1;2"), "sch610101": ("none", "")}


@pytest.mark.parametrize(
    "user", ["methodist", "regional_methodist", "head", "school_admin", "analyst", "superuser"]
)
def test_card_shows_the_path_out_to_whoever_sees_the_card(client, listed, user):
    client.force_login(listed.users[user])
    response = client.get(reverse("schools:detail", args=[listed.school_a1.pk]))
    assert response.status_code == 200
    section = section_html(response)
    assert "Как не войти в перечень 2024 года</h2>" in section
    assert (
        "<li>Чтобы не войти в перечень 2024 года, в 2023 году ни одна процедура не должна дать низкий "
        "результат.</li>"
    ) in section
    rows = re.findall(r"<td>([^<]+?)(?: <span class=\"small\">— обязательно</span>)?</td>\s*</tr>", section)
    assert rows == [
        "ВПР, математика, 5 кл.: не более 3 «2» из 13",
        "ЕГЭ, русский язык, 11 кл.: не более 2 ниже минимального балла из 9",
        "ОГЭ, математика, 9 кл.: не более 29 «2» из 100",
    ]
    assert section.count("— обязательно") == 3
    assert section.count("badge--warning") == 2  # ВПР 5 of 13 and ОГЭ 43 of 100 were low


def test_card_of_a_school_without_a_flag_has_no_path_out(client, listed):
    client.force_login(listed.users["superuser"])
    response = client.get(reverse("schools:detail", args=[listed.school_b1.pk]))
    assert response.status_code == 200
    assert section_html(response) == ""


def test_card_of_a_school_at_risk(client, listed):
    client.force_login(listed.users["superuser"])
    response = client.get(reverse("schools:detail", args=[listed.school_other.pk]))
    section = section_html(response)
    assert "ОГЭ, математика, 9 кл.: не более 29 «2» из 100" in section


def test_api_path_out_of_a_decision(client, listed):
    client.force_login(listed.users["methodist"])
    decision = FlagDecision.objects.get(school=listed.school_a1, list_year=2023)
    response = client.get(f"/api/v1/flags/{decision.pk}/path-out/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert {key: body[key] for key in body if key not in ("conditions", "limits")} == {
        "school": listed.school_a1.pk,
        "status": "shnor",
        "list_year": 2023,
        "next_list_year": 2024,
        "results_year": 2023,
        "base_year": 2022,
        "allowed_low": 0,
    }
    assert body["conditions"][0] == (
        "Чтобы не войти в перечень 2024 года, в 2023 году ни одна процедура не должна дать низкий результат."
    )
    assert [(limit["text"], limit["max_failed"], limit["failed"]) for limit in body["limits"]] == [
        ("ВПР, математика, 5 кл.: не более 3 «2» из 13", 3, 5),
        ("ЕГЭ, русский язык, 11 кл.: не более 2 ниже минимального балла из 9", 2, 0),
        ("ОГЭ, математика, 9 кл.: не более 29 «2» из 100", 29, 43),
    ]


def test_api_path_out_is_404_without_a_flag_and_outside_the_scope(client, listed):
    client.force_login(listed.users["methodist"])  # municipality A
    none = FlagDecision.objects.get(school=listed.school_b1, list_year=2023)  # b1: municipality B
    assert client.get(f"/api/v1/flags/{none.pk}/path-out/").status_code == 404
    client.force_login(listed.users["superuser"])
    body = client.get(f"/api/v1/flags/{none.pk}/path-out/").json()
    assert body["code"] == "not_found"
    assert body["message"] == "Школа не в перечне и не в зоне риска: пути из перечня нет."


def test_api_path_out_is_in_the_schema(client, listed):
    client.force_login(listed.users["superuser"])
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/flags/{id}/path-out/"]["get"]
    assert operation["summary"] == "Путь из перечня"
    assert {"200", "404"} <= set(operation["responses"])
    assert "PathOut" in schema["components"]["schemas"]
