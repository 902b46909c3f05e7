"""Notifications: one row per event and recipient (the bell, the list, the e-mail), and each person's e-mail choice
per kind of event."""

from django.conf import settings
from django.db import models

from core.models import BaseModel
from core.policies import PolicyQuerySet

from . import catalogue

EVENT_CHOICES = [(kind.code, kind.title) for kind in catalogue.EVENTS.values()]
CHANNEL_CHOICES = list(catalogue.CHANNELS.items())


class NotificationQuerySet(PolicyQuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(BaseModel):
    """What happened that concerns one person. ``key`` names the event: the same event never reaches the same
    person twice, however many times its service or task runs (unique recipient × key)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name="получатель",
    )
    event = models.CharField("событие", max_length=32, choices=EVENT_CHOICES)
    key = models.CharField("ключ события", max_length=200)
    subject = models.CharField("тема", max_length=500)
    body = models.TextField("текст")
    url = models.CharField("ссылка", max_length=500, blank=True)
    # Fixed when the notification is made, from the recipient's choice then: a later change does not resend.
    channel = models.CharField("по почте", max_length=16, choices=CHANNEL_CHOICES)
    read_at = models.DateTimeField("прочитано", null=True, blank=True)
    emailed_at = models.DateTimeField("отправлено письмом", null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = "уведомление"
        verbose_name_plural = "уведомления"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="notification_once_per_recipient_key"),
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            models.Index(fields=["channel", "emailed_at"], name="notification_mail_due"),
        ]

    def __str__(self) -> str:
        return self.subject


class EmailPreference(BaseModel):
    """A person's e-mail channel for one kind of event; without a row the catalogue's default applies."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        verbose_name="пользователь",
    )
    event = models.CharField("событие", max_length=32, choices=EVENT_CHOICES)
    channel = models.CharField("по почте", max_length=16, choices=CHANNEL_CHOICES)

    class Meta:
        verbose_name = "настройка уведомлений"
        verbose_name_plural = "настройки уведомлений"
        constraints = [
            models.UniqueConstraint(fields=["user", "event"], name="notification_preference_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_event_display()} — {self.get_channel_display()}"
