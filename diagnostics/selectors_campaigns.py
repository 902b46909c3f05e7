"""Reads of the diagnostics pages: who opens which campaign, the results table, the dynamics table.

A campaign is the municipality's: its methodologists, head and the region's analyst see it through
``Campaign.objects.visible_to``. Results are teachers' personal data: whoever reads a participating teacher
(the school's admin, the school's mentor, the teacher's tutor — ``Teacher.objects.visible_to``) opens the
campaign too, and sees only the teachers the gate lets through. Nothing here ranks teachers: rows are ordered
by school and name, never by score (federal rule), and ВПР results are not used.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from core.policies import policy_for
from schools.models import School, Teacher

from . import deficits as deficit_rules
from .models import Campaign, CompetenceBlock, DiagnosticResult, SpecificDeficit
from .policies import OPEN

TEACHER_ORDER = ("school__name", "last_name", "first_name", "middle_name", "pk")


def campaigns_for(user):
    """Campaigns ``user`` opens: those the gate shows, and those where a teacher they read participates
    (diagnostics.policies.CampaignPolicy, action ``open``)."""
    return policy_for(Campaign).instances(user, OPEN)


def participants(campaign: Campaign, user):
    """Teachers of the campaign's schools ``user`` reads: working ones, and those who left but have results."""
    with_results = DiagnosticResult.objects.filter(campaign=campaign).values("teacher_id")
    return (
        Teacher.objects.visible_to(user)
        .filter(school__in=campaign.schools.all())
        .filter(Q(is_active=True) | Q(pk__in=with_results))
        .select_related("school")
        .order_by(*TEACHER_ORDER)
    )


def campaign_list(user):
    """Campaigns with their numbers of schools and of teachers with results (those ``user`` reads, unless the
    campaign is theirs to see as a whole)."""
    through = Campaign.schools.through
    school_count = (
        through.objects.filter(campaign_id=OuterRef("pk"))
        .order_by()
        .values("campaign_id")
        .annotate(n=Count("school_id"))
        .values("n")
    )

    def teachers_with_results(restrict: bool):
        results = DiagnosticResult.objects.filter(campaign_id=OuterRef("pk"))
        if restrict:
            results = results.filter(teacher__in=Teacher.objects.visible_to(user).values("pk"))
        return Coalesce(
            Subquery(
                results.order_by()
                .values("campaign_id")
                .annotate(n=Count("teacher_id", distinct=True))
                .values("n"),
                output_field=IntegerField(),
            ),
            Value(0),
        )

    staff_ids = set(Campaign.objects.visible_to(user).values_list("pk", flat=True))
    campaigns = list(
        campaigns_for(user)
        .select_related("municipality")
        .annotate(
            school_count=Coalesce(Subquery(school_count, output_field=IntegerField()), Value(0)),
            teachers_all=teachers_with_results(False),
            teachers_visible=teachers_with_results(True),
        )
        .order_by("-start_date", "-pk")
    )
    for campaign in campaigns:
        campaign.teacher_count = (
            campaign.teachers_all if campaign.pk in staff_ids else campaign.teachers_visible
        )
    return campaigns


# --- the results table ------------------------------------------------------------------------------------


def score_text(value: Decimal) -> str:
    """12.50 → «12,5», 20.00 → «20»: a score as a person writes it."""
    if value == value.to_integral():
        return format(value.quantize(Decimal(1)), "f")
    return format(value, "f").rstrip("0").replace(".", ",")


@dataclass(frozen=True)
class Cell:
    score: Decimal
    max_score: Decimal
    percent: Decimal
    deficit: bool

    @property
    def title(self) -> str:
        return f"Балл {score_text(self.score)} из {score_text(self.max_score)}"


@dataclass
class TeacherRow:
    teacher: Teacher
    cells: list[Cell | None]
    deficits: list[deficit_rules.Deficit]
    specific: list[SpecificDeficit] = field(default_factory=list)

    @property
    def deficit_count(self) -> int:
        return len(self.deficits) + len(self.specific)

    @property
    def measured(self) -> bool:
        return any(cell is not None for cell in self.cells)


@dataclass
class BlockSummary:
    block: CompetenceBlock
    measured: int = 0
    deficits: int = 0


def _block_scores(
    blocks: list[CompetenceBlock], scores: dict[int, Decimal]
) -> list[deficit_rules.BlockScore]:
    return [
        deficit_rules.BlockScore(b.code, b.name, scores[b.pk], b.max_score) for b in blocks if b.pk in scores
    ]


