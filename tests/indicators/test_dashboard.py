"""Programme indicators from real rows, the methodologist's dashboard, the gate, and a constant query count."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from diagnostics.models import ProgressForm
from indicators import selectors
from mentoring import services as mentoring
from roadmaps import transitions
from roadmaps.models import Roadmap, RoadmapItem
from schools.models import FlagStatus, QualificationCategory
from tests.builders.module import module_fixture
from tests.builders.roadmaps import TODAY, Y, build_programme, days, decide, seed_catalogues
from tests.builders.schools import add
from tests.factories import (
    MunicipalityFactory,
    ProfessionalCourseFactory,
    SchoolFactory,
    SubjectFactory,
    TeacherFactory,
    user_with_role,
)

pytestmark = [pytest.mark.django_db, pytest.mark.today]


@module_fixture
def programme(world):
    return build_programme(world)


def figures(indicators) -> dict:
    return {i.code: (i.numerator, i.denominator, i.value, i.light) for i in indicators}


MUN_A_FIGURES = {
    "support": (1, 4, 25.0, "red"),
    "diagnosed": (2, 3, 66.7, "red"),
    "routes": (1, 3, 33.3, "red"),
    "courses": (2, 4, 50.0, "red"),
    "categories": (2, 4, 50.0, "red"),
    "dynamics": (1, 3, 33.3, "red"),
    "vpr": (33, 40, 82.5, "red"),
    "gia": (14, 17, 82.4, "red"),
}
REGION_FIGURES = {
    "support": (2, 5, 40.0, "red"),
    "diagnosed": (2, 4, 50.0, "red"),
    "routes": (1, 4, 25.0, "red"),
    "courses": (2, 5, 40.0, "red"),
    "categories": (2, 5, 40.0, "red"),
    "dynamics": (2, 4, 50.0, "red"),
    "vpr": (38, 50, 76.0, "red"),
    "gia": (14, 17, 82.4, "red"),
}
B2_FIGURES = {
    "support": (1, 1, 100.0, "green"),
    "diagnosed": (0, 1, 0.0, "red"),
    "routes": (0, 1, 0.0, "red"),
    "courses": (0, 1, 0.0, "red"),
    "categories": (0, 1, 0.0, "red"),
    "dynamics": (1, 1, 100.0, "green"),
    "vpr": (5, 10, 50.0, "red"),
    "gia": (0, 0, None, "none"),
}


# --- the selectors on real rows -----------------------------------------------------------------------------


def test_methodologist_of_a_municipality_counts_its_shnor_only(programme):
    report = selectors.indicator_report(programme.users["methodist"], Y, today=TODAY)
    assert [s.code for s in report.schools] == ["sch610001"]
    assert report.source == "computed"
    assert report.as_of == TODAY
    assert figures(report.indicators()) == MUN_A_FIGURES
    assert [s.code for s in report.without_mentor] == ["sch610001"]


@pytest.mark.parametrize("user", ["analyst", "regional_methodist"])
def test_region_counts_the_approved_list_where_there_is_one(programme, user):
    report = selectors.indicator_report(programme.users[user], Y, today=TODAY)
    # b1 is computed ШНОР but excluded by mun_b's approved list; b2 was included by hand; other is another region.
    assert [s.code for s in report.schools] == ["sch610001", "sch610102"]
    assert report.source == "mixed"
    assert figures(report.indicators()) == REGION_FIGURES
    assert figures(report.indicators([programme.b2.pk])) == B2_FIGURES
    assert [(m.name, [s.code for s in schools]) for m, schools, _ in report.by_municipality()] == [
        ("Обливский район", ["sch610001"]),
        ("Тацинский район", ["sch610102"]),
    ]


def test_superuser_adds_the_other_region(programme):
    report = selectors.indicator_report(programme.users["superuser"], Y, today=TODAY)
    assert [s.code for s in report.schools] == ["sch230001", "sch610001", "sch610102"]
    assert figures(report.indicators([programme.school_other.pk]))["categories"] == (1, 1, 100.0, "green")


@pytest.mark.parametrize("user", ["school_admin", "mentor", "tutor", "nobody"])
def test_other_roles_count_nothing(programme, user):
    report = selectors.indicator_report(programme.users[user], Y, today=TODAY)
    assert report.schools == []
    assert all(i.value is None for i in report.indicators())


def test_a_past_year_is_taken_on_its_last_day(programme):
    report = selectors.indicator_report(programme.users["methodist"], Y - 1, today=TODAY)
    assert report.as_of == datetime.date(Y - 1, 12, 31)
    # The ШНОР of Y−1 in mun_a: a1 and a2. No results of Y−2, so no dynamics; ВПР of Y−1 only.
    assert [s.code for s in report.schools] == ["sch610001", "sch610002"]
    by_code = figures(report.indicators())
    assert by_code["dynamics"] == (0, 0, None, "none")
    assert by_code["vpr"] == (20, 40, 50.0, "red")  # a1: (10+1+9 failed) of (20+10+10); history had none
    assert by_code["gia"] == (9, 12, 75.0, "red")


def test_targets_come_from_settings(programme, settings):
    settings.PROGRAMME_TARGETS = {"categories": 50, "vpr": 80, "unknown": 1}
    report = selectors.indicator_report(programme.users["methodist"], Y, today=TODAY)
    by_code = {i.code: i for i in report.indicators()}
    assert (by_code["categories"].target, by_code["categories"].light) == (50.0, "green")
    assert (by_code["vpr"].target, by_code["vpr"].light) == (80.0, "green")
    assert by_code["support"].target == 100.0
    assert "unknown" not in selectors.programme_targets()


def test_no_shnor_gives_no_data_everywhere(world):
    decide(world.school_a1, Y, FlagStatus.NONE)
    report = selectors.indicator_report(world.users["methodist"], Y, today=TODAY)
    assert report.schools == []
    assert {i.code: (i.numerator, i.denominator, i.value_label) for i in report.indicators()} == {
        code: (0, 0, "нет данных") for code in MUN_A_FIGURES
    }


def test_flags_by_year_and_the_schools_that_left(programme):
    as_rows = lambda user: [  # noqa: E731
        (r.year, r.shnor, r.risk, r.left) for r in selectors.flags_by_year(programme.users[user])
    ]
    assert as_rows("methodist") == [(Y - 1, 2, 0, 0), (Y, 1, 1, 1)]
    assert as_rows("analyst") == [(Y - 1, 2, 0, 0), (Y, 2, 1, 1)]
    assert as_rows("superuser") == [(Y - 1, 2, 0, 0), (Y, 3, 1, 1)]


def test_statuses_by_municipality(programme):
    rows = selectors.statuses_by_municipality(programme.users["analyst"], Y)
    assert [(r.name, [c for _s, _l, c in r.counts], r.total) for r in rows] == [
        ("Обливский район", [1, 1, 0, 0], 2),
        ("Тацинский район", [1, 0, 0, 1], 2),
    ]


def test_overdue_items_in_sql_follow_the_pure_rule(programme):
    expected = {
        i.pk
        for i in RoadmapItem.objects.select_related("roadmap")
        if transitions.is_overdue(
            status=i.status, end=i.end_date, all_year=i.all_year, period_end=i.roadmap.period_end, today=TODAY
        )
    }
    in_sql = set(RoadmapItem.objects.overdue(TODAY).values_list("pk", flat=True))
    assert in_sql == expected
    assert len(expected) == 3


@pytest.mark.parametrize(
    ("user", "overdue_items", "overdue_forms", "without_mentor"),
    [
        ("methodist", 2, 1, 1),
        ("head", 2, 1, 1),
        ("regional_methodist", 3, 2, 1),
        ("analyst", 3, None, 1),  # the analyst does not read quarterly forms
    ],
)
def test_dashboard_figures_per_role(programme, user, overdue_items, overdue_forms, without_mentor):
    data = selectors.dashboard(programme.users[user], None, today=TODAY)
    assert data.year == Y
    assert (data.overdue_items, data.overdue_forms, len(data.report.without_mentor)) == (
        overdue_items,
        overdue_forms,
        without_mentor,
    )


def test_default_year_is_the_newest_that_has_begun():
    assert selectors.default_year([Y + 1, Y, Y - 1], TODAY) == Y
    assert selectors.default_year([Y + 1], TODAY) == Y + 1
    assert selectors.default_year([], TODAY) is None


# --- the pages and the gate -----------------------------------------------------------------------------------

ROLES = [
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
ALLOWED = {"methodist", "regional_methodist", "head", "analyst", "superuser"}


@pytest.mark.parametrize("name", ["roadmaps:dashboard", "roadmaps:indicators"])
def test_who_opens_the_pages(client, programme, name):
    statuses = {}
    for role in ROLES:
        client.force_login(programme.users[role])
        statuses[role] = client.get(reverse(name)).status_code
    assert statuses == {role: 200 if role in ALLOWED else 403 for role in ROLES}
    client.logout()
    response = client.get(reverse(name))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_school_admin_gets_the_403_page(client, programme):
    client.force_login(programme.users["school_admin"])
    response = client.get(reverse("roadmaps:dashboard"))
    assert response.status_code == 403
    assert "Доступ запрещён" in response.content.decode()


def by_year_rows(html: str) -> dict[int, tuple[int, int, int]]:
    rows = {}
    for year, body in re.findall(r'<tr data-year="(\d+)">(.*?)</tr>', html, re.S):
        counts = dict(re.findall(r'data-count="(\w+)">(\d+)<', body))
        rows[int(year)] = (int(counts["shnor"]), int(counts["risk"]), int(counts["left"]))
    return rows


def indicator_cells(html: str, table_id: str) -> dict[str, tuple[str, str]]:
    table = html[html.index(f'id="{table_id}"') :]
    table = table[: table.index("</table>")]
    cells = {}
    for code, body in re.findall(r'<tr data-code="(\w+)" data-light="\w+">(.*?)</tr>', table, re.S):
        numbers = re.findall(r'<td class="num"[^>]*>\s*(?:<a href="[^"]*">)?([\d\xa0 ]+)\s*<', body)
        cells[code] = tuple(n.replace("\xa0", "").replace(" ", "") for n in numbers[:2])
    return cells


def test_methodologist_dashboard_shows_mun_a_numbers_only(client, programme):
    client.force_login(programme.users["methodist"])
    html = client.get(reverse("roadmaps:dashboard")).content.decode()
    assert by_year_rows(html) == {Y - 1: (2, 0, 0), Y: (1, 1, 1)}
    assert "Обливский район" in html and "Тацинский район" not in html
    cells = indicator_cells(html, "dashboard-indicators")
    assert cells == {code: (str(n), str(d)) for code, (n, d, _v, _l) in MUN_A_FIGURES.items()}
    assert 'data-light="red"' in html
    # Every count links to the list behind it.
    assert f'href="/schools/flags/?year={Y}&amp;status=shnor" data-count="shnor"' in html
    assert f'href="/schools/flags/?year={Y}&amp;movement=left" data-count="left"' in html
    assert f'href="{reverse("roadmaps:list")}?overdue=1" data-count="overdue-items"' in html
    assert f'href="{reverse("diagnostics:forms")}?overdue=1" data-count="overdue-forms"' in html
    assert f'href="{reverse("mentoring:coverage")}?year={Y}#no-mentor" data-count="without-mentor"' in html
    # The nouns agree with the counts (2 items, 1 form): core.plural, not «1 квартальных форм не сдано».
    assert '<span class="status-counts__label">просроченных пункта дорожных карт</span>' in html
    assert '<span class="status-counts__label">квартальная форма не сдана в срок</span>' in html
    # The chart's data is embedded as JSON for static/js/dashboard.js; no inline script.
    assert '<script id="dashboard-chart-data" type="application/json">' in html
    assert re.search(r"<script>(?!\s*</script>)", html) is None
    assert "vendor/chartjs/chart.umd.min.js" in html


def test_analyst_dashboard_has_region_numbers_and_no_names(client, programme):
    client.force_login(programme.users["analyst"])
    response = client.get(reverse("roadmaps:dashboard"))
    html = response.content.decode()
    assert by_year_rows(html) == {Y - 1: (2, 0, 0), Y: (2, 1, 1)}
    assert "Обливский район" in html and "Тацинский район" in html and "Ленинградский район" not in html
    cells = indicator_cells(html, "dashboard-indicators")
    assert cells == {code: (str(n), str(d)) for code, (n, d, _v, _l) in REGION_FIGURES.items()}
    for teacher in programme.teachers:
        assert teacher.last_name not in html
    # Lists of teachers are not linked for the analyst; the forms count is not theirs to see.
    assert reverse("schools:teachers") not in html
    assert 'data-count="overdue-forms"' not in html
    assert 'id="forms-note"' in html


def test_dashboard_chart_json_matches_the_table(client, programme):
    client.force_login(programme.users["analyst"])
    chart = client.get(reverse("roadmaps:dashboard")).context["chart"]
    assert chart["flags"] == {
        "years": [Y - 1, Y],
        "series": [
            {"key": "shnor", "label": "ШНОР", "values": [2, 2]},
            {"key": "risk", "label": "зона риска", "values": [0, 1]},
            {"key": "left", "label": "вышли из перечня", "values": [0, 1]},
        ],
    }
    assert [(i["code"], i["value"]) for i in chart["indicators"]] == [
        (code, value) for code, (_n, _d, value, _l) in REGION_FIGURES.items()
    ]


def test_dashboard_year_switch(client, programme):
    client.force_login(programme.users["methodist"])
    response = client.get(reverse("roadmaps:dashboard"), {"year": Y - 1})
    assert response.context["year"] == Y - 1
    assert f"Статусы школ по муниципалитетам, {Y - 1}" in response.content.decode()
    for bad in ["1999", "abc", str(Y + 5)]:
        assert client.get(reverse("roadmaps:dashboard"), {"year": bad}).context["year"] == Y


def test_dashboard_without_any_statuses(client, world):
    client.force_login(world.users["methodist"])
    response = client.get(reverse("roadmaps:dashboard"))
    assert response.status_code == 200
    assert "Статусы ШНОР ещё не рассчитаны" in response.content.decode()


def test_indicators_page_shows_numerators_denominators_and_lights(client, programme):
    client.force_login(programme.users["regional_methodist"])
    response = client.get(reverse("roadmaps:indicators"), {"year": Y})
    html = response.content.decode()
    assert indicator_cells(html, "indicators") == {
        code: (str(n), str(d)) for code, (n, d, _v, _l) in REGION_FIGURES.items()
    }
    assert response.context["breakdown_level"] == "municipality"
    assert [m.name for m, _count, _lights in response.context["breakdown"]] == [
        "Обливский район",
        "Тацинский район",
    ]
    coverage = f"{reverse('mentoring:coverage')}?year={Y}"
    assert f'<a href="{coverage}">2</a>' in html  # support: numerator → coverage


def test_indicators_page_for_one_school(client, programme):
    client.force_login(programme.users["regional_methodist"])
    response = client.get(reverse("roadmaps:indicators"), {"year": Y, "school": programme.b2.pk})
    assert response.status_code == 200
    html = response.content.decode()
    assert indicator_cells(html, "indicators") == {
        code: (str(n), str(d)) for code, (n, d, _v, _l) in B2_FIGURES.items()
    }
    assert "нет данных" in html  # ГИА: no participants
    assert f"{reverse('schools:teachers')}?school={programme.b2.pk}" in html
    assert f"{reverse('schools:detail', args=[programme.b2.pk])}#results" in html


def test_indicators_page_for_a_municipality_lists_its_schools(client, programme):
    client.force_login(programme.users["analyst"])
    response = client.get(reverse("roadmaps:indicators"), {"year": Y, "municipality": programme.mun_a.pk})
    assert response.context["breakdown_level"] == "school"
    assert [s.code for s, _lights in response.context["breakdown"]] == ["sch610001"]
    assert figures(r.indicator for r in response.context["rows"]) == MUN_A_FIGURES


@pytest.mark.parametrize(
    ("user", "school"),
    [
        ("methodist", "b2"),  # another municipality's ШНОР
        ("analyst", "school_other"),  # another region's
        ("analyst", "school_a2"),  # not a ШНОР of the year
    ],
)
def test_indicators_of_a_school_outside_the_list_are_404(client, programme, user, school):
    client.force_login(programme.users[user])
    target = getattr(programme, school)
    assert client.get(reverse("roadmaps:indicators"), {"year": Y, "school": target.pk}).status_code == 404


def test_indicators_of_a_municipality_outside_the_reach_are_404(client, programme):
    client.force_login(programme.users["methodist"])
    assert client.get(reverse("roadmaps:indicators"), {"municipality": programme.mun_b.pk}).status_code == 404
    assert client.get(reverse("roadmaps:indicators"), {"school": "x"}).status_code == 404


def test_flags_page_lists_the_schools_that_left(client, programme):
    client.force_login(programme.users["analyst"])
    html = client.get(reverse("schools:flags"), {"year": Y, "movement": "left"}).content.decode()
    assert set(re.findall(r'data-code="(sch\d+)"', html)) == {"sch610002"}
    html = client.get(reverse("schools:flags"), {"year": Y, "movement": "entered"}).content.decode()
    assert set(re.findall(r'data-code="(sch\d+)"', html)) == {"sch610101"}
    html = client.get(reverse("schools:flags"), {"year": Y, "movement": "stayed"}).content.decode()
    assert set(re.findall(r'data-code="(sch\d+)"', html)) == {"sch610001"}


# --- queries do not grow with schools -------------------------------------------------------------------------


def add_shnor_schools(world, n: int, start: int) -> None:
    """n more ШНОР of mun_a with teachers, a tutor, a mentor, diagnostics, КПК, results and a late form."""
    maths = SubjectFactory(name=f"Математика {start}")
    methodist = world.users["methodist"]
    order = mentoring.order_create(
        municipality=world.mun_a, number=f"{start}-од", date=days(-60), user=methodist
    )
    for k in range(start, start + n):
        school = SchoolFactory(municipality=world.mun_a, code=f"sch69{k:04d}")
        decide(school, Y - 1, FlagStatus.SHNOR)
        decide(school, Y, FlagStatus.SHNOR if k % 3 else FlagStatus.RISK)
        teacher = TeacherFactory(school=school, subjects=[maths], category=QualificationCategory.FIRST)
        TeacherFactory(school=school)
        ProfessionalCourseFactory(teacher=teacher, start_date=days(-40), end_date=days(-30))
        mentoring.tutor_assign(
            order=order,
            teacher=teacher,
            subject=maths,
            tutor=world.users["tutor"],
            start_date=days(-10),
            user=methodist,
        )
        if k % 3 == 1:
            mentoring.mentor_assign(
                order=order,
                school=school,
                mentor_user=world.users["mentor"],
                start_date=days(-10),
                user=methodist,
            )
        add(school, "ВПР", "математика", 5, Y, 3, 20)
        add(school, "ВПР", "математика", 5, Y - 1, 5, 20)
        add(school, "ОГЭ", "математика", 9, Y, 2, 15)
        ProgressForm.objects.create(school=school, year=Y - 1, quarter=1, deadline=days(-40))
        Roadmap.objects.create(
            municipality=world.mun_a,
            school=school,
            title="Карта",
            period_start=days(-90),
            period_end=days(-1),
        ).items.create(number="1", activity="Анализ", all_year=True)


@pytest.mark.parametrize("name", ["roadmaps:dashboard", "roadmaps:indicators"])
def test_query_count_does_not_grow_with_schools(client, world, django_assert_num_queries, name):
    seed_catalogues()
    client.force_login(world.users["methodist"])
    add_shnor_schools(world, 3, 0)
    with CaptureQueriesContext(connection) as small:
        response = client.get(reverse(name))
    assert response.status_code == 200
    first = response.context["report"] if name == "roadmaps:indicators" else response.context["data"].report
    assert len(first.schools) == 2  # k = 1, 2 are ШНОР in Y

    add_shnor_schools(world, 6, 3)  # 3N schools in all
    with django_assert_num_queries(len(small)):
        response = client.get(reverse(name))
    report = response.context["report"] if name == "roadmaps:indicators" else response.context["data"].report
    assert len(report.schools) == 6
    # Two teachers a school, the subject teacher tutored; schools 1, 4, 7 have a mentor for both.
    assert figures(report.indicators())["support"] == (9, 12, 75.0, "red")


def test_a_municipal_methodist_of_another_region_sees_nothing_here(client, programme):
    stranger = user_with_role("methodist", MunicipalityFactory(name="Чужой район"), username="stranger")
    client.force_login(stranger)
    response = client.get(reverse("roadmaps:dashboard"))
    assert response.status_code == 200
    assert response.context["data"].years == []
    assert response.context["data"].overdue_items == 0
