"""1. The list: the year's ШНОР of the territory, the movement since last year and each school's history."""

from collections import defaultdict

from core.plural import count_noun
from indicators.selectors import statuses_by_municipality
from schools.models import (
    ApprovedList,
    ApprovedListEntry,
    FlagDecision,
    FlagStatus,
)
from schools.selectors import shnor_of_year
from schools.selectors_path_out import decision_path_out

from ...context import Column, Kind, Section, Table, percent_text
from ..scope import BuildScope
from .shared import MUNICIPALITY_COLUMN, municipalities_of, per_school_note, school_columns

STATUS_LABELS = dict(FlagStatus.choices)


def _low_text(reasons: dict) -> str:
    parts = []
    for low in reasons.get("low", ()):
        parts.append(
            f"{low['kind']} {low['subject']} {low['grade']} кл. {low['year']}: {percent_text(low['share'])}"
            f" ({low['failed']} из {low['participants']})"
        )
    return "; ".join(parts)


def _low_text_short(reasons: dict) -> str:
    """The same reasons for print in a region's list: by year, the shares without the counts (the workbook keeps
    them) — «2025: ВПР Русский язык 8 кл. 40,0 %, ОГЭ Химия 9 кл. 38,7 %; 2024: …»."""
    by_year: dict[int, list[str]] = {}
    for low in reasons.get("low", ()):
        by_year.setdefault(low["year"], []).append(
            f"{low['kind']} {low['subject']} {low['grade']} кл. {percent_text(low['share'])}"
        )
    return "; ".join(f"{year}: {', '.join(parts)}" for year, parts in by_year.items())


# --- 1. the list -------------------------------------------------------------------------------------------


def list_section(scope: BuildScope) -> Section:
    school_ids = list(scope.schools)
    decisions = {
        row["school_id"]: row
        for row in FlagDecision.objects.visible_to(scope.principal)
        .filter(list_year=scope.year, school_id__in=school_ids)
        .values("school_id", "status", "criteria", "reasons")
    }
    lists = list(
        ApprovedList.objects.visible_to(scope.principal)
        .filter(list_year=scope.year)
        .select_related("municipality")
        .order_by("municipality__name")
    )
    entries = {
        entry.school_id: entry
        for entry in ApprovedListEntry.objects.filter(approved_list__in=lists, school_id__in=school_ids)
    }
    # The year's statuses as the methodologist's dashboard counts them (its own selector: working schools only), so
    # the справка and the dashboard never differ on them.
    counts: dict[str, int] = defaultdict(int)
    for municipality in statuses_by_municipality(scope.principal, scope.year):
        for status, _label, n in municipality.counts:
            counts[status] += n

    paragraphs = [
        f"Школ на территории: {sum(counts.values())}. По расчёту на {scope.year} год: ШНОР — "
        f"{counts[FlagStatus.SHNOR]}, в зоне риска — {counts[FlagStatus.RISK]}, без данных — "
        f"{counts[FlagStatus.NO_DATA]}, без признака — {counts[FlagStatus.NONE]}."
    ]
    if lists:
        orders = "; ".join(
            f"{approved.municipality.name}: приказ № {approved.order_number} от {approved.order_date:%d.%m.%Y}"
            for approved in lists
        )
        included = sum(1 for entry in entries.values() if entry.included)
        paragraphs.append(
            f"Перечень утверждён ({orders}); в перечне {count_noun(included, 'школа', 'школы', 'школ')}."
        )
    if scope.list_source != "approved":
        paragraphs.append(
            "Для муниципалитетов без утверждённого перечня приведён расчётный перечень по правилу ШНОР."
        )

    rows = []
    for school_id in scope.shnor_ids if not scope.single_school else school_ids:
        decision = decisions.get(school_id, {})
        entry = entries.get(school_id)
        if entry is None:
            decision_text = "расчётный перечень (не утверждён)"
        elif entry.is_override:
            decision_text = ("включена" if entry.included else "не включена") + f" вручную: {entry.reason}"
        else:
            decision_text = "включена" if entry.included else "не включена"
        rows.append(
            (
                *scope.school_cells(school_id),
                STATUS_LABELS.get(decision.get("status"), "нет расчёта"),
                decision.get("criteria", "") or "—",
                _low_text(decision.get("reasons") or {}) or "—",
                decision_text,
            )
        )
    columns = (
        *school_columns(scope),
        Column("Расчётный статус", width=14),
        Column("Критерии", width=10),
        Column("Низкие результаты (доля «2» / ниже минимума)", width=60),
        Column("Решение", width=24),
    )
    note = (
        "Критерий 1 — не менее двух низких результатов в прошлом году; критерий 2 — "
        "низкие результаты в каждом из двух последних лет."
    )
    full = Table(
        "Перечень ШНОР: критерии и основания" if not scope.single_school else "Статус школы",
        columns,
        rows,
        sheet="Перечень ШНОР",
        note=note,
        in_pdf=not scope.regional,
    )
    tables = [full]
    if scope.regional:
        # A region's list (~180 schools) is the справка's core and stays in print, its reasons by year without
        # the participants' counts (a third shorter; the workbook's sheet keeps them).
        short = [
            (*row[:4], _low_text_short(decisions.get(pk, {}).get("reasons") or {}) or "—", row[5])
            for pk, row in zip(scope.shnor_ids, rows, strict=True)
        ]
        tables.insert(
            0,
            Table(
                full.title,
                columns,
                short,
                note=note
                + " Доли «2» без числа участников; с ним — в приложении Excel (лист «Перечень ШНОР»).",
                in_workbook=False,
            ),
        )

    if not scope.single_school:
        risk_rows = [
            (*scope.school_cells(pk), _low_text(decisions[pk].get("reasons") or {}) or "—")
            for pk in scope.schools
            if decisions.get(pk, {}).get("status") == FlagStatus.RISK
        ]
        risk = Table(
            "Зона риска: школы с одним годом низких результатов",
            (*school_columns(scope), Column("Низкие результаты", width=60)),
            risk_rows,
            sheet="Зона риска",
            in_pdf=not scope.regional,  # a region prints the counts per municipality; the workbook each school
        )
        movement = _movement_table(scope)
        if scope.regional:
            tables.append(_list_by_municipality(scope, risk_rows, movement))
        tables += [risk, movement]
    else:
        tables.append(_school_history_table(scope))
        path = _path_out_table(scope)
        if path is not None:
            paragraphs.extend(path[0])
            tables.append(path[1])
    return Section(
        "list", "Перечень школ с низкими образовательными результатами", tuple(paragraphs), tuple(tables)
    )


