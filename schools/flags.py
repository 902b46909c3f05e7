"""Recomputing ШНОР decisions: set-based reads, the pure rule in Python, one bulk write.

The database does the heavy part: it reduces millions of results to the low ones and to the years in which
each school has any counted result. ``schools.criteria.decide`` then decides each school from that evidence
(no query per school), and the decisions are written in one statement (COPY + upsert on PostgreSQL,
``bulk_create`` with conflict update elsewhere).
"""

import hashlib
import io
import json
import time
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field

import orjson
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef
from django.db.models.lookups import GreaterThanOrEqual
from django.urls import reverse

from core.exports import safe_row
from core.plural import count_noun
from core.policies import VIEW
from core.roles import STAFF_READ_ROLES
from notifications import catalogue as events
from notifications.services import notify, people_who_reach

from .criteria import (
    Evidence,
    LowProcedure,
    RuleParams,
    Status,
    data_years,
    decide,
    list_year_exists,
    list_years,
    newest_first,
)
from .models import (
    SMALL_SAMPLE,
    FlagComputation,
    FlagDecision,
    FlagRule,
    Municipality,
    Procedure,
    Region,
    Result,
    School,
)

WRITE_BATCH = 2000
COPY_CHUNK = (
    2000  # rows per write to a COPY stream: small enough for the server to start while Python goes on
)


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
        combine=rule.combine,
    )


@dataclass
class RecomputeSummary:
    list_year: int
    schools: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def text(self) -> str:
        if not self.schools:
            return f"Перечень {self.list_year}: нет результатов {self.list_year - 1} года — перечня нет"
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


def _procedures(params: RuleParams, years: tuple[int, ...]) -> dict[int, tuple[str, str, int, int]]:
    """The procedures the rule looks at (a small table): id -> (kind, subject, grade, year)."""
    procedures = Procedure.objects.filter(year__in=years)
    if params.kinds:
        procedures = procedures.filter(kind__code__in=sorted(params.kinds))
    return {
        pk: (kind, subject, grade, year)
        for pk, kind, subject, grade, year in procedures.values_list(
            "pk", "kind__code", "subject__name", "grade", "year"
        )
    }


def _evidence(list_year: int, params: RuleParams, region_ids: list[int] | None) -> dict[int, Evidence]:
    """Per school: its low counted results and whether it has a counted result in Y-1 (None = all regions)."""
    years = params.years(list_year)
    procedures = _procedures(params, years)
    if not procedures:
        return {}
    low: dict[int, list[LowProcedure]] = defaultdict(list)
    # DISTINCT over the year's results: PostgreSQL runs it as a parallel scan, faster than a per-school probe.
    previous_year = _counted_results(params, data_years(list_year, params))
    if region_ids is not None:
        previous_year = previous_year.filter(school__municipality__region_id__in=region_ids)
    with_data = {pk for (pk,) in _fetch(previous_year.order_by().values_list("school_id").distinct())}
    # The same integer inequality as criteria.is_low: 100 × failed ≥ threshold × participants. Written in
    # this shape so that, with the default threshold, PostgreSQL reads it from the partial index
    # result_low_default alone.
    low_results = _counted_results(params, years).filter(
        GreaterThanOrEqual(F("failed") * 100, F("participants") * params.threshold)
    )
    for school_id, procedure_id, failed, participants in _fetch(
        low_results.values_list("school_id", "procedure_id", "failed", "participants")
    ):
        kind, subject, grade, year = procedures[procedure_id]
        low[school_id].append(LowProcedure(year, kind, subject, grade, failed, participants))
    evidence = {
        school_id: Evidence(low=tuple(sorted(lows, key=newest_first)), has_data=school_id in with_data)
        for school_id, lows in low.items()
    }
    # Schools with data and nothing low share one value (most of them).
    with_data_only = Evidence(has_data=True)
    for school_id in with_data - low.keys():
        evidence[school_id] = with_data_only
    return evidence


