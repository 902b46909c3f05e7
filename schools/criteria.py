"""The ШНОР rule. Pure: plain values in, a verdict with its reasons out; no ORM, no Django.

Source: ../shared/domain/002_… (Обливский район, programme for МБОУ «Каштановская СОШ»):
  1. «ОО, в которых не менее чем по двум оценочным процедурам в предыдущем учебном году были зафиксированы
     низкие результаты»;
  2. «ОО, в которых хотя бы по одной оценочной процедуре в каждом из двух предыдущих учебных годов были
     зафиксированы низкие результаты»;
  «низкие результаты» — «не менее 30% от общего числа участников … получили отметку «2» (ВПР) или не
  преодолели минимальный порог (ОГЭ, ЕГЭ)».
A year is the calendar year in which the school year ends; the list of year Y looks at Y-1, Y-2, …
"""

from collections.abc import Collection, Iterable
from dataclasses import asdict, dataclass
from functools import lru_cache


class Status:
    SHNOR = "shnor"  # criterion 1 and/or 2 holds
    RISK = "risk"  # not ШНОР, but at least one low procedure in Y-1: one more low year makes it ШНОР
    NO_DATA = "no_data"  # no counted result in Y-1
    NONE = "none"


ANY = "any"  # criterion 2: at least one low procedure in each year (the seed's wording, default)
SAME = "same"  # criterion 2: the same procedure (kind, subject, grade) low in every year (Rosobrnadzor)

# How the criteria combine (issue #21 §2). The seed (002_…) lists them as «хотя бы один из критериев»: either
# suffices (ANY, the default). ALL: a school is ШНОР only when every criterion holds. Either way a decision keeps
# every criterion that holds, and «зона риска» keeps its meaning (not ШНОР, a low procedure in Y-1).
COMBINE_ANY = "any"
COMBINE_ALL = "all"


@dataclass(frozen=True)
class RuleParams:
    threshold: int = 30  # % of participants with «2» / below the minimum; "не менее 30%": 30.0% is low
    low_procedures: int = 2  # criterion 1: low procedures needed in Y-1 ("не менее чем по двум")
    consecutive_years: int = 2  # criterion 2: years Y-1 … Y-N, each with a low procedure ("каждом из двух")
    criterion2: str = ANY
    kinds: frozenset[str] = frozenset()  # procedure kinds counted; empty means all
    min_participants: int = 1  # a result with fewer participants does not count at all
    combine: str = COMBINE_ANY  # ANY: one criterion makes the school ШНОР; ALL: every criterion must hold

    def __post_init__(self):
        if not 1 <= self.threshold <= 100:
            raise ValueError("Порог должен быть от 1 до 100 %.")
        if self.low_procedures < 1 or self.consecutive_years < 1 or self.min_participants < 1:
            raise ValueError("Число процедур, лет и участников должно быть не меньше 1.")
        if self.criterion2 not in (ANY, SAME):
            raise ValueError("Режим критерия 2: any или same.")
        if self.combine not in (COMBINE_ANY, COMBINE_ALL):
            raise ValueError("Сочетание критериев: any или all.")

    def years(self, list_year: int) -> tuple[int, ...]:
        """The years the list of ``list_year`` looks at, newest first."""
        return tuple(list_year - offset for offset in range(1, max(self.consecutive_years, 1) + 1))

    def as_dict(self) -> dict:
        return dict(_params_dict(self))


@lru_cache(maxsize=64)
def _params_dict(params: RuleParams) -> tuple:
    # Computed once per parameter set: a recomputation stores the parameters with each of 40,000 decisions.
    data = asdict(params)
    data["kinds"] = sorted(params.kinds)
    return tuple(data.items())


def data_years(list_year: int, params: RuleParams) -> tuple[int, ...]:
    """The result years whose counted results give the list of ``list_year`` something to decide on: Y-1.

    Every verdict but «нет данных» needs a counted result in Y-1: criterion 1 counts low procedures in Y-1
    only, criterion 2 needs a low procedure in *each* of Y-1 … Y-N (Y-1 included), and «риск» is a low
    procedure in Y-1. Results in Y-2 alone can make no school ШНОР or at risk: such a list would be every
    school «нет данных», with Y-2's low procedures shown as if they were reasons.
    """
    return params.years(list_year)[:1]


