"""Recomputing ШНОР decisions: set-based reads, the pure rule in Python, one bulk write.

The database does the heavy part: it reduces millions of results to the low ones and to the years in which
each school has any counted result. ``schools.criteria.decide`` then decides each school from that evidence
(no query per school), and the decisions are written in one statement (COPY + upsert on PostgreSQL,
``bulk_create`` with conflict update elsewhere).
"""

import io
import json
import time
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import BigIntegerField, ExpressionWrapper, F, Max, Min
from django.utils import timezone

from .criteria import Evidence, LowProcedure, RuleParams, Status, decide
from .models import FlagDecision, FlagRule, Procedure, Region, Result, School

WRITE_BATCH = 2000


def rule_params(rule: FlagRule | None) -> RuleParams:
    if rule is None:
        return RuleParams()
    return RuleParams(
        threshold=rule.threshold,
        low_procedures=rule.low_procedures,
        consecutive_years=rule.consecutive_years,
        criterion2=rule.criterion2,
        kinds=frozenset(rule.kinds or ()),
        min_participants=rule.min_participants,
    )


@dataclass
class RecomputeSummary:
    list_year: int
    schools: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def text(self) -> str:
        parts = ", ".join(f"{label}: {self.counts.get(value, 0)}" for value, label in _STATUS_LABELS)
        return f"Перечень {self.list_year}: школ {self.schools} ({parts}); {self.seconds:.2f} с"


_STATUS_LABELS = [
    (Status.SHNOR, "ШНОР"),
    (Status.RISK, "риск"),
    (Status.NO_DATA, "нет данных"),
    (Status.NONE, "нет признака"),
]


def _params_groups(region_ids: list[int] | None) -> dict[RuleParams, list[int]]:
    """Regions with the same rule parameters are computed together, in one pass."""
    regions = Region.objects.all() if region_ids is None else Region.objects.filter(pk__in=region_ids)
    rules = {rule.region_id: rule for rule in FlagRule.objects.filter(region__in=regions)}
    groups: dict[RuleParams, list[int]] = defaultdict(list)
    for region_id in regions.values_list("pk", flat=True):
        groups[rule_params(rules.get(region_id))].append(region_id)
    return groups


def _evidence(list_year: int, params: RuleParams, region_ids: list[int]) -> dict[int, Evidence]:
    years = params.years(list_year)
    counted = Result.objects.filter(
        school__municipality__region_id__in=region_ids,
        procedure__year__in=years,
        participants__gte=params.min_participants,
    )
    if params.kinds:
        counted = counted.filter(procedure__kind__code__in=sorted(params.kinds))

    data_years: dict[int, set[int]] = defaultdict(set)
    for school_id, year in (
        counted.values_list("school_id", "procedure__year").distinct().iterator(chunk_size=10000)
    ):
        data_years[school_id].add(year)

    procedures = {
        pk: (kind, subject, grade, year)
        for pk, kind, subject, grade, year in Procedure.objects.filter(year__in=years).values_list(
            "pk", "kind__code", "subject__name", "grade", "year"
        )
    }
    # The same integer inequality as criteria.is_low: 100 × failed ≥ threshold × participants.
    low_rows = counted.alias(
        failed_x100=ExpressionWrapper(F("failed") * 100, output_field=BigIntegerField()),
        limit=ExpressionWrapper(F("participants") * params.threshold, output_field=BigIntegerField()),
    ).filter(failed_x100__gte=F("limit"))
    low: dict[int, list[LowProcedure]] = defaultdict(list)
    for school_id, procedure_id, failed, participants in low_rows.values_list(
        "school_id", "procedure_id", "failed", "participants"
    ).iterator(chunk_size=10000):
        kind, subject, grade, year = procedures[procedure_id]
        low[school_id].append(LowProcedure(year, kind, subject, grade, failed, participants))

    return {
        school_id: Evidence(
            low=tuple(sorted(low.get(school_id, ()), key=lambda p: (-p.year, p.kind, p.subject, p.grade))),
            data_years=frozenset(data_years.get(school_id, ())),
        )
        for school_id in set(data_years) | set(low)
    }


def flags_recompute(*, list_year: int, region_ids: list[int] | None = None) -> RecomputeSummary:
    """Compute and store the decisions of ``list_year`` for every school of the regions (all by default)."""
    started = time.perf_counter()
    summary = RecomputeSummary(list_year=list_year)
    now = timezone.now()
    empty = Evidence()
    rows: list[tuple] = []
    for params, group in _params_groups(region_ids).items():
        evidence = _evidence(list_year, params, group)
        school_ids = School.objects.filter(municipality__region_id__in=group).values_list("pk", flat=True)
        for school_id in school_ids.iterator(chunk_size=10000):
            verdict = decide(list_year, evidence.get(school_id, empty), params)
            summary.counts[verdict.status] = summary.counts.get(verdict.status, 0) + 1
            rows.append(
                (
                    school_id,
                    list_year,
                    verdict.status,
                    verdict.criteria_text,
                    json.dumps(verdict.reasons(), ensure_ascii=False),
                    now,
                )
            )
    _store(rows)
    summary.schools = len(rows)
    summary.seconds = time.perf_counter() - started
    return summary


