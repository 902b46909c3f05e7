"""Builders: what a справка says, for which territory, and how many queries it costs."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from reports.builders import SECTIONS, ReportParams, build, rule_rows
from reports.context import Table
from schools.models import FlagStatus
from tests.builders.module import module_fixture
from tests.builders.roadmaps import Y, build_programme, decide
from tests.builders.schools import add
from tests.factories import SchoolFactory

pytestmark = [pytest.mark.django_db, pytest.mark.today]


@module_fixture
def programme(world):
    return build_programme(world)


def params(world, **kwargs) -> ReportParams:
    base = {
        "kind": "territory",
        "region_id": world.region.pk,
        "municipality_id": world.mun_a.pk,
        "school_id": None,
        "year": Y,
    }
    base.update(kwargs)
    return ReportParams(**base)


def all_cells(built) -> list[str]:
    """Every text of the context and of the workbook's raw data."""
    texts = []
    for section in built.context.sections:
        texts += [section.title, *section.paragraphs]
        for table in section.tables:
            texts += [str(cell) for row in table.iter_rows() for cell in row]
        for chart in section.charts:
            texts += [chart.title, *(s.name for s in chart.series)]
    for table in built.workbook_tables:
        texts += [str(cell) for row in table.iter_rows() for cell in row]
    return texts


def section(built, key):
    return next(s for s in built.context.sections if s.key == key)


def table(built, key, title_start) -> Table:
    return next(t for t in section(built, key).tables if t.title.startswith(title_start))


def test_municipal_report_has_every_section_in_order(programme):
    built = build(params(programme, recommendations="Провести семинар."), today=timezone.localdate())
    assert [s.key for s in built.context.sections] == [key for key, _stage, _f in SECTIONS]
    assert built.context.territory == "Обливский район"
    assert built.context.recommendations == "Провести семинар."
    assert built.context.meta["Источник перечня"].startswith("расчёт")


def test_list_section_names_the_shnor_with_its_reasons(programme, world):
    decision = decide(SchoolFactory(municipality=world.mun_a, name="МБОУ «Новая СОШ»"), Y, FlagStatus.RISK)
    decision.reasons = {
        "criteria": [],
        "low": [
            {
                "year": Y - 1,
                "kind": "ВПР",
                "subject": "математика",
                "grade": 5,
                "failed": 7,
                "participants": 20,
                "share": 35.0,
            }
        ],
    }
    decision.save()
    built = build(params(world), today=timezone.localdate())
    listed = table(built, "list", "Перечень")
    assert [row[0] for row in listed.rows] == [
        "МБОУ «Каштановская СОШ»"
    ]  # a1: computed ШНОР, mun_a not approved
    assert listed.rows[0][1] == "ШНОР"
    assert listed.rows[0][4] == "расчётный перечень (не утверждён)"
    risk = table(built, "list", "Зона риска")
    names = {row[0]: row[1] for row in risk.rows}
    assert names["МБОУ «Новая СОШ»"] == "ВПР математика 5 кл. " + f"{Y - 1}: 35,0\u00a0% (7 из 20)"
    assert "МБОУ «Солонецкая СОШ»" in names  # a2: risk in Y
    movement = {row[0]: row[1] for row in table(built, "list", "Изменения").rows}
    assert movement == {"МБОУ «Солонецкая СОШ»": "вышла из перечня"}  # a2 was ШНОР in Y−1


def test_approved_list_decides_the_list_and_marks_overrides(programme, world):
    built = build(params(world, municipality_id=world.mun_b.pk), today=timezone.localdate())
    listed = table(built, "list", "Перечень")
    assert [(row[0], row[4]) for row in listed.rows] == [
        ("МБОУ «Тацинская СОШ №2»", "включена вручную: Решение комиссии")
    ]
    assert "приказ № 15-од" in " ".join(section(built, "list").paragraphs)
    movement = {row[0]: row[1] for row in table(built, "list", "Изменения").rows}
    assert movement == {"МБОУ «Тацинская СОШ №2»": "вошла в перечень"}