def list_year_exists(list_year: int, counted_years: Collection[int], params: RuleParams) -> bool:
    """A list year exists when its rule has data to look at: a counted result in one of its ``data_years``.
    ``counted_years`` are the years with at least one result the rule counts (``counts``)."""
    return any(year in counted_years for year in data_years(list_year, params))


def list_years(counted_years: Collection[int], params: RuleParams) -> tuple[int, ...]:
    """Every list year the counted results allow, newest first (results up to 2026: lists up to 2027)."""
    candidates = {
        year + offset for year in counted_years for offset in range(1, params.consecutive_years + 1)
    }
    return tuple(sorted((y for y in candidates if list_year_exists(y, counted_years, params)), reverse=True))


def default_list_year(years: Iterable[int], current_year: int) -> int | None:
    """The list year every page opens on: the newest one not after the current calendar year — the list in
    force; a list computed ahead for next year is the default only while it is the only one."""
    years = list(years)
    started = [year for year in years if year <= current_year]
    return max(started) if started else (max(years) if years else None)


def is_low(failed: int, participants: int, threshold: int) -> bool:
    """Low when at least ``threshold`` % failed. Integer arithmetic: 30.0% is low, 29.9% is not."""
    return participants > 0 and 100 * failed >= threshold * participants


@dataclass(frozen=True)
class ResultFact:
    """One school's result in one procedure, reduced to what the rule needs."""

    year: int
    kind: str
    subject: str
    grade: int
    participants: int
    failed: int

    @property
    def procedure_key(self) -> tuple[str, str, int]:
        return (self.kind, self.subject, self.grade)


@dataclass(frozen=True, order=True)
class LowProcedure:
    year: int
    kind: str
    subject: str
    grade: int
    failed: int
    participants: int

    @property
    def procedure_key(self) -> tuple[str, str, int]:
        return (self.kind, self.subject, self.grade)

    @property
    def share(self) -> float:
        return round(100 * self.failed / self.participants, 1)

    def label(self) -> str:
        share = f"{self.share:.1f}".replace(".", ",")
        return f"{self.kind} {self.subject} {self.grade} кл. {self.year}: {share}% ({self.failed} из {self.participants})"


@dataclass(frozen=True)
class Evidence:
    """What the rule looks at for one school: its low counted results in the years looked at, and whether it
    has any counted result in Y-1 (without one its status is "no data")."""

    low: tuple[LowProcedure, ...] = ()
    has_data: bool = False


def counts(fact: ResultFact, params: RuleParams) -> bool:
    return fact.participants >= params.min_participants and (not params.kinds or fact.kind in params.kinds)


def gather(list_year: int, facts: Iterable[ResultFact], params: RuleParams) -> Evidence:
    """Evidence from raw results (the database computes the same thing set-based)."""
    years = set(params.years(list_year))
    with_data = set(data_years(list_year, params))
    low: list[LowProcedure] = []
    has_data = False
    for fact in facts:
        if fact.year not in years or not counts(fact, params):
            continue
        has_data = has_data or fact.year in with_data
        if is_low(fact.failed, fact.participants, params.threshold):
            low.append(
                LowProcedure(fact.year, fact.kind, fact.subject, fact.grade, fact.failed, fact.participants)
            )
    return Evidence(low=tuple(sorted(low, key=newest_first)), has_data=has_data)


@dataclass(frozen=True)
class Verdict:
    list_year: int
    status: str
    criteria: tuple[int, ...]
    evidence: Evidence
    params: RuleParams

    @property
    def criteria_text(self) -> str:
        return ";".join(str(c) for c in self.criteria)

    @property
    def low_procedures_text(self) -> str:
        return "; ".join(low.label() for low in self.evidence.low)

    def reasons(self) -> dict:
        """JSON-ready: which criteria and which low procedures with their shares. Empty when there is
        nothing to explain (no low procedure). The rule parameters are kept once per computation."""
        if not self.evidence.low:
            return {}
        return {
            "criteria": list(self.criteria),
            "low": [
                {
                    "year": low.year,
                    "kind": low.kind,
                    "subject": low.subject,
                    "grade": low.grade,
                    "failed": low.failed,
                    "participants": low.participants,
                    "share": low.share,
                }
                for low in self.evidence.low
            ],
        }


