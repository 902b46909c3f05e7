"""The school card's ШНОР parts: results over the years as the region's rule reads them, and the status history."""

from collections import defaultdict
from dataclasses import dataclass

from ..criteria import ResultFact, RuleParams, counts, is_low, movement
from ..flags import rule_params
from ..models import (
    ApprovedList,
    ApprovedListEntry,
    FlagDecision,
    FlagRule,
    Result,
    School,
)
from .shared import LowItem, low_items

# --- the school card: results over the years and the status history ------------------------------------


@dataclass(frozen=True)
class ResultCell:
    share: float
    failed: int
    participants: int
    low: bool
    small: bool


@dataclass
class ResultRow:
    kind: str
    failed_label: str
    subject: str
    grade: int
    cells: list[ResultCell | None]


@dataclass
class ResultsTable:
    years: list[int]
    rows: list[ResultRow]
    params: RuleParams


def school_results_table(user, school: School) -> ResultsTable:
    """Procedures × years of one school; a cell is low as the region's rule counts it."""
    rule = FlagRule.objects.filter(region_id=school.municipality.region_id).first()
    params = rule_params(rule)
    results = (
        Result.objects.visible_to(user)
        .filter(school=school)
        .select_related("procedure__kind", "procedure__subject")
        .order_by()
    )
    by_key: dict[tuple, dict[int, ResultCell]] = defaultdict(dict)
    meta: dict[tuple, tuple] = {}
    years: set[int] = set()
    for result in results:
        procedure = result.procedure
        kind = procedure.kind
        key = (
            kind.is_regional,
            kind.code,
            procedure.grade,
            procedure.subject.name.lower(),
            procedure.subject_id,
        )
        meta[key] = (kind.code, kind.failed_label, procedure.subject.name, procedure.grade)
        years.add(procedure.year)
        fact = ResultFact(
            procedure.year,
            kind.code,
            procedure.subject.name,
            procedure.grade,
            result.participants,
            result.failed,
        )
        by_key[key][procedure.year] = ResultCell(
            share=result.failed_share or 0.0,
            failed=result.failed,
            participants=result.participants,
            low=counts(fact, params) and is_low(result.failed, result.participants, params.threshold),
            small=result.small_sample,
        )
    ordered_years = sorted(years)
    rows = [
        ResultRow(*meta[key], cells=[by_key[key].get(year) for year in ordered_years])
        for key in sorted(by_key)
    ]
    return ResultsTable(years=ordered_years, rows=rows, params=params)


@dataclass
class HistoryRow:
    list_year: int
    decision: FlagDecision | None
    movement: str
    lows: list[LowItem]
    entry: ApprovedListEntry | None
    list_visible: bool


def school_status_history(user, school: School) -> list[HistoryRow]:
    """The school's computed status per list year, newest first, with its place in that year's approved list."""
    decisions = {
        d.list_year: d for d in FlagDecision.objects.visible_to(user).filter(school=school).order_by()
    }
    entries = {
        e.approved_list.list_year: e
        for e in ApprovedListEntry.objects.visible_to(user)
        .filter(school=school)
        .select_related("approved_list")
        .order_by()
    }
    visible_lists = set(
        ApprovedList.objects.visible_to(user)
        .filter(pk__in=[e.approved_list_id for e in entries.values()])
        .values_list("pk", flat=True)
    )
    rows = []
    for year in sorted(set(decisions) | set(entries), reverse=True):
        decision = decisions.get(year)
        before = decisions.get(year - 1)
        entry = entries.get(year)
        rows.append(
            HistoryRow(
                list_year=year,
                decision=decision,
                movement=movement(before.status if before else None, decision.status) if decision else "",
                lows=low_items(decision.reasons) if decision else [],
                entry=entry,
                list_visible=entry is not None and entry.approved_list_id in visible_lists,
            )
        )
    return rows