def test_dynamics_shares_per_procedure_and_year(world):
    a1 = world.school_a1
    decide(a1, Y, FlagStatus.SHNOR)
    add(a1, "ВПР", "математика", 5, Y - 2, 3, 10)  # 30 %
    add(a1, "ВПР", "математика", 5, Y - 1, 7, 25)  # 28 %
    add(a1, "ОГЭ", "математика", 9, Y - 1, 2, 40).__class__.objects.filter(
        school=a1, procedure__kind__code="ОГЭ"
    ).update(mean_score="3.45")
    add(world.school_a2, "ВПР", "математика", 5, Y - 1, 9, 10)  # not ШНОР: not shown one by one
    built = build(params(world), today=timezone.localdate())
    rows = table(built, "dynamics", "Доля «2» (ВПР").rows
    years = list(range(Y - 4, Y))
    by_key = {(row[1], row[2], row[3]): row for row in rows}
    vpr = by_key[("ВПР", "математика", 5)]
    assert vpr[4 + years.index(Y - 2)] == 30.0
    assert vpr[4 + years.index(Y - 1)] == 28.0
    assert vpr[4 + years.index(Y - 3)] is None
    assert vpr[-1] == "да"  # 10 participants: a small sample
    assert {row[0] for row in rows} == {"МБОУ «Каштановская СОШ»"}
    means = table(built, "dynamics", "Средний балл").rows
    assert means[0][0:2] == ("МБОУ «Каштановская СОШ»", "математика")
    assert str(means[0][2 + years.index(Y - 1)]) == "3.45"
    (chart,) = section(built, "dynamics").charts
    assert chart.title == "МБОУ «Каштановская СОШ»"
    # ВПР reached 30 % in Y−2: it is drawn; ОГЭ (5 %) never did and is left to the workbook
    assert [s.name for s in chart.series] == ["ВПР математика 5 кл."]
    assert "(1 из 2)" in chart.note
    assert chart.threshold == 30  # the rule's default: the computation stored no parameters


def test_a_municipal_report_shows_nothing_of_another_territory(programme, world):
    built = build(params(world), today=timezone.localdate())
    text = " ".join(all_cells(built))
    for foreign in ("Тацинская", "Ленинградской", "Тацинского района", "Клестова"):
        assert foreign not in text
    assert "Каштановская" in text


def test_regional_report_names_municipalities_and_stays_in_its_region(programme, world):
    built = build(params(world, municipality_id=None), today=timezone.localdate())
    listed = table(built, "list", "Перечень")
    assert {(row[0], row[1]) for row in listed.rows} == {
        ("МБОУ «Каштановская СОШ»", "Обливский район"),
        ("МБОУ «Тацинская СОШ №2»", "Тацинский район"),
    }
    assert "Ленинградской" not in " ".join(all_cells(built))
    assert built.context.territory == "Ростовская область"
    summary = table(built, "dynamics", "Доля «2» и ниже минимума по всем процедурам школы")
    assert summary.in_pdf is False  # a region prints it per municipality; the workbook keeps each school
    assert [row[:2] for row in summary.rows] == [
        ("МБОУ «Каштановская СОШ»", "Обливский район"),
        ("МБОУ «Тацинская СОШ №2»", "Тацинский район"),
    ]
    share = round(100 * (10 + 1 + 0 + 3 + 9) / (20 + 10 + 0 + 12 + 10), 1)  # a1 in Y−1
    assert summary.rows[0][2 + 3] == share
    printed = table(built, "dynamics", "Доля «2» и ниже минимума по всем процедурам школ перечня")
    assert printed.in_pdf and [row[0] for row in printed.rows] == ["Обливский район", "Тацинский район"]
    assert printed.rows[0][1 + 3] == share  # a1 is Обливский район's only school of the list
    assert table(built, "dynamics", "Доля «2» (ВПР").in_pdf is False  # per procedure: the workbook only
    assert built.context.meta["Источник перечня"].startswith("утверждённые перечни и расчёт")


