"""The permission policies (core.policies): deny by default, each role's reach, and ``can`` agreeing with
``instances`` (and with the querysets' aliases) for every object of the world and every action."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured, PermissionDenied

from core import policies as core_policies
from core.models import ImportBatch, RoleAssignment, TaskDelivery
from core.policies import (
    CHANGE,
    SYSTEM,
    VIEW,
    Policy,
    is_person,
    is_system,
    policy_for,
    register_policy,
    registered_policies,
    scoped_models,
)
from core.roles import ALL_ROLES, Role
from schools.models import Municipality, ProfessionalCourse, Region, School, Teacher
from schools.policies import MANAGE_TEACHERS, MunicipalityPolicy, RegionPolicy
from tests.factories import ProfessionalCourseFactory, TeacherFactory, UserFactory

ROLE_NAMES = (
    "methodist",
    "regional_methodist",
    "head",
    "school_admin",
    "mentor",
    "tutor",
    "analyst",
    "nobody",
)


def users_of(world) -> dict[str, object]:
    inactive = UserFactory(username="inactive", is_active=False)
    RoleAssignment.objects.create(user=inactive, role=Role.METHODIST, municipality=world.mun_a)
    return {
        "anonymous": AnonymousUser(),
        "none": None,
        "inactive": inactive,
        **world.users,
    }


def names(queryset) -> list[str]:
    return sorted(str(row) for row in queryset)


# --- deny by default --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "none", "inactive", "nobody"])
@pytest.mark.parametrize("model", [Region, Municipality, School, Teacher, ImportBatch])
def test_deny_by_default(world, who, model):
    user = users_of(world)[who]
    policy = policy_for(model)
    for action in policy.action_names():
        assert not policy.instances(user, action).exists()
        assert policy.can(user, action) is False
    for obj in model._default_manager.all():
        for action in policy.action_names():
            assert policy.can(user, action, obj) is False
            with pytest.raises(PermissionDenied):
                policy.require(user, action, obj)


# --- each role's reach ------------------------------------------------------------------------------------------

# role -> (schools it views, schools it changes)
SCHOOL_REACH = {
    "methodist": ({"a1", "a2"}, {"a1", "a2"}),
    "regional_methodist": ({"a1", "a2", "b1"}, {"a1", "a2", "b1"}),
    "head": ({"a1", "a2"}, set()),
    "school_admin": ({"a1"}, set()),
    "mentor": (set(), set()),  # reaches what orders assign: none in this world
    "tutor": (set(), set()),
    "analyst": ({"a1", "a2", "b1"}, set()),
    "superuser": ({"a1", "a2", "b1", "other"}, {"a1", "a2", "b1", "other"}),
    "nobody": (set(), set()),
}


def school_keys(world, queryset) -> set[str]:
    by_pk = {
        world.school_a1.pk: "a1",
        world.school_a2.pk: "a2",
        world.school_b1.pk: "b1",
        world.school_other.pk: "other",
    }
    return {by_pk[pk] for pk in queryset.values_list("pk", flat=True)}


@pytest.mark.parametrize("role", sorted(SCHOOL_REACH))
def test_each_roles_reach_of_schools(world, role):
    user = world.users[role]
    policy = policy_for(School)
    viewed, changed = SCHOOL_REACH[role]
    assert school_keys(world, policy.instances(user, VIEW)) == viewed
    assert school_keys(world, policy.instances(user, CHANGE)) == changed
    assert policy.can(user, VIEW) is bool(viewed)
    assert policy.can(user, CHANGE) is bool(changed)


# role -> (municipalities it views, municipalities it changes)
MUNICIPALITY_REACH = {
    "methodist": ({"Обливский район"}, {"Обливский район"}),
    "regional_methodist": ({"Обливский район", "Тацинский район"}, {"Обливский район", "Тацинский район"}),
    "head": ({"Обливский район"}, set()),
    "school_admin": ({"Обливский район"}, set()),  # through its school; it changes none
    "analyst": ({"Обливский район", "Тацинский район"}, set()),
    "nobody": (set(), set()),
}


@pytest.mark.parametrize("role", sorted(MUNICIPALITY_REACH))
def test_each_roles_reach_of_municipalities(world, role):
    user = world.users[role]
    viewed, changed = MUNICIPALITY_REACH[role]
    assert set(Municipality.objects.visible_to(user).values_list("name", flat=True)) == viewed
    assert set(Municipality.objects.editable_by(user).values_list("name", flat=True)) == changed


def test_municipality_reached_through_several_schools_is_one_row(world):
    """Two schools of one municipality used to give the municipality twice through ``reachable_by``."""
    user = world.users["school_admin"]
    RoleAssignment.objects.create(user=user, role=Role.SCHOOL_ADMIN, school=world.school_a2)
    user.refresh_from_db()
    for queryset in (
        Municipality.objects.visible_to(user),
        Municipality.objects.reachable_by(user, ALL_ROLES),
        Municipality.objects.reachable_by(user, frozenset({Role.SCHOOL_ADMIN})),
        policy_for(Municipality).instances(user, VIEW),
    ):
        assert list(queryset.values_list("name", flat=True)) == ["Обливский район"]
    regions = Region.objects.reachable_by(user, ALL_ROLES)
    assert list(regions.values_list("name", flat=True)) == ["Ростовская область"]


def test_changing_a_municipality_never_goes_through_a_school(world):
    """A methodologist's grant recorded on a school (bypassing the form's check) opens the school, not its
    municipality's name and borders."""
    user = UserFactory()
    RoleAssignment.objects.bulk_create(
        [RoleAssignment(user=user, role=Role.METHODIST, school=world.school_a1)]
    )
    assert not Municipality.objects.editable_by(user).exists()
    assert list(Municipality.objects.visible_to(user)) == [world.mun_a]


