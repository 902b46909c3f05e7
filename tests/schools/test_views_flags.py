"""ШНОР pages: statuses of a year, the card's results and history, approved lists, the rule — through the gate."""

import csv
import datetime
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.navigation import menu_for
from core.policies import SYSTEM
from schools.flags import flags_recompute_years
from schools.models import (
    ApprovedList,
    ApprovedListEntry,
    ApprovedListEvent,
    FlagDecision,
    FlagRule,
    School,
)
from schools.services import approved_list_create, approved_list_set_inclusion, flag_rule_update
from tests.builders.module import module_fixture
from tests.builders.schools import add
from tests.factories import SchoolFactory

pytestmark = pytest.mark.django_db

ALL_USERS = [
    "methodist",
    "regional_methodist",
    "head",
    "school_admin",
    "mentor",
    "tutor",
    "analyst",
    "superuser",
    "nobody",
]
MUN_A = {"sch610001", "sch610002", "sch610003"}
REGION = MUN_A | {"sch610101"}
# The active schools each user must see on the flags page of 2023, exactly.
FLAG_CODES = {
    "methodist": MUN_A,
    "regional_methodist": REGION,
    "head": MUN_A,
    "school_admin": {"sch610001"},
    "mentor": set(),
    "tutor": set(),
    "analyst": REGION,
    "superuser": REGION | {"sch230001"},
    "nobody": set(),
}
WRITERS = {"methodist", "regional_methodist", "superuser"}
ROW_CODE = re.compile(r'<tr class="flag-row flag-row--(\w+)" data-code="([^"]+)">')
LIST_ROW_CODE = re.compile(r'<tr id="school-\d+" class="approved-row[^"]*" data-code="([^"]+)">')


def as_user(client, world, name):
    client.force_login(world.users[name])
    return client


def rows(response) -> dict[str, str]:
    """code → status of the rows of the flags table."""
    return {code: status for status, code in ROW_CODE.findall(response.content.decode())}


def row_html(response, code: str) -> str:
    html = response.content.decode()
    start = html.index(f'data-code="{code}"')
    return html[start : html.index("</tr>", start)]


@module_fixture
def flagged(world):
    """Two list years (2022, 2023) whose 2023 statuses cover every status and every movement.

    2023: sch610001 ШНОР by criterion 2 (stayed), sch610002 ШНОР by criterion 1 (entered), sch610101 no
    flag (left), sch230001 at risk, sch610003 no data; sch610004 is inactive and never listed.
    """
    a1, a2, b1, other = world.school_a1, world.school_a2, world.school_b1, world.school_other
    # Каштановская (002_…): two low procedures in 2021, maths low again in 2022; one small sample.
    add(a1, "ОГЭ", "математика", 9, 2021, 27, 50)
    add(a1, "ОГЭ", "русский язык", 9, 2021, 31, 100)
    add(a1, "ВПР", "математика", 5, 2021, 6, 15)
    add(a1, "ОГЭ", "математика", 9, 2022, 43, 100)
    add(a2, "ОГЭ", "математика", 9, 2021, 5, 100)
    add(a2, "ОГЭ", "математика", 9, 2022, 35, 100)
    add(a2, "ОГЭ", "русский язык", 9, 2022, 33, 100)
    add(b1, "ОГЭ", "математика", 9, 2021, 40, 100)
    add(b1, "ОГЭ", "русский язык", 9, 2021, 50, 100)
    add(b1, "ОГЭ", "математика", 9, 2022, 5, 100)
    add(other, "ОГЭ", "математика", 9, 2021, 5, 100)
    add(other, "ОГЭ", "математика", 9, 2022, 31, 100)
    SchoolFactory(municipality=world.mun_a, code="sch610003", name="МБОУ «Васильевская ООШ»")
    SchoolFactory(municipality=world.mun_a, code="sch610004", name="МБОУ «Закрытая ООШ»", is_active=False)
    flags_recompute_years(years=[2022, 2023])
    return world


def decision(code: str, year: int) -> FlagDecision:
    return FlagDecision.objects.get(school__code=code, list_year=year)


# --- the flags page: exactly the scope --------------------------------------------------------------


def test_fixture_statuses(flagged):
    assert {d.school.code: (d.status, d.criteria) for d in FlagDecision.objects.filter(list_year=2023)} == {
        "sch610001": ("shnor", "2"),
        "sch610002": ("shnor", "1"),
        "sch610003": ("no_data", ""),
        "sch610004": ("no_data", ""),
        "sch610101": ("none", ""),
        "sch230001": ("risk", ""),
    }


@pytest.mark.parametrize("url_name", ["schools:flags", "schools:flags_export", "schools:flag_rule"])
def test_anonymous_is_sent_to_login(client, flagged, url_name):
    url = reverse(url_name)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


@pytest.mark.parametrize("user_name", ALL_USERS)
def test_flags_page_shows_exactly_the_scope(client, flagged, user_name):
    response = as_user(client, flagged, user_name).get(reverse("schools:flags"))

    assert response.status_code == 200
    assert set(rows(response)) == FLAG_CODES[user_name]
    if FLAG_CODES[user_name]:
        assert response.context["year"] == 2023
        assert response.context["years"] == [2023, 2022]
    else:
        assert response.context["year"] is None
        assert "Вам пока не доступна ни одна школа." in response.content.decode()


def test_flags_rows_statuses_criteria_and_order(client, flagged):
    response = as_user(client, flagged, "superuser").get(reverse("schools:flags"), {"year": 2023})

    html = response.content.decode()
    # ШНОР first, then risk, no data, no flag; by municipality and name inside a status.
    assert [code for _, code in ROW_CODE.findall(html)] == [
        "sch610001",
        "sch610002",
        "sch230001",
        "sch610003",
        "sch610101",
    ]
    assert '<span class="badge status status--shnor">ШНОР</span>' in row_html(response, "sch610001")
    assert '<span class="badge status status--risk">зона риска</span>' in row_html(response, "sch230001")
    assert '<span class="badge status status--no_data">нет данных</span>' in row_html(response, "sch610003")
    assert '<span class="badge status status--none">нет признака</span>' in row_html(response, "sch610101")
    assert '<td class="nowrap">2</td>' in row_html(response, "sch610001")
    assert '<td class="nowrap">1</td>' in row_html(response, "sch610002")


