"""The annex to the order that approves a ШНОР list: the list's included schools, in the order of their names."""

from core.plural import count_noun
from schools.models import ApprovedList, FlagStatus

from ..renderers.annex import AnnexContext, AnnexRow

COMPUTED_BASIS = "расчётный статус ШНОР"


def annex_context(approved: ApprovedList) -> AnnexContext:
    """``approved`` with its municipality and region loaded (one query for the rows)."""
    entries = (
        approved.entries.filter(included=True)
        .select_related("school")
        .order_by("school__name", "school__code", "pk")
    )
    rows = tuple(
        AnnexRow(
            code=entry.school.code,
            name=entry.school.name,
            basis=COMPUTED_BASIS
            if entry.computed_status == FlagStatus.SHNOR
            else f"решение о включении: {entry.reason}",
        )
        for entry in entries
    )
    return AnnexContext(
        order_number=approved.order_number,
        order_date_text=f"{approved.order_date:%d.%m.%Y}",
        municipality=approved.municipality.name,
        region=approved.municipality.region.name,
        list_year=approved.list_year,
        rows=rows,
        total_text=f"Всего: {count_noun(len(rows), 'школа', 'школы', 'школ')}.",
    )
