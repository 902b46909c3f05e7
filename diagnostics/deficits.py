"""Professional deficits from diagnostics scores, and their dynamics between campaigns. Pure: no ORM.

000_… describes the cycle: teachers' professional deficits are diagnosed (January and August), an individual
route (ИОМ) is built from them. A competence block is a deficit when the teacher's score is below a share of
the block's maximum (60 % by default, a setting per campaign).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

DEFAULT_THRESHOLD_PERCENT = 60  # % of the block's maximum; below it the block is a deficit


@dataclass(frozen=True)
class BlockScore:
    code: str
    name: str
    score: Decimal
    max_score: Decimal

    @property
    def percent(self) -> Decimal:
        """Share of the maximum, % with one decimal (half up, as people round)."""
        if self.max_score <= 0:
            return Decimal(0)
        return (Decimal(100) * self.score / self.max_score).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def below(score: BlockScore, threshold_percent: Decimal | int) -> bool:
    """Exactly below the threshold (not on the rounded percent): 59.95 % of the maximum is below 60 %."""
    return score.max_score > 0 and Decimal(100) * score.score < Decimal(threshold_percent) * score.max_score


@dataclass(frozen=True)
class Deficit:
    code: str
    name: str
    percent: Decimal
    threshold: Decimal

    @property
    def text(self) -> str:
        return f"{self.name}: {self.percent} % при пороге {self.threshold} %"


def score_problem(score: Decimal | None, max_score: Decimal) -> str | None:
    """Why a score cannot be stored, in Russian; None when it is fine."""
    if score is None:
        return "Укажите балл."
    if score < 0:
        return "Балл не может быть отрицательным."
    if score > max_score:
        return f"Балл {score} больше максимума блока ({max_score})."
    return None


def deficits(
    scores: Iterable[BlockScore], threshold_percent: Decimal | int = DEFAULT_THRESHOLD_PERCENT
) -> list[Deficit]:
    """Blocks below the threshold, weakest first. Exactly at the threshold is not a deficit."""
    threshold = Decimal(threshold_percent)
    # Compared exactly, not on the rounded percent: 59.95 % is below 60 % even though it shows as 60.0.
    found = [Deficit(s.code, s.name, s.percent, threshold) for s in scores if below(s, threshold)]
    return sorted(found, key=lambda d: (d.percent, d.code))


@dataclass(frozen=True)
class BlockDynamics:
    code: str
    name: str
    before: Decimal | None  # % in the earlier campaign, None when not measured
    after: Decimal | None

    @property
    def change(self) -> Decimal | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    @property
    def trend(self) -> str:
        """«up», «down», «same» or «unknown» — for the arrow shown beside the numbers."""
        change = self.change
        if change is None:
            return "unknown"
        return "up" if change > 0 else "down" if change < 0 else "same"


def dynamics(before: Mapping[str, BlockScore], after: Mapping[str, BlockScore]) -> list[BlockDynamics]:
    """Per block (matched by code), the teacher's percent in two campaigns, in the later campaign's order."""
    codes = list(after) + [code for code in before if code not in after]
    rows = []
    for code in codes:
        b, a = before.get(code), after.get(code)
        name = (a or b).name
        rows.append(BlockDynamics(code, name, b.percent if b else None, a.percent if a else None))
    return rows
