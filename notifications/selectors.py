"""Reads of notifications: a person's own, through the gate (notifications.policies)."""

from core.policies import VIEW, policy_for

from .models import Notification

PAGE_SIZE = 50


def notifications_for(user):
    """``user``'s notifications, newest first."""
    return policy_for(Notification).instances(user, VIEW).order_by("-created_at", "-pk")


def unread_count(user) -> int:
    """How many of ``user``'s notifications are unread (the bell): one query."""
    return notifications_for(user).filter(read_at__isnull=True).count()
