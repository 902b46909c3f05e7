"""Writes of diagnostics, routes and progress forms. Every service checks the gate and refuses in Russian."""

import datetime
from collections.abc import Collection, Iterable, Mapping
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from core.evidence import check_evidence, evidence_name
from core.models import User
from core.people import tutor_of
from core.plural import count_noun
from core.policies import policy_for
from core.roles import Role
from notifications import catalogue as events
from notifications.services import notify, people_who_may
from schools.models import Municipality, School, Teacher

from . import deficits as deficit_rules
from . import progress, routes
from .models import (
    DEFAULT_BLOCKS,
    ActivityKind,
    Campaign,
    CompetenceBlock,
    DiagnosticResult,
    FormEvent,
    FormStatus,
    LineStatus,
    ProgressEntry,
    ProgressForm,
    Route,
    RouteLine,
    RouteStatus,
    SpecificDeficit,
)
from .policies import APPROVE, DRAFT, ENTER_RESULTS, FILL, REVIEW, WRITE


def deadline_days() -> int:
    return getattr(settings, "PROGRESS_DEADLINE_DAYS", progress.DEFAULT_DEADLINE_DAYS)


# --- campaigns and results ------------------------------------------------------------------------------


@transaction.atomic
def campaign_create(
    *,
    municipality: Municipality,
    name: str,
    instrument: str,
    start_date: datetime.date,
    end_date: datetime.date,
    schools: Iterable[School],
    user,
    threshold_percent: int = deficit_rules.DEFAULT_THRESHOLD_PERCENT,
    blocks: list[tuple[str, str, Decimal]] | None = None,
) -> Campaign:
    """A campaign with its competence blocks (the six defaults unless given) and participating schools."""
    policy_for(Campaign).require_create_in(user, municipality)
    schools = list(schools)
    outside = [s for s in schools if s.municipality_id != municipality.pk]
    if outside:
        raise ValidationError(f"Школа «{outside[0]}» не относится к муниципалитету «{municipality}».")
    campaign = Campaign(
        municipality=municipality,
        name=name.strip(),
        instrument=instrument.strip(),
        start_date=start_date,
        end_date=end_date,
        threshold_percent=threshold_percent,
        created_by=user if getattr(user, "pk", None) else None,
    )
    campaign.full_clean()
    campaign.save()
    campaign.schools.set(schools)
    for position, (code, block_name, max_score) in enumerate(
        blocks or [(code, block_name, Decimal(100)) for code, block_name in DEFAULT_BLOCKS], start=1
    ):
        block = CompetenceBlock(
            campaign=campaign, code=code, name=block_name, max_score=max_score, position=position
        )
        block.full_clean()
        block.save()
    return campaign


def _require_participant(campaign: Campaign, teacher: Teacher) -> None:
    if not campaign.schools.filter(pk=teacher.school_id).exists():
        raise ValidationError("Школа педагога не участвует в этой диагностике.")


@transaction.atomic
def results_set(*, campaign: Campaign, teacher: Teacher, scores: Mapping[int, Decimal | None], user) -> int:
    """Store a teacher's scores by block id (None clears a block). Returns how many values changed."""
    policy_for(Campaign).require(user, ENTER_RESULTS, campaign)
    _require_participant(campaign, teacher)
    blocks = {b.pk: b for b in campaign.blocks.all()}
    unknown = set(scores) - set(blocks)
    if unknown:
        raise ValidationError("Указан блок другой диагностики.")
    errors = {}
    for block_id, score in scores.items():
        if score is None:
            continue
        problem = deficit_rules.score_problem(score, blocks[block_id].max_score)
        if problem:
            errors[f"block_{block_id}"] = problem
    if errors:
        raise ValidationError(errors)
    existing = {
        r.block_id: r for r in DiagnosticResult.objects.filter(teacher=teacher, block__in=blocks.values())
    }
    changed = 0
    for block_id, score in scores.items():
        current = existing.get(block_id)
        if score is None:
            if current is not None:
                current.delete()
                changed += 1
        elif current is None:
            DiagnosticResult.objects.create(
                campaign=campaign, teacher=teacher, block=blocks[block_id], score=score
            )
            changed += 1
        elif current.score != score:
            current.score = score
            current.save(update_fields=["score", "updated_at"])
            changed += 1
    return changed