def test_school_profile_covers_one_school(programme, world):
    built = build(params(world, kind="school", school_id=world.school_a1.pk), today=timezone.localdate())
    assert built.context.title == "Профиль школы"
    text = " ".join(all_cells(built))
    assert "Солонецкая" not in text
    history = table(built, "list", "Статус по годам")
    assert [(row[0], row[1]) for row in history.rows] == [(Y, "ШНОР"), (Y - 1, "ШНОР")]


def test_a_territory_prints_a_row_per_school_and_keeps_every_procedure_for_the_workbook(world):
    a1 = world.school_a1
    decide(a1, Y, FlagStatus.SHNOR)
    add(a1, "ВПР", "математика", 5, Y - 1, 3, 10)
    add(a1, "ОГЭ", "математика", 9, Y - 1, 1, 30)
    built = build(params(world), today=timezone.localdate())
    summary = table(built, "dynamics", "Доля «2» и ниже минимума по всем")
    assert summary.in_pdf and summary.rows == [("МБОУ «Каштановская СОШ»", None, None, None, 10.0)]
    assert table(built, "dynamics", "Доля «2» (ВПР").in_pdf is False
    profile = build(params(world, kind="school", school_id=a1.pk), today=timezone.localdate())
    assert table(profile, "dynamics", "Доля «2» (ВПР").in_pdf is True  # a school's profile prints every row


def test_mentoring_roadmaps_events_and_diagnostics_sections(programme, world):
    built = build(params(world), today=timezone.localdate())
    coverage = table(built, "mentoring", "Охват").rows
    # a1: its mentor's assignment ended; t1 of its three subject teachers has a tutor.
    assert coverage == [("МБОУ «Каштановская СОШ»", "не назначен", 3, 1, 33.3)]
    roadmaps = {row[0]: row for row in table(built, "roadmaps", "Исполнение").rows}
    assert roadmaps["Дорожная карта"][2:5] == (4, 1, 1)
    overdue = {row[2] for row in table(built, "roadmaps", "Просроченные").rows}
    assert overdue == {"Совещание", "Анализ"}
    quarters = table(built, "diagnostics", "Мониторинг").rows
    # a1's form (a2 is not ШНОР in Y); the lines of t1's approved ИОМ and t2's draft fall due later.
    assert quarters[0] == (f"1 кв. {Y - 1}", 1, 0, 0, 0, 0, None)
    assert sum(row[4] for row in quarters[1:]) > 0 and all(row[5] == 0 for row in quarters)


def test_rule_parameters_are_kept_and_shown():
    assert rule_rows({"threshold": 30, "criterion2": "any", "kinds": []}) == [
        ("Порог низкого результата, %", "30"),
        ("Режим критерия 2", "любая процедура в каждом году"),
        ("Учитываемые виды процедур", "все"),
    ]


def test_workbook_data_lists_every_result_of_the_territory(programme, world):
    built = build(params(world), today=timezone.localdate())
    (data,) = built.workbook_tables
    assert data.in_pdf is False
    rows = list(data.iter_rows())
    codes = {row[0] for row in rows}
    assert codes <= {world.school_a1.code, world.school_a2.code}
    assert (
        len(rows) == 5
    )  # a1's five results of Y−1 (those of Y are not yet in a справка of Y; a2 has none before)
    assert rows == list(data.iter_rows())  # a fresh iterator each time


def test_query_count_does_not_grow_with_the_schools(programme, world):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            built = build(params(world, municipality_id=None), today=timezone.localdate())
            for t in built.workbook_tables:
                list(t.iter_rows())
        return len(captured)

    before = queries()
    for n in range(15):
        school = SchoolFactory(municipality=world.mun_a, code=f"sch69{n:04d}", name=f"МБОУ СОШ №{n + 10}")
        decide(school, Y, FlagStatus.SHNOR)
        decide(school, Y - 1, FlagStatus.SHNOR)
        add(school, "ВПР", "математика", 5, Y - 1, 5, 10)
    assert queries() == before


