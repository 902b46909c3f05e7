"""Writes of notifications: ``notify`` (every app's services call it when an event happens), the e-mails (one
at once, or the day's digest), «прочитано» and each person's e-mail choices.

``notify`` stores one notification per recipient in the caller's transaction and sends the immediate e-mails by
Celery after it commits (``transaction.on_commit``). Idempotent twice over: a notification is unique per
recipient and event key, so an event whose service runs again makes none; and an e-mail is sent under the
notification's row lock and marked sent in the same transaction, so a task delivered twice sends one letter.
"""

import logging
from collections.abc import Iterable, Mapping
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from core.models import ImportBatch, User
from core.plural import count_noun
from core.policies import CHANGE, VIEW, policy_for
from core.tasks import enqueue

from . import catalogue
from .models import EmailPreference, Notification

logger = logging.getLogger(__name__)

# An immediate e-mail whose task never reached the queue (the broker was down) is sent by the daily sweep once
# it is this old, so a late task and the sweep do not race for a fresh one.
STALE_IMMEDIATE = timedelta(minutes=30)


def _people(recipients: Iterable) -> list[User]:
    """Active people among ``recipients``, each once, in the order given (principals without an account and
    None are left out)."""
    seen: set[int] = set()
    people = []
    for person in recipients:
        if person is None or getattr(person, "pk", None) is None or not person.is_active or person.pk in seen:
            continue
        seen.add(person.pk)
        people.append(person)
    return people


def notify(
    *,
    event: str,
    recipients: Iterable,
    key: str,
    context: Mapping[str, object] | None = None,
    url: str = "",
    subject_obj=None,
) -> list[Notification]:
    """Tell ``recipients`` about an event: a notification each in the portal, and an e-mail as each chose.

    ``key`` names the event (``form-event:17``): the same key never reaches the same person twice. ``context``
    fills the catalogue's subject and the e-mail template (``subject_obj`` is in it as ``obj``). Returns the
    notifications made now (none for those told before)."""
    kind = catalogue.event(event)
    context = {**(context or {}), "obj": subject_obj, "url": url, "portal_url": settings.PORTAL_BASE_URL}
    people = _people(recipients)
    if not people:
        return []
    subject = kind.render_subject(context)[:500]
    body = render_to_string(kind.text_template, context).strip()
    chosen = dict(
        EmailPreference.objects.filter(user__in=people, event=event).values_list("user_id", "channel")
    )
    made = []
    for person in people:
        channel = catalogue.channel_for(event, chosen.get(person.pk))
        if channel != catalogue.NONE and not person.email:
            channel = catalogue.NONE  # nowhere to send: the bell only
        try:
            with transaction.atomic():
                made.append(
                    Notification.objects.create(
                        recipient=person,
                        event=event,
                        key=key[:200],
                        subject=subject,
                        body=body,
                        url=url,
                        channel=channel,
                    )
                )
        except IntegrityError:
            continue  # told before
    immediate = [n.pk for n in made if n.channel == catalogue.IMMEDIATE]
    if immediate:
        transaction.on_commit(lambda: _send_immediate(immediate))
    return made


def _send_immediate(ids: list[int]) -> None:
    from .tasks import notification_email_task

    for pk in ids:
        enqueue(
            notification_email_task, pk
        )  # broker down: the daily sweep sends it (notification_digests_send)


def _letter(notification: Notification) -> str:
    link = f"\n\nОткрыть на портале: {settings.PORTAL_BASE_URL}{notification.url}" if notification.url else ""
    return (
        f"Здравствуйте!\n\n{notification.body}{link}\n\n"
        "Настроить, какие уведомления приходят на почту: "
        f"{settings.PORTAL_BASE_URL}/notifications/settings/\n"
    )