@transaction.atomic
def specific_deficit_add(*, campaign: Campaign, teacher: Teacher, text: str, user) -> SpecificDeficit:
    policy_for(Campaign).require(user, ENTER_RESULTS, campaign)
    _require_participant(campaign, teacher)
    deficit = SpecificDeficit(campaign=campaign, teacher=teacher, text=text.strip(), added_by=user)
    deficit.full_clean()
    deficit.save()
    return deficit


@transaction.atomic
def specific_deficit_delete(*, deficit: SpecificDeficit, user) -> None:
    policy_for(Campaign).require(user, ENTER_RESULTS, deficit.campaign)
    deficit.delete()


def teacher_block_scores(campaign: Campaign, teacher: Teacher) -> list[deficit_rules.BlockScore]:
    results = {
        r.block_id: r.score for r in DiagnosticResult.objects.filter(campaign=campaign, teacher=teacher)
    }
    return [
        deficit_rules.BlockScore(b.code, b.name, results[b.pk], b.max_score)
        for b in campaign.blocks.all()
        if b.pk in results
    ]


def teacher_deficits(campaign: Campaign, teacher: Teacher) -> list[deficit_rules.Deficit]:
    return deficit_rules.deficits(teacher_block_scores(campaign, teacher), campaign.threshold_percent)


# --- routes ---------------------------------------------------------------------------------------------


@transaction.atomic
def route_draft(
    *, teacher: Teacher, campaign: Campaign, school_year: int, user, today: datetime.date | None = None
):
    """A draft ИОМ with one line per deficit of ``campaign``; the teacher's tutor is the responsible person."""

    policy_for(Route).require_for_teacher(user, DRAFT, teacher)
    if Route.objects.filter(teacher=teacher, school_year=school_year).exists():
        raise ValidationError("У педагога уже есть ИОМ на этот учебный год: откройте и измените его.")
    found = teacher_deficits(campaign, teacher)
    specific = list(campaign.specific_deficits.filter(teacher=teacher).values_list("text", flat=True))
    if not found and not specific:
        raise ValidationError(
            "По этой диагностике у педагога дефицитов не выявлено: составлять ИОМ не из чего."
        )
    today = today or timezone.localdate()
    plans = routes.draft_lines(
        block_deficits=[(d.code, d.name) for d in found],
        specific=specific,
        school_year=school_year,
        from_quarter=progress.quarter_of(today),
    )
    tutor = tutor_of(teacher.pk, today)  # mentoring's assignments, through core.people's registry
    activities = {a.name: a for a in ActivityKind.objects.all()}
    fallback = ActivityKind.objects.filter(is_active=True).first()
    route = Route(teacher=teacher, school_year=school_year, campaign=campaign)
    route.full_clean()
    route.save()
    for position, plan in enumerate(plans, start=1):
        # activity may be None only with no active kind (they are seeded, migration 0002): the NOT NULL refuses it.
        RouteLine.objects.create(  # type: ignore[misc]
            route=route,
            position=position,
            deficit=plan.deficit,
            task=plan.task,
            activity=activities.get(plan.activity) or fallback,
            due_year=plan.due.year,
            due_quarter=plan.due.number,
            responsible=tutor,
            expected_result=plan.expected_result,
            reporting_form=plan.reporting_form,
        )
    return route


LINE_FIELDS = (
    "deficit",
    "task",
    "activity",
    "form",
    "due_year",
    "due_quarter",
    "responsible",
    "expected_result",
    "reporting_form",
)


@transaction.atomic
def route_line_save(*, route: Route, user, line: RouteLine | None = None, **fields) -> RouteLine:
    """Add a line or change one of a route (any time: plans change; statuses move on the quarterly form)."""
    policy_for(Route).require_for_teacher(user, WRITE, route.teacher)
    unknown = set(fields) - set(LINE_FIELDS)
    if unknown:
        raise TypeError(f"unknown line fields: {sorted(unknown)}")
    if line is None:
        position = (route.lines.order_by("-position").values_list("position", flat=True).first() or 0) + 1
        line = RouteLine(route=route, position=position)
    elif line.route_id != route.pk:
        raise PermissionDenied("Строка относится к другому ИОМ.")
    for name, value in fields.items():
        setattr(line, name, value)
    line.full_clean()
    line.save()
    return line