def test_criteria_both_read_one_and_two(client, flagged):
    FlagDecision.objects.filter(school__code="sch610001", list_year=2023).update(criteria="1;2")

    response = as_user(client, flagged, "methodist").get(reverse("schools:flags"))

    assert '<td class="nowrap">1 и 2</td>' in row_html(response, "sch610001")


def test_reasons_with_shares_and_small_sample_marker(client, flagged):
    response = as_user(client, flagged, "methodist").get(reverse("schools:flags"), {"year": 2023})

    row = row_html(response, "sch610001")
    assert "ОГЭ математика 9 кл. 2022: 43,0% (43 из 100)</li>" in row
    assert "ОГЭ математика 9 кл. 2021: 54,0% (27 из 50)</li>" in row
    assert "ОГЭ русский язык 9 кл. 2021: 31,0% (31 из 100)</li>" in row
    # 15 participants: shown, and marked as a small sample.
    assert re.search(
        r"ВПР математика 5 кл\. 2021: 40,0% \(6 из 15\) <abbr class=\"small-sample\"[^>]*>мал\. выборка</abbr>",
        row,
    )
    assert row.count("мал. выборка") == 1
    assert "мал. выборка" not in row_html(response, "sch610002")


@pytest.mark.parametrize(
    ("code", "movement"),
    [("sch610001", "осталась"), ("sch610002", "вошла"), ("sch610101", "вышла")],
)
def test_movement_against_the_year_before(client, flagged, code, movement):
    response = as_user(client, flagged, "analyst").get(reverse("schools:flags"), {"year": 2023})

    assert f">{movement}</span>" in row_html(response, code)


def test_no_movement_when_neither_year_is_shnor(client, flagged):
    response = as_user(client, flagged, "analyst").get(reverse("schools:flags"), {"year": 2023})

    assert 'class="movement' not in row_html(response, "sch610003")


def test_sparkline_of_failure_shares(client, flagged):
    response = as_user(client, flagged, "methodist").get(reverse("schools:flags"), {"year": 2023})

    row = row_html(response, "sch610001")
    assert '<svg class="sparkline"' in row
    # 2021: (27 + 31 + 6) / (50 + 100 + 15) = 38,8 %; 2022: 43 / 100.
    assert 'aria-label="Доля неудовлетворительных результатов по годам: 2021 — 38,8%; 2022 — 43,0%"' in row
    assert '<polyline class="sparkline__line"' in row
    assert "нет результатов" in row_html(response, "sch610003")


def test_sparkline_breaks_at_a_gap_year(client, flagged):
    add(flagged.school_a1, "ОГЭ", "математика", 9, 2019, 10, 100)

    response = as_user(client, flagged, "methodist").get(reverse("schools:flags"), {"year": 2023})

    row = row_html(response, "sch610001")
    assert "2019 — 10,0%; 2020 — нет данных; 2021 — 38,8%; 2022 — 43,0%" in row
    assert row.count("<polyline") == 1  # 2019 stands alone; 2021–2022 is one segment


def test_year_switcher_and_an_older_year(client, flagged):
    response = as_user(client, flagged, "methodist").get(reverse("schools:flags"), {"year": 2022})

    assert response.context["year"] == 2022
    assert rows(response) == {"sch610001": "shnor", "sch610002": "none", "sch610003": "no_data"}
    html = response.content.decode()
    assert '<span class="year-switch__item is-current" aria-current="page">2022</span>' in html
    assert '<a class="year-switch__item" href="?year=2023">2023</a>' in html


@pytest.mark.parametrize("year", ["abc", "1900", ""])
def test_bad_year_falls_back_to_the_latest(client, flagged, year):
    response = as_user(client, flagged, "methodist").get(reverse("schools:flags"), {"year": year})

    assert response.context["year"] == 2023


def test_year_without_decisions_is_an_empty_page(client, flagged):
    response = as_user(client, flagged, "methodist").get(reverse("schools:flags"), {"year": 2030})

    assert rows(response) == {}
    assert "На 2030 год статусы доступных вам школ не рассчитаны." in response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "shnor"}, {"sch610001", "sch610002"}),
        ({"status": "none"}, {"sch610101"}),
        ({"status": "no_data"}, {"sch610003"}),
        ({"status": "risk"}, set()),
        ({"municipality": "B"}, {"sch610101"}),
        ({"municipality": "A", "status": "shnor"}, {"sch610001", "sch610002"}),
        ({"municipality": "B", "status": "shnor"}, set()),
        ({"municipality": "", "status": ""}, REGION),
    ],
)
def test_filters(client, flagged, query, expected):
    ids = {"A": flagged.mun_a.pk, "B": flagged.mun_b.pk, "": ""}
    if "municipality" in query:
        query = {**query, "municipality": ids[query["municipality"]]}

    response = as_user(client, flagged, "analyst").get(reverse("schools:flags"), {"year": 2023, **query})

    assert set(rows(response)) == expected


def test_municipality_outside_the_scope_does_not_widen_it(client, flagged):
    response = as_user(client, flagged, "methodist").get(
        reverse("schools:flags"), {"municipality": flagged.mun_b.pk}
    )

    assert set(rows(response)) <= MUN_A
    assert "sch610101" not in response.content.decode()
    choices = [str(label) for _, label in response.context["filter"].form.fields["municipality"].choices]
    assert choices == ["Все муниципалитеты", "Обливский район"]


def counts(response) -> dict[str, int]:
    return {c.status: c.count for c in response.context["status_counts"]}


def test_counts_per_status(client, flagged):
    response = as_user(client, flagged, "superuser").get(reverse("schools:flags"), {"year": 2023})

    assert counts(response) == {"shnor": 2, "risk": 1, "no_data": 1, "none": 1}
    assert response.context["total"] == 5
    html = response.content.decode()
    assert '<span class="status-counts__number" data-status="shnor">2</span>' in html


def test_counts_follow_the_municipality_but_not_the_status_filter(client, flagged):
    response = as_user(client, flagged, "analyst").get(
        reverse("schools:flags"), {"year": 2023, "municipality": flagged.mun_a.pk, "status": "shnor"}
    )

    assert counts(response) == {"shnor": 2, "risk": 0, "no_data": 1, "none": 0}
    assert response.context["total"] == 3
    assert [c.status for c in response.context["status_counts"] if c.selected] == ["shnor"]
    assert response.context["page_obj"].paginator.count == 2


def test_counts_are_of_the_users_scope(client, flagged):
    response = as_user(client, flagged, "school_admin").get(reverse("schools:flags"))

    assert counts(response) == {"shnor": 1, "risk": 0, "no_data": 0, "none": 0}