def list_of(scope: BuildScope, year: int) -> tuple[set[int], str]:
    """A year's ШНОР of the territory and where the list comes from («approved» | «computed» | «mixed»): the
    approved lists, and the computed status where a municipality has not approved one (the same selector as the
    coverage and the indicators)."""
    schools, source, _lists = shnor_of_year(scope.principal, year)
    return {school.pk for school in schools}, source


def _movement_table(scope: BuildScope) -> Table:
    now = set(scope.shnor_ids)
    before, _source = list_of(scope, scope.year - 1)
    rows = [(*scope.school_cells(pk), "вошла в перечень") for pk in sorted(now - before, key=scope.name)]
    rows += [(*scope.school_cells(pk), "вышла из перечня") for pk in sorted(before - now, key=scope.name)]
    return Table(
        f"Изменения перечня: {scope.year - 1} → {scope.year}",
        (*school_columns(scope), Column("Изменение", width=20)),
        rows,
        sheet="Вошли и вышли",
        in_pdf=not scope.regional,
        note=(
            f"В перечне {scope.year - 1} года — {count_noun(len(before), 'школа', 'школы', 'школ')}, "
            f"в перечне {scope.year} года — {count_noun(len(now), 'школа', 'школы', 'школ')}."
        ),
    )


def _school_history_table(scope: BuildScope) -> Table:
    (school_id,) = list(scope.schools)
    rows = [
        (year, STATUS_LABELS.get(status, status), criteria or "—")
        for year, status, criteria in FlagDecision.objects.visible_to(scope.principal)
        .filter(school_id=school_id)
        .order_by("-list_year")
        .values_list("list_year", "status", "criteria")[:6]
    ]
    return Table(
        "Статус по годам перечня",
        (Column("Год перечня", Kind.INT, 12), Column("Статус", width=16), Column("Критерии", width=10)),
        rows,
        sheet="Статус по годам",
    )


def _path_out_table(scope: BuildScope) -> tuple[list[str], Table] | None:
    """A school's profile: what its results of the list year must be for it not to be on next year's list
    (issue #21 §1); None unless the school is ШНОР or «зона риска» in the list year."""
    (school_id,) = list(scope.schools)
    decision = (
        FlagDecision.objects.visible_to(scope.principal)
        .filter(school_id=school_id, list_year=scope.year)
        .only("school_id", "list_year", "status")
        .first()
    )
    path = decision_path_out(scope.principal, decision) if decision is not None else None
    if path is None:
        return None
    rows = [
        (
            f"{limit.kind}, {limit.subject}, {limit.grade} кл.",
            limit.participants,
            limit.failed,
            limit.max_failed,
            "да" if limit.must_stay_under else "—",
        )
        for limit in path.limits
    ]
    table = Table(
        f"Как не войти в перечень {path.next_list_year} года: наибольшее число «2» по процедурам",
        (
            Column("Процедура", width=36),
            Column(f"Участников в {path.base_year}", Kind.INT, 12),
            Column(f"«2» в {path.base_year}", Kind.INT, 10),
            Column(f"Не более «2» в {path.results_year}", Kind.INT, 12),
            Column("Обязательно", width=12),
        ),
        rows,
        sheet="Путь из перечня",
        note=" ".join(path.conditions[1:]),
    )
    return [path.conditions[0]], table


def _list_by_municipality(scope: BuildScope, risk_rows: list[tuple], movement: Table) -> Table:
    """A region's list per municipality: the listed schools, the movement since last year and the risk zone (the
    per-school tables counted; they stay in the workbook)."""
    totals = {name: [0, 0, 0, 0] for name in municipalities_of(scope, scope.schools)}
    for pk in scope.shnor_ids:
        totals[scope.schools[pk].municipality][0] += 1
    for row in movement.rows:
        totals[row[1]][1 if row[2] == "вошла в перечень" else 2] += 1
    for row in risk_rows:
        totals[row[1]][3] += 1
    return Table(
        "Перечень, его изменения и зона риска по муниципалитетам",
        (
            MUNICIPALITY_COLUMN,
            Column(f"В перечне {scope.year}", Kind.INT, 10),
            Column("Вошли", Kind.INT, 9),
            Column("Вышли", Kind.INT, 9),
            Column("Зона риска", Kind.INT, 10),
        ),
        [(name, *total) for name, total in sorted(totals.items()) if any(total)],
        sheet="Перечень по МО",
        note=f"Вошли и вышли — изменения {scope.year - 1} → {scope.year}. "
        + per_school_note("Вошли и вышли")
        + " Зона риска по школам — лист «Зона риска».",
    )