@transaction.atomic
def route_line_delete(*, line: RouteLine, user) -> None:
    policy_for(Route).require_for_teacher(user, WRITE, line.route.teacher)
    if line.route.status == RouteStatus.APPROVED and line.progress.exists():
        raise ValidationError("По строке уже отчитывались в квартальной форме: отмените её, а не удаляйте.")
    line.delete()


@transaction.atomic
def route_approve(*, route: Route, user) -> Route:
    policy_for(Route).require_for_teacher(user, APPROVE, route.teacher)
    if not route.lines.exists():
        raise ValidationError("В ИОМ нет ни одной строки.")
    route.status = RouteStatus.APPROVED
    route.approved_by = user
    route.approved_at = timezone.now()
    route.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
    return route


# --- progress forms -------------------------------------------------------------------------------------


def _lines_for(school: School, quarter: progress.Quarter):
    lines = RouteLine.objects.filter(
        route__teacher__school=school, route__status=RouteStatus.APPROVED, route__teacher__is_active=True
    ).select_related("route__teacher", "activity")
    return [
        line for line in lines if progress.line_in_quarter(due=line.due, status=line.status, quarter=quarter)
    ]


@transaction.atomic
def progress_form_open(*, school: School, quarter: progress.Quarter) -> ProgressForm:
    """The school's form for the quarter, created on first use; while the school may edit it, lines that have
    become due since are added (lines already reported stay)."""
    form, _created = ProgressForm.objects.get_or_create(
        school=school,
        year=quarter.year,
        quarter=quarter.number,
        defaults={"deadline": progress.deadline(quarter, deadline_days())},
    )
    progress_form_add_due_entries(form=form)
    return form


def progress_form_due_entries(*, form: ProgressForm) -> list[ProgressEntry]:
    """Unsaved entries for the lines due on the form that it does not hold yet (lines that have become due since
    it was opened); none once the school may no longer edit it. Reads only: the form's page shows them on GET."""
    if not form.school_may_edit:
        return []
    present = set(form.entries.values_list("line_id", flat=True))
    return [
        ProgressEntry(form=form, line=line, status=line.status)
        for line in _lines_for(form.school, form.period)
        if line.pk not in present
    ]


@transaction.atomic
def progress_form_add_due_entries(*, form: ProgressForm) -> list[ProgressEntry]:
    """Create the entries of ``progress_form_due_entries`` (lines already reported stay); returns them."""
    entries = progress_form_due_entries(form=form)
    # With their history: the audit then shows the school's later answers as changes from these.
    bulk_create_with_history(entries, ProgressEntry)
    return entries


def _delete_after_commit(field_file) -> None:
    """A stored file is deleted only once the row that stopped naming it is committed."""
    storage, name = field_file.storage, field_file.name
    transaction.on_commit(lambda: storage.delete(name))


class StaleForm(Exception):
    """Somebody saved the form after it was opened: the caller shows the message and keeps the input."""

    def __init__(self, form: ProgressForm):
        who = form.updated_by.full_name if form.updated_by else "другой пользователь"
        when = timezone.localtime(form.updated_at)
        super().__init__(
            f"Форму уже изменил(а) {who} в {when:%H:%M} {when:%d.%m.%Y}. Ваши данные не сохранены и остались на "
            "странице: откройте форму заново в новой вкладке, сверьте и внесите их ещё раз."
        )


def entry_error_key(entry_id: int, field: str = NON_FIELD_ERRORS) -> str:
    """The key of a refusal about one entry of a form: ``entry_<id>:<field>``, so the page shows it beside that
    field (a wrong file beside the file, not under the status); ``entry_<id>`` for the entry as a whole."""
    return f"entry_{entry_id}" if field == NON_FIELD_ERRORS else f"entry_{entry_id}:{field}"