def test_teachers_personal_data(world):
    """Teachers are reached through their school, except by tutors, who reach theirs one by one; the analyst
    reads no names."""
    teacher = TeacherFactory(school=world.school_a1)
    policy = policy_for(Teacher)
    assert policy.can(world.users["school_admin"], VIEW, teacher)
    assert policy.can(world.users["school_admin"], CHANGE, teacher)  # SCHOOL_WRITE_ROLES
    assert policy.can(world.users["head"], VIEW, teacher)
    assert not policy.can(world.users["head"], CHANGE, teacher)
    assert not policy.can(world.users["analyst"], VIEW, teacher)
    assert not policy.can(world.users["tutor"], VIEW, teacher)


def test_import_batch_uploader_and_regional_staff(world):
    def batch(uploaded_by, region):
        return ImportBatch.objects.create(
            kind=ImportBatch.Kind.TEACHERS,
            status=ImportBatch.Status.VALIDATED,
            region=region,
            uploaded_by=uploaded_by,
            original_name="f.xlsx",
        )

    own = batch(world.users["school_admin"], world.region)
    others = batch(world.users["methodist"], world.region)
    policy = policy_for(ImportBatch)
    assert set(policy.instances(world.users["school_admin"], VIEW)) == {own}
    assert set(policy.instances(world.users["methodist"], CHANGE)) == {others}  # municipal: own only
    assert set(policy.instances(world.users["regional_methodist"], VIEW)) == {own, others}
    assert set(policy.instances(world.users["superuser"], VIEW)) == {own, others}
    assert not policy.instances(world.users["head"], VIEW).exists()


# --- actions ----------------------------------------------------------------------------------------------------


class _ApprovePolicy(Policy):
    actions = {"approve": frozenset({Role.HEAD})}  # noqa: RUF012