def test_pagination_by_50(client, flagged):
    for n in range(55):
        SchoolFactory(municipality=flagged.mun_a, code=f"bulk{n:03d}", name=f"Школа {n:03d}")
    flags_recompute_years(years=[2023])
    client = as_user(client, flagged, "methodist")

    first = client.get(reverse("schools:flags"), {"year": 2023})
    second = client.get(reverse("schools:flags"), {"year": 2023, "page": 2})

    assert len(rows(first)) == 50
    assert len(rows(second)) == 58 - 50
    assert set(rows(first)).isdisjoint(rows(second))
    assert set(rows(first)) | set(rows(second)) == MUN_A | {f"bulk{n:03d}" for n in range(55)}
    assert "Страница 1 из 2" in first.content.decode()


# --- CSV --------------------------------------------------------------------------------------------


def csv_rows(response) -> list[dict]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


@pytest.mark.parametrize("user_name", ALL_USERS)
def test_csv_holds_exactly_the_scope(client, flagged, user_name):
    response = as_user(client, flagged, user_name).get(reverse("schools:flags_export"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert {row["school_code"] for row in csv_rows(response)} == FLAG_CODES[user_name]


def test_csv_follows_the_filter_and_reads_like_the_export_command(client, flagged):
    response = as_user(client, flagged, "analyst").get(
        reverse("schools:flags_export"), {"year": 2023, "status": "shnor"}
    )

    assert response["Content-Disposition"] == 'attachment; filename="shnor-statuses-2023.csv"'
    data = csv_rows(response)
    assert list(data[0]) == [
        "school_code",
        "list_year",
        "status",
        "criteria",
        "low_procedures",
        "school_name",
        "municipality",
    ]
    assert [(r["school_code"], r["list_year"], r["status"], r["criteria"]) for r in data] == [
        ("sch610001", "2023", "shnor", "2"),
        ("sch610002", "2023", "shnor", "1"),
    ]
    assert data[0]["low_procedures"].startswith("ОГЭ математика 9 кл. 2022: 43,0% (43 из 100); ")
    assert data[0]["municipality"] == "Обливский район"


# --- recomputation ------------------------------------------------------------------------------------


@pytest.mark.parametrize("user_name", ALL_USERS)
def test_recompute_button_only_for_methodologists(client, flagged, user_name):
    html = as_user(client, flagged, user_name).get(reverse("schools:flags")).content.decode()

    assert (reverse("schools:flags_recompute") in html) == (user_name in WRITERS)
    assert ("Пересчитать" in html) == (user_name in WRITERS)


@pytest.mark.parametrize("user_name", sorted(set(ALL_USERS) - WRITERS))
def test_recompute_post_by_others_is_403(client, flagged, user_name, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = as_user(client, flagged, user_name).post(
            reverse("schools:flags_recompute"), {"year": 2023}
        )

    assert response.status_code == 403
    assert callbacks == []


def test_recompute_get_is_not_allowed(client, flagged):
    response = as_user(client, flagged, "methodist").get(reverse("schools:flags_recompute"))

    assert response.status_code == 405


def test_recompute_runs_for_the_methodologists_region_only(
    client, flagged, django_capture_on_commit_callbacks
):
    FlagDecision.objects.filter(list_year=2023).delete()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = as_user(client, flagged, "methodist").post(
            reverse("schools:flags_recompute"), {"year": 2023}
        )

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('schools:flags')}?year=2023"
    assert len(callbacks) == 1
    assert set(
        FlagDecision.objects.filter(list_year=2023).values_list("school__code", flat=True)
    ) == REGION | {"sch610004"}
    page = client.get(response["Location"]).content.decode()
    assert "Пересчёт статусов на 2023 год запущен («Ростовская область»)." in page


def test_recompute_queues_one_task_per_region(
    client, flagged, django_capture_on_commit_callbacks, monkeypatch
):
    calls = []
    monkeypatch.setattr("schools.tasks.recompute_flags_task.delay", lambda **kw: calls.append(kw))

    with django_capture_on_commit_callbacks(execute=True):
        as_user(client, flagged, "superuser").post(reverse("schools:flags_recompute"), {"year": 2024})

    assert sorted(calls, key=lambda c: c["region_id"]) == sorted(
        [
            {"years": [2024], "region_id": flagged.region.pk},
            {"years": [2024], "region_id": flagged.other_region.pk},
        ],
        key=lambda c: c["region_id"],
    )


def test_recompute_with_a_bad_year_says_so(client, flagged, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = as_user(client, flagged, "methodist").post(
            reverse("schools:flags_recompute"), {"year": "x"}
        )

    assert callbacks == []
    assert "Укажите год перечня от 2000 до 2100." in client.get(response["Location"]).content.decode()


# --- the school card ------------------------------------------------------------------------------


def card(client, world, user_name, school):
    return as_user(client, world, user_name).get(reverse("schools:detail", args=[school.pk]))


def cell(html: str, procedure: str, year_index: int) -> str:
    """The ``year_index``-th year cell of the results row of ``procedure`` ("ОГЭ|математика|9")."""
    start = html.index(f'data-procedure="{procedure}"')
    row = html[start : html.index("</tr>", start)]
    return re.findall(r"<td class=\"num[^\"]*\"[^>]*>.*?</td>", row)[1 + year_index]


def test_card_results_table_over_the_years(client, flagged):
    response = card(client, flagged, "school_admin", flagged.school_a1)

    html = response.content.decode()
    assert response.context["results"].years == [2021, 2022]
    assert [(r.kind, r.subject, r.grade) for r in response.context["results"].rows] == [
        ("ВПР", "математика", 5),
        ("ОГЭ", "математика", 9),
        ("ОГЭ", "русский язык", 9),
    ]
    maths = cell(html, "ОГЭ|математика|9", 0)
    assert 'class="num result-cell result-cell--low"' in maths
    assert 'title="Отметка «2»: 27 из 50 участников; низкий результат"' in maths
    assert ">54,0&nbsp;%<" in maths
    russian_2022 = cell(html, "ОГЭ|русский язык|9", 1)
    assert russian_2022 == '<td class="num muted">—</td>'


def test_card_marks_small_samples(client, flagged):
    html = card(client, flagged, "head", flagged.school_a1).content.decode()

    vpr = cell(html, "ВПР|математика|5", 0)
    assert "result-cell--small" in vpr
    assert "(малая выборка)" in vpr
    assert '<span class="small-sample-mark" aria-label="малая выборка">*</span>' in vpr
    assert "малая выборка — меньше 20 участников" in html


@pytest.mark.parametrize(
    ("failed", "low"), [(30, True), (29, False), (31, True)], ids=["exactly-30", "just-below", "above"]
)
def test_card_low_cell_at_the_threshold(client, world, failed, low):
    add(world.school_a2, "ВПР", "физика", 7, 2022, failed, 100)

    html = card(client, world, "methodist", world.school_a2).content.decode()

    assert ("result-cell--low" in cell(html, "ВПР|физика|7", 0)) is low


def test_card_low_cells_follow_the_regions_rule(client, world):
    flag_rule_update(user=SYSTEM, region=world.region, threshold=40)
    add(world.school_a2, "ВПР", "физика", 7, 2022, 35, 100)
    add(world.school_a2, "ВПР", "химия", 8, 2022, 40, 100)

    html = card(client, world, "methodist", world.school_a2).content.decode()

    assert "result-cell--low" not in cell(html, "ВПР|физика|7", 0)
    assert "result-cell--low" in cell(html, "ВПР|химия|8", 0)
    assert "доля не меньше 40 % (правило региона)" in html


def test_card_without_results(client, world):
    html = card(client, world, "methodist", world.school_a2).content.decode()

    assert "Результаты оценочных процедур школы ещё не загружены." in html
    assert "Статусы ШНОР для школы ещё не рассчитаны." in html


@pytest.fixture
def approved(flagged):
    """Approved 2023 lists of both municipalities of the region; sch610002 excluded by hand in A."""
    methodist = flagged.users["regional_methodist"]
    list_a = approved_list_create(
        municipality=flagged.mun_a,
        list_year=2023,
        order_number="45-о",
        order_date=datetime.date(2023, 2, 1),
        user=methodist,
    )
    approved_list_set_inclusion(
        approved_list=list_a,
        school=flagged.school_a2,
        included=False,
        reason="Смена администрации, положительная динамика ВПР",
        user=methodist,
    )
    list_b = approved_list_create(
        municipality=flagged.mun_b,
        list_year=2023,
        order_number="12",
        order_date=datetime.date(2023, 2, 3),
        user=methodist,
    )
    flagged.list_a, flagged.list_b = list_a, list_b
    return flagged


def history(response) -> list[tuple]:
    return [
        (
            row.list_year,
            row.decision.status if row.decision else None,
            row.decision.criteria if row.decision else None,
            row.movement,
            row.entry.included if row.entry else None,
        )
        for row in response.context["history"]
    ]


def test_card_status_history(client, approved):
    response = card(client, approved, "head", approved.school_a1)

    assert history(response) == [(2023, "shnor", "2", "stayed", True), (2022, "shnor", "1", "entered", None)]
    html = response.content.decode()
    assert '<span class="movement movement--stayed" title="осталась в перечне">осталась</span>' in html
    assert '<span class="movement movement--entered" title="вошла в перечень">вошла</span>' in html
    link = reverse("schools:approved_list_detail", args=[approved.list_a.pk])
    assert f'<a href="{link}">приказ № 45-о от 01.02.2023</a>' in html


def test_card_history_shows_the_override_and_its_reason(client, approved):
    response = card(client, approved, "methodist", approved.school_a2)

    assert history(response) == [(2023, "shnor", "1", "entered", False), (2022, "none", "", "", None)]
    html = response.content.decode()
    assert '<span class="badge badge--override">вручную</span>' in html
    assert "Основание: Смена администрации, положительная динамика ВПР" in html


def test_school_admin_sees_the_own_history_without_a_link_to_the_list(client, approved):
    response = card(client, approved, "school_admin", approved.school_a1)

    assert history(response)[0] == (2023, "shnor", "2", "stayed", True)
    html = response.content.decode()
    assert "приказ № 45-о от 01.02.2023" in html
    assert reverse("schools:approved_list_detail", args=[approved.list_a.pk]) not in html


def test_card_of_another_school_stays_404_for_the_school_admin(client, approved):
    assert card(client, approved, "school_admin", approved.school_a2).status_code == 404


# --- approved lists ----------------------------------------------------------------------------------

LIST_INDEX = {
    "methodist": {"Обливский район"},
    "regional_methodist": {"Обливский район", "Тацинский район"},
    "head": {"Обливский район"},
    "school_admin": set(),
    "mentor": set(),
    "tutor": set(),
    "analyst": {"Обливский район", "Тацинский район"},
    "superuser": {"Обливский район", "Тацинский район"},
    "nobody": set(),
}


@pytest.mark.parametrize("user_name", ALL_USERS)
def test_list_index_shows_exactly_the_visible_lists(client, approved, user_name):
    response = as_user(client, approved, user_name).get(reverse("schools:approved_list_index"))

    assert response.status_code == 200
    assert {a.municipality.name for a in response.context["page_obj"]} == LIST_INDEX[user_name]
    html = response.content.decode()
    assert ("Утвердить перечень" in html) == (user_name in WRITERS)


def test_list_index_counts(client, approved):
    response = as_user(client, approved, "analyst").get(reverse("schools:approved_list_index"))

    counted = {
        a.municipality.name: (a.schools_count, a.included_count, a.override_count)
        for a in response.context["page_obj"]
    }
    assert counted == {"Обливский район": (3, 1, 1), "Тацинский район": (1, 0, 0)}


def test_school_admin_is_told_where_the_status_is(client, approved):
    html = (
        as_user(client, approved, "school_admin").get(reverse("schools:approved_list_index")).content.decode()
    )

    assert "Статус вашей школы показан в её карточке." in html


DETAIL_A = {"methodist": 200, "regional_methodist": 200, "head": 200, "analyst": 200, "superuser": 200}


@pytest.mark.parametrize("user_name", ALL_USERS)
def test_list_detail_gate(client, approved, user_name):
    client = as_user(client, approved, user_name)

    response_a = client.get(reverse("schools:approved_list_detail", args=[approved.list_a.pk]))
    response_b = client.get(reverse("schools:approved_list_detail", args=[approved.list_b.pk]))

    assert response_a.status_code == DETAIL_A.get(user_name, 404)
    expected_b = 200 if user_name in {"regional_methodist", "analyst", "superuser"} else 404
    assert response_b.status_code == expected_b


def test_list_detail_side_by_side(client, approved):
    response = as_user(client, approved, "head").get(
        reverse("schools:approved_list_detail", args=[approved.list_a.pk])
    )

    html = response.content.decode()
    # Overrides first, then the included, then the rest.
    assert LIST_ROW_CODE.findall(html) == ["sch610002", "sch610001", "sch610003"]
    a2 = row_html(response, "sch610002")
    assert '<span class="badge status status--shnor">ШНОР</span>' in a2
    assert '<span class="excluded">нет</span>' in a2
    assert "вручную" in a2
    assert "Основание: Смена администрации, положительная динамика ВПР" in a2
    a1 = row_html(response, "sch610001")
    assert '<strong class="included">да</strong>' in a1
    assert "критерии: 2" in a1
    assert "мал. выборка" in a1
    assert "changed-mark" not in html
    # Head: read-only.
    assert 'class="inclusion-form"' not in html
    assert "Перечень доступен только для просмотра" in html
    # The journal.
    journal = html[html.index("Журнал изменений") :]
    assert "перечень создан" in journal
    assert "Приказ № 45-о от 01.02.2023" in journal
    assert "школа исключена" in journal


def test_list_detail_marks_a_status_changed_after_approval(client, approved):
    FlagDecision.objects.filter(school=approved.school_a1, list_year=2023).update(status="risk", criteria="")

    response = as_user(client, approved, "methodist").get(
        reverse("schools:approved_list_detail", args=[approved.list_a.pk])
    )

    assert "изменился после утверждения (был: ШНОР)" in row_html(response, "sch610001")
    assert response.context["changed_count"] == 1


@pytest.mark.parametrize("user_name", ["methodist", "regional_methodist", "superuser"])
def test_list_detail_has_row_forms_for_the_municipalitys_methodologist(client, approved, user_name):
    response = as_user(client, approved, user_name).get(
        reverse("schools:approved_list_detail", args=[approved.list_a.pk])
    )

    assert response.content.decode().count('class="inclusion-form"') == 3
    assert ">Исключить</button>" in row_html(response, "sch610001")
    assert ">Включить</button>" in row_html(response, "sch610003")
    assert 'placeholder="Основание (обязательно)"' in row_html(response, "sch610003")
    # Re-including an excluded ШНОР follows the computation: the reason is optional.
    assert 'placeholder="Основание"' in row_html(response, "sch610002")


INCLUSION_A = {"methodist": 302, "regional_methodist": 302, "superuser": 302, "head": 403, "analyst": 403}


@pytest.mark.parametrize("user_name", ALL_USERS)
def test_inclusion_gate(client, approved, user_name):
    url = reverse("schools:approved_list_inclusion", args=[approved.list_a.pk, approved.school_a1.pk])

    response = as_user(client, approved, user_name).post(url, {"included": "0", "reason": "Проверка прав"})

    assert response.status_code == INCLUSION_A.get(user_name, 404)
    entry = ApprovedListEntry.objects.get(approved_list=approved.list_a, school=approved.school_a1)
    assert entry.included is (response.status_code != 302)


def test_inclusion_in_another_municipalitys_list_is_404_for_a_municipal_methodist(client, approved):
    url = reverse("schools:approved_list_inclusion", args=[approved.list_b.pk, approved.school_b1.pk])

    response = as_user(client, approved, "methodist").post(url, {"included": "1", "reason": "Чужой перечень"})

    assert response.status_code == 404
    assert ApprovedListEntry.objects.get(approved_list=approved.list_b).included is False


def test_inclusion_of_a_school_of_another_municipality_is_404(client, approved):
    url = reverse("schools:approved_list_inclusion", args=[approved.list_a.pk, approved.school_b1.pk])

    response = as_user(client, approved, "regional_methodist").post(url, {"included": "1", "reason": "Не та"})

    assert response.status_code == 404


def test_exclude_without_reason_is_a_russian_error_at_the_row(client, approved):
    url = reverse("schools:approved_list_inclusion", args=[approved.list_a.pk, approved.school_a1.pk])

    response = as_user(client, approved, "methodist").post(url, {"included": "0", "reason": "  "})

    assert response.status_code == 200
    row = row_html(response, "sch610001")
    assert "Укажите основание исключения из перечня: расчётный статус школы — «ШНОР»." in row
    assert 'aria-invalid="true"' in row
    assert ApprovedListEntry.objects.get(approved_list=approved.list_a, school=approved.school_a1).included


def test_exclude_and_include_with_reasons(client, approved):
    client = as_user(client, approved, "methodist")
    exclude = reverse("schools:approved_list_inclusion", args=[approved.list_a.pk, approved.school_a1.pk])
    include = reverse(
        "schools:approved_list_inclusion", args=[approved.list_a.pk, School.objects.get(code="sch610003").pk]
    )

    response = client.post(exclude, {"included": "0", "reason": "Школа реорганизуется"})
    client.post(include, {"included": "1", "reason": "Нет данных ОГЭ, низкие результаты ККР"})

    detail = reverse("schools:approved_list_detail", args=[approved.list_a.pk])
    assert response["Location"] == f"{detail}#school-{approved.school_a1.pk}"
    entries = {
        e.school.code: (e.included, e.reason, e.is_override)
        for e in ApprovedListEntry.objects.filter(approved_list=approved.list_a).select_related("school")
    }
    assert entries == {
        "sch610001": (False, "Школа реорганизуется", True),
        "sch610002": (False, "Смена администрации, положительная динамика ВПР", True),
        "sch610003": (True, "Нет данных ОГЭ, низкие результаты ККР", True),
    }
    events = list(
        ApprovedListEvent.objects.filter(approved_list=approved.list_a, user=approved.users["methodist"])
        .order_by("at", "pk")
        .values_list("action", "school__code", "reason")
    )
    assert events == [
        ("excluded", "sch610001", "Школа реорганизуется"),
        ("included", "sch610003", "Нет данных ОГЭ, низкие результаты ККР"),
    ]
    page = client.get(detail).content.decode()
    assert "Школа «МБОУ «Каштановская СОШ»» исключена из перечня." in page
    assert "Школа «МБОУ «Васильевская ООШ»» включена в перечень." in page


def test_reinclude_an_excluded_shnor_needs_no_reason(client, approved):
    url = reverse("schools:approved_list_inclusion", args=[approved.list_a.pk, approved.school_a2.pk])

    response = as_user(client, approved, "methodist").post(url, {"included": "1", "reason": ""})

    assert response.status_code == 302
    entry = ApprovedListEntry.objects.get(approved_list=approved.list_a, school=approved.school_a2)
    assert (entry.included, entry.reason, entry.is_override) == (True, "", False)


def test_inclusion_with_a_broken_form_changes_nothing(client, approved):
    url = reverse("schools:approved_list_inclusion", args=[approved.list_a.pk, approved.school_a1.pk])

    response = as_user(client, approved, "methodist").post(url, {"included": "maybe", "reason": "x"})

    assert response.status_code == 200
    assert ApprovedListEntry.objects.get(approved_list=approved.list_a, school=approved.school_a1).included


# --- creating an approved list -------------------------------------------------------------------------

CREATE_ALLOWED = {"methodist", "regional_methodist", "superuser"}


@pytest.mark.parametrize("user_name", ALL_USERS)
def test_create_page_gate(client, flagged, user_name):
    response = as_user(client, flagged, user_name).get(reverse("schools:approved_list_create"))

    assert response.status_code == (200 if user_name in CREATE_ALLOWED else 403)


def test_create_form_offers_only_editable_municipalities(client, flagged):
    response = as_user(client, flagged, "methodist").get(reverse("schools:approved_list_create"))

    form = response.context["form"]
    assert [str(label) for _, label in form.fields["municipality"].choices] == [
        "Выберите муниципалитет",
        "Обливский район",
    ]
    assert form.initial == {"list_year": 2023, "municipality": flagged.mun_a}


def create_data(world, **changes):
    data = {
        "municipality": world.mun_a.pk,
        "list_year": 2023,
        "order_number": "45-о",
        "order_date": "2023-02-01",
        "note": "Согласовано с региональным центром",
    }
    data.update(changes)
    return data


def confirmed(world, **changes):
    """The second step's POST: the box ticked under the summary of this very data (municipality|year|number|date)."""
    data = create_data(world, **changes)
    seen = f"{data['municipality']}|{data['list_year']}|{data['order_number']}|2023-02-01"
    return data | {"confirm": "on", "seen": changes.pop("seen", seen)}


def test_the_first_step_shows_what_will_be_fixed_and_creates_nothing(client, flagged):
    response = as_user(client, flagged, "methodist").post(
        reverse("schools:approved_list_create"), create_data(flagged)
    )

    assert response.status_code == 200
    assert not ApprovedList.objects.exists()
    html = response.content.decode()
    summary = html.split('id="list-summary">', 1)[1].split("</section>", 1)[0]
    assert "<dt>Муниципалитет</dt><dd>Обливский район</dd>" in summary
    assert "<dt>Год перечня</dt><dd>2023</dd>" in summary
    assert "<dt>Приказ</dt><dd>№ 45-о от 01.02.2023</dd>" in summary
    assert "<dt>Школ в перечне</dt><dd>2 школы (расчётный статус ШНОР)</dd>" in summary
    assert "<dt>Всего школ муниципалитета</dt><dd>3, из них без расчётного статуса — 1</dd>" in summary
    assert f'<input type="hidden" name="seen" value="{flagged.mun_a.pk}|2023|45-о|2023-02-01">' in summary
    assert 'name="confirm"' in summary
    assert response.context["form"].errors == {}


def test_the_second_step_without_the_box_is_refused(client, flagged):
    data = confirmed(flagged)
    del data["confirm"]
    response = as_user(client, flagged, "methodist").post(reverse("schools:approved_list_create"), data)

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "confirm": [
            "Отметьте, что вы проверили перечень и приказ: реквизиты приказа после утверждения не меняются."
        ]
    }
    assert not ApprovedList.objects.exists()


def test_data_changed_after_the_summary_is_shown_again(client, flagged):
    data = confirmed(flagged) | {"order_number": "46-о"}  # the summary was of № 45-о
    response = as_user(client, flagged, "methodist").post(reverse("schools:approved_list_create"), data)

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "__all__": [
            "Данные перечня изменились после проверки: посмотрите, что будет зафиксировано, и подтвердите ещё раз."
        ]
    }
    assert "<dt>Приказ</dt><dd>№ 46-о от 01.02.2023</dd>" in response.content.decode()
    assert not ApprovedList.objects.exists()


def test_methodist_creates_a_list(client, flagged):
    client = as_user(client, flagged, "methodist")

    response = client.post(reverse("schools:approved_list_create"), confirmed(flagged))

    created = ApprovedList.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("schools:approved_list_detail", args=[created.pk])
    assert (
        created.municipality,
        created.list_year,
        created.order_number,
        created.order_date,
        created.note,
    ) == (
        flagged.mun_a,
        2023,
        "45-о",
        datetime.date(2023, 2, 1),
        "Согласовано с региональным центром",
    )
    assert set(created.entries.filter(included=True).values_list("school__code", flat=True)) == {
        "sch610001",
        "sch610002",
    }
    page = client.get(response["Location"]).content.decode()
    assert "Перечень ШНОР 2023 года утверждён приказом № 45-о от 01.02.2023 и создан из расчётного" in page


def test_russian_date_is_accepted(client, flagged):
    as_user(client, flagged, "methodist").post(
        reverse("schools:approved_list_create"), confirmed(flagged, order_date="01.02.2023")
    )

    assert ApprovedList.objects.get().order_date == datetime.date(2023, 2, 1)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"order_number": "  "}, "order_number", "Обязательное поле."),
        ({"order_date": "31.02.2023"}, "order_date", "Введите правильную дату."),
        ({"list_year": "1999"}, "list_year", "Убедитесь, что это значение больше либо равно 2000."),
        (
            {"municipality": "B"},
            "municipality",
            "Выберите корректный вариант. Вашего варианта нет среди допустимых значений.",
        ),
        (
            {"list_year": "2030"},
            None,
            "Для 2030 года ещё нет расчётных статусов: загрузите результаты и выполните пересчёт.",
        ),
    ],
)
def test_create_errors_are_russian(client, flagged, changes, field, message):
    if changes.get("municipality") == "B":
        changes = {**changes, "municipality": flagged.mun_b.pk}

    response = as_user(client, flagged, "methodist").post(
        reverse("schools:approved_list_create"), create_data(flagged, **changes)
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors[field or "__all__"] == [message]
    assert message in response.content.decode()
    assert "Перечень не утверждён: исправьте отмеченное." in response.content.decode()
    assert not ApprovedList.objects.exists()


def test_second_list_of_the_year_is_refused(client, approved):
    response = as_user(client, approved, "methodist").post(
        reverse("schools:approved_list_create"), create_data(approved)
    )

    assert response.context["form"].errors["__all__"] == [
        "Перечень ШНОР 2023 года для муниципалитета «Обливский район» уже создан."
    ]
    assert ApprovedList.objects.count() == 2


@pytest.mark.parametrize("user_name", sorted(set(ALL_USERS) - CREATE_ALLOWED))
def test_create_post_by_others_is_403(client, flagged, user_name):
    response = as_user(client, flagged, user_name).post(
        reverse("schools:approved_list_create"), create_data(flagged)
    )

    assert response.status_code == 403
    assert not ApprovedList.objects.exists()


# --- the rule ----------------------------------------------------------------------------------------

RULE_EDITORS = {"regional_methodist", "superuser"}
RULE_READERS = {"methodist", "head", "analyst", "school_admin"}


@pytest.mark.parametrize("user_name", ALL_USERS)
def test_rule_page_gate(client, world, user_name):
    response = as_user(client, world, user_name).get(reverse("schools:flag_rule"))

    if user_name in RULE_EDITORS:
        assert response.status_code == 200
        assert response.context["can_edit"] is True
        assert "Сохранить и пересчитать" in response.content.decode()
    elif user_name in RULE_READERS:
        assert response.status_code == 200
        assert response.context["can_edit"] is False
        assert 'class="form form--wide"' not in response.content.decode()
        assert "Изменять правило может методист с ролью на весь регион." in response.content.decode()
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("user_name", ALL_USERS)
def test_rule_post_gate(client, world, user_name, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = as_user(client, world, user_name).post(
            f"{reverse('schools:flag_rule')}?region={world.region.pk}", rule_data(threshold=40)
        )

    if user_name in RULE_EDITORS:
        assert response.status_code == 302
        assert FlagRule.objects.get(region=world.region).threshold == 40
        assert len(callbacks) == 1
    else:
        assert response.status_code == 403
        assert not FlagRule.objects.filter(threshold=40).exists()
        assert callbacks == []


def test_rule_page_shows_the_current_parameters_read_only(client, world):
    flag_rule_update(user=SYSTEM, region=world.region, threshold=35, kinds=["ОГЭ", "ЕГЭ"], criterion2="same")

    html = as_user(client, world, "head").get(reverse("schools:flag_rule")).content.decode()

    assert "<dt>Порог низкого результата</dt><dd>35 %</dd>" in html
    assert "<dt>Учитываемые виды процедур</dt><dd>ЕГЭ, ОГЭ</dd>" in html
    assert "<dt>Критерий 2 требует</dt><dd>одна и та же процедура во всех годах</dd>" in html


def test_rule_of_a_region_out_of_sight_is_404(client, world):
    response = as_user(client, world, "regional_methodist").get(
        reverse("schools:flag_rule"), {"region": world.other_region.pk}
    )

    assert response.status_code == 404


def test_superuser_switches_regions(client, world):
    response = as_user(client, world, "superuser").get(
        reverse("schools:flag_rule"), {"region": world.other_region.pk}
    )

    assert response.context["region"] == world.other_region
    assert [r.name for r in response.context["regions"]] == ["Краснодарский край", "Ростовская область"]


def rule_data(**changes):
    data = {
        "threshold": 30,
        "low_procedures": 2,
        "consecutive_years": 2,
        "criterion2": "any",
        "kinds": [],
        "min_participants": 1,
        "combine": "any",
    }
    data.update(changes)
    return data


def test_rule_save_recomputes_every_year_of_the_region(client, flagged, django_capture_on_commit_callbacks):
    client = as_user(client, flagged, "regional_methodist")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            reverse("schools:flag_rule"),
            rule_data(threshold=44, kinds=["ОГЭ"], criterion2="same", min_participants=20),
        )

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('schools:flag_rule')}?region={flagged.region.pk}"
    rule = FlagRule.objects.get(region=flagged.region)
    assert (rule.threshold, rule.kinds, rule.criterion2, rule.min_participants, rule.updated_by) == (
        44,
        ["ОГЭ"],
        "same",
        20,
        flagged.users["regional_methodist"],
    )
    assert len(callbacks) == 1
    # Recomputed with 44 %: the 2022 maths (43 %) is no longer low, so sch610001 is not ШНОР in 2023.
    assert decision("sch610001", 2023).status == "none"
    # 2022: only the 2021 maths (54 %) is low now (ВПР is not counted, Russian 31 % is below 44 %): at risk.
    assert decision("sch610001", 2022).status == "risk"
    # The other region's decisions were not touched.
    assert decision("sch230001", 2023).status == "risk"
    page = client.get(response["Location"]).content.decode()
    assert (
        "Правило сохранено. Запущен пересчёт статусов ШНОР за все годы по региону «Ростовская область»"
        in page
    )


