"""The gate for diagnostics, routes and progress forms: exact visible and editable sets for every role.

Results, named deficits and routes are teachers' personal data: the municipality's staff, the school's admin,
the mentor of the school (read only) and the teacher's own tutor. The analyst sees campaigns but no result.
Quarterly forms are the school's: its admin fills them, the municipality's staff read them, mentors and
tutors do not see them.
"""

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import AnonymousUser

from core.models import User
from diagnostics.models import (
    Campaign,
    DiagnosticResult,
    ProgressEntry,
    ProgressForm,
    Route,
    RouteLine,
    SpecificDeficit,
)
from tests.builders.diagnostics import build_diagnosed
from tests.builders.module import module_fixture

pytestmark = pytest.mark.django_db

ROLES = (
    "methodist",
    "regional_methodist",
    "head",
    "school_admin",
    "mentor",
    "tutor",
    "analyst",
    "superuser",
    "nobody",
)

A1 = {"Иванова", "Петров"}  # school_a1: Иванова is the tutor's teacher; the mentor is assigned to the school
A2 = {"Сидорова"}
B1 = {"Смирнова"}
OTHER = {"Попов"}
ALL = A1 | A2 | B1 | OTHER
NONE: set = set()

# Teachers whose results, named deficits, routes and route lines each role reads.
VISIBLE_PERSONAL = {
    "methodist": A1 | A2,
    "regional_methodist": A1 | A2 | B1,
    "head": A1 | A2,
    "school_admin": A1,
    "mentor": A1,
    "tutor": {"Иванова"},
    "analyst": NONE,
    "superuser": ALL,
    "nobody": NONE,
}
# Results and named deficits are entered by the methodologist only.
EDITABLE_RESULTS = {
    "methodist": A1 | A2,
    "regional_methodist": A1 | A2 | B1,
    "head": NONE,
    "school_admin": NONE,
    "mentor": NONE,
    "tutor": NONE,
    "analyst": NONE,
    "superuser": ALL,
    "nobody": NONE,
}
# Routes: the methodologist, or the teacher's tutor.
EDITABLE_ROUTES = EDITABLE_RESULTS | {"tutor": {"Иванова"}}
VISIBLE_CAMPAIGNS = {
    "methodist": {"A"},
    "regional_methodist": {"A", "B"},
    "head": {"A"},
    "school_admin": NONE,
    "mentor": NONE,
    "tutor": NONE,
    "analyst": {"A", "B"},
    "superuser": {"A", "B", "OTHER"},
    "nobody": NONE,
}
EDITABLE_CAMPAIGNS = {
    "methodist": {"A"},
    "regional_methodist": {"A", "B"},
    "head": NONE,
    "school_admin": NONE,
    "mentor": NONE,
    "tutor": NONE,
    "analyst": NONE,
    "superuser": {"A", "B", "OTHER"},
    "nobody": NONE,
}
# Forms by school code (entries: the teachers of those schools).
VISIBLE_FORMS = {
    "methodist": {"sch610001", "sch610002"},
    "regional_methodist": {"sch610001", "sch610002", "sch610101"},
    "head": {"sch610001", "sch610002"},
    "school_admin": {"sch610001"},
    "mentor": NONE,
    "tutor": NONE,
    "analyst": NONE,
    "superuser": {"sch610001", "sch610002", "sch610101", "sch230001"},
    "nobody": NONE,
}
# Only the school's admin fills its form (the methodologist reviews it through the review service).
EDITABLE_FORMS = {
    "methodist": NONE,
    "regional_methodist": NONE,
    "head": NONE,
    "school_admin": {"sch610001"},
    "mentor": NONE,
    "tutor": NONE,
    "analyst": NONE,
    "superuser": {"sch610001", "sch610002", "sch610101", "sch230001"},
    "nobody": NONE,
}
TEACHER_OF_SCHOOL = {"sch610001": {"Иванова", "Петров"}, "sch610002": A2, "sch610101": B1, "sch230001": OTHER}


@dataclass
class Diagnosed:
    world: object
    teachers: dict

    def user(self, who: str) -> User:
        """A fresh user object: the scope is cached per object."""
        return User.objects.get(pk=self.world.users[who].pk)


@module_fixture
def diagnosed(world) -> Diagnosed:
    """Built once per module (tests/builders/module.py): the tables only read it."""
    return Diagnosed(world, build_diagnosed(world))


def campaigns(queryset) -> set[str]:
    return set(queryset.values_list("name", flat=True))


def teachers_of(queryset, path: str) -> set[str]:
    return set(queryset.values_list(f"{path}__last_name", flat=True))


def schools_of(queryset, path: str) -> set[str]:
    return set(queryset.values_list(f"{path}__code", flat=True))