def test_an_extra_action_has_its_own_roles(world):
    policy = _ApprovePolicy(School)
    assert policy.action_names() == [VIEW, CHANGE, "approve"]
    assert school_keys(world, policy.instances(world.users["head"], "approve")) == {"a1", "a2"}
    assert not policy.instances(world.users["methodist"], "approve").exists()
    assert policy.can(world.users["head"], "approve", world.school_a1)
    assert not policy.can(world.users["head"], "approve", world.school_b1)
    assert policy.can(world.users["head"], "approve") is True
    assert policy.can(world.users["methodist"], "approve") is False
    with pytest.raises(PermissionDenied, match="Недостаточно прав для этого действия"):
        policy.require(world.users["methodist"], "approve", world.school_a1)


def test_an_unknown_action_is_an_error(world):
    with pytest.raises(ValueError, match="unknown action 'sign'"):
        policy_for(School).instances(world.users["methodist"], "sign")


def test_require_messages(world):
    policy = policy_for(Region)
    policy.require(world.users["methodist"], CHANGE, world.region)
    with pytest.raises(PermissionDenied, match="^Недостаточно прав для изменения этой записи.$"):
        policy.require(world.users["head"], CHANGE, world.region)
    with pytest.raises(PermissionDenied, match="^Нет доступа к этой записи.$"):
        policy.require(world.users["methodist"], VIEW, world.other_region)
    # A policy names its own actions' refusals.
    with pytest.raises(
        PermissionDenied, match="^Менять сведения о педагогах этой школы могут её администратор"
    ):
        policy_for(School).require(world.users["head"], MANAGE_TEACHERS, world.school_a1)


def test_instances_keeps_the_callers_filters(world):
    world.school_a2.is_active = False
    world.school_a2.save(update_fields=["is_active"])
    user = world.users["methodist"]
    assert school_keys(world, School.objects.active().visible_to(user)) == {"a1"}
    assert school_keys(world, policy_for(School).instances(user, VIEW, School.objects.active())) == {"a1"}
    with pytest.raises(ValueError, match="a queryset of schools.Region"):
        policy_for(School).instances(user, VIEW, Region.objects.all())


# --- the system actor -------------------------------------------------------------------------------------------


def test_the_system_actor_may_do_everything(world):
    assert is_system(SYSTEM) and not is_person(SYSTEM)
    for model in (Region, Municipality, School):
        policy = policy_for(model)
        for action in policy.action_names():
            assert policy.instances(SYSTEM, action).count() == model.objects.count()
            assert policy.can(SYSTEM, action) is True
            assert all(policy.can(SYSTEM, action, obj) for obj in model.objects.all())


def test_no_user_is_the_system_actor(world):
    assert not any(is_system(user) for user in world.users.values())
    assert not is_system(AnonymousUser())


# --- the registry -----------------------------------------------------------------------------------------------


def test_each_model_has_one_policy(world):
    assert isinstance(policy_for(Region), RegionPolicy)
    assert isinstance(policy_for(Municipality), MunicipalityPolicy)
    assert policy_for(world.school_a1) is policy_for(School)
    assert type(policy_for(Teacher)) is Policy  # nothing special: built from TeacherQuerySet
    assert policy_for(Teacher).model is Teacher
    with pytest.raises(ImproperlyConfigured, match="already has a policy"):
        register_policy(Region, RegionPolicy)
    with pytest.raises(ImproperlyConfigured, match="has no permission policy"):
        policy_for(TaskDelivery)


def test_every_scoped_model_has_a_policy_bound_to_it():
    models = scoped_models()
    assert {School, Teacher, Region, Municipality, ImportBatch} <= set(models)
    for model in models:
        policy = policy_for(model)
        assert policy.model is model
        for action in policy.action_names():
            assert policy.roles(action) <= ALL_ROLES
    assert set(registered_policies()) >= set(models)


# --- can() agrees with instances() and with the querysets' aliases ----------------------------------------------


@pytest.fixture
def rich_world(world):
    """The world with a teacher and a course in every school (personal data: the teacher paths)."""
    for school in (world.school_a1, world.school_a2, world.school_b1, world.school_other):
        ProfessionalCourseFactory(teacher=TeacherFactory(school=school))
    return world


