"""Target indicators of a ШНОР support programme (002_…, section 2.4). Pure: plain counts in, no ORM.

Each indicator is a share in per cent: a numerator out of a denominator, both shown on the page, never only
the percentage. A denominator of 0 means there is nothing to measure: the value is None, shown «нет данных»,
and the light is "none" — never a division by zero, never a 0 % that would read as a failure.

The traffic light is a pure rule of the value and the target: green at or above the target, yellow within
``YELLOW_BAND`` percentage points below it, red further below. It compares the value as shown (one decimal),
so a page never shows «90,0 %» in red against a target of 90 %.

Targets default to 002_…: 100 %, and 90 % for the qualification categories; ``settings.PROGRAMME_TARGETS``
overrides them per code (see ``indicators.selectors.programme_targets``).
"""

from dataclasses import dataclass, fields
from decimal import ROUND_HALF_UP, Decimal

GREEN, YELLOW, RED, NONE = "green", "yellow", "red", "none"
YELLOW_BAND = 10  # percentage points below the target that are still "close"
NO_DATA = "нет данных"

LIGHT_LABELS = {
    GREEN: "достигнут",
    YELLOW: "близок к целевому",
    RED: "не достигнут",
    NONE: NO_DATA,
}

SUPPORT, DIAGNOSED, ROUTES, COURSES, CATEGORIES, DYNAMICS, VPR, GIA = (
    "support",
    "diagnosed",
    "routes",
    "courses",
    "categories",
    "dynamics",
    "vpr",
    "gia",
)
CODES = (SUPPORT, DIAGNOSED, ROUTES, COURSES, CATEGORIES, DYNAMICS, VPR, GIA)

TITLES = {
    SUPPORT: "Доля педагогов, включённых в систему методического сопровождения",
    DIAGNOSED: "Доля учителей-предметников, прошедших диагностику профессиональных дефицитов",
    ROUTES: "Доля учителей-предметников, имеющих ИОМ на основе диагностики",
    COURSES: "Доля педагогов, прошедших КПК за последние 3 года",
    CATEGORIES: "Доля педагогов с первой и высшей квалификационной категорией",
    DYNAMICS: "Доля процедур с положительной динамикой",
    VPR: "Доля обучающихся, успешно выполнивших ВПР",
    GIA: "Доля обучающихся, успешно сдавших ГИА (ОГЭ, ЕГЭ)",
}

SHORT_TITLES = {
    SUPPORT: "Методическое сопровождение",
    DIAGNOSED: "Диагностика дефицитов",
    ROUTES: "ИОМ по диагностике",
    COURSES: "КПК за 3 года",
    CATEGORIES: "Первая и высшая категория",
    DYNAMICS: "Положительная динамика",
    VPR: "Успешно выполнили ВПР",
    GIA: "Успешно сдали ГИА",
}

# What the two numbers count, for the table's headers and tooltips.
UNITS = {
    SUPPORT: ("педагогов с наставником школы или тьютором", "педагогов ШНОР"),
    DIAGNOSED: ("прошли диагностику", "учителей-предметников"),
    ROUTES: ("с утверждённым ИОМ по диагностике", "учителей-предметников"),
    COURSES: ("прошли КПК за 3 года", "педагогов ШНОР"),
    CATEGORIES: ("с первой или высшей категорией", "педагогов ШНОР"),
    DYNAMICS: ("процедур: доля «2» ниже, чем годом раньше", "процедур, которые есть в обоих годах"),
    VPR: ("участников без «2»", "участников ВПР"),
    GIA: ("участников без «2» и не ниже минимума", "участников ОГЭ и ЕГЭ"),
}

DEFAULT_TARGETS: dict[str, float] = {code: 100.0 for code in CODES} | {CATEGORIES: 90.0}

_NO_TEACHERS = "в реестре нет действующих педагогов школ перечня"
_NO_SUBJECT_TEACHERS = "в реестре нет учителей-предметников школ перечня (педагогов с указанным предметом)"


