from celery import shared_task

from .services import notification_digests_send, notification_email_send, notification_emails_resend


@shared_task(name="notifications.tasks.notification_email_task")
def notification_email_task(notification_id: int) -> bool:
    """One notification's e-mail, sent after the event's transaction committed. Safe to run twice."""
    return notification_email_send(notification_id)


@shared_task(name="notifications.tasks.notification_digest_task")
def notification_digest_task() -> int:
    """Daily (beat): the digest of the day to everyone who chose it. Safe to run twice."""
    return notification_digests_send()


@shared_task(name="notifications.tasks.notification_resend_task")
def notification_resend_task() -> int:
    """Every few minutes (beat): the immediate e-mails whose task never reached the queue. Safe to run twice."""
    return notification_emails_resend()