def test_can_agrees_with_instances_for_every_object_and_action(rich_world):
    users = users_of(rich_world)
    walked = set()
    for model in scoped_models():
        policy = policy_for(model)
        objects = list(model._default_manager.all())
        for action in policy.action_names():
            for who, user in users.items():
                reached = policy.instances(user, action)
                pks = list(reached.values_list("pk", flat=True))
                assert len(pks) == len(set(pks)), (model, action, who)  # one row each
                # The same rows through the action's roles with the action named (``reachable_by``'s path).
                reached_by_roles = policy.reach(user, policy.roles(action), action=action)
                assert set(reached_by_roles.values_list("pk", flat=True)) == set(pks), (model, action, who)
                if hasattr(model._default_manager, "reachable_by"):  # a PolicyQuerySet's gate methods
                    by_alias = model._default_manager.reachable_by(user, policy.roles(action), action=action)
                    assert set(by_alias.values_list("pk", flat=True)) == set(pks), (model, action, who)
                for obj in objects:
                    assert policy.can(user, action, obj) is (obj.pk in pks), (model, action, who, obj.pk)
                    walked.add(model)
                # Whoever may act on some row may act somewhere (the world's users are nobody's authors).
                if pks:
                    assert policy.can(user, action), (model, action, who)
            aliases = hasattr(model._default_manager, "visible_to")
            if action == VIEW and aliases:
                for user in users.values():
                    assert set(model._default_manager.visible_to(user)) == set(policy.instances(user, VIEW))
            if action == CHANGE and aliases:
                for user in users.values():
                    assert set(model._default_manager.editable_by(user)) == set(
                        policy.instances(user, CHANGE)
                    )
    assert {Region, Municipality, School, Teacher, ProfessionalCourse} <= walked


class _TwoActionsOneRoleSet(Policy):
    """Two actions with one role set, as RoadmapItem's ``change``, ``move`` and ``add_evidence``: ``scope`` notes
    which action it is asked about (a special rule would hang on it) and answers with the territory."""

    actions = {"plan": frozenset({Role.METHODIST}), "mark": frozenset({Role.METHODIST})}  # noqa: RUF012

    def __init__(self, model):
        super().__init__(model)
        self.asked: list[tuple[str | None, frozenset[str]]] = []

    def scope(self, queryset, user, roles, action):
        self.asked.append((action, roles))
        return self.territory(queryset, user, roles)


def test_reach_never_takes_an_action_from_a_role_set(world, monkeypatch):
    """#18: ``reach`` used to take the first action whose roles equal the set given, so asking with «mark»'s
    roles applied «plan»'s special rules. Now the action is named or there is none (the territory alone)."""
    policy = _TwoActionsOneRoleSet(School)
    monkeypatch.setitem(core_policies._REGISTRY, School, policy)  # the queryset alias asks this policy
    user = world.users["methodist"]
    methodists = frozenset({Role.METHODIST})

    assert school_keys(world, policy.reach(user, methodists)) == {"a1", "a2"}
    assert school_keys(world, policy.reach(user, [Role.METHODIST], action="mark")) == {"a1", "a2"}
    assert school_keys(world, School.objects.reachable_by(user, methodists)) == {"a1", "a2"}
    assert school_keys(world, School.objects.reachable_by(user, methodists, action="plan")) == {"a1", "a2"}
    assert school_keys(world, policy.instances(user, "mark")) == {"a1", "a2"}
    assert policy.asked == [
        (None, methodists),
        ("mark", methodists),
        (None, methodists),
        ("plan", methodists),
        ("mark", methodists),
    ]


def test_reach_refuses_a_role_set_that_would_silently_reach_nothing(world):
    policy = _TwoActionsOneRoleSet(School)
    user = world.users["methodist"]
    with pytest.raises(TypeError, match="not the string 'methodist'"):
        policy.reach(user, Role.METHODIST)  # frozenset("methodist") would be its letters
    with pytest.raises(ValueError, match=r"unknown roles: \['janitor'\]"):
        policy.reach(user, {Role.METHODIST, "janitor"})
    with pytest.raises(ValueError, match=r"\['head'\] are not roles of 'mark'"):
        policy.reach(user, {Role.METHODIST, Role.HEAD}, action="mark")
    with pytest.raises(ValueError, match="unknown action 'approve'"):
        policy.reach(user, {Role.METHODIST}, action="approve")
    assert policy.asked == []


