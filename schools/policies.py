"""Permission policies of the registry (core.policies): who may do what with regions, municipalities, schools.

The models not named here (schools, teachers, results…) have the default policy built from their queryset's
paths and roles.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from core.policies import CHANGE, VIEW, Policy, is_system, may_act, policy_for, register_policy
from core.principals import Actor
from core.roles import ALL_ROLES, SCHOOL_WRITE_ROLES, STAFF_READ_ROLES, STAFF_WRITE_ROLES

from .models import ApprovedList, FlagDecision, FlagRule, Municipality, Region, School, VprScale

MANAGE_TEACHERS = "manage_teachers"
OVERSEE = "oversee"
RECOMPUTE = "recompute"
APPROVE_LIST = "approve_list"


@register_policy(Region)
class RegionPolicy(Policy):
    """A region is reached through itself, its municipalities and their schools (reverse paths: one row each)."""

    def scope(self, queryset, user: Actor | None, roles, action):
        return self.territory_distinct(queryset, user, roles)


@register_policy(Municipality)
class MunicipalityPolicy(Policy):
    """A municipality is reached through its region, itself and its schools (one row each, however many
    schools). Changing it (creating, renaming) and approving its ШНОР list (``approve_list``) are for the
    methodologists of the municipality or its region, never through a school."""

    actions = {APPROVE_LIST: STAFF_WRITE_ROLES}  # noqa: RUF012
    messages = {  # noqa: RUF012
        **Policy.messages,
        APPROVE_LIST: "Утверждать перечень ШНОР этого муниципалитета может только его методист.",
    }

    def scope(self, queryset, user: Actor | None, roles, action):
        if action in (CHANGE, APPROVE_LIST):
            return self.territory_distinct(queryset, user, roles, school_path=None)
        return self.territory_distinct(queryset, user, roles)

    def can_create_in(self, user: Actor | None, region: Region) -> bool:
        """Creating a municipality (by an import of the registry) is a regional matter: a region-wide grant."""
        scope = self.reach_scope(user, self.roles(CHANGE))
        return scope.everything or region.pk in scope.region_ids


class OwnedBySchoolPolicy(Policy):
    """A policy of something that belongs to a school, whose actions are also asked about the school before the
    object exists (a new assignment, partnership or log entry, a quarterly form not opened yet, a year's risk
    profile): the school's own policy with the action's roles."""

    def schools(self, user: Actor | None, action: str, queryset=None):
        """Schools where ``user`` may do ``action``."""
        return self.owners(School, user, action, queryset)

    def can_for_school(self, user: Actor | None, action: str, school: School) -> bool:
        return self.can_for_owner(user, action, school)

    def require_for_school(self, user: Actor | None, action: str, school: School) -> None:
        self.require_for_owner(user, action, school)


@register_policy(School)
class SchoolPolicy(Policy):
    """The registry's schools: everybody with a role reads those they reach, the methodologists change them.
    ``manage_teachers``: the school's admin and the methodologists keep its teachers and their courses.
    ``oversee``: the staff who oversee a territory's schools (the dashboard, the campaigns), not school roles."""

    actions = {MANAGE_TEACHERS: SCHOOL_WRITE_ROLES, OVERSEE: STAFF_READ_ROLES}  # noqa: RUF012
    messages = {  # noqa: RUF012
        **Policy.messages,
        CHANGE: "Менять сведения о школе может методист её муниципалитета.",
        MANAGE_TEACHERS: "Менять сведения о педагогах этой школы могут её администратор и методист.",
    }


@register_policy(FlagDecision)
class FlagDecisionPolicy(Policy):
    """ШНОР statuses are read by whoever reaches the school; the methodologists recompute them."""

    actions = {RECOMPUTE: STAFF_WRITE_ROLES}  # noqa: RUF012
    messages = {**Policy.messages, RECOMPUTE: "Пересчитывать статусы может только методист."}  # noqa: RUF012


@register_policy(ApprovedList)
class ApprovedListPolicy(Policy):
    """Approved lists belong to municipalities: a role over a municipality or a region reaches them (a school's
    admin sees their own status on the school's card, not the lists)."""

    def can_anywhere(self, user: Actor | None, action):
        scope = self.reach_scope(user, self.roles(action))
        return scope.everything or bool(scope.region_ids or scope.municipality_ids)


@register_policy(FlagRule)
class FlagRulePolicy(Policy):
    """The ШНОР rule of a region: read by whoever reaches the region, changed by a methodologist holding the
    role over the whole region (a municipal grant does not change a regional rule)."""

    read_roles = ALL_ROLES
    write_roles = STAFF_WRITE_ROLES

    def regions(self, user: Actor | None, action: str) -> QuerySet:
        """The regions whose rule ``user`` may ``action`` (view: the regions they reach; change: region-wide)."""
        region_policy = policy_for(Region)
        if action == VIEW:
            return region_policy.instances(user, VIEW)
        regions = Region.objects.all()
        if not may_act(user):
            return regions.none()
        if is_system(user):
            return regions
        return region_policy.territory(
            regions, user, self.roles(action), municipality_path=None, school_path=None
        )

    def scope(self, queryset, user: Actor | None, roles, action):
        if action == VIEW:
            return queryset.filter(region__in=policy_for(Region).instances(user, VIEW).values("pk"))
        return self.territory(
            queryset, user, roles, region_path="region", municipality_path=None, school_path=None
        )

    def can_anywhere(self, user: Actor | None, action):
        scope = self.reach_scope(user, self.roles(action))
        if action == VIEW:
            return not scope.is_empty
        return scope.everything or bool(scope.region_ids)

    def can_for_region(self, user: Actor | None, action: str, region: Region) -> bool:
        """May ``user`` ``action`` the rule of ``region`` (whether or not its row exists yet)?"""
        return self.regions(user, action).filter(pk=region.pk).exists()

    def require_for_region(self, user: Actor | None, action: str, region: Region) -> None:
        if not self.can_for_region(user, action, region):
            raise PermissionDenied("Менять правило ШНОР региона может методист с правами на весь регион.")


def flag_rule_policy() -> FlagRulePolicy:
    """The registered policy of the ШНОР rule, typed as such."""
    policy = policy_for(FlagRule)
    assert isinstance(policy, FlagRulePolicy)  # noqa: S101 - registered above
    return policy


def municipality_policy() -> MunicipalityPolicy:
    policy = policy_for(Municipality)
    assert isinstance(policy, MunicipalityPolicy)  # noqa: S101 - registered above
    return policy


@register_policy(VprScale)
class VprScalePolicy(Policy):
    """ВПР conversion scales are reference data for the whole portal (ФИОКО's recommendations, the same for every
    region): everybody with a role reads them; a methodologist holding the role over a whole region changes them
    (the «vpr_scales» import, the admin) — a municipal grant does not, as for the region's ШНОР rule."""

    read_roles = ALL_ROLES
    write_roles = STAFF_WRITE_ROLES
    messages = {**Policy.messages, CHANGE: "Менять шкалы перевода ВПР может только методист региона."}  # noqa: RUF012

    def scope(self, queryset, user: Actor | None, roles, action):
        return queryset if self.can_anywhere(user, action or VIEW) else queryset.none()

    def can_anywhere(self, user: Actor | None, action):
        scope = self.reach_scope(user, self.roles(action))
        if action == VIEW:
            return not scope.is_empty
        return scope.everything or bool(scope.region_ids)