def no_data_reason(code: str, year: int) -> str:
    """Why an indicator of the list year ``year`` has nothing to measure (its denominator is 0), in Russian:
    a «0 / 0 —» is never printed without it."""
    return {
        SUPPORT: _NO_TEACHERS,
        DIAGNOSED: _NO_SUBJECT_TEACHERS,
        ROUTES: _NO_SUBJECT_TEACHERS,
        COURSES: _NO_TEACHERS,
        CATEGORIES: _NO_TEACHERS,
        DYNAMICS: f"нет результатов процедур {year} года, которые школы писали и в {year - 1} году",
        VPR: f"нет загруженных результатов ВПР {year} года",
        GIA: f"нет загруженных результатов ОГЭ и ЕГЭ {year} года",
    }[code]


@dataclass(frozen=True)
class Indicator:
    code: str
    title: str
    numerator: int
    denominator: int
    value: float | None  # per cent, one decimal; None when the denominator is 0
    target: float
    light: str  # GREEN, YELLOW, RED or NONE

    @property
    def has_data(self) -> bool:
        return self.value is not None

    @property
    def short_title(self) -> str:
        return SHORT_TITLES[self.code]

    @property
    def value_label(self) -> str:
        return NO_DATA if self.value is None else percent_label(self.value)

    @property
    def target_label(self) -> str:
        return percent_label(self.target)

    @property
    def light_label(self) -> str:
        return LIGHT_LABELS[self.light]

    @property
    def numerator_unit(self) -> str:
        return UNITS[self.code][0]

    @property
    def denominator_unit(self) -> str:
        return UNITS[self.code][1]


def percent_label(value: float) -> str:
    """«87,5 %», «100 %»: Russian decimal comma, no trailing «,0»."""
    text = f"{value:.1f}".replace(".", ",")
    if text.endswith(",0"):
        text = text[:-2]
    return f"{text} %"