def test_the_audit_reaches_through_each_organisations_policy(world):
    """core.selectors_audit places historical rows by ids the policies give (#18): a municipality or a school
    through its own policy with the audit roles; a region's own records (its staff's roles, its справки) only
    through a region-wide grant, so a municipality's methodologist does not read the regional one's."""
    from core.models import AuthEvent

    policy = policy_for(AuthEvent)
    users = {**users_of(world), "system": SYSTEM}

    def pks(queryset) -> set[int]:
        return set(queryset.values_list("pk", flat=True))

    whole = {who: pks(policy.audited_whole(user, Region)) for who, user in users.items()}
    municipalities = {who: pks(policy.audited(user, Municipality)) for who, user in users.items()}
    schools = {
        who: school_keys(world, School.objects.filter(pk__in=policy.audited(user, School)))
        for who, user in users.items()
    }
    everywhere = {world.region.pk, world.other_region.pk}
    mun_a, mun_b = world.mun_a.pk, world.mun_b.pk
    assert {who: found for who, found in whole.items() if found} == {
        "regional_methodist": {world.region.pk},
        "superuser": everywhere,
        "system": everywhere,
    }
    assert {who: found for who, found in municipalities.items() if found} == {
        "methodist": {mun_a},
        "regional_methodist": {mun_a, mun_b},
        "head": {mun_a},
        "superuser": {mun_a, mun_b, world.school_other.municipality_id},
        "system": {mun_a, mun_b, world.school_other.municipality_id},
    }
    assert {who: found for who, found in schools.items() if found} == {
        "methodist": {"a1", "a2"},
        "regional_methodist": {"a1", "a2", "b1"},
        "head": {"a1", "a2"},
        "superuser": {"a1", "a2", "b1", "other"},
        "system": {"a1", "a2", "b1", "other"},
    }


def test_an_action_no_role_may_do_is_refused_to_everyone_but_the_system(world):
    """AuditPolicy's scope ignores the roles it is given: an action with no roles (the journal's «change»)
    must still reach nothing, with or without an object (review of #18 §1)."""
    from core.models import AuthEvent
    from core.policies import CHANGE, SYSTEM, VIEW, policy_for

    event = AuthEvent.objects.create(
        kind=AuthEvent._meta.get_field("kind").choices[0][0], username="methodist"
    )
    policy = policy_for(AuthEvent)
    assert policy.roles(CHANGE) == frozenset()
    for user in world.users.values():
        assert not policy.can(user, CHANGE, event)
        assert not policy.can(user, CHANGE)
        assert not policy.instances(user, CHANGE).exists()
    assert policy.can(world.users["superuser"], VIEW, event)
    assert policy.can(SYSTEM, CHANGE, event)


def test_policies_are_discovered_once_while_other_threads_wait(monkeypatch):
    """A thread asking for a policy while another imports the policies modules waits for them: it never builds
    a default policy in place of a declared one (review of #18 §1)."""
    import threading
    import time

    from core import policies

    started, calls = threading.Event(), []

    def slow_discovery(name):
        calls.append(name)
        started.set()
        time.sleep(0.3)

    monkeypatch.setattr(policies, "_discovered", False)
    monkeypatch.setattr(policies, "autodiscover_modules", slow_discovery)
    finished = []
    first = threading.Thread(target=policies.autodiscover)
    first.start()
    started.wait(5)
    second = threading.Thread(target=lambda: (policies.autodiscover(), finished.append(policies._discovered)))
    second.start()
    second.join(5)
    first.join(5)
    assert calls == ["policies"]
    assert finished == [True]  # the second thread returned only after the discovery had finished