@transaction.atomic
def _store(rows: list[tuple]) -> None:
    if not rows:
        return
    if connection.vendor == "postgresql":
        _store_postgresql(rows)
    else:
        _store_portable(rows)


def _store_postgresql(rows: list[tuple]) -> None:
    table = FlagDecision._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE flag_decision_stage (school_id bigint, list_year smallint, status varchar(8), "
            "criteria varchar(16), reasons jsonb, computed_at timestamptz) ON COMMIT DROP"
        )
        with cursor.copy(
            "COPY flag_decision_stage (school_id, list_year, status, criteria, reasons, computed_at) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)
        # Rows whose status and reasons did not change keep their computed_at: "recomputed, nothing new".
        cursor.execute(
            f"""
            INSERT INTO {table} (school_id, list_year, status, criteria, reasons, computed_at)
            SELECT school_id, list_year, status, criteria, reasons, computed_at FROM flag_decision_stage
            ON CONFLICT (school_id, list_year) DO UPDATE
               SET status = EXCLUDED.status, criteria = EXCLUDED.criteria, reasons = EXCLUDED.reasons,
                   computed_at = EXCLUDED.computed_at
             WHERE ({table}.status, {table}.criteria, {table}.reasons)
                   IS DISTINCT FROM (EXCLUDED.status, EXCLUDED.criteria, EXCLUDED.reasons)
            """  # noqa: S608 — the table name is the model's, not input
        )
        cursor.execute("DROP TABLE flag_decision_stage")


def _store_portable(rows: list[tuple]) -> None:
    for start in range(0, len(rows), WRITE_BATCH):
        FlagDecision.objects.bulk_create(
            [
                FlagDecision(
                    school_id=school_id,
                    list_year=year,
                    status=status,
                    criteria=criteria,
                    reasons=json.loads(reasons),
                    computed_at=computed_at,
                )
                for school_id, year, status, criteria, reasons, computed_at in rows[
                    start : start + WRITE_BATCH
                ]
            ],
            update_conflicts=True,
            unique_fields=["school", "list_year"],
            update_fields=["status", "criteria", "reasons", "computed_at"],
        )


def list_years_available(region_ids: list[int] | None = None) -> list[int]:
    """Every list year the stored results can inform: from the first result year + 1 to the last + 1."""
    results = Result.objects.all()
    if region_ids is not None:
        results = results.filter(school__municipality__region_id__in=region_ids)
    bounds = results.aggregate(first=Min("procedure__year"), last=Max("procedure__year"))
    if bounds["first"] is None:
        return []
    return list(range(bounds["first"] + 1, bounds["last"] + 2))


def flags_recompute_years(
    *, years: list[int] | None = None, region_id: int | None = None
) -> list[RecomputeSummary]:
    region_ids = [region_id] if region_id is not None else None
    if years is None:
        years = list_years_available(region_ids)
    return [flags_recompute(list_year=year, region_ids=region_ids) for year in sorted(set(years))]


def flags_export_csv(*, list_year: int, region_ids: list[int] | None = None) -> str:
    """CSV text of the decisions for active schools (header as in the issue), for files and downloads."""
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["school_code", "list_year", "status", "criteria", "low_procedures"])
    schools = School.objects.filter(is_active=True)
    if region_ids is not None:
        schools = schools.filter(municipality__region_id__in=region_ids)
    decisions = {
        d["school_id"]: d
        for d in FlagDecision.objects.filter(list_year=list_year, school__in=schools).values(
            "school_id", "status", "criteria", "reasons"
        )
    }
    for school_id, code in schools.order_by("code").values_list("pk", "code"):
        decision = decisions.get(school_id)
        if decision is None:
            writer.writerow([code, list_year, "", "", ""])
            continue
        writer.writerow(
            [
                code,
                list_year,
                decision["status"],
                decision["criteria"],
                low_procedures_text(decision["reasons"]),
            ]
        )
    return buffer.getvalue()


def low_procedures_text(reasons: dict) -> str:
    return "; ".join(
        LowProcedure(
            low["year"], low["kind"], low["subject"], low["grade"], low["failed"], low["participants"]
        ).label()
        for low in reasons.get("low", ())
    )