def _fetch(queryset) -> list[tuple]:
    """Rows of a values_list queryset of plain integers, without the ORM's per-row work (chunked fetches,
    converters): the SQL is still the ORM's, so this runs on every backend."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _counted_results(params: RuleParams, years: tuple[int, ...]):
    """Results that count for the rule. Filtering by the procedure's year and kind through a join (not by a
    list of procedure ids) lets PostgreSQL read the results sequentially rather than through an index."""
    # "> min - 1" rather than ">= min": the same for integers, and it matches the partial index result_counted
    # (participants > 0) for the default minimum of 1.
    counted = Result.objects.filter(procedure__year__in=years, participants__gt=params.min_participants - 1)
    if params.kinds:
        counted = counted.filter(procedure__kind__code__in=sorted(params.kinds))
    return counted


def counted_years(params: RuleParams, region_ids: list[int] | None, years=None) -> set[int]:
    """Years with at least one result the rule counts, in these regions (None = all; ``years`` to look only
    at some). One probe per procedure (the partial index result_counted for the default minimum), not a scan
    of the results."""
    results = Result.objects.filter(procedure=OuterRef("pk"), participants__gt=params.min_participants - 1)
    if region_ids is not None:
        results = results.filter(school__municipality__region_id__in=region_ids)
    procedures = Procedure.objects.filter(Exists(results))
    if years is not None:
        procedures = procedures.filter(year__in=list(years))
    if params.kinds:
        procedures = procedures.filter(kind__code__in=sorted(params.kinds))
    return set(procedures.order_by().values_list("year", flat=True).distinct())


def _regions_with_list(list_year: int, params: RuleParams, group: list[int]) -> list[int]:
    """The regions of a group in which the list year exists (criteria.list_year_exists)."""
    looked_at = data_years(list_year, params)
    return [
        region_id
        for region_id in group
        if list_year_exists(list_year, counted_years(params, [region_id], looked_at), params)
    ]


# pg_advisory_xact_lock(namespace, list year): "SHNR" as an int4, so the key does not collide with other locks.
_LOCK_NAMESPACE = 0x53484E52


def _one_at_a_time(list_year: int) -> None:
    """Wait for any other recomputation of the list year to commit (PostgreSQL; SQLite has one writer anyway).

    Two runs overlap when an import, a rule change, the nightly run or a redelivered task start one while
    another is still writing. Without the lock the second one's delete does not see the first one's
    uncommitted decisions, and when the first commits the second fails on the unique (school, list_year):
    the decisions then stay those of the first run, which may have read the data before the change that
    queued the second one. Taken before any read, so the waiting run then reads what the first committed.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_NAMESPACE, list_year])


@transaction.atomic
def flags_recompute(*, list_year: int, region_ids: list[int] | None = None) -> RecomputeSummary:
    """Compute and store the decisions of ``list_year`` for every school of the regions (all by default).

    Atomic: the decisions of the year are replaced all at once, with one FlagComputation per region
    recording the rule parameters used. A region in which the list year does not exist (no results for its
    rule to look at: criteria.list_year_exists) gets no decisions, and loses any stored before — importing
    2026 results once made «lists» of 2028 and 2029 with every school «нет данных» (issue #17).
    """
    _one_at_a_time(list_year)
    started = time.perf_counter()
    summary = RecomputeSummary(list_year=list_year)
    empty = Evidence()
    # Most schools have nothing low and share one evidence: decide and serialise it once per rule.
    verdicts: dict[tuple[RuleParams, Evidence], tuple[str, str, str]] = {}
    groups = _params_groups(region_ids)
    all_schools = School.objects.order_by()
    if region_ids is not None:
        all_schools = all_schools.filter(municipality__region_id__in=region_ids)
    previous = FlagDecision.objects.filter(list_year=list_year)
    if region_ids is not None:
        previous = previous.filter(school__municipality__region_id__in=region_ids)
    previous.delete()  # nothing refers to decisions: Django deletes them in one statement

    # Every read first: no other query may run on the connection while the COPY below is open.
    plan = []
    for params, all_of_group in groups.items():
        group = _regions_with_list(list_year, params, all_of_group)
        if not group:
            continue
        # One group holding every region (the usual case: one rule everywhere) needs no region filter.
        everywhere = region_ids is None and len(groups) == 1 and len(group) == len(all_of_group)
        evidence = _evidence(list_year, params, None if everywhere else group)
        runs = {
            run.region_id: run
            for run in FlagComputation.objects.bulk_create(
                [
                    FlagComputation(region_id=region_id, list_year=list_year, params=params.as_dict())
                    for region_id in group
                ]
            )
        }
        schools = all_schools if everywhere else all_schools.filter(municipality__region_id__in=group)
        plan.append((params, evidence, runs, _fetch(schools.values_list("pk", "municipality__region_id"))))

    with _decision_writer() as write:
        for params, evidence, runs, schools in plan:
            for school_id, region_id in schools:
                school_evidence = evidence.get(school_id, empty)
                # Evidence with low results is nearly always unique: decide it directly (hashing it costs more).
                decided = None if school_evidence.low else verdicts.get((params, school_evidence))
                if decided is None:
                    verdict = decide(list_year, school_evidence, params)
                    reasons = orjson.dumps(verdict.reasons()).decode()  # ~10× json.dumps: 15 % of a recompute
                    decided = (verdict.status, verdict.criteria_text, reasons)
                    if not school_evidence.low:
                        verdicts[(params, school_evidence)] = decided
                status, criteria, reasons = decided
                run = runs[region_id]
                run.counts[status] = run.counts.get(status, 0) + 1
                write(school_id, list_year, status, criteria, reasons, run.pk)
                summary.schools += 1
    computations = [run for _params, _evidence, runs, _schools in plan for run in runs.values()]
    FlagComputation.objects.bulk_update(computations, ["counts"])
    for run in computations:
        for status, count in run.counts.items():
            summary.counts[status] = summary.counts.get(status, 0) + count
    _tell_territories(list_year, [run.region_id for run in computations])
    summary.seconds = time.perf_counter() - started
    return summary