def results_table(
    campaign: Campaign, blocks: list[CompetenceBlock], teachers: list[Teacher]
) -> list[TeacherRow]:
    """One row per teacher (in the given order): a cell per block, the deficits, the specific deficits."""
    ids = [t.pk for t in teachers]
    scores: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for teacher_id, block_id, score in DiagnosticResult.objects.filter(
        campaign=campaign, teacher_id__in=ids
    ).values_list("teacher_id", "block_id", "score"):
        scores[teacher_id][block_id] = score
    specific: dict[int, list[SpecificDeficit]] = defaultdict(list)
    for deficit in SpecificDeficit.objects.filter(campaign=campaign, teacher_id__in=ids).order_by("pk"):
        specific[deficit.teacher_id].append(deficit)
    threshold = Decimal(campaign.threshold_percent)
    rows = []
    for teacher in teachers:
        own = scores.get(teacher.pk, {})
        cells: list[Cell | None] = []
        for block in blocks:
            if block.pk not in own:
                cells.append(None)
                continue
            score = deficit_rules.BlockScore(block.code, block.name, own[block.pk], block.max_score)
            cells.append(
                Cell(own[block.pk], block.max_score, score.percent, deficit_rules.below(score, threshold))
            )
        rows.append(
            TeacherRow(
                teacher=teacher,
                cells=cells,
                deficits=deficit_rules.deficits(_block_scores(blocks, own), threshold),
                specific=specific.get(teacher.pk, []),
            )
        )
    return rows


def block_summary(campaign: Campaign, blocks: list[CompetenceBlock], results) -> list[BlockSummary]:
    """Per block: how many teachers have a score and how many of them are below the threshold (counts only)."""
    by_pk = {b.pk: BlockSummary(b) for b in blocks}
    threshold = Decimal(campaign.threshold_percent)
    for block_id, score in results.values_list("block_id", "score"):
        summary = by_pk.get(block_id)
        if summary is None:
            continue
        summary.measured += 1
        block = summary.block
        if deficit_rules.below(
            deficit_rules.BlockScore(block.code, block.name, score, block.max_score), threshold
        ):
            summary.deficits += 1
    return list(by_pk.values())


def teacher_scores(campaign: Campaign, blocks: list[CompetenceBlock], teacher: Teacher) -> dict[int, Decimal]:
    return dict(
        DiagnosticResult.objects.filter(campaign=campaign, teacher=teacher).values_list("block_id", "score")
    )


# --- dynamics ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DynamicsColumn:
    code: str
    name: str


@dataclass
class DynamicsRow:
    teacher: Teacher
    cells: list[deficit_rules.BlockDynamics | None]


@dataclass
class TrendCount:
    column: DynamicsColumn
    up: int = 0
    down: int = 0
    same: int = 0


def dynamics_columns(before: list[CompetenceBlock], after: list[CompetenceBlock]) -> list[DynamicsColumn]:
    """The later campaign's blocks in its order, then the earlier one's that it did not measure."""
    columns = [DynamicsColumn(b.code, b.name) for b in after]
    seen = {b.code for b in after}
    columns += [DynamicsColumn(b.code, b.name) for b in before if b.code not in seen]
    return columns


def dynamics_teachers(user, before: Campaign, after: Campaign):
    """Teachers ``user`` reads who have a score in either campaign, by school and name."""
    measured = DiagnosticResult.objects.filter(campaign__in=[before, after]).values("teacher_id")
    return (
        Teacher.objects.visible_to(user)
        .filter(pk__in=measured)
        .select_related("school")
        .order_by(*TEACHER_ORDER)
    )


def dynamics_table(
    before: Campaign,
    after: Campaign,
    blocks_before: list[CompetenceBlock],
    blocks_after: list[CompetenceBlock],
    teachers: list[Teacher],
) -> tuple[list[DynamicsColumn], list[DynamicsRow], list[TrendCount]]:
    columns = dynamics_columns(blocks_before, blocks_after)
    blocks = {b.pk: b for b in [*blocks_before, *blocks_after]}
    scores: dict[tuple[int, int], dict[str, deficit_rules.BlockScore]] = defaultdict(dict)
    for teacher_id, campaign_id, block_id, score in DiagnosticResult.objects.filter(
        campaign__in=[before, after], teacher_id__in=[t.pk for t in teachers]
    ).values_list("teacher_id", "campaign_id", "block_id", "score"):
        block = blocks.get(block_id)
        if block is not None:
            scores[(teacher_id, campaign_id)][block.code] = deficit_rules.BlockScore(
                block.code, block.name, score, block.max_score
            )
    counts = [TrendCount(column) for column in columns]
    rows = []
    for teacher in teachers:
        found = {
            d.code: d
            for d in deficit_rules.dynamics(
                scores.get((teacher.pk, before.pk), {}), scores.get((teacher.pk, after.pk), {})
            )
        }
        cells = [found.get(column.code) for column in columns]
        for count, cell in zip(counts, cells, strict=True):
            if cell is not None and cell.trend in ("up", "down", "same"):
                setattr(count, cell.trend, getattr(count, cell.trend) + 1)
        rows.append(DynamicsRow(teacher, cells))
    return columns, rows, counts


def schools_of(teachers) -> "list[School]":
    return list(School.objects.filter(pk__in=teachers.values("school_id")).order_by("name"))