def notification_email_send(notification_id: int) -> bool:
    """Send one notification's e-mail unless it went out already; True if sent now (safe to run twice)."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update()
            .select_related("recipient")
            .filter(pk=notification_id, channel=catalogue.IMMEDIATE, emailed_at__isnull=True)
            .first()
        )
        if notification is None or not notification.recipient.email:
            return False
        send_mail(
            subject=notification.subject,
            message=_letter(notification),
            from_email=None,
            recipient_list=[notification.recipient.email],
        )
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at", "updated_at"])
    return True


def notification_emails_resend() -> int:
    """Send the immediate e-mails left unsent (their task never reached the queue: the broker was down) once they
    are ``STALE_IMMEDIATE`` old; the number sent. Run by beat every few minutes, like the other sweeps."""
    stale = Notification.objects.filter(
        channel=catalogue.IMMEDIATE,
        emailed_at__isnull=True,
        created_at__lt=timezone.now() - STALE_IMMEDIATE,
    ).values_list("pk", flat=True)
    return sum(notification_email_send(pk) for pk in list(stale))


def _digest_of(notifications: list[Notification]) -> str:
    many = count_noun(len(notifications), "уведомление", "уведомления", "уведомлений")
    lines = [f"Здравствуйте!\n\nЗа день на портале ШНОР для вас {many}:\n"]
    for number, notification in enumerate(notifications, start=1):
        link = f"\n   {settings.PORTAL_BASE_URL}{notification.url}" if notification.url else ""
        lines.append(f"{number}. {notification.subject}{link}")
    lines.append(
        "\nВсе уведомления — на портале, раздел «Уведомления». Настроить почту: "
        f"{settings.PORTAL_BASE_URL}/notifications/settings/\n"
    )
    return "\n".join(lines)


def notification_digests_send() -> int:
    """The daily digest: one letter per person with everything chosen «раз в день» not yet mailed; the number of
    letters. Each person's notifications are locked, mailed and marked in one transaction (safe to run twice).
    Immediate e-mails left unsent go out first (``notification_emails_resend``)."""
    notification_emails_resend()
    waiting = (
        Notification.objects.filter(channel=catalogue.DIGEST, emailed_at__isnull=True)
        .exclude(recipient__email="")
        .order_by()
        .values_list("recipient_id", flat=True)
        .distinct()
    )
    sent = 0
    for user_id in list(waiting):
        with transaction.atomic():
            due = list(
                Notification.objects.select_for_update()
                .filter(recipient_id=user_id, channel=catalogue.DIGEST, emailed_at__isnull=True)
                .order_by("created_at", "pk")
            )
            if not due:
                continue
            user = User.objects.get(pk=user_id)
            send_mail(
                subject=f"Портал ШНОР: {count_noun(len(due), 'уведомление', 'уведомления', 'уведомлений')} за день",
                message=_digest_of(due),
                from_email=None,
                recipient_list=[user.email],
            )
            Notification.objects.filter(pk__in=[n.pk for n in due]).update(
                emailed_at=timezone.now(), updated_at=timezone.now()
            )
            sent += 1
    return sent


# --- «прочитано» and the person's choices -------------------------------------------------------------------


def notification_mark_read(*, user, notification: Notification) -> Notification:
    policy_for(Notification).require(user, CHANGE, notification)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at", "updated_at"])
    return notification


def notifications_mark_all_read(*, user) -> int:
    """Mark every unread notification of ``user`` read; how many were."""
    now = timezone.now()
    return Notification.objects.editable_by(user).unread().update(read_at=now, updated_at=now)


@transaction.atomic
def email_preferences_save(*, user, channels: Mapping[str, str]) -> None:
    """Store ``user``'s e-mail channel per event; the catalogue's default needs no row."""
    for event, channel in channels.items():
        if event not in catalogue.EVENTS or channel not in catalogue.CHANNELS:
            raise ValueError(f"{event!r}: {channel!r}")
        if channel == catalogue.EVENTS[event].channel:
            EmailPreference.objects.filter(user=user, event=event).delete()
        else:
            EmailPreference.objects.update_or_create(user=user, event=event, defaults={"channel": channel})


def email_preferences(user) -> dict[str, str]:
    """``user``'s channel of every event (the default where there is no choice)."""
    chosen = dict(EmailPreference.objects.filter(user=user).values_list("event", "channel"))
    return {code: catalogue.channel_for(code, chosen.get(code)) for code in catalogue.EVENTS}


# --- who an event concerns: role holders whom the object's policy lets do the action --------------------------


def people_who_may(obj, action: str, *, roles: Iterable[str], **where) -> list[User]:
    """Active people holding one of ``roles`` (``where``: role-assignment lookups, ``school=…``) whom the policy
    of ``obj`` lets do ``action`` with it — the concerned, decided by the existing policies, no new rule."""
    return [
        person
        for person, _rows in people_who_reach(
            type(obj)._default_manager.filter(pk=obj.pk), action, roles=roles, **where
        )
    ]


def people_who_reach(
    queryset, action: str, *, roles: Iterable[str], field: str = "pk", **where
) -> list[tuple[User, list]]:
    """Active people holding one of ``roles`` (``where`` as above) whom the policy of the queryset's model lets
    do ``action`` with some of its rows, each with ``field`` of those rows (distinct, ascending)."""
    candidates = (
        User.objects.filter(
            is_active=True,
            role_assignments__role__in=list(roles),
            **{f"role_assignments__{name}": value for name, value in where.items()},
        )
        .distinct()
        .order_by("pk")
    )
    policy = policy_for(queryset.model)
    reached = []
    for person in candidates:
        ids = sorted(set(policy.instances(person, action, queryset).values_list(field, flat=True)))
        if ids:
            reached.append((person, ids))
    return reached


# --- core's imports (core is below this app: core.imports calls this through its listener registry) ---------


def import_outcome_notify(batch: ImportBatch) -> None:
    """An import applied or failed: its uploader is told (if the import's policy still lets them read it)."""
    statuses: dict[str, str] = {
        ImportBatch.Status.APPLIED: catalogue.IMPORT_FINISHED,
        ImportBatch.Status.FAILED: catalogue.IMPORT_FAILED,
    }
    event = statuses.get(batch.status)
    uploader = batch.uploaded_by
    if event is None or uploader is None or not policy_for(ImportBatch).can(uploader, VIEW, batch):
        return
    from django.urls import reverse

    notify(
        event=event,
        recipients=[uploader],
        key=f"import:{batch.pk}:{batch.status}",
        context={"file": batch.original_name, "kind": batch.get_kind_display(), "batch": batch},
        url=reverse("imports:detail", kwargs={"pk": batch.pk}),
        subject_obj=batch,
    )
