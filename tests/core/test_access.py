"""The access gate: each role sees exactly its scope, writes only where allowed; default deny."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError

from core.access import (
    ASSIGNMENT_PROVIDERS,
    AssignedReach,
    register_assignment_provider,
    require_editable,
    user_scope,
)
from core.models import RoleAssignment
from core.roles import Role
from schools.models import Municipality, Region, School

pytestmark = pytest.mark.django_db

ALL_SCHOOLS = {"sch610001", "sch610002", "sch610101", "sch230001"}
REGION_SCHOOLS = {"sch610001", "sch610002", "sch610101"}

VISIBLE_SCHOOLS = {
    "methodist": {"sch610001", "sch610002"},
    "regional_methodist": REGION_SCHOOLS,
    "head": {"sch610001", "sch610002"},
    "school_admin": {"sch610001"},
    "mentor": set(),
    "tutor": set(),
    "analyst": REGION_SCHOOLS,
    "superuser": ALL_SCHOOLS,
    "nobody": set(),
}
EDITABLE_SCHOOLS = {
    "methodist": {"sch610001", "sch610002"},
    "regional_methodist": REGION_SCHOOLS,
    "head": set(),
    "school_admin": set(),
    "mentor": set(),
    "tutor": set(),
    "analyst": set(),
    "superuser": ALL_SCHOOLS,
    "nobody": set(),
}
VISIBLE_MUNICIPALITIES = {
    "methodist": {"Обливский район"},
    "regional_methodist": {"Обливский район", "Тацинский район"},
    "head": {"Обливский район"},
    "school_admin": {"Обливский район"},
    "mentor": set(),
    "tutor": set(),
    "analyst": {"Обливский район", "Тацинский район"},
    "superuser": {"Обливский район", "Тацинский район", "Ленинградский район"},
    "nobody": set(),
}


def codes(queryset):
    return set(queryset.values_list("code", flat=True))


@pytest.mark.parametrize("who", sorted(VISIBLE_SCHOOLS))
def test_each_role_sees_exactly_its_schools(world, who):
    assert codes(School.objects.visible_to(world.users[who])) == VISIBLE_SCHOOLS[who]


@pytest.mark.parametrize("who", sorted(EDITABLE_SCHOOLS))
def test_each_role_edits_exactly_its_schools(world, who):
    assert codes(School.objects.editable_by(world.users[who])) == EDITABLE_SCHOOLS[who]


@pytest.mark.parametrize("who", sorted(VISIBLE_MUNICIPALITIES))
def test_each_role_sees_exactly_its_municipalities(world, who):
    names = set(Municipality.objects.visible_to(world.users[who]).values_list("name", flat=True))
    assert names == VISIBLE_MUNICIPALITIES[who]


def test_regions_visible_without_duplicates(world):
    analyst = world.users["analyst"]
    assert list(Region.objects.visible_to(analyst).values_list("name", flat=True)) == ["Ростовская область"]
    assert Region.objects.visible_to(world.users["school_admin"]).count() == 1
    assert Region.objects.visible_to(world.users["nobody"]).count() == 0


def test_only_regional_grant_edits_municipalities_of_the_region(world):
    assert set(
        Municipality.objects.editable_by(world.users["regional_methodist"]).values_list("name", flat=True)
    ) == {"Обливский район", "Тацинский район"}
    assert set(Municipality.objects.editable_by(world.users["methodist"]).values_list("name", flat=True)) == {
        "Обливский район"
    }
    assert not Municipality.objects.editable_by(world.users["head"]).exists()


def test_anonymous_and_inactive_users_see_nothing(world):
    assert not School.objects.visible_to(AnonymousUser()).exists()
    methodist = world.users["methodist"]
    methodist.is_active = False
    methodist.save()
    methodist.refresh_from_db()
    assert not School.objects.visible_to(methodist).exists()


def test_several_roles_add_up(world):
    user = world.users["school_admin"]
    RoleAssignment.objects.create(user=user, role=Role.HEAD, municipality=world.mun_b)
    user.refresh_from_db()
    assert codes(School.objects.visible_to(user)) == {"sch610001", "sch610101"}
    # The head role gives no write access, the school admin role none to the registry.
    assert codes(School.objects.editable_by(user)) == set()


def test_require_editable(world):
    require_editable(world.users["methodist"], world.school_a1)
    with pytest.raises(PermissionDenied):
        require_editable(world.users["methodist"], world.school_b1)
    with pytest.raises(PermissionDenied):
        require_editable(world.users["head"], world.school_a1)


def test_assigned_schools_provider_extends_mentor_scope(world):
    saved = dict(ASSIGNMENT_PROVIDERS)
    try:
        ASSIGNMENT_PROVIDERS.clear()
        register_assignment_provider(Role.MENTOR, lambda user: AssignedReach(school_ids=[world.school_b1.pk]))
        mentor = world.users["mentor"]
        assert codes(School.objects.visible_to(mentor)) == {"sch610101"}
        assert codes(School.objects.editable_by(mentor)) == set()
        # Another role's provider does not leak into a user without that role.
        assert not School.objects.visible_to(world.users["nobody"]).exists()
    finally:
        ASSIGNMENT_PROVIDERS.clear()
        ASSIGNMENT_PROVIDERS.update(saved)


def test_scope_is_computed_once_per_user_object(world, django_assert_num_queries):
    user = world.users["methodist"]
    user.__dict__.pop("_grants_cache", None)
    user.__dict__.pop("_scope_cache", None)
    with django_assert_num_queries(1):
        user_scope(user)
        user_scope(user)
        user_scope(user, frozenset({Role.METHODIST}))


def test_role_assignment_validation_is_russian(world):
    assignment = RoleAssignment(user=world.users["nobody"], role=Role.SCHOOL_ADMIN, municipality=world.mun_a)
    with pytest.raises(ValidationError, match="Администратор школы"):
        assignment.full_clean()
