"""What mentors and tutors reach, and whom a teacher has as tutor: core asks these providers (core.access for
the gate, core.people for a new ИОМ's responsible person), registered on app start."""

from django.utils import timezone

from core.access import AssignedReach


def mentor_reach(user) -> AssignedReach:
    """A mentor reaches the schools assigned to them by orders in force today (and their teachers)."""
    from .models import MentorAssignment

    schools = MentorAssignment.objects.active(timezone.localdate()).filter(mentor_user=user)
    return AssignedReach(school_ids=frozenset(schools.values_list("school_id", flat=True)))


def tutor_reach(user) -> AssignedReach:
    """A tutor reaches the teachers assigned to them, and the cards of those teachers' schools."""
    from .models import TutorAssignment

    rows = (
        TutorAssignment.objects.active(timezone.localdate())
        .filter(tutor=user)
        .values_list("teacher_id", "teacher__school_id")
    )
    teachers, schools = set(), set()
    for teacher_id, school_id in rows:
        teachers.add(teacher_id)
        schools.add(school_id)
    return AssignedReach(school_ids=frozenset(schools), teacher_ids=frozenset(teachers))


def teacher_tutor(teacher_id: int, day):
    """The teacher's tutor on ``day``: the first assignment in force (by id), or None."""
    from .models import TutorAssignment

    assignment = (
        TutorAssignment.objects.active(day)
        .filter(teacher_id=teacher_id)
        .select_related("tutor")
        .order_by("pk")
        .first()
    )
    return assignment.tutor if assignment else None
