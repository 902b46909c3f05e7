"""The справка and the methodologist's dashboard say the same of the same data (issue #22 §4).

The same territory (tests/builders/spravka.py), a school closed after the list was computed (the dashboard
counts only working schools) and an overdue item of an older roadmap: the dashboard's figures through its own
selector (``indicators.selectors.dashboard``, what the page renders), the справка's through its builder,
and each figure both show must be equal — statuses of the year, schools in the list, ШНОР without a mentor, the
eight indicators (diagnostics and ИОМ among them), overdue roadmap items.
"""

import datetime

import pytest

from core.roles import Role
from indicators.selectors import dashboard
from reports.builders import ReportParams, build
from roadmaps.models import ItemStatus, Roadmap, RoadmapItem
from schools.models import FlagStatus, Municipality, Region, School
from tests.builders.module import module_fixture
from tests.builders.spravka import LIST_YEAR, TODAY, build_territory
from tests.factories import user_with_role


@module_fixture
def territory(world):
    built = build_territory(municipalities=2, schools=40, seed=7)
    first = built.municipality_ids[0]
    closed = School.objects.filter(
        municipality_id=first, flag_decisions__list_year=LIST_YEAR, flag_decisions__status=FlagStatus.SHNOR
    ).first()
    closed.is_active = False
    closed.save(update_fields=["is_active"])
    old = Roadmap.objects.create(
        municipality_id=first,
        title="Дорожная карта 2024 года",
        period_start=datetime.date(2024, 1, 1),
        period_end=datetime.date(2024, 12, 31),
    )
    RoadmapItem.objects.create(
        roadmap=old,
        number="1",
        position=1,
        activity="Семинар, так и не проведённый",
        end_date=datetime.date(2024, 5, 1),
        status=ItemStatus.PLANNED,
    )
    return built


def figures_of_the_dashboard(user) -> dict:
    data = dashboard(user, LIST_YEAR, today=TODAY)
    totals = {status: n for status, _label, n in data.status_totals}
    return {
        "statuses": (
            data.total_schools,
            totals[FlagStatus.SHNOR],
            totals[FlagStatus.RISK],
            totals[FlagStatus.NO_DATA],
            totals[FlagStatus.NONE],
        ),
        "list": len(data.report.schools),
        "without_mentor": len(data.report.without_mentor),
        "indicators": [(i.title, i.numerator, i.denominator, i.value) for i in data.indicators],
        "overdue_items": data.overdue_items,
    }


def figures_of_the_spravka(built) -> dict:
    sections = {section.key: section for section in built.context.sections}
    import re

    numbers = [int(n) for n in re.findall(r"\d+", sections["list"].paragraphs[0].replace(str(LIST_YEAR), ""))]
    mentors = re.match(r"Наставник закреплён за (\d+) из (\d+) ", sections["mentoring"].paragraphs[0])
    overdue = re.fullmatch(
        r"Пунктов с истёкшим сроком на [\d.]+: (\d+)\.", sections["roadmaps"].paragraphs[0]
    )
    return {
        "statuses": tuple(numbers),
        "list": len(sections["list"].tables[0].rows),
        "without_mentor": int(mentors[2]) - int(mentors[1]),
        "indicators": [row[:4] for row in sections["indicators"].tables[0].rows],
        "overdue_items": int(overdue[1]),
    }


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["municipality", "region"])
def test_the_spravka_shows_the_dashboards_figures(territory, kind):
    if kind == "municipality":
        target = Municipality.objects.get(pk=territory.municipality_ids[0])
    else:
        target = Region.objects.get(pk=territory.region_id)
    user = user_with_role(Role.METHODIST, target)
    built = build(
        ReportParams(
            kind="territory",
            region_id=territory.region_id,
            municipality_id=territory.municipality_ids[0] if kind == "municipality" else None,
            school_id=None,
            year=LIST_YEAR,
        ),
        today=TODAY,
    )
    dashboard_figures = figures_of_the_dashboard(user)
    assert dashboard_figures["statuses"][0] == (
        39 if kind == "municipality" else 79
    )  # the closed school is out
    assert dashboard_figures["overdue_items"] > 0
    assert figures_of_the_spravka(built) == dashboard_figures


