"""2. Results dynamics over the years, per school and as charts."""

from collections import defaultdict
from decimal import Decimal

from schools.criteria import RuleParams, is_low
from schools.models import (
    Result,
)

from ...context import Chart, Column, Kind, Section, Series, Table
from ..scope import BuildScope
from .shared import MUNICIPALITY_COLUMN, municipalities_of, per_school_note, school_columns, share_percent


def dynamics_section(scope: BuildScope) -> Section:
    years = scope.dynamics_years
    focus = scope.focus_ids
    if not focus:
        return Section(
            "dynamics", "Динамика результатов оценочных процедур", empty_text="Нет школ в перечне."
        )
    results = (
        Result.objects.visible_to(scope.principal)
        .filter(school_id__in=focus, procedure__year__in=years, participants__gt=0)
        .values_list(
            "school_id",
            "procedure__kind__code",
            "procedure__subject__name",
            "procedure__grade",
            "procedure__year",
            "participants",
            "failed",
            "mean_score",
        )
        .order_by()
    )
    shares: dict[tuple, dict[int, tuple[int, int]]] = defaultdict(dict)
    by_kind: dict[int, dict[str, dict[int, list[int]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(lambda: [0, 0]))
    )
    means: dict[tuple, dict[int, Decimal]] = defaultdict(dict)
    for school_id, kind, subject, grade, year, participants, failed, mean in results.iterator(
        chunk_size=5000
    ):
        shares[(school_id, kind, subject, grade)][year] = (failed, participants)
        totals = by_kind[school_id][kind][year]
        totals[0] += failed
        totals[1] += participants
        if kind == "ОГЭ" and mean is not None:
            means[(school_id, subject)][year] = mean

    year_columns = tuple(Column(str(year), Kind.PERCENT, 9) for year in years)
    rows = []
    order = {pk: i for i, pk in enumerate(focus)}
    for key in sorted(shares, key=lambda k: (order[k[0]], k[1], k[2], k[3])):
        school_id, kind, subject, grade = key
        per_year = shares[key]
        small = any(participants < 20 for _failed, participants in per_year.values())
        rows.append(
            (
                *scope.school_cells(school_id),
                kind,
                subject,
                grade,
                *(share_percent(*per_year[year]) if year in per_year else None for year in years),
                "да" if small else "",
            )
        )
    tables = [
        Table(
            "Доля «2» (ВПР, ОГЭ) и ниже минимума (ЕГЭ) по процедурам",
            (
                *school_columns(scope),
                Column("Вид", width=8),
                Column("Предмет", width=22),
                Column("Класс", Kind.INT, 7),
                *year_columns,
                Column("Малая выборка", width=9),
            ),
            rows,
            sheet="Динамика результатов",
            note="Малая выборка — меньше 20 участников хотя бы в одном году: доля мало показательна.",
            # Per procedure, a territory's table runs to hundreds or thousands of rows (and WeasyPrint lays out
            # each at ~20 ms): the справка prints a row per school and the charts; the workbook has every row.
            in_pdf=scope.single_school,
        )
    ]
    if not scope.single_school:
        tables.insert(0, _school_summary_table(scope, by_kind, years))
    if scope.regional:
        tables.insert(0, _municipality_summary_table(scope, by_kind, years))
    mean_rows = [
        (*scope.school_cells(school_id), subject, *(means[(school_id, subject)].get(year) for year in years))
        for school_id, subject in sorted(means, key=lambda k: (order[k[0]], k[1]))
    ]
    if mean_rows:
        tables.append(
            Table(
                "Средний балл ГИА-9 (ОГЭ)",
                (
                    *school_columns(scope),
                    Column("Предмет", width=22),
                    *(Column(str(y), Kind.DECIMAL, 9) for y in years),
                ),
                mean_rows,
                sheet="Средний балл ОГЭ",
                in_pdf=scope.single_school,
            )
        )
    charts = _dynamics_charts(scope, shares, by_kind, years)
    return Section(
        "dynamics",
        "Динамика результатов оценочных процедур",
        (
            f"Результаты {years[0]}–{years[-1]} годов школ перечня: доля участников с отметкой «2» "
            "(ВПР, ОГЭ) или ниже минимального балла (ЕГЭ).",
        ),
        tuple(tables),
        tuple(charts),
        empty_text="Результатов за эти годы нет.",
    )


def _school_summary_table(scope: BuildScope, by_kind, years: tuple[int, ...]) -> Table:
    """One row per school: the share of «2» / below the minimum over all its procedures, by year."""
    rows = []
    for school_id in scope.focus_ids:
        totals = {year: [0, 0] for year in years}
        for per_year in by_kind.get(school_id, {}).values():
            for year, (failed, participants) in per_year.items():
                totals[year][0] += failed
                totals[year][1] += participants
        rows.append((*scope.school_cells(school_id), *(share_percent(*totals[year]) for year in years)))
    return Table(
        "Доля «2» и ниже минимума по всем процедурам школы",
        (*school_columns(scope), *(Column(str(year), Kind.PERCENT, 9) for year in years)),
        rows,
        sheet="Динамика по школам",
        note="По процедурам — в книге Excel, лист «Динамика результатов».",
        in_pdf=not scope.regional,  # a region prints it per municipality; the workbook keeps every school
    )


def _municipality_summary_table(scope: BuildScope, by_kind, years: tuple[int, ...]) -> Table:
    """A region's summary per municipality: the failed and the participants of its listed schools summed, by year
    (the share of the sums, not a mean of the schools' shares)."""
    totals = {name: {year: [0, 0] for year in years} for name in municipalities_of(scope, scope.focus_ids)}
    for school_id in scope.focus_ids:
        total = totals[scope.schools[school_id].municipality]
        for per_year in by_kind.get(school_id, {}).values():
            for year, (failed, participants) in per_year.items():
                if year in total:
                    total[year][0] += failed
                    total[year][1] += participants
    return Table(
        "Доля «2» и ниже минимума по всем процедурам школ перечня, по муниципалитетам",
        (MUNICIPALITY_COLUMN, *(Column(str(year), Kind.PERCENT, 9) for year in years)),
        [(name, *(share_percent(*total[year]) for year in years)) for name, total in totals.items()],
        sheet="Динамика по МО",
        note="Доля — от всех участников процедур школ перечня муниципалитета. "
        + per_school_note("Динамика по школам")
        + " По процедурам — лист «Динамика результатов».",
    )


def _dynamics_charts(scope: BuildScope, shares, by_kind, years: tuple[int, ...]) -> list[Chart]:
    """A chart per school (a municipality's справка, a profile): a line per procedure the ШНОР rule looks at
    (kind, subject, grade) and the rule's threshold, which is what the rule compares each of them with. A
    region's справка draws a chart per municipality by kind of procedure, without a threshold: the rule
    judges a school's procedures one by one, never a municipality's totals."""
    categories = tuple(str(year) for year in years)
    # The rule's parameters as stored with the year's computation; a computation that stored none used the
    # rule's defaults (schools.criteria.RuleParams: 30 %, the programme's «не менее 30%»).
    threshold = scope.rule.get("threshold", RuleParams().threshold)
    kinds_counted = set(scope.rule.get("kinds") or ())
    charts = []
    if scope.regional:
        groups: dict[str, dict[str, dict[int, list[int]]]] = {}
        for school_id, kinds in by_kind.items():
            group = groups.setdefault(scope.schools[school_id].municipality, {})
            for kind, per_year in kinds.items():
                for year, (failed, participants) in per_year.items():
                    totals = group.setdefault(kind, {}).setdefault(year, [0, 0])
                    totals[0] += failed
                    totals[1] += participants
        for title in sorted(groups):
            kinds = groups[title]
            series = tuple(
                Series(
                    kind,
                    tuple(
                        share_percent(*kinds[kind][year]) if year in kinds[kind] else None for year in years
                    ),
                )
                for kind in sorted(kinds)
            )
            charts.append(
                Chart(
                    title,
                    categories,
                    series,
                    note="Доля «2» и ниже минимума по всем результатам ШНОР муниципалитета, по видам процедур. "
                    "Правило ШНОР сравнивает с порогом каждую процедуру школы: по процедурам — в книге Excel.",
                )
            )
        return charts
    for school_id in scope.focus_ids:
        keys = sorted(
            (key for key in shares if key[0] == school_id and (not kinds_counted or key[1] in kinds_counted)),
            key=lambda key: (key[1], key[2], key[3]),
        )
        if not keys:
            continue
        # The procedures that were low in some year are the reasons the rule gives; a school has a dozen or two
        # procedures, too many lines to read, so the others are left to the workbook.
        low = [
            key
            for key in keys
            if any(is_low(failed, participants, threshold) for failed, participants in shares[key].values())
        ]
        shown = low or keys
        series = tuple(
            Series(
                f"{key[1]} {key[2]} {key[3]} кл.",  # (school, kind, subject, grade)
                tuple(share_percent(*shares[key][year]) if year in shares[key] else None for year in years),
            )
            for key in shown
        )
        note = (
            "Линии — доля участников с отметкой «2» (ниже минимального балла на ЕГЭ) в каждой процедуре. "
            f"Пунктир — порог правила ШНОР: процедура с долей не менее {threshold} % — низкий результат."
        )
        if len(shown) < len(keys):
            note += (
                f" Показаны процедуры с низким результатом хотя бы в одном году ({len(shown)} из {len(keys)}); "
                "все процедуры — в книге Excel, лист «Динамика результатов»."
            )
        charts.append(Chart(scope.name(school_id), categories, series, threshold=threshold, note=note))
    return charts
