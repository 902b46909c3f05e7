"""Mentoring's parts of the school's and the teacher's cards (schools.panels), registered in
MentoringConfig.ready()."""

from schools.panels import register_panel

from .models import LogEntry, TutorAssignment
from .selectors import school_mentoring
from .services import schools_user_may_log


def school_card(user, school, today) -> dict:
    return {
        "mentoring": school_mentoring(user, school, today=today),
        "can_log": schools_user_may_log(user).filter(pk=school.pk).exists(),
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
