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
