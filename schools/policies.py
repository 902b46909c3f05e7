"""Permission policies of the registry (core.policies): who may do what with regions, municipalities, schools.

The models not named here (schools, teachers, results…) have the default policy built from their queryset's
paths and roles.
"""

from core.policies import CHANGE, Policy, register_policy

from .models import Municipality, Region


@register_policy(Region)
class RegionPolicy(Policy):
    """A region is reached through itself, its municipalities and their schools (reverse paths: one row each)."""

    def scope(self, queryset, user, roles, action):
        return self.territory_distinct(queryset, user, roles)


@register_policy(Municipality)
class MunicipalityPolicy(Policy):
    """A municipality is reached through its region, itself and its schools (one row each, however many
    schools). Changing it (creating, renaming) is for staff of the municipality or its region, never
    through a school."""

    def scope(self, queryset, user, roles, action):
        if action == CHANGE:
            return self.territory_distinct(queryset, user, roles, school_path=None)
        return self.territory_distinct(queryset, user, roles)