def share(numerator: int, denominator: int) -> float | None:
    """numerator / denominator in per cent, rounded half up to one decimal; None when the denominator is 0."""
    if numerator < 0 or denominator < 0:
        raise ValueError(f"negative count: {numerator}/{denominator}")
    if numerator > denominator:
        raise ValueError(f"numerator {numerator} exceeds denominator {denominator}")
    if denominator == 0:
        return None
    exact = Decimal(100 * numerator) / Decimal(denominator)
    return float(exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def light(value: float | None, target: float) -> str:
    """Green at or above the target, yellow within YELLOW_BAND points below it, red below that; none without data."""
    if value is None:
        return NONE
    if value >= target:
        return GREEN
    if value >= target - YELLOW_BAND:
        return YELLOW
    return RED


def indicator(code: str, numerator: int, denominator: int, target: float | None = None) -> Indicator:
    goal = DEFAULT_TARGETS[code] if target is None else float(target)
    value = share(numerator, denominator)
    return Indicator(code, TITLES[code], numerator, denominator, value, goal, light(value, goal))


# --- the eight indicators ---------------------------------------------------------------------------------


def methodological_support(supported: int, teachers: int, *, target: float | None = None) -> Indicator:
    """1. Включённые в систему методического сопровождения.

    Numerator: active teachers of the ШНОР whose school has a mentor in force (a person or a mentor school),
    or who have a tutor in force, on the day of the calculation.
    Denominator: active teachers of the ШНОР.
    """
    return indicator(SUPPORT, supported, teachers, target)


def diagnostics_passed(diagnosed: int, subject_teachers: int, *, target: float | None = None) -> Indicator:
    """2. Прошедшие диагностику профессиональных дефицитов.

    Numerator: subject teachers of the ШНОР (active, with at least one subject) with a result in a
    diagnostics that started from 1 September of the year before (the school year the year's ИОМ may
    belong to) up to the day of the calculation (``selectors.diagnostics_window``).
    Denominator: subject teachers of the ШНОР.
    """
    return indicator(DIAGNOSED, diagnosed, subject_teachers, target)


def routes_from_diagnostics(
    with_route: int, subject_teachers: int, *, target: float | None = None
) -> Indicator:
    """3. Имеющие ИОМ на основе диагностики.

    Numerator: subject teachers of the ШНОР with an approved ИОМ made from a diagnostics the teacher took
    within the window of indicator 2 (the route names its campaign), for a school year that covers part of
    the year: every teacher counted here is counted by indicator 2 too.
    Denominator: subject teachers of the ШНОР.
    """
    return indicator(ROUTES, with_route, subject_teachers, target)


def courses_recent(trained: int, teachers: int, *, target: float | None = None) -> Indicator:
    """4. Прошедшие КПК.

    Numerator: active teachers of the ШНОР with a course (КПК) that ended within the 3 years before the day
    of the calculation.
    Denominator: active teachers of the ШНОР.
    """
    return indicator(COURSES, trained, teachers, target)


def categories(first_or_highest: int, teachers: int, *, target: float | None = None) -> Indicator:
    """5. С первой и высшей квалификационной категорией (target 90 %).

    Numerator: active teachers of the ШНОР with the first or the highest category.
    Denominator: active teachers of the ШНОР.
    """
    return indicator(CATEGORIES, first_or_highest, teachers, target)


def positive_dynamics(improved: int, compared: int, *, target: float | None = None) -> Indicator:
    """6. Процедуры с положительной динамикой.

    Numerator: results of the year's procedures at the ШНОР whose share of failures («2», below the minimum)
    is lower than the same school's a year before (same kind, subject and grade).
    Denominator: results of the year's procedures at the ШНОР that have such a result a year before.
    """
    return indicator(DYNAMICS, improved, compared, target)


def _success(code: str, participants: int, failed: int, target: float | None) -> Indicator:
    if failed < 0 or participants < 0 or failed > participants:
        raise ValueError(f"inconsistent counts: {failed} failed of {participants}")
    return indicator(code, participants - failed, participants, target)


def vpr_success(participants: int, failed: int, *, target: float | None = None) -> Indicator:
    """7. Успешно выполнившие ВПР: 1 − Σ«2» / Σучастников.

    Numerator: participants of the year's ВПР at the ШНОР without a «2» (Σ participants − Σ failed).
    Denominator: participants of the year's ВПР at the ШНОР (Σ participants).
    """
    return _success(VPR, participants, failed, target)


def gia_success(participants: int, failed: int, *, target: float | None = None) -> Indicator:
    """8. Успешно сдавшие ГИА (ОГЭ and ЕГЭ): 1 − Σfailed / Σparticipants.

    Numerator: participants of the year's ОГЭ and ЕГЭ at the ШНОР without a «2» or a score below the
    minimum (Σ participants − Σ failed).
    Denominator: participants of the year's ОГЭ and ЕГЭ at the ШНОР (Σ participants).
    """
    return _success(GIA, participants, failed, target)


# --- counts of a school, a municipality, a region ----------------------------------------------------------


@dataclass(frozen=True)
class IndicatorCounts:
    """The raw counts behind the eight indicators; counts of schools add up to a municipality's."""

    teachers: int = 0
    supported: int = 0
    subject_teachers: int = 0
    diagnosed: int = 0
    with_route: int = 0
    trained: int = 0
    categorised: int = 0
    compared: int = 0
    improved: int = 0
    vpr_participants: int = 0
    vpr_failed: int = 0
    gia_participants: int = 0
    gia_failed: int = 0

    def __add__(self, other: "IndicatorCounts") -> "IndicatorCounts":
        return IndicatorCounts(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(IndicatorCounts)}
        )

    def indicators(self, targets: dict[str, float] | None = None) -> list[Indicator]:
        goals = DEFAULT_TARGETS | (targets or {})
        return [
            methodological_support(self.supported, self.teachers, target=goals[SUPPORT]),
            diagnostics_passed(self.diagnosed, self.subject_teachers, target=goals[DIAGNOSED]),
            routes_from_diagnostics(self.with_route, self.subject_teachers, target=goals[ROUTES]),
            courses_recent(self.trained, self.teachers, target=goals[COURSES]),
            categories(self.categorised, self.teachers, target=goals[CATEGORIES]),
            positive_dynamics(self.improved, self.compared, target=goals[DYNAMICS]),
            vpr_success(self.vpr_participants, self.vpr_failed, target=goals[VPR]),
            gia_success(self.gia_participants, self.gia_failed, target=goals[GIA]),
        ]


def total(counts) -> IndicatorCounts:
    """The sum of any number of IndicatorCounts (an empty sum is all zeros)."""
    result = IndicatorCounts()
    for item in counts:
        result = result + item
    return result