def decide(list_year: int, evidence: Evidence, params: RuleParams) -> Verdict:
    years = params.years(list_year)
    previous = years[0]
    low_by_year: dict[int, list[LowProcedure]] = {year: [] for year in years}
    for low in evidence.low:
        if low.year in low_by_year:
            low_by_year[low.year].append(low)

    criteria: list[int] = []
    if len(low_by_year[previous]) >= params.low_procedures:
        criteria.append(1)
    if params.criterion2 == ANY:
        if all(low_by_year[year] for year in years):
            criteria.append(2)
    else:
        common = {low.procedure_key for low in low_by_year[previous]}
        for year in years[1:]:
            common &= {low.procedure_key for low in low_by_year[year]}
        if common:
            criteria.append(2)

    # ``criteria`` lists every criterion that holds, whether or not the combination makes the school ШНОР.
    if is_listed(criteria, params):
        status = Status.SHNOR
    elif low_by_year[previous]:
        status = Status.RISK
    elif not evidence.has_data:
        status = Status.NO_DATA
    else:
        status = Status.NONE
    kept = Evidence(low=tuple(low for year in years for low in low_by_year[year]), has_data=evidence.has_data)
    return Verdict(list_year, status, tuple(criteria), kept, params)


CRITERIA = (1, 2)


def is_listed(criteria: Collection[int], params: RuleParams) -> bool:
    """Whether the criteria that hold make the school ШНОР under the rule's combination."""
    if params.combine == COMBINE_ALL:
        return all(criterion in criteria for criterion in CRITERIA)
    return bool(criteria)


def evaluate(list_year: int, facts: Iterable[ResultFact], params: RuleParams = RuleParams()) -> Verdict:  # noqa: B008
    return decide(list_year, gather(list_year, facts, params), params)


def movement(previous_status: str | None, status: str) -> str:
    """How a school's place in the list changed from the year before: entered, stayed, left or ''."""
    was = previous_status == Status.SHNOR
    now = status == Status.SHNOR
    if now and not was:
        return "entered"
    if now and was:
        return "stayed"
    if was and not now:
        return "left"
    return ""


MOVEMENT_LABELS = {"entered": "вошла в перечень", "stayed": "осталась в перечне", "left": "вышла из перечня"}


def newest_first(low: LowProcedure):
    return (-low.year, low.kind, low.subject, low.grade)


# --- named presets (issue #21 §2): each with its source ------------------------------------------------------


@dataclass(frozen=True)
class Preset:
    key: str
    title: str
    summary: str
    source: str
    params: RuleParams


PRESETS: tuple[Preset, ...] = (
    Preset(
        key="seed",
        title="Программа адресной поддержки (Обливский район)",
        summary="Критерий 1: не менее 2 низких процедур в году Y-1; критерий 2: хотя бы одна низкая процедура в "
        "каждом из 2 предыдущих лет; достаточно одного критерия; низкий результат — не менее 30 % «2»; все "
        "виды процедур.",
        source="программа адресной поддержки МБОУ «Каштановская СОШ», Обливский район (../shared/domain/002_…): "
        "«ОО, в которых не менее чем по двум оценочным процедурам в предыдущем учебном году были зафиксированы "
        "низкие результаты»; «ОО, в которых хотя бы по одной оценочной процедуре в каждом из двух предыдущих "
        "учебных годов были зафиксированы низкие результаты»; «не менее 30% от общего числа участников».",
        params=RuleParams(),
    ),
)
# Приказ Рособрнадзора от 04.10.2021 № 1336 (перечень индикаторов риска для федерального государственного
# контроля (надзора) в сфере образования) is not a preset: its text and that of its amendments could not be
# found (the search corpora hold only news of a 2024 draft amendment), and a preset must quote its clause.
PRESETS_NOTE = (
    "Набор по индикатору риска Рособрнадзора (приказ от 04.10.2021 № 1336) не добавлен: текст приказа и его "
    "изменений не найден, а набор должен цитировать пункт источника."
)


def preset_values(preset: Preset) -> dict:
    """The rule parameters a preset sets, as the rule's settings take them (kinds as a sorted list)."""
    values = asdict(preset.params)
    values["kinds"] = sorted(preset.params.kinds)
    return values


def preset_of(params: RuleParams) -> str:
    """The key of the preset these parameters are, or ''."""
    return next((preset.key for preset in PRESETS if preset.params == params), "")