def _tell_territories(list_year: int, region_ids: list[int]) -> None:
    """The staff of a territory whose list of ШНОР is new are told: a first list, or one that differs from every
    list they were told of. The key is the list itself (the ШНОР schools the person reaches, by the decisions'
    policy), so a nightly recompute that changes nothing tells nobody again."""
    if not region_ids:
        return
    shnor = FlagDecision.objects.filter(
        list_year=list_year, status=Status.SHNOR, school__municipality__region_id__in=region_ids
    )
    url = f"{reverse('schools:flags')}?year={list_year}"
    regions = dict(Region.objects.values_list("pk", "name"))
    municipalities = dict(Municipality.objects.filter(region_id__in=region_ids).values_list("pk", "name"))
    for person, school_ids in people_who_reach(shnor, VIEW, roles=STAFF_READ_ROLES, field="school_id"):
        # «My territory»: what the person's staff roles name (a municipality, a region).
        territory = sorted(
            {
                municipalities.get(grant.municipality_id) or regions.get(grant.region_id) or ""
                for grant in person.grants
                if grant.role in STAFF_READ_ROLES
            }
            - {""}
        )
        digest = hashlib.sha256(",".join(map(str, school_ids)).encode()).hexdigest()[:24]
        notify(
            event=events.LIST_COMPUTED,
            recipients=[person],
            key=f"flags:{list_year}:{digest}",
            context={
                "list_year": list_year,
                "region": ", ".join(territory),
                "shnor_text": count_noun(len(school_ids), "школа ШНОР", "школы ШНОР", "школ ШНОР"),
            },
            url=url,
        )


@contextmanager
def _decision_writer(*, use_copy: bool | None = None):
    """A function that stores one decision. On PostgreSQL the rows stream into one COPY while they are being
    computed (psycopg sends them from a thread, so the server parses while Python decides); elsewhere they are
    collected and bulk-created."""
    if use_copy is None:
        use_copy = connection.vendor == "postgresql"
    if not use_copy:
        decisions: list[FlagDecision] = []

        def collect(school_id, year, status, criteria, reasons, run_id):
            decisions.append(
                FlagDecision(
                    school_id=school_id,
                    list_year=year,
                    status=status,
                    criteria=criteria,
                    reasons=json.loads(reasons),
                    computation_id=run_id,
                )
            )

        yield collect
        FlagDecision.objects.bulk_create(decisions, batch_size=WRITE_BATCH)
        return

    columns = "school_id, list_year, status, criteria, reasons, computation_id"
    chunk: list[str] = []
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY {FlagDecision._meta.db_table} ({columns}) FROM STDIN") as copy,
    ):

        def send(school_id, year, status, criteria, reasons, run_id):
            # COPY's text format: serialised JSON has no raw tab or newline; backslashes are doubled.
            chunk.append(
                f"{school_id}\t{year}\t{status}\t{criteria}\t{reasons.replace(chr(92), chr(92) * 2)}"
                f"\t{run_id}\n"
            )
            if len(chunk) >= COPY_CHUNK:
                copy.write("".join(chunk))
                chunk.clear()

        yield send
        if chunk:
            copy.write("".join(chunk))


def list_years_available(region_ids: list[int] | None = None) -> list[int]:
    """Every list year the stored results give a rule data to look at (criteria.list_years), oldest first."""
    years: set[int] = set()
    for params, group in _params_groups(region_ids).items():
        years.update(list_years(counted_years(params, group), params))
    return sorted(years)


def flags_recompute_years(
    *, years: list[int] | None = None, region_id: int | None = None
) -> list[RecomputeSummary]:
    """Recompute the given list years; None — every list year the results allow, and every year with stored
    decisions (a year that no longer exists loses them)."""
    region_ids = [region_id] if region_id is not None else None
    if years is None:
        stored = FlagDecision.objects.all()
        if region_ids is not None:
            stored = stored.filter(school__municipality__region_id__in=region_ids)
        years = [
            *list_years_available(region_ids),
            *stored.order_by().values_list("list_year", flat=True).distinct(),
        ]
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
            writer.writerow(safe_row([code, list_year, "", "", ""]))
            continue
        writer.writerow(
            safe_row(
                [
                    code,
                    list_year,
                    decision["status"],
                    decision["criteria"],
                    low_procedures_text(decision["reasons"]),
                ]
            )
        )
    return buffer.getvalue()


def low_procedures_text(reasons: dict) -> str:
    return "; ".join(
        LowProcedure(
            low["year"], low["kind"], low["subject"], low["grade"], low["failed"], low["participants"]
        ).label()
        for low in reasons.get("low", ())
    )


@dataclass(frozen=True)
class LowItem:
    """One low procedure of a decision's reasons, ready to show."""

    label: str
    participants: int

    @property
    def small(self) -> bool:
        return self.participants < SMALL_SAMPLE


def low_items(reasons: dict | None) -> list[LowItem]:
    items = []
    for low in (reasons or {}).get("low", ()):
        items.append(LowItem(low_procedures_text({"low": [low]}), low["participants"]))
    return items
