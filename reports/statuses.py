"""Report statuses and who may move them. Pure: no ORM.

A report is a job first (queued → building → ready, or failed and retried), then a document under review
(ready → signed, or returned to the methodologist and rebuilt). A signed report never changes again: a
correction is a new version.
"""

QUEUED, BUILDING, READY, FAILED, RETURNED, SIGNED = (
    "queued",
    "building",
    "ready",
    "failed",
    "returned",
    "signed",
)

ALLOWED: dict[str, frozenset[str]] = {
    QUEUED: frozenset({BUILDING, FAILED}),
    # BUILDING → BUILDING: a worker died mid-build and the redelivered task starts over.
    BUILDING: frozenset({BUILDING, READY, FAILED}),
    FAILED: frozenset({QUEUED}),  # «Повторить»
    READY: frozenset({SIGNED, RETURNED, QUEUED}),  # approved and signed; returned; rebuilt with fresh data
    RETURNED: frozenset({QUEUED}),  # rebuilt after the methodologist's corrections
    SIGNED: frozenset(),  # immutable
}
IN_PROGRESS = frozenset({QUEUED, BUILDING})
EDITABLE = frozenset({QUEUED, READY, FAILED, RETURNED})  # recommendations may still change
NEEDS_COMMENT = frozenset({RETURNED})


def move_problem(current: str, new: str, comment: str = "") -> str | None:
    """Why a report cannot move from ``current`` to ``new``, in Russian; None when it can."""
    if current == SIGNED:
        return "Отчёт подписан и не изменяется. Для исправления создайте новую версию."
    if new not in ALLOWED.get(current, frozenset()):
        return "Такой переход статуса отчёта не предусмотрен."
    if new in NEEDS_COMMENT and not comment.strip():
        return "Укажите, что нужно исправить."
    return None


def progress_percent(done: int, total: int) -> int:
    """Whole percent of ``done`` sections out of ``total``, never 100 before the files are stored."""
    if total <= 0:
        return 0
    return min(99, (100 * done) // total)