@pytest.mark.django_db
def test_a_regions_tables_per_municipality_sum_to_its_per_school_tables(territory):
    """A region's справка prints mentoring, events, roadmaps and the list's movement per municipality and keeps the
    per-school tables for the workbook: every per-municipality row is the sum of its municipality's rows there."""
    from collections import Counter, defaultdict

    built = build(
        ReportParams(
            kind="territory",
            region_id=territory.region_id,
            municipality_id=None,
            school_id=None,
            year=LIST_YEAR,
        ),
        today=TODAY,
    )
    tables = {table.title: table for section in built.context.sections for table in section.tables}

    def summed(title: str, key, values) -> dict:
        out: dict = defaultdict(lambda: None)
        for row in tables[title].rows:
            current = out[key(row)]
            new = values(row)
            out[key(row)] = (
                new if current is None else tuple(a + b for a, b in zip(current, new, strict=True))
            )
        return dict(out)

    def printed(title: str, width: int) -> dict:
        table = tables[title]
        assert table.in_pdf and table.in_workbook
        return {row[0]: tuple(row[1 : 1 + width]) for row in table.rows}

    municipalities = set(
        Municipality.objects.filter(region_id=territory.region_id).values_list("name", flat=True)
    )
    coverage = tables["Охват наставничеством"]
    assert coverage.in_pdf is False
    assert printed("Охват наставничеством по муниципалитетам", 4) == summed(
        "Охват наставничеством", lambda r: r[1], lambda r: (1, int(r[2] != "не назначен"), r[3], r[4])
    )
    journal = next(
        t for t in tables if t.startswith("Журнал наставничества") and "по муниципалитетам" not in t
    )
    assert tables[journal].in_pdf is False
    width = len(tables[journal].columns) - 2
    assert printed(journal + " по муниципалитетам", width) == summed(journal, lambda r: r[1], lambda r: r[2:])
    assert tables["Мероприятия и КПК по школам"].in_pdf is False
    assert printed("Мероприятия и КПК по муниципалитетам", 4) == summed(
        "Мероприятия и КПК по школам", lambda r: r[1], lambda r: (1, *r[2:])
    )
    assert tables["Исполнение по дорожным картам"].in_pdf is False
    roadmaps = printed("Исполнение дорожных карт по муниципалитетам", 4)
    assert set(roadmaps) <= municipalities
    assert tuple(map(sum, zip(*roadmaps.values(), strict=True)))[1:] == tuple(
        map(sum, zip(*(row[2:5] for row in tables["Исполнение по дорожным картам"].rows), strict=True))
    )
    assert len(tables["Исполнение по дорожным картам"].rows) == sum(row[0] for row in roadmaps.values())

    listed = [t for t in built.context.sections[0].tables if t.title.startswith("Перечень ШНОР")]
    assert [(t.in_pdf, t.in_workbook) for t in listed] == [(True, False), (False, True)]
    assert [row[:4] for row in listed[0].rows] == [row[:4] for row in listed[1].rows]
    per_municipality = printed("Перечень, его изменения и зона риска по муниципалитетам", 4)
    movement = next(t for t in tables if t.startswith("Изменения перечня"))
    moved = Counter((row[1], row[2]) for row in tables[movement].rows)
    risk = Counter(row[1] for row in tables["Зона риска: школы с одним годом низких результатов"].rows)
    shnor = Counter(row[1] for row in listed[1].rows)
    expected = {
        name: (shnor[name], moved[(name, "вошла в перечень")], moved[(name, "вышла из перечня")], risk[name])
        for name in municipalities
    }
    assert per_municipality == {name: counts for name, counts in expected.items() if any(counts)}
    assert sum(counts[0] for counts in per_municipality.values()) == len(listed[0].rows)
