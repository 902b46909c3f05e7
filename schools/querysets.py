from django.db.models import Q

from core.access import ScopedQuerySet
from core.roles import ALL_ROLES, PERSONAL_DATA_ROLES, SCHOOL_WRITE_ROLES


class RegionQuerySet(ScopedQuerySet):
    """Who reaches a region: schools.policies.RegionPolicy."""

    region_path = "pk"
    municipality_path = "municipalities"
    school_path = "municipalities__schools"


class MunicipalityQuerySet(ScopedQuerySet):
    """Who reaches a municipality: schools.policies.MunicipalityPolicy."""

    region_path = "region"
    municipality_path = "pk"
    school_path = "schools"


class SchoolQuerySet(ScopedQuerySet):
    region_path = "municipality__region"
    municipality_path = "municipality"
    school_path = "pk"
    read_roles = ALL_ROLES

    def active(self):
        return self.filter(is_active=True)

    def search(self, text: str):
        text = (text or "").strip()
        if not text:
            return self
        return self.filter(
            Q(code__icontains=text)
            | Q(name__icontains=text)
            | Q(short_name__icontains=text)
            | Q(director__icontains=text)
            | Q(address__icontains=text)
        )


class SchoolIdentifierQuerySet(ScopedQuerySet):
    pass  # reached through the identifier's school (the default paths); read by everyone who reads the school


class TeacherQuerySet(ScopedQuerySet):
    """Teachers are personal data: their school's admin, the municipality's staff, their mentor (through
    the school) and their own tutor (through the teacher, TEACHER_LEVEL_ROLES) — nobody else."""

    teacher_path = "pk"
    read_roles = PERSONAL_DATA_ROLES
    write_roles = SCHOOL_WRITE_ROLES

    def active(self):
        return self.filter(is_active=True)

    def search(self, text: str):
        words = (text or "").split()
        queryset = self
        for word in words[:3]:  # surname, name, patronymic in any order
            queryset = queryset.filter(
                Q(last_name__icontains=word) | Q(first_name__icontains=word) | Q(middle_name__icontains=word)
            )
        return queryset


class ProfessionalCourseQuerySet(ScopedQuerySet):
    region_path = "teacher__school__municipality__region"
    municipality_path = "teacher__school__municipality"
    school_path = "teacher__school"
    teacher_path = "teacher"
    read_roles = PERSONAL_DATA_ROLES
    write_roles = SCHOOL_WRITE_ROLES


class ResultQuerySet(ScopedQuerySet):
    pass  # reached through the result's school (the default paths)


class FlagDecisionQuerySet(ScopedQuerySet):
    pass


class ApprovedListQuerySet(ScopedQuerySet):
    region_path = "municipality__region"
    municipality_path = "municipality"
    school_path = None  # a school admin does not manage the list; they see their own status on the card