def test_the_world_has_what_the_tables_expect(diagnosed):
    assert DiagnosticResult.objects.count() == 5
    assert SpecificDeficit.objects.count() == 5
    assert Route.objects.filter(status="approved").count() == 5
    assert RouteLine.objects.count() == 10  # a block and a named deficit each
    assert ProgressForm.objects.count() == 4
    # the IV 2030 forms carry the first line of each route at their school
    assert teachers_of(ProgressEntry.objects.all(), "line__route__teacher") == ALL
    assert ProgressEntry.objects.count() == 5


# --- campaigns ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ROLES)
def test_each_role_sees_exactly_its_campaigns(diagnosed, who):
    assert campaigns(Campaign.objects.visible_to(diagnosed.user(who))) == VISIBLE_CAMPAIGNS[who]


@pytest.mark.parametrize("who", ROLES)
def test_each_role_edits_exactly_its_campaigns(diagnosed, who):
    assert campaigns(Campaign.objects.editable_by(diagnosed.user(who))) == EDITABLE_CAMPAIGNS[who]


# --- teachers' personal data ----------------------------------------------------------------------------

PERSONAL = [
    (DiagnosticResult, "teacher", EDITABLE_RESULTS),
    (SpecificDeficit, "teacher", EDITABLE_RESULTS),
    (Route, "teacher", EDITABLE_ROUTES),
    (RouteLine, "route__teacher", EDITABLE_ROUTES),
]


@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize(("model", "path", "_editable"), PERSONAL, ids=lambda v: getattr(v, "__name__", None))
def test_each_role_sees_exactly_its_teachers_data(diagnosed, model, path, _editable, who):
    assert teachers_of(model.objects.visible_to(diagnosed.user(who)), path) == VISIBLE_PERSONAL[who]


@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize(("model", "path", "editable"), PERSONAL, ids=lambda v: getattr(v, "__name__", None))
def test_each_role_edits_exactly_its_teachers_data(diagnosed, model, path, editable, who):
    assert teachers_of(model.objects.editable_by(diagnosed.user(who)), path) == editable[who]


def test_tutor_reaches_the_school_but_only_their_teachers_diagnostics(diagnosed):
    tutor = diagnosed.user("tutor")
    petrov = diagnosed.teachers["Петров"]  # same school as the tutor's teacher
    assert not DiagnosticResult.objects.visible_to(tutor).filter(teacher=petrov).exists()
    assert not Route.objects.visible_to(tutor).filter(teacher=petrov).exists()
    assert Route.objects.visible_to(tutor).get().teacher == diagnosed.teachers["Иванова"]


# --- quarterly forms ------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ROLES)
def test_each_role_sees_exactly_its_forms(diagnosed, who):
    assert schools_of(ProgressForm.objects.visible_to(diagnosed.user(who)), "school") == VISIBLE_FORMS[who]


@pytest.mark.parametrize("who", ROLES)
def test_each_role_edits_exactly_its_forms(diagnosed, who):
    assert schools_of(ProgressForm.objects.editable_by(diagnosed.user(who)), "school") == EDITABLE_FORMS[who]


@pytest.mark.parametrize("who", ROLES)
def test_each_role_sees_exactly_its_form_entries(diagnosed, who):
    entries = ProgressEntry.objects.visible_to(diagnosed.user(who))
    assert schools_of(entries, "form__school") == VISIBLE_FORMS[who]
    expected = set().union(*(TEACHER_OF_SCHOOL[code] for code in VISIBLE_FORMS[who]))
    # school_a1's IV 2030 form carries both its teachers' first lines
    assert teachers_of(entries, "line__route__teacher") == expected


@pytest.mark.parametrize("who", ROLES)
def test_each_role_edits_exactly_its_form_entries(diagnosed, who):
    entries = ProgressEntry.objects.editable_by(diagnosed.user(who))
    assert schools_of(entries, "form__school") == EDITABLE_FORMS[who]


# --- nobody else ----------------------------------------------------------------------------------------

MODELS = [Campaign, DiagnosticResult, SpecificDeficit, Route, RouteLine, ProgressForm, ProgressEntry]


@pytest.mark.parametrize(
    "who", ["anonymous", "inactive methodist", "inactive school admin", "inactive tutor"]
)
@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_anonymous_and_inactive_users_reach_nothing(diagnosed, who, model):
    if who == "anonymous":
        user = AnonymousUser()
    else:
        user = diagnosed.user(
            {"inactive methodist": "methodist", "inactive school admin": "school_admin"}.get(who, "tutor")
        )
        user.is_active = False
        user.save(update_fields=["is_active"])
        user = User.objects.get(pk=user.pk)
    assert not model.objects.visible_to(user).exists()
    assert not model.objects.editable_by(user).exists()
