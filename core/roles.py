"""Roles and what scope each role is attached to. Pure: no ORM, no Django imports beyond choices."""

from dataclasses import dataclass, field

from django.db.models import TextChoices


class Role(TextChoices):
    METHODIST = "methodist", "Методист"
    HEAD = "head", "Руководитель управления образования"
    SCHOOL_ADMIN = "school_admin", "Администратор школы"
    MENTOR = "mentor", "Наставник"
    TUTOR = "tutor", "Тьютор"
    REGIONAL_ANALYST = "regional_analyst", "Региональный аналитик"


class ScopeLevel(TextChoices):
    REGION = "region", "Регион"
    MUNICIPALITY = "municipality", "Муниципалитет"
    SCHOOL = "school", "Школа"
    ASSIGNED = "assigned", "Назначенные школы и педагоги"


# Which level of the organisation tree a role assignment names. A methodologist or a department head
# normally works for a municipality; a regional methodological centre's staff may hold the role for a
# whole region. Mentors and tutors get their scope from their assignments (orders), not from here.
ROLE_SCOPE_LEVELS: dict[str, frozenset[str]] = {
    Role.METHODIST: frozenset({ScopeLevel.MUNICIPALITY, ScopeLevel.REGION}),
    Role.HEAD: frozenset({ScopeLevel.MUNICIPALITY, ScopeLevel.REGION}),
    Role.SCHOOL_ADMIN: frozenset({ScopeLevel.SCHOOL}),
    Role.MENTOR: frozenset({ScopeLevel.ASSIGNED}),
    Role.TUTOR: frozenset({ScopeLevel.ASSIGNED}),
    Role.REGIONAL_ANALYST: frozenset({ScopeLevel.REGION}),
}

ALL_ROLES = frozenset(Role)
# Roles that may change the registry and the municipality's working data.
STAFF_WRITE_ROLES = frozenset({Role.METHODIST})
# Who reads the audit: the municipality's (or region's) methodologists and department heads; superusers read
# everything. Schools, mentors, tutors and the regional analyst do not.
AUDIT_ROLES = frozenset({Role.METHODIST, Role.HEAD})
# The staff who oversee a territory's schools (the methodologist's dashboard, the campaigns): no school roles.
STAFF_READ_ROLES = frozenset({Role.METHODIST, Role.HEAD, Role.REGIONAL_ANALYST})
# Roles that may change their own school's working data (progress forms, roadmap items of the school…).
SCHOOL_WRITE_ROLES = frozenset({Role.METHODIST, Role.SCHOOL_ADMIN})
# Roles that reach teachers one by one: a tutor opens the card and results of the schools where their
# teachers work, but sees, of the teachers' personal data, only the teachers assigned to them.
TEACHER_LEVEL_ROLES = frozenset({Role.TUTOR})
# Who reads teachers' personal data (names, categories, courses, logs naming them): the school's admin,
# the municipality's staff and the teacher's own mentor or tutor (152-ФЗ: no wider than the work needs).
# The regional analyst works with aggregates and does not see names.
PERSONAL_DATA_ROLES = frozenset({Role.METHODIST, Role.HEAD, Role.SCHOOL_ADMIN, Role.MENTOR, Role.TUTOR})


@dataclass(frozen=True)
class Grant:
    """One role held over one part of the organisation tree (ids only)."""

    role: str
    region_id: int | None = None
    municipality_id: int | None = None
    school_id: int | None = None


@dataclass(frozen=True)
class Scope:
    """The part of the organisation tree a user reaches for some set of roles. Empty means nothing."""

    everything: bool = False
    region_ids: frozenset[int] = field(default_factory=frozenset)
    municipality_ids: frozenset[int] = field(default_factory=frozenset)
    school_ids: frozenset[int] = field(default_factory=frozenset)
    # Teachers reached one by one (TEACHER_LEVEL_ROLES); their schools are in school_ids.
    teacher_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_empty(self) -> bool:
        return not (
            self.everything or self.region_ids or self.municipality_ids or self.school_ids or self.teacher_ids
        )


def scope_from_grants(grants: list[Grant], roles: frozenset[str], *, superuser: bool = False) -> Scope:
    """Union of the grants whose role is in ``roles``. A superuser reaches everything."""
    if superuser:
        return Scope(everything=True)
    regions: set[int] = set()
    municipalities: set[int] = set()
    schools: set[int] = set()
    for grant in grants:
        if grant.role not in roles:
            continue
        if grant.region_id is not None:
            regions.add(grant.region_id)
        if grant.municipality_id is not None:
            municipalities.add(grant.municipality_id)
        if grant.school_id is not None:
            schools.add(grant.school_id)
    return Scope(
        region_ids=frozenset(regions),
        municipality_ids=frozenset(municipalities),
        school_ids=frozenset(schools),
    )


def grant_problem(role: str, *, region: bool, municipality: bool, school: bool) -> str | None:
    """Why a role assignment naming these levels is inconsistent, in Russian; None when it is fine."""
    named = [
        level
        for level, present in (
            (ScopeLevel.REGION, region),
            (ScopeLevel.MUNICIPALITY, municipality),
            (ScopeLevel.SCHOOL, school),
        )
        if present
    ]
    allowed = ROLE_SCOPE_LEVELS[role]
    if ScopeLevel.ASSIGNED in allowed:
        if named:
            return "Наставник и тьютор получают доступ по приказам о назначении; регион, муниципалитет и школу не указывайте."
        return None
    if len(named) != 1:
        levels = ", ".join(ScopeLevel(level).label.lower() for level in sorted(allowed))
        return f"Для роли «{Role(role).label}» укажите ровно одно: {levels}."
    if named[0] not in allowed:
        levels = ", ".join(ScopeLevel(level).label.lower() for level in sorted(allowed))
        return f"Для роли «{Role(role).label}» допустимо только: {levels}."
    return None
