"""The registry's services check with the policies themselves (schools.policies), whoever calls them; the command
line is the SYSTEM actor."""

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command

from core.policies import CHANGE, SYSTEM, VIEW, policy_for
from schools.models import FlagRule, Municipality
from schools.policies import APPROVE_LIST, MANAGE_TEACHERS, flag_rule_policy
from schools.services import flag_rule_update, school_update


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("methodist", True),
        ("regional_methodist", True),
        ("superuser", True),
        ("head", False),
        ("school_admin", False),
        ("analyst", False),
        ("nobody", False),
    ],
)
def test_school_update_checks_the_policy(world, role, allowed):
    user = world.users[role]
    if allowed:
        school_update(school=world.school_a1, user=user, director="Петров П. П.")
        world.school_a1.refresh_from_db()
        assert world.school_a1.director == "Петров П. П."
    else:
        with pytest.raises(
            PermissionDenied, match="^Менять сведения о школе может методист её муниципалитета.$"
        ):
            school_update(school=world.school_a1, user=user, director="Петров П. П.")
        world.school_a1.refresh_from_db()
        assert world.school_a1.director != "Петров П. П."


def test_school_update_outside_the_municipality_is_refused(world):
    with pytest.raises(PermissionDenied):
        school_update(school=world.school_b1, user=world.users["methodist"], director="Петров П. П.")


def test_school_update_by_the_system(world):
    school_update(school=world.school_other, user=SYSTEM, director="Сидорова А. А.")
    world.school_other.refresh_from_db()
    assert world.school_other.director == "Сидорова А. А."


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("regional_methodist", True),
        ("superuser", True),
        ("methodist", False),  # a municipal grant does not change the region's rule
        ("head", False),
        ("analyst", False),
        ("nobody", False),
    ],
)
def test_flag_rule_update_checks_the_policy(world, role, allowed, django_capture_on_commit_callbacks):
    user = world.users[role]
    assert flag_rule_policy().can_for_region(user, CHANGE, world.region) is allowed
    assert policy_for(FlagRule).can(user, CHANGE) is allowed
    if allowed:
        flag_rule_update(region=world.region, user=user, threshold=25)
        assert FlagRule.objects.get(region=world.region).threshold == 25
    else:
        with pytest.raises(
            PermissionDenied, match="^Менять правило ШНОР региона может методист с правами на весь"
        ):
            flag_rule_update(region=world.region, user=user, threshold=25)
        assert not FlagRule.objects.filter(region=world.region, threshold=25).exists()


def test_the_regional_methodist_changes_only_their_region(world):
    with pytest.raises(PermissionDenied):
        flag_rule_update(region=world.other_region, user=world.users["regional_methodist"], threshold=25)


def test_the_rule_is_read_by_whoever_reaches_the_region(world):
    policy = flag_rule_policy()
    for role in ("methodist", "head", "school_admin", "analyst"):
        assert list(policy.regions(world.users[role], VIEW)) == [world.region], role
    assert not policy.regions(world.users["nobody"], VIEW).exists()


def test_the_command_line_changes_the_rule_as_the_system(world, capsys, django_capture_on_commit_callbacks):
    """``flag_rule --set`` runs with no user: the command passes SYSTEM, which every policy lets through."""
    for region in (world.other_region,):  # one region is named: the database holds two
        call_command("flag_rule", "--set", "threshold=35", "--region", region.name)
    assert FlagRule.objects.get(region=world.other_region).threshold == 35
    assert flag_rule_policy().can_for_region(SYSTEM, CHANGE, world.other_region)


def test_approving_a_list_is_the_municipalitys_methodologists(world):
    policy = policy_for(Municipality)
    assert policy.can(world.users["methodist"], APPROVE_LIST, world.mun_a)
    assert policy.can(world.users["regional_methodist"], APPROVE_LIST, world.mun_b)
    assert not policy.can(world.users["methodist"], APPROVE_LIST, world.mun_b)
    assert not policy.can(world.users["head"], APPROVE_LIST, world.mun_a)
    with pytest.raises(
        PermissionDenied, match="^Утверждать перечень ШНОР этого муниципалитета может только его"
    ):
        policy.require(world.users["school_admin"], APPROVE_LIST, world.mun_a)


def test_managing_teachers_is_the_schools_admin_and_the_methodologists(world):
    policy = policy_for(world.school_a1)
    for role, allowed in (("school_admin", True), ("methodist", True), ("head", False), ("tutor", False)):
        assert policy.can(world.users[role], MANAGE_TEACHERS, world.school_a1) is allowed, role
    assert not policy.can(world.users["school_admin"], MANAGE_TEACHERS, world.school_a2)