def parse_entry_error_key(key: str) -> tuple[int | None, str | None]:
    """``entry_12:evidence`` → (12, "evidence"); ``entry_12`` → (12, None); any other key → (None, None)."""
    head, _sep, field = key.partition(":")
    if not head.startswith("entry_") or not head.removeprefix("entry_").isdigit():
        return None, None
    return int(head.removeprefix("entry_")), field or None


class UnconfirmedDone(ValidationError):
    """Lines reported «выполнено» with neither a document nor a link, not confirmed by the sender."""

    def __init__(self, entry_ids: list[int]):
        self.entry_ids = entry_ids
        super().__init__(
            {
                entry_error_key(entry_id): [
                    "Статус «выполнено», но нет ни документа, ни ссылки: приложите подтверждение или отправьте "
                    "форму без него — методист увидит строку отмеченной."
                ]
                for entry_id in entry_ids
            }
        )


class UnconfirmedWithoutReason(ValidationError):
    """Lines «выполнено» with neither a document nor a link, sent knowingly but with no reason in the comment."""

    def __init__(self, entry_ids: list[int]):
        self.entry_ids = entry_ids
        super().__init__(
            {
                entry_error_key(entry_id, "comment"): [progress.UNCONFIRMED_NEEDS_REASON]
                for entry_id in entry_ids
            }
        )


def unconfirmed_entries(form: ProgressForm) -> list[ProgressEntry]:
    """The form's entries reported «выполнено» without a document or a link (ProgressEntryQuerySet.unconfirmed)."""
    return list(form.entries.unconfirmed().order_by("pk"))


def _require_school_editor(user, form: ProgressForm) -> None:
    policy_for(ProgressForm).require(user, FILL, form)
    if not form.school_may_edit:
        raise ValidationError(
            f"Форма в состоянии «{form.get_status_display()}»: изменить её можно, только если методист вернёт её "
            "на доработку."
        )


@transaction.atomic
def progress_form_save(
    *,
    form: ProgressForm,
    user,
    version: int,
    entries: Mapping[int, Mapping],
    submit: bool = False,
    unconfirmed_ok: Collection[int] = (),
):
    """Save the school's answers (entry id → status, comment, evidence, evidence_link, remove_evidence);
    ``submit`` sends the form to the methodologist (``progress_form_submit``, with ``unconfirmed_ok``).
    Refuses a stale ``version`` (another save came first)."""
    form = ProgressForm.objects.select_for_update(of=("self",)).select_related("updated_by").get(pk=form.pk)
    _require_school_editor(user, form)
    if form.version != version:
        raise StaleForm(form)
    stored = {e.pk: e for e in form.entries.select_related("line")}
    errors: dict[str, list[str]] = {}
    detected: dict[int, str] = {}  # the extension of each new file's content, read once
    for entry_id, values in entries.items():
        entry = stored.get(entry_id)
        if entry is None:
            raise PermissionDenied("Строка относится к другой форме.")
        status = values.get("status", entry.status)
        problem = progress.line_move_problem(entry.line.status, status, values.get("comment", entry.comment))
        if problem and status != entry.status:
            # A move the table allows fails only for want of a reason, which is written in the comment.
            allowed = status in progress.LINE_MOVES.get(entry.line.status, frozenset())
            errors.setdefault(entry_error_key(entry_id, "comment" if allowed else "status"), []).append(
                problem
            )
        upload = values.get("evidence")
        if upload:
            try:
                detected[entry_id] = check_evidence(upload)
            except ValidationError as error:
                errors.setdefault(entry_error_key(entry_id, "evidence"), []).extend(error.messages)
    # Every entry is checked with its new values before any file is touched: a refusal leaves the stored
    # files and rows as they were.
    previous = {entry_id: stored[entry_id].status for entry_id in entries}
    for entry_id, values in entries.items():
        entry = stored[entry_id]
        entry.status = values.get("status", entry.status)
        entry.comment = (values.get("comment", entry.comment) or "").strip()
        entry.evidence_link = values.get("evidence_link", entry.evidence_link) or ""
        try:
            entry.full_clean(exclude=["evidence", "form", "line"])
        except ValidationError as error:
            for field, field_messages in error.message_dict.items():
                errors.setdefault(entry_error_key(entry_id, field), []).extend(field_messages)
    if errors:
        raise ValidationError(errors)
    today = timezone.localdate()
    for entry_id, values in entries.items():
        entry = stored[entry_id]
        previous_status = previous[entry_id]
        if values.get("remove_evidence") and entry.evidence:
            _delete_after_commit(entry.evidence)
            entry.evidence = None
            entry.evidence_name = ""
        if values.get("evidence"):
            if entry.evidence:
                _delete_after_commit(entry.evidence)  # replaced: the old file goes once the new row is saved
            entry.evidence_name = evidence_name(values["evidence"], detected[entry_id])
            entry.evidence.save(entry.evidence_name, values["evidence"], save=False)
        entry.save()
        line = entry.line
        # Only a status changed on this form moves the line: an entry left as it was must not undo a move the
        # line got on another form (an overdue line is on the forms of several quarters).
        if entry.status != previous_status and line.status != entry.status:
            line.status = entry.status
            line.status_reason = (
                entry.comment if entry.status in progress.NEEDS_REASON else line.status_reason
            )
            line.done_on = today if entry.status == LineStatus.DONE else None
            line.save(update_fields=["status", "status_reason", "done_on", "updated_at"])
    # update(), so no history row for the form itself: only its version moves; what the school changed is in
    # the entries' and lines' history above, with the user, and the save is a FormEvent.
    ProgressForm.objects.filter(pk=form.pk).update(
        version=F("version") + 1, updated_by=user, updated_at=timezone.now()
    )
    FormEvent.objects.create(form=form, action=FormEvent.Action.SAVED, user=user)
    form.refresh_from_db()
    if submit:
        form = progress_form_submit(form=form, user=user, unconfirmed_ok=unconfirmed_ok)
    return form


