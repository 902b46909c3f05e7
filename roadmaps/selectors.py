"""Reads of roadmaps that pages of several areas share (the home page, «Мои мероприятия»)."""

from . import transitions
from .models import RoadmapItem


def my_open_items(user, today):
    """Items naming ``user`` as responsible, still open, soonest first (the home page shows them)."""
    return (
        RoadmapItem.objects.visible_to(user)
        .filter(responsible_users=user, status__in=transitions.OPEN)
        .select_related("roadmap__school", "roadmap__municipality")
        .order_by("end_date", "pk")
        .distinct()
    )


def school_open_items(user):
    """Open items of the school roadmaps the user may update (a school admin: their school's), soonest first:
    the section «Пункты дорожной карты моей школы» of «Мои мероприятия» and the count on the home page."""
    return (
        RoadmapItem.objects.editable_by(user)
        .filter(roadmap__school__isnull=False, status__in=transitions.OPEN)
        .select_related("roadmap__school")
        .order_by("end_date", "pk")
    )