# --- issue #17, item 12: numbers that agree, say why they are missing, and charts of what the rule judges --------


def test_diagnostics_and_routes_in_the_spravka_agree_with_the_dashboards(programme, world, client):
    from django.urls import reverse

    from indicators import rules

    built = build(params(world))
    rows = {row[0]: row[1:3] for row in table(built, "indicators", "Показатели").iter_rows()}
    diagnosed = rows[rules.TITLES[rules.DIAGNOSED]]
    with_route = rows[rules.TITLES[rules.ROUTES]]
    # a1 is the ШНОР of mun_a: t1, t2, t4 teach a subject; t1 and t2 took the January diagnostics (t4 only an
    # August one of the year before); t1 has an approved ИОМ from it.
    assert (diagnosed, with_route) == ((2, 3), (1, 3))

    client.force_login(world.users["methodist"])
    page = client.get(reverse("diagnostics:dashboard")).context
    assert (page["diagnosed"], page["teachers_total"]) == diagnosed
    assert (page["with_route"], page["teachers_total"]) == with_route
    assert page["list_year"] == Y


def test_an_indicator_without_data_says_why(programme, world):
    built = build(params(world, year=Y + 1))  # nothing is loaded for the next year
    note = table(built, "indicators", "Показатели").note
    assert note.startswith("Нет данных: ")
    assert (
        f"«Доля обучающихся, успешно выполнивших ВПР» — нет загруженных результатов ВПР {Y + 1} года" in note
    )
    assert f"нет загруженных результатов ОГЭ и ЕГЭ {Y + 1} года" in note
    assert table(build(params(world)), "indicators", "Показатели").note == ""  # everything measured in Y


def test_charts_draw_each_procedure_against_the_rules_threshold(programme, world):
    from schools.models import FlagComputation

    FlagComputation.objects.filter(region=world.region, list_year=Y).update(params={"threshold": 25})
    built = build(params(world))
    (chart,) = section(built, "dynamics").charts  # a1, the one ШНОР of mun_a
    assert chart.title == "МБОУ «Каштановская СОШ»"
    assert chart.threshold == 25  # the rule's, not a constant 30
    series = {s.name: s.values[-1] for s in chart.series}  # the last dynamics year is Y−1
    assert series == {
        "ВПР Математика 5 кл.": 50.0,
        "ВПР Математика 6 кл.": 90.0,
        "ОГЭ Математика 9 кл.": 25.0,  # «не менее»: 25 % against 25 % is low
    }  # ВПР русский язык 5 кл. (10 %) was never low: in the workbook only
    assert "Показаны процедуры с низким результатом хотя бы в одном году (3 из 4)" in chart.note
    assert "Пунктир — порог правила ШНОР: процедура с долей не менее 25 % — низкий результат." in chart.note


def test_an_iom_from_a_diagnostics_outside_the_window_counts_for_neither_indicator(programme, world):
    """t4 took only the August diagnostics of Y−1 (before 1 September): an approved ИОМ from it for the school
    year Y−1/Y used to count as «ИОМ на основе диагностики» while t4 did not count as diagnosed."""
    from diagnostics import services as diagnostics
    from diagnostics.models import Campaign
    from indicators import rules
    from schools.models import Teacher

    t4 = Teacher.objects.get(last_name="Снегирёва")
    august = Campaign.objects.get(name="Августовская диагностика")
    methodist = world.users["methodist"]
    route = diagnostics.route_draft(
        teacher=t4, campaign=august, school_year=Y - 1, user=methodist, today=august.end_date
    )
    diagnostics.route_approve(route=route, user=methodist)
    rows = {row[0]: row[1:3] for row in table(build(params(world)), "indicators", "Показатели").iter_rows()}
    assert rows[rules.TITLES[rules.DIAGNOSED]] == (2, 3)
    assert rows[rules.TITLES[rules.ROUTES]] == (1, 3)  # t1 only, as before