@transaction.atomic
def progress_form_submit(*, form: ProgressForm, user, unconfirmed_ok: Collection[int] = ()) -> ProgressForm:
    """Send the form to the methodologist: from its quarter's last month on (``progress.submit_problem``).

    Lines «выполнено» with neither a document nor a link are refused (``UnconfirmedDone``) unless the sender
    confirms each of them in ``unconfirmed_ok`` (entry ids): the school is told before it sends, and the
    methodologist sees those lines marked «без подтверждения» and the count in the form's history. Each of them needs
    a reason in its comment (``progress.unconfirmed_reason_problem``; ``UnconfirmedWithoutReason`` otherwise).
    """
    form = ProgressForm.objects.select_for_update().get(pk=form.pk)
    _require_school_editor(user, form)
    if not progress.form_move_allowed(form.status, FormStatus.SUBMITTED):
        raise ValidationError("Эту форму нельзя отправить.")
    now = timezone.now()
    problem = progress.submit_problem(form.period, timezone.localdate(now))
    if problem:
        raise ValidationError(problem)
    unconfirmed_rows = unconfirmed_entries(form)
    unconfirmed = [entry.pk for entry in unconfirmed_rows]
    if set(unconfirmed) - set(unconfirmed_ok):
        raise UnconfirmedDone(unconfirmed)
    without_reason = [
        entry.pk
        for entry in unconfirmed_rows
        if progress.unconfirmed_reason_problem(
            status=entry.status, has_evidence=False, has_link=False, comment=entry.comment
        )
    ]
    if without_reason:
        raise UnconfirmedWithoutReason(without_reason)
    form.status = FormStatus.SUBMITTED
    form.submitted_at = now
    form.submitted_by = user
    form.late = progress.is_late(form.period, timezone.localdate(now), deadline_days())
    form.version += 1
    form.save(update_fields=["status", "submitted_at", "submitted_by", "late", "version", "updated_at"])
    notes = ["после срока"] if form.late else []
    if unconfirmed:
        notes.append(
            f"{count_noun(len(unconfirmed), 'строка', 'строки', 'строк')} «выполнено» без документа и ссылки"
        )
    FormEvent.objects.create(
        form=form, action=FormEvent.Action.SUBMITTED, user=user, comment="; ".join(notes)
    )
    return form


