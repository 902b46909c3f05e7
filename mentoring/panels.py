"""Mentoring's parts of the school's and the teacher's cards (schools.panels), registered in
MentoringConfig.ready()."""

from core.policies import policy_for
from schools.panels import register_panel

from .models import LogEntry, TutorAssignment
from .policies import LOG
from .selectors import school_mentoring


def school_card(user, school, today) -> dict:
    return {
        "mentoring": school_mentoring(user, school, today=today),
        "can_log": policy_for(LogEntry).can_for_school(user, LOG, school),
    }


def teacher_card(user, teacher, today) -> dict:
    return {
        "tutors": TutorAssignment.objects.visible_to(user)
        .filter(teacher=teacher)
        .select_related("tutor", "subject", "order"),
        "log": LogEntry.objects.visible_to(user)
        .filter(teachers=teacher)
        .select_related("author")
        .order_by("-date")[:20],
    }


def register() -> None:
    register_panel("school", "mentoring", school_card)
    register_panel("teacher", "mentoring", teacher_card)
