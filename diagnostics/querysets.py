"""Diagnostics, routes and progress forms behind the one access gate (core.access).

Diagnostics results and routes are teachers' personal data: the teacher's school, their tutor and the
municipality (PERSONAL_DATA_ROLES, tutors one teacher at a time). Federal rule: ВПР results are never used
to evaluate teachers, and nothing here ranks teachers.
"""

from django.db.models import BooleanField, Count, ExpressionWrapper, Q

from core.access import ScopedQuerySet
from core.roles import PERSONAL_DATA_ROLES, STAFF_WRITE_ROLES, Role

from . import progress


def unconfirmed_q(prefix: str = "") -> Q:
    """progress.unconfirmed as a query: an entry reported «выполнено» with neither a stored document nor a
    link. ``prefix`` reaches the entry from another model (``"entries__"`` from a form)."""
    no_file = Q(**{f"{prefix}evidence": ""}) | Q(**{f"{prefix}evidence__isnull": True})
    return Q(**{f"{prefix}status": progress.DONE, f"{prefix}evidence_link": ""}) & no_file


class CampaignQuerySet(ScopedQuerySet):
    """A campaign belongs to a municipality; its staff run it, its schools see that it exists."""

    region_path = "municipality__region"
    municipality_path = "municipality"
    school_path = None
    read_roles = frozenset({Role.METHODIST, Role.HEAD, Role.REGIONAL_ANALYST})


class _TeacherData(ScopedQuerySet):
    region_path = "teacher__school__municipality__region"
    municipality_path = "teacher__school__municipality"
    school_path = "teacher__school"
    teacher_path = "teacher"
    read_roles = PERSONAL_DATA_ROLES


class DiagnosticResultQuerySet(_TeacherData):
    write_roles = STAFF_WRITE_ROLES  # entered by the methodologist (or imported)


class SpecificDeficitQuerySet(_TeacherData):
    write_roles = STAFF_WRITE_ROLES


# A route is drafted from the deficits, edited and approved by the methodologist or the teacher's tutor.
ROUTE_WRITE_ROLES = frozenset({Role.METHODIST, Role.TUTOR})


class RouteQuerySet(_TeacherData):
    write_roles = ROUTE_WRITE_ROLES


class RouteLineQuerySet(ScopedQuerySet):
    region_path = "route__teacher__school__municipality__region"
    municipality_path = "route__teacher__school__municipality"
    school_path = "route__teacher__school"
    teacher_path = "route__teacher"
    read_roles = PERSONAL_DATA_ROLES
    write_roles = ROUTE_WRITE_ROLES


# The school fills its form (only its admin: the methodologist reviews, and must not sign for the school).
FORM_FILL_ROLES = frozenset({Role.SCHOOL_ADMIN})


class ProgressFormQuerySet(ScopedQuerySet):
    """A school's quarterly form: its admin fills it, the municipality reviews it."""

    read_roles = frozenset({Role.METHODIST, Role.HEAD, Role.SCHOOL_ADMIN})
    write_roles = FORM_FILL_ROLES

    def with_unconfirmed_count(self):
        """Each form with ``lines`` (its entries) and ``unconfirmed`` (those «выполнено» without proof)."""
        return self.annotate(
            lines=Count("entries"), unconfirmed=Count("entries", filter=unconfirmed_q("entries__"))
        )


class ProgressEntryQuerySet(ScopedQuerySet):
    region_path = "form__school__municipality__region"
    municipality_path = "form__school__municipality"
    school_path = "form__school"
    read_roles = frozenset({Role.METHODIST, Role.HEAD, Role.SCHOOL_ADMIN})
    write_roles = FORM_FILL_ROLES

    def unconfirmed(self):
        """Entries reported «выполнено» without a document or a link (``unconfirmed_q``)."""
        return self.filter(unconfirmed_q())

    def with_unconfirmed(self):
        """Each entry with ``unconfirmed``: True when it is «выполнено» without a document or a link, marked so
        for the school and for the methodologist."""
        return self.annotate(unconfirmed=ExpressionWrapper(unconfirmed_q(), output_field=BooleanField()))
