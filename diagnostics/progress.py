"""Quarters, deadlines, route line statuses and the progress forms' life. Pure: no ORM.

Quarters are calendar quarters. A school's quarterly progress form is filled (saved as a draft) during the
quarter, may be sent from the first day of the quarter's last month and is due a number of days after the quarter
ends (10 by default, a setting). Route line statuses and form states move along tables; one parametrized test checks every pair.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

DEFAULT_DEADLINE_DAYS = 10  # the form is due on the 10th day after the quarter ends
REMINDER_DAYS_BEFORE = 5  # a reminder 5 days before the deadline…
REMINDER_DAYS_AFTER = 1  # …and one the day after it, if the form is still not submitted


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int  # 1…4

    def __post_init__(self):
        if not 1 <= self.number <= 4:
            raise ValueError(f"quarter number out of range: {self.number}")

    @property
    def start(self) -> datetime.date:
        return datetime.date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> datetime.date:
        if self.number == 4:
            return datetime.date(self.year, 12, 31)
        return datetime.date(self.year, 3 * self.number + 1, 1) - datetime.timedelta(days=1)

    @property
    def label(self) -> str:
        return f"{self.number} квартал {self.year} г."

    def next(self) -> "Quarter":
        return Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)

    def previous(self) -> "Quarter":
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)

    def contains(self, day: datetime.date) -> bool:
        return self.start <= day <= self.end


def quarter_of(day: datetime.date) -> Quarter:
    return Quarter(day.year, (day.month - 1) // 3 + 1)


def deadline(quarter: Quarter, days: int = DEFAULT_DEADLINE_DAYS) -> datetime.date:
    """The day the quarter's form is due: ``days`` days after the quarter's last day."""
    return quarter.end + datetime.timedelta(days=days)


def submit_opens(quarter: Quarter) -> datetime.date:
    """The first day the quarter's form may be sent to the methodologist: the first day of the quarter's last month
    (issue #20 §3: «a form for a quarter can be sent from that quarter's last month on; before that it is a draft»).

    Until then the school fills the form and saves it as a draft. The form reports how the quarter's ИОМ lines were
    carried out («ежеквартальное отслеживание реализации мероприятий ИОМ», /work/shared/domain/000_…); by the last
    month most of the quarter's work is done or known not to be. A line reported «в работе» on a form sent early is not
    finished, so it comes onto the next quarter's form (``line_in_quarter``) and is reported again there. #17 item 14
    had opened the window only after the quarter's last day; #20 moved it to the last month. The deadline
    (``deadline``) is unchanged: the window runs from this day to 10 days after the quarter, later is «late».
    """
    last_month = 3 * quarter.number
    return datetime.date(quarter.year, last_month, 1)


def submit_problem(quarter: Quarter, today: datetime.date) -> str | None:
    """Why the quarter's form cannot be sent today, in Russian; None when it can."""
    opens = submit_opens(quarter)
    if today < opens:
        return (
            f"Форму за {quarter.label} можно отправить с {opens:%d.%m.%Y} — с начала последнего месяца квартала. "
            "До тех пор заполняйте её и сохраняйте черновик."
        )
    return None


def reminder_kind(quarter: Quarter, today: datetime.date, days: int = DEFAULT_DEADLINE_DAYS) -> str | None:
    """Which reminder an unsubmitted form gets today: «before», «after» or None."""
    due = deadline(quarter, days)
    if today == due - datetime.timedelta(days=REMINDER_DAYS_BEFORE):
        return "before"
    if today == due + datetime.timedelta(days=REMINDER_DAYS_AFTER):
        return "after"
    return None


def is_late(quarter: Quarter, submitted_on: datetime.date, days: int = DEFAULT_DEADLINE_DAYS) -> bool:
    """A form submitted after its deadline is accepted but marked late."""
    return submitted_on > deadline(quarter, days)


# --- route lines ----------------------------------------------------------------------------------------

NOT_STARTED, IN_PROGRESS, DONE, POSTPONED, CANCELLED = (
    "not_started",
    "in_progress",
    "done",
    "postponed",
    "cancelled",
)
LINE_MOVES: dict[str, frozenset[str]] = {
    NOT_STARTED: frozenset({IN_PROGRESS, DONE, POSTPONED, CANCELLED}),
    IN_PROGRESS: frozenset({DONE, POSTPONED, CANCELLED}),
    POSTPONED: frozenset({IN_PROGRESS, DONE, CANCELLED}),
    DONE: frozenset({IN_PROGRESS}),  # reopened when the evidence does not hold up
    CANCELLED: frozenset(),
}
NEEDS_REASON = frozenset({POSTPONED, CANCELLED})
FINISHED = frozenset({DONE, CANCELLED})


def line_move_problem(current: str, new: str, reason: str = "") -> str | None:
    """Why a route line cannot move from ``current`` to ``new``, in Russian; None when it can (or stays)."""
    if new == current:
        return None
    if new not in LINE_MOVES.get(current, frozenset()):
        return "Такой переход статуса не предусмотрен."
    if new in NEEDS_REASON and not reason.strip():
        return "Укажите причину переноса или отмены."
    return None


def line_in_quarter(*, due: Quarter, status: str, quarter: Quarter) -> bool:
    """Does a line belong on the quarter's form: due in it, or due earlier and still not finished."""
    if due == quarter:
        return True
    return due < quarter and status not in FINISHED


def unconfirmed(*, status: str, has_evidence: bool, has_link: bool) -> bool:
    """A line reported «выполнено» with neither a document nor a link: sent only when the school confirms it
    knowingly, and shown to the methodologist as «без подтверждения»."""
    return status == DONE and not (has_evidence or has_link)


UNCONFIRMED_NEEDS_REASON = (
    "«Выполнено» без документа и ссылки: напишите в комментарии, почему подтверждения нет, — методист увидит "
    "причину рядом со строкой."
)


def unconfirmed_reason_problem(
    *, status: str, has_evidence: bool, has_link: bool, comment: str
) -> str | None:
    """A line sent «выполнено» with no document or link needs a reason in its comment (issue #20 §3: the school is
    asked «for evidence or a reason»); None when it has proof or a reason, or is not «выполнено»."""
    if unconfirmed(status=status, has_evidence=has_evidence, has_link=has_link) and not comment.strip():
        return UNCONFIRMED_NEEDS_REASON
    return None


def done_on_time(
    *, due: Quarter, status: str, done_on: datetime.date | None, days: int = DEFAULT_DEADLINE_DAYS
) -> bool:
    """A line due in ``due`` is done in time when it was reported done by the deadline of that quarter's form.

    ``done_on`` is the day the school marked the line «выполнено» on a form, and the form of a quarter is filled
    and sent from the quarter's last month to just after it (from ``submit_opens`` to ``deadline``): judged
    against the quarter's last day, a line reported in its own quarter's form on 3 October read as late, and the
    dashboard showed 0 % for every teacher who reports as the forms are meant to be used."""
    return status == DONE and done_on is not None and done_on <= deadline(due, days)


def share_done_on_time(
    lines: Iterable[tuple[Quarter, str, datetime.date | None]],
    today: datetime.date,
    *,
    quarter: Quarter | None = None,
    days: int = DEFAULT_DEADLINE_DAYS,
) -> float | None:
    """Of a teacher's lines whose form deadline has passed (those due up to ``quarter`` inclusive when given), the
    share done in time (``done_on_time``), %; None when none is due yet. Cancelled lines do not count."""
    due = [
        (q, s, d)
        for q, s, d in lines
        if deadline(q, days) < today and s != CANCELLED and (quarter is None or q <= quarter)
    ]
    if not due:
        return None
    on_time = sum(done_on_time(due=q, status=s, done_on=d, days=days) for q, s, d in due)
    return round(100 * on_time / len(due), 1)


# --- progress forms -------------------------------------------------------------------------------------

DRAFT, SUBMITTED, RETURNED, ACCEPTED = "draft", "submitted", "returned", "accepted"
FORM_MOVES: dict[str, frozenset[str]] = {
    DRAFT: frozenset({SUBMITTED}),
    SUBMITTED: frozenset({RETURNED, ACCEPTED}),
    RETURNED: frozenset({SUBMITTED}),
    ACCEPTED: frozenset(),
}
SCHOOL_EDITABLE = frozenset({DRAFT, RETURNED})  # the school fills the form only in these states


def form_move_allowed(current: str, new: str) -> bool:
    return new in FORM_MOVES.get(current, frozenset())


def form_overdue(
    *, status: str, quarter: Quarter, today: datetime.date, days: int = DEFAULT_DEADLINE_DAYS
) -> bool:
    """Computed, not stored: not yet submitted (or returned and not resubmitted) after the deadline."""
    return status in SCHOOL_EDITABLE and today > deadline(quarter, days)
