"""Permission policies of the API's own rows (core.policies): client keys and the tombstones of deleted rows."""

from django.db.models import Q

from core.policies import Policy, policy_for, register_policy
from core.principals import Actor
from core.roles import ALL_ROLES, STAFF_WRITE_ROLES
from schools.models import Municipality, Region

from .models import ClientKey, Tombstone


@register_policy(ClientKey)
class ClientKeyPolicy(Policy):
    """A methodologist issues and revokes the keys of the regional systems: a regional one those of their
    region, a municipal one the keys limited to their municipalities only."""

    read_roles = STAFF_WRITE_ROLES
    write_roles = STAFF_WRITE_ROLES
    messages = {"view": "Ключи API выдают методисты.", "change": "Ключи API выдают методисты."}  # noqa: RUF012

    def scope(self, queryset, user: Actor | None, roles, action):
        scope = self.reach_scope(user, roles)
        if scope.everything:
            return queryset
        keys = self.model._default_manager
        regional = keys.filter(region_id__in=scope.region_ids)
        municipal = keys.filter(municipalities__in=scope.municipality_ids).exclude(
            municipalities__in=Municipality.objects.exclude(pk__in=scope.municipality_ids)
        )
        return queryset.filter(pk__in=(regional | municipal).values("pk"))

    def issue_territories(self, user: Actor | None):
        """The regions and municipalities ``user`` may issue keys for (the choices of the key form)."""
        scope = self.reach_scope(user, self.roles("change"))
        if scope.everything:
            return Region.objects.all(), Municipality.objects.all()
        regions = Region.objects.filter(pk__in=scope.region_ids) | Region.objects.filter(
            municipalities__in=scope.municipality_ids
        )
        municipalities = Municipality.objects.filter(
            region_id__in=scope.region_ids
        ) | Municipality.objects.filter(pk__in=scope.municipality_ids)
        return regions.distinct(), municipalities.distinct()

    def can_issue_for_region(self, user: Actor | None, region: Region) -> bool:
        """A key for a whole region (no municipalities named) is issued by that region's methodologists."""
        scope = self.reach_scope(user, self.roles("change"))
        return scope.everything or region.pk in scope.region_ids


@register_policy(Tombstone)
class TombstonePolicy(Policy):
    """A client syncing with ``updated_since`` learns of a deletion in a municipality it reaches (through any
    role, as the rows themselves); a report of a whole region (no municipality) is learnt of in its region."""

    read_roles = ALL_ROLES
    write_roles = frozenset()

    def scope(self, queryset, user: Actor | None, roles, action):
        scope = self.reach_scope(user, roles)
        if scope.everything:
            return queryset
        municipalities = set(scope.municipality_ids) | set(
            Municipality.objects.filter(region_id__in=scope.region_ids).values_list("pk", flat=True)
        )
        q = Q(municipality_id__in=municipalities)
        if scope.region_ids:
            q |= Q(model="reports.report", municipality_id__isnull=True, region_id__in=scope.region_ids)
        return queryset.filter(q)


def key_policy() -> ClientKeyPolicy:
    """The registered policy of client keys, typed as such."""
    policy = policy_for(ClientKey)
    assert isinstance(policy, ClientKeyPolicy)  # noqa: S101 - registered above
    return policy