def test_rule_save_queues_all_years_for_the_region(
    client, world, django_capture_on_commit_callbacks, monkeypatch
):
    calls = []
    monkeypatch.setattr("schools.tasks.recompute_flags_task.delay", lambda **kw: calls.append(kw))

    with django_capture_on_commit_callbacks(execute=True):
        as_user(client, world, "regional_methodist").post(
            reverse("schools:flag_rule"), rule_data(threshold=35)
        )

    assert calls == [{"years": None, "region_id": world.region.pk}]


def test_unchanged_rule_recomputes_nothing(client, world, django_capture_on_commit_callbacks):
    client = as_user(client, world, "regional_methodist")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("schools:flag_rule"), rule_data())

    assert callbacks == []
    assert "Параметры не изменились: пересчёт не нужен." in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"threshold": "0"}, "threshold", "Убедитесь, что это значение больше либо равно 1."),
        ({"threshold": "101"}, "threshold", "Убедитесь, что это значение меньше либо равно 100."),
        ({"threshold": "тридцать"}, "threshold", "Введите целое число."),
        (
            {"consecutive_years": "11"},
            "consecutive_years",
            "Убедитесь, что это значение меньше либо равно 10.",
        ),
        ({"min_participants": "0"}, "min_participants", "Убедитесь, что это значение больше либо равно 1."),
        (
            {"criterion2": "every"},
            "criterion2",
            "Выберите корректный вариант. every нет среди допустимых значений.",
        ),
        ({"kinds": ["ГВЭ"]}, "kinds", "Выберите корректный вариант. ГВЭ нет среди допустимых значений."),
        ({"low_procedures": ""}, "low_procedures", "Обязательное поле."),
    ],
)
def test_rule_errors_are_russian(client, world, changes, field, message, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = as_user(client, world, "regional_methodist").post(
            reverse("schools:flag_rule"), rule_data(**changes)
        )

    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert "Правило не сохранено: исправьте отмеченное." in response.content.decode()
    assert callbacks == []
    assert not FlagRule.objects.filter(region=world.region).exclude(threshold=30).exists()


def test_service_refusal_is_shown_on_the_form(client, world, monkeypatch):
    from django.core.exceptions import ValidationError

    def refuse(**kwargs):
        raise ValidationError(
            {"threshold": ["Порог должен быть от 1 до 100 %."], "updated_by": ["Нет такого."]}
        )

    monkeypatch.setattr("schools.views_flags.rule.flag_rule_update", refuse)

    response = as_user(client, world, "regional_methodist").post(
        reverse("schools:flag_rule"), rule_data(threshold=31)
    )

    errors = response.context["form"].errors
    assert errors["threshold"] == ["Порог должен быть от 1 до 100 %."]
    assert errors["__all__"] == ["Нет такого."]


# --- the menu ----------------------------------------------------------------------------------------

MENU = {
    "methodist": {"Статусы ШНОР", "Перечни ШНОР"},
    "regional_methodist": {"Статусы ШНОР", "Перечни ШНОР", "Правило ШНОР"},
    "head": {"Статусы ШНОР", "Перечни ШНОР"},
    "school_admin": {"Статусы ШНОР"},
    "mentor": set(),
    "tutor": set(),
    "analyst": {"Статусы ШНОР", "Перечни ШНОР"},
    "superuser": {"Статусы ШНОР", "Перечни ШНОР", "Правило ШНОР"},
    "nobody": set(),
}


@pytest.mark.parametrize("user_name", ALL_USERS)
def test_menu_entries(world, user_name):
    titles = {item.title for item in menu_for(world.users[user_name])}

    assert titles & {"Статусы ШНОР", "Перечни ШНОР", "Правило ШНОР"} == MENU[user_name]


# --- no N+1 ------------------------------------------------------------------------------------------


def query_count(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(context.captured_queries)


def add_schools_with_results(world, n: int, prefix: str):
    for i in range(n):
        school = SchoolFactory(
            municipality=world.mun_a, code=f"{prefix}{i:03d}", name=f"Школа {prefix}{i:03d}"
        )
        add(school, "ОГЭ", "математика", 9, 2021, 40, 100)
        add(school, "ОГЭ", "русский язык", 9, 2021, i % 15, 15)
        add(school, "ОГЭ", "математика", 9, 2022, 35, 100)


# Session, user, role assignments, header roles; years, page count, page rows, counts per status, the year
# before, the trend (one aggregate), municipality choices. None of them depends on the number of rows.
FLAGS_PAGE_QUERIES = 12  # the header's bell (notifications) included


def test_flags_page_queries_do_not_grow_with_rows(client, flagged, django_assert_num_queries):
    client = as_user(client, flagged, "methodist")
    few = query_count(client, reverse("schools:flags"), {"year": 2023})
    add_schools_with_results(flagged, 45, "many")
    flags_recompute_years(years=[2022, 2023])

    with django_assert_num_queries(FLAGS_PAGE_QUERIES):
        response = client.get(reverse("schools:flags"), {"year": 2023})
    assert len(rows(response)) == 48
    assert query_count(client, reverse("schools:flags"), {"year": 2023}) == few


def test_csv_queries_do_not_grow_with_rows(client, flagged):
    client = as_user(client, flagged, "analyst")
    few = query_count(client, reverse("schools:flags_export"), {"year": 2023})
    add_schools_with_results(flagged, 30, "csv")
    flags_recompute_years(years=[2023])

    assert query_count(client, reverse("schools:flags_export"), {"year": 2023}) == few


def test_card_queries_do_not_grow_with_results(client, approved, django_assert_num_queries):
    client = as_user(client, approved, "methodist")
    url = reverse("schools:detail", args=[approved.school_a1.pk])
    few = query_count(client, url)
    for year in (2019, 2020):
        for grade in (4, 5, 6, 7, 8):
            add(approved.school_a1, "ВПР", f"предмет {grade}", grade, year, 3, 20)
    flags_recompute_years(years=[2020, 2021])

    # 11 + the teachers' and mentoring sections (6) + #19's context per year, identifiers and ВПР details (3)
    with django_assert_num_queries(21):  # 20 + the header's bell (notifications)
        client.get(url)
    assert query_count(client, url) == few


def test_list_detail_queries_do_not_grow_with_rows(client, approved, django_assert_num_queries):
    client = as_user(client, approved, "methodist")
    url = reverse("schools:approved_list_detail", args=[approved.list_a.pk])
    few = query_count(client, url)
    for n in range(20):
        school = SchoolFactory(municipality=approved.mun_a, code=f"late{n:03d}", name=f"Поздняя {n:03d}")
        approved_list_set_inclusion(
            approved_list=approved.list_a,
            school=school,
            included=True,
            reason="Добавлена вручную",
            user=approved.users["methodist"],
        )

    with django_assert_num_queries(10):  # 9 + the header's bell (notifications)
        response = client.get(url)
    assert len(LIST_ROW_CODE.findall(response.content.decode())) == 23
    assert query_count(client, url) == few


def test_list_index_queries_do_not_grow_with_lists(client, approved):
    client = as_user(client, approved, "superuser")
    few = query_count(client, reverse("schools:approved_list_index"))
    add(approved.school_a1, "ОГЭ", "математика", 9, 2023, 5, 100)  # lists 2024 and 2025 need results
    add(approved.school_a1, "ОГЭ", "математика", 9, 2024, 5, 100)
    flags_recompute_years(years=[2024, 2025])
    for year in (2024, 2025):
        for municipality in (approved.mun_a, approved.mun_b):
            approved_list_create(
                municipality=municipality,
                list_year=year,
                order_number=f"{year}-1",
                order_date=datetime.date(year, 1, 10),
                user=approved.users["superuser"],
            )

    assert query_count(client, reverse("schools:approved_list_index")) == few


@pytest.mark.parametrize(("user_name", "linked"), [("school_admin", False), ("head", True)])
def test_flags_page_links_to_lists_only_for_those_who_see_them(client, flagged, user_name, linked):
    html = as_user(client, flagged, user_name).get(reverse("schools:flags")).content.decode()

    assert (f'href="{reverse("schools:approved_list_index")}">«Перечни ШНОР»' in html) is linked
    assert f'href="{reverse("schools:flag_rule")}">правило ШНОР' in html