@transaction.atomic
def progress_form_review(*, form: ProgressForm, user, accept: bool, comment: str = "") -> ProgressForm:
    """The methodologist accepts a submitted form, or returns it with a comment for the school to correct."""
    form = ProgressForm.objects.select_for_update().get(pk=form.pk)
    policy_for(ProgressForm).require(user, REVIEW, form)
    target = FormStatus.ACCEPTED if accept else FormStatus.RETURNED
    if not progress.form_move_allowed(form.status, target):
        raise ValidationError(
            f"Форма в состоянии «{form.get_status_display()}»: рассмотреть её сейчас нельзя."
        )
    if not accept and not comment.strip():
        raise ValidationError("Напишите, что нужно исправить: без замечаний форму не вернуть.")
    form.status = target
    form.reviewed_at = timezone.now()
    form.reviewed_by = user
    form.review_comment = comment.strip()
    form.version += 1
    form.save(
        update_fields=["status", "reviewed_at", "reviewed_by", "review_comment", "version", "updated_at"]
    )
    event = FormEvent.objects.create(
        form=form,
        action=FormEvent.Action.ACCEPTED if accept else FormEvent.Action.RETURNED,
        user=user,
        comment=comment.strip(),
    )
    notify(
        event=events.FORM_ACCEPTED if accept else events.FORM_RETURNED,
        recipients=_form_admins(form),
        key=f"form-event:{event.pk}",
        context={"school": form.school, "period": form.period.label, "comment": form.review_comment},
        url=reverse("diagnostics:form_detail", kwargs={"pk": form.pk}),
        subject_obj=form,
    )
    return form


def _form_admins(form: ProgressForm) -> list[User]:
    """Whom a form's news concerns: the admins of its school, as the form's policy lets them fill it in."""
    return people_who_may(form, FILL, roles=[Role.SCHOOL_ADMIN], school=form.school_id)


def forms_to_remind(today: datetime.date):
    """(form, kind) pairs that get a reminder today: not submitted, 5 days before or the day after the deadline.

    A school that never opened its form is the one most in need of a reminder: for the quarters whose
    reminder day is today, the forms of every school with route lines to report on are opened first.
    """
    days = deadline_days()
    current = progress.quarter_of(today)
    due_today = [
        q
        for q in (current.previous().previous(), current.previous(), current)
        if progress.reminder_kind(q, today, days)
    ]
    for quarter in due_today:
        schools = School.objects.filter(
            teachers__routes__status=RouteStatus.APPROVED, teachers__is_active=True
        ).distinct()
        for school in schools:
            if _lines_for(school, quarter):
                progress_form_open(school=school, quarter=quarter)
    result = []
    candidates = ProgressForm.objects.filter(status__in=progress.SCHOOL_EDITABLE).select_related("school")
    for form in candidates if due_today else []:
        kind = progress.reminder_kind(form.period, today, days)
        if kind:
            result.append((form, kind))
    return result


def progress_reminders_send(*, today: datetime.date | None = None) -> int:
    """Remind the school admins of every form due for a reminder today, once per form and kind, through the
    notifications (the bell, and the e-mail each admin chose); the number of forms whose reminder went to
    someone's e-mail."""
    from django.db import IntegrityError

    today = today or timezone.localdate()
    sent = 0
    for form, kind in forms_to_remind(today):
        try:
            with transaction.atomic():
                FormEvent.objects.create(form=form, action=FormEvent.Action.REMINDED, comment=kind)
        except IntegrityError:
            continue  # this reminder went out already
        made = notify(
            event=events.FORM_REMINDER,
            recipients=_form_admins(form),
            key=f"form-reminder:{form.pk}:{kind}",
            context={
                "school": form.school,
                "period": form.period.label,
                "due": form.deadline.strftime("%d.%m.%Y"),
                "when": "через 5 дней" if kind == "before" else "вчера",
            },
            url=reverse("diagnostics:form_detail", kwargs={"pk": form.pk}),
            subject_obj=form,
        )
        if any(notification.channel != events.NONE for notification in made):
            sent += 1
    return sent
