"""Mentoring data behind the one access gate (core.access)."""

from django.db.models import Q
from django.utils import timezone

from core.access import ScopedQuerySet
from core.roles import PERSONAL_DATA_ROLES, SCHOOL_WRITE_ROLES, STAFF_WRITE_ROLES, Role


def _today():
    return timezone.localdate()


class _PeriodMixin:
    def active(self, on=None):
        """Assignments in force on a day (today by default): started, and not ended before it."""
        day = on or _today()
        return self.filter(Q(end_date__isnull=True) | Q(end_date__gte=day), start_date__lte=day)


class OrderQuerySet(ScopedQuerySet):
    """Orders are the municipality's documents: its staff read them; lines show their number everywhere."""

    region_path = "municipality__region"
    municipality_path = "municipality"
    school_path = None
    read_roles = frozenset({Role.METHODIST, Role.HEAD, Role.REGIONAL_ANALYST})


class MentorAssignmentQuerySet(_PeriodMixin, ScopedQuerySet):
    pass  # reached through the mentored school: its admin, the municipality, the mentor themself


class TutorAssignmentQuerySet(_PeriodMixin, ScopedQuerySet):
    region_path = "teacher__school__municipality__region"
    municipality_path = "teacher__school__municipality"
    school_path = "teacher__school"
    teacher_path = "teacher"
    read_roles = PERSONAL_DATA_ROLES


class PartnershipQuerySet(ScopedQuerySet):
    """Reached through the ШНОР of the partnership."""

    def current(self, school_year: int):
        return self.filter(first_year__lte=school_year, last_year__gte=school_year)


class PlanItemQuerySet(ScopedQuerySet):
    """The joint plan is the school's work too: its admin marks items done."""

    region_path = "partnership__school__municipality__region"
    municipality_path = "partnership__school__municipality"
    school_path = "partnership__school"
    write_roles = SCHOOL_WRITE_ROLES


# The log names teachers: the school's people and the municipality's staff read it; a tutor, who reaches
# teachers one by one, reads the entries they wrote. The regional analyst reads totals, not entries.
LOG_READ_ROLES = frozenset({Role.METHODIST, Role.HEAD, Role.SCHOOL_ADMIN, Role.MENTOR})


class LogEntryQuerySet(ScopedQuerySet):
    """Who reaches an entry (its author too): mentoring.policies.LogEntryPolicy."""

    read_roles = LOG_READ_ROLES
    write_roles = STAFF_WRITE_ROLES
