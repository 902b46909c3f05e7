"""The path out of the ШНОР list for a school (issue #21 §1): its decision and results read through the gate,
the arithmetic in schools.path_out."""

from .criteria import ResultFact
from .flags import rule_params
from .models import FlagDecision, FlagRule, FlagStatus, Result, School
from .path_out import PathOut, path_out
from .selectors import HistoryRow, ResultsTable

ON_THE_WAY_OUT = (FlagStatus.SHNOR, FlagStatus.RISK)


def decision_path_out(user, decision: FlagDecision) -> PathOut | None:
    """The path out for a decision the user may see: None unless it is ШНОР or «зона риска». The region's
    current rule is the one that will compute next year's list."""
    if decision.status not in ON_THE_WAY_OUT:
        return None
    region_id = (
        School.objects.filter(pk=decision.school_id).values_list("municipality__region_id", flat=True).get()
    )
    params = rule_params(FlagRule.objects.filter(region_id=region_id).first())
    # The years criterion 2 of the next list looks back on, and at least the base year (list_year - 1).
    years = [decision.list_year - offset for offset in range(1, max(params.consecutive_years, 2))]
    rows = (
        Result.objects.visible_to(user)
        .filter(school_id=decision.school_id, procedure__year__in=years)
        .order_by()
        .values_list(
            "procedure__year",
            "procedure__kind__code",
            "procedure__subject__name",
            "procedure__grade",
            "participants",
            "failed",
        )
    )
    facts = [
        ResultFact(year, kind, subject, grade, participants, failed)
        for year, kind, subject, grade, participants, failed in rows
    ]
    return path_out(decision.list_year, facts, params)


def card_path_out(history: list[HistoryRow], results: ResultsTable) -> PathOut | None:
    """The card's path out, from what the card has already read (no query): the school's newest computed status
    (the list in force or, once next year's results are in, the one computed ahead), its results table and the
    region's rule that table was counted with."""
    decision = next((row.decision for row in history if row.decision is not None), None)
    if decision is None or decision.status not in ON_THE_WAY_OUT:
        return None
    facts = [
        ResultFact(year, row.kind, row.subject, row.grade, cell.participants, cell.failed)
        for row in results.rows
        for year, cell in zip(results.years, row.cells, strict=True)
        if cell is not None
    ]
    return path_out(decision.list_year, facts, results.params)
