"""The path out of the ШНОР list (issue #21 §1). Pure: the rule's parameters and a school's results in, what
its next year's results must be for the school not to be on next year's list out; no ORM, no Django.

A school is on the list of year L (or at risk for it) from its results of L-1, L-2, … (schools/criteria.py).
The list of L+1 looks at the results of L (criterion 1) and of L, L-1, … (criterion 2). Those of L-1, L-2, …
are known, so what remains is a condition on the results of L: how many of its procedures may be low, and
which may not be low at all. For each counted procedure the school wrote in L-1, the largest number of «2»
(or results below the minimum score) that keeps it under the threshold at L-1's number of participants:

    low  ⇔  100 × failed ≥ threshold × participants        (criteria.is_low: "не менее 30 %")
    max  =  ceil(threshold × participants / 100) − 1       (the largest failed that is not low)

in integers (threshold 30: 10 participants → 2, 13 → 3, 3 → 0).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from core.plural import plural

from .criteria import ANY, COMBINE_ALL, ResultFact, RuleParams, counts, is_low

FAILED_WORDS = {"ЕГЭ": "ниже минимального балла"}  # every other kind: «2»


def max_failed(participants: int, threshold: int) -> int:
    """The largest number of «2» that keeps a procedure of ``participants`` under ``threshold`` %: exact
    integers, ceil(a / b) = −(−a // b)."""
    if participants < 1:
        raise ValueError("Участников должно быть не меньше 1.")
    return -(-(threshold * participants) // 100) - 1


@dataclass(frozen=True)
class ProcedureLimit:
    """One procedure the school wrote in the base year and the most «2» it may have next year."""

    kind: str
    subject: str
    grade: int
    participants: int
    failed: int  # «2» in the base year
    max_failed: int
    must_stay_under: bool  # a low result here alone puts the school on next year's list
    failed_word: str = "«2»"

    @property
    def procedure_key(self) -> tuple[str, str, int]:
        return (self.kind, self.subject, self.grade)

    @property
    def was_low(self) -> bool:
        return self.failed > self.max_failed

    def label(self) -> str:
        """«ВПР, математика, 5 кл.: не более 3 «2» из 13»."""
        return (
            f"{self.kind}, {self.subject}, {self.grade} кл.: не более {self.max_failed} {self.failed_word} "
            f"из {self.participants}"
        )


@dataclass(frozen=True)
class PathOut:
    list_year: int  # the list the school is on or at risk for
    results_year: int  # the year whose results decide the next list (= list_year)
    base_year: int  # the year whose procedures and participants the limits are computed at (list_year - 1)
    allowed_low: int | None  # procedures of results_year that may be low (None: any number — combine «all»)
    watched: tuple[tuple[str, str, int], ...]  # procedures that may not be low at all (criterion 2 «same»)
    conditions: tuple[str, ...]  # the condition in words, line by line
    limits: tuple[ProcedureLimit, ...]

    @property
    def next_list_year(self) -> int:
        return self.list_year + 1

    def as_dict(self) -> dict:
        """JSON-ready (the API, the report)."""
        return {
            "list_year": self.list_year,
            "next_list_year": self.next_list_year,
            "results_year": self.results_year,
            "base_year": self.base_year,
            "allowed_low": self.allowed_low,
            "conditions": list(self.conditions),
            "limits": [
                {
                    "kind": limit.kind,
                    "subject": limit.subject,
                    "grade": limit.grade,
                    "participants": limit.participants,
                    "failed": limit.failed,
                    "max_failed": limit.max_failed,
                    "must_stay_under": limit.must_stay_under,
                    "text": limit.label(),
                }
                for limit in self.limits
            ],
        }


def _procedures(n: int) -> str:
    return f"{n} {plural(n, 'процедуре', 'процедурам', 'процедурам')}"


def _low_words(params: RuleParams) -> str:
    text = (
        f"Низкий результат — не менее {params.threshold} % участников с «2» (ЕГЭ — ниже минимального балла)"
    )
    if params.min_participants > 1:
        text += f"; процедуры, где участников меньше {params.min_participants}, не учитываются"
    if params.kinds:
        text += f"; учитываются {', '.join(sorted(params.kinds))}"
    return text + "."


def _in_years(years: tuple[int, ...]) -> str:
    ordered = sorted(years)
    if len(ordered) == 1:
        return f"в {ordered[0]} году"
    return f"в {', '.join(str(y) for y in ordered[:-1])} и {ordered[-1]} годах"


def _key_text(key: tuple[str, str, int]) -> str:
    return f"{key[0]}, {key[1]}, {key[2]} кл."


def path_out(
    list_year: int,
    facts: Iterable[ResultFact],
    params: RuleParams = RuleParams(),  # noqa: B008
    failed_words: Mapping[str, str] = FAILED_WORDS,
) -> PathOut:
    """What the results of ``list_year`` must be for the school not to be on the list of ``list_year + 1``.

    ``facts`` are the school's results of the years before ``list_year`` (more are ignored); only those the
    rule counts matter (``criteria.counts``)."""
    results_year = list_year
    base_year = list_year - 1
    # Criterion 2 for the list of L+1 needs a low procedure in each of L, L-1, …, L-N+1: the known years are
    # L-1 … L-N+1 (none when N = 1).
    prior_years = tuple(list_year - offset for offset in range(1, params.consecutive_years))
    counted = [f for f in facts if counts(f, params)]
    low_keys: dict[int, set[tuple[str, str, int]]] = {year: set() for year in prior_years}
    for fact in counted:
        if fact.year in low_keys and is_low(fact.failed, fact.participants, params.threshold):
            low_keys[fact.year].add(fact.procedure_key)

    c1_allowed = params.low_procedures - 1
    conditions: list[str] = []
    if c1_allowed:
        conditions.append(
            f"Критерий 1: низкий результат в {results_year} году — не более чем по {_procedures(c1_allowed)}."
        )
    else:
        conditions.append(f"Критерий 1: в {results_year} году — ни одного низкого результата.")

    # Criterion 2 for the list of L+1: "impossible" (an earlier year had nothing low, or no procedure was low
    # in every earlier year), "any" (one low procedure in L makes it hold) or "watched" (one of ``watched``).
    watched: tuple[tuple[str, str, int], ...] = ()
    if not prior_years:
        # N = 1: one low procedure in L is criterion 2 itself
        c2 = "any"
        conditions.append(f"Критерий 2: в {results_year} году — ни одного низкого результата.")
    elif params.criterion2 == ANY:
        missing = [year for year in prior_years if not low_keys[year]]
        if missing:
            c2 = "impossible"
            conditions.append(
                f"Критерий 2 для перечня {list_year + 1} года не выполнится: в {missing[0]} году низких "
                "результатов не было."
            )
        else:
            c2 = "any"
            conditions.append(
                f"Критерий 2: низкие результаты уже были {_in_years(prior_years)}, поэтому в {results_year} году — "
                "ни одного низкого результата."
            )
    else:
        common = set.intersection(*(low_keys[year] for year in prior_years))
        if common:
            c2 = "watched"
            watched = tuple(sorted(common))
            conditions.append(
                f"Критерий 2 (одна и та же процедура): по {'; '.join(_key_text(key) for key in watched)} "
                f"в {results_year} году не должно быть низкого результата."
            )
        else:
            c2 = "impossible"
            conditions.append(
                f"Критерий 2 для перечня {list_year + 1} года не выполнится: ни одна процедура не была "
                f"низкой {_in_years(prior_years)}."
            )

    head = f"Чтобы не войти в перечень {list_year + 1} года"
    none_low = f"{head}, в {results_year} году ни одна процедура не должна дать низкий результат"
    must_hold: set[tuple[str, str, int]] | None = set()  # None: every procedure must stay under the threshold
    allowed: int | None
    if params.combine == COMBINE_ALL:
        # Listed only when both hold: avoiding either is enough.
        if c2 == "impossible":
            allowed = None
            summary = (
                f"Перечень {list_year + 1} года школе не грозит при любых результатах {results_year} года: "
                "нужны оба критерия, а критерий 2 не выполнится"
            )
        elif c2 == "watched" and not c1_allowed:
            # "none low" or "none of the watched low": the second says it all
            allowed = None
            must_hold = set(watched)
            summary = (
                f"{head} (нужны оба критерия), в {results_year} году не должно быть низкого результата по "
                "процедурам, названным в критерии 2"
            )
        elif c2 == "any" or not c1_allowed:
            # "at most k low" or "none low": the first says it all (none ≤ k)
            allowed = c1_allowed
            summary = (
                f"{head} (нужны оба критерия), низкий результат в {results_year} году допустим не более чем по "
                f"{_procedures(allowed)}"
                if allowed
                else none_low
            )
            must_hold = None if not allowed else set()
        else:
            allowed = c1_allowed
            summary = (
                f"{head} (нужны оба критерия), достаточно одного из двух: низкий результат в {results_year} году "
                f"не более чем по {_procedures(allowed)} — или ни одного низкого результата по процедурам, "
                "названным в критерии 2"
            )
    elif c2 == "any":
        allowed = 0
        summary = none_low
        must_hold = None
    else:
        allowed = c1_allowed
        if not allowed:
            summary = none_low
            must_hold = None
        else:
            summary = f"{head}, низкий результат в {results_year} году допустим не более чем по {_procedures(allowed)}"
            if c2 == "watched":
                summary += ", и не по процедурам, названным в критерии 2"
                must_hold = set(watched)
    conditions.insert(0, summary + ".")
    conditions.append(_low_words(params))
    conditions.append(
        f"Ниже — наибольшее число «2» в каждой процедуре {base_year} года при том же числе участников; "
        f"чтобы не попасть и в зону риска {list_year + 1} года, ни одна процедура не должна его превысить."
    )

    limits = []
    seen = set()
    for fact in sorted(counted, key=lambda f: (f.kind, f.grade, f.subject)):
        if fact.year != base_year or fact.procedure_key in seen:
            continue
        seen.add(fact.procedure_key)
        limits.append(
            ProcedureLimit(
                kind=fact.kind,
                subject=fact.subject,
                grade=fact.grade,
                participants=fact.participants,
                failed=fact.failed,
                max_failed=max_failed(fact.participants, params.threshold),
                must_stay_under=must_hold is None or fact.procedure_key in must_hold,
                failed_word=failed_words.get(fact.kind, "«2»"),
            )
        )
    return PathOut(
        list_year=list_year,
        results_year=results_year,
        base_year=base_year,
        allowed_low=allowed,
        watched=watched,
        conditions=tuple(conditions),
        limits=tuple(limits),
    )
