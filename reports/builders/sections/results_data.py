"""The workbook's raw data: every result of the territory's schools over the dynamics years."""

from schools.models import (
    Result,
)

from ...context import Column, Kind, Table
from ..scope import BuildScope
from .shared import share_percent


def results_data_table(scope: BuildScope) -> Table:
    """Every result of the territory's schools over the dynamics years: the workbook only (too long to print)."""
    school_ids = list(scope.schools)
    principal = scope.principal
    years = scope.dynamics_years

    def rows():
        names = scope.schools
        queryset = (
            Result.objects.visible_to(principal)
            .filter(school_id__in=school_ids, procedure__year__in=years)
            .values_list(
                "school_id",
                "procedure__year",
                "procedure__kind__code",
                "procedure__subject__name",
                "procedure__grade",
                "participants",
                "failed",
                "marks_3",
                "marks_4",
                "marks_5",
                "mean_score",
            )
            .order_by(
                "school_id",
                "procedure__year",
                "procedure__kind__code",
                "procedure__subject__name",
                "procedure__grade",
            )
        )
        for (
            school_id,
            year,
            kind,
            subject,
            grade,
            participants,
            failed,
            m3,
            m4,
            m5,
            mean,
        ) in queryset.iterator(chunk_size=5000):
            school = names[school_id]
            yield (
                school.code,
                school.name,
                school.municipality,
                year,
                kind,
                subject,
                grade,
                participants,
                failed,
                share_percent(failed, participants),
                m3,
                m4,
                m5,
                mean,
            )

    return Table(
        "Результаты оценочных процедур (все)",
        (
            Column("Код ОО", width=12),
            Column("Школа", width=44),
            Column("Муниципалитет", width=24),
            Column("Год", Kind.INT, 7),
            Column("Вид", width=8),
            Column("Предмет", width=22),
            Column("Класс", Kind.INT, 7),
            Column("Участников", Kind.INT, 11),
            Column("«2» / ниже минимума", Kind.INT, 11),
            Column("Доля «2»", Kind.PERCENT, 9),
            Column("«3»", Kind.INT, 7),
            Column("«4»", Kind.INT, 7),
            Column("«5»", Kind.INT, 7),
            Column("Средний балл", Kind.DECIMAL, 9),
        ),
        rows,
        sheet="Результаты (все)",
        in_pdf=False,
    )
