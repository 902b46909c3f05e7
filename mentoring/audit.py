"""What the audit (core.selectors_audit) tracks of mentoring, and the people mentoring's orders place in a
territory; registered in MentoringConfig.ready()."""

from core.selectors_audit import Reach, Source, in_scope, register_audit_people, register_audit_sources
from schools.models import Municipality, School, Teacher

from .models import MentorAssignment, Order, Partnership, TutorAssignment


def people(reach: Reach) -> list:
    """Mentors and tutors hold their roles with no territory: they belong where their orders are."""
    return [
        MentorAssignment.objects.filter(school_id__in=reach.ids(School), mentor_user__isnull=False).values(
            "mentor_user_id"
        ),
        TutorAssignment.objects.filter(teacher_id__in=reach.ids(Teacher)).values("tutor_id"),
    ]


def register() -> None:
    register_audit_sources(
        200,
        Source(Order, in_scope("municipality_id", Municipality)),
        Source(MentorAssignment, in_scope("school_id", School), ("school", "mentor_user", "mentor_school")),
        Source(TutorAssignment, in_scope("teacher_id", Teacher), ("tutor", "teacher", "subject")),
        Source(Partnership, in_scope("school_id", School), ("school",)),
    )
    register_audit_people(people)
