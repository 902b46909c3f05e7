"""Permission policies of roadmaps and events (core.policies): the reading rules wider than the territory tree."""

from core.policies import VIEW, Policy, is_person, policy_for, register_policy
from schools.models import School

from .models import Event, Roadmap, RoadmapItem


@register_policy(Roadmap)
class RoadmapPolicy(Policy):
    """A municipal roadmap is the municipality's (its staff and schools read it); a school's is the school's.
    A person named responsible on an item reads its roadmap (a mentor, a partner school's teacher…)."""

    def scope(self, queryset, user, roles, action):
        reached = self.territory(queryset, user, roles)
        if action != VIEW:
            return reached
        scope = self.reach_scope(user, roles)
        if scope.everything:
            return queryset
        # Municipal roadmaps are also read by the schools of the municipality (their items name the schools).
        school_municipalities = School.objects.filter(pk__in=scope.school_ids).values("municipality_id")
        reached = reached | queryset.filter(school__isnull=True, municipality_id__in=school_municipalities)
        if is_person(user):  # an API key's principal has no account: never named responsible
            reached = reached | queryset.filter(
                pk__in=self.model._default_manager.filter(items__responsible_users=user).values("pk")
            )
        return reached


@register_policy(RoadmapItem)
class RoadmapItemPolicy(Policy):
    """Items are read with their roadmap (which includes those where the user is named responsible)."""

    def scope(self, queryset, user, roles, action):
        if action != VIEW:
            return self.territory(queryset, user, roles)
        roadmaps = policy_for(Roadmap).instances(user, VIEW)
        return queryset.filter(roadmap__in=roadmaps.values("pk"))


@register_policy(Event)
class EventPolicy(Policy):
    """An event is reached through its municipality and its participating schools (one row each). Reading
    also goes through the participating schools' municipality and region: a regional event recorded by one
    municipality is seen by the staff of every municipality whose schools took part."""

    def scope(self, queryset, user, roles, action):
        if action != VIEW:
            return self.territory_distinct(queryset, user, roles)
        scope = self.reach_scope(user, roles)
        everything = self.model._default_manager.all()
        within = self.territory(everything, user, roles)
        if within is everything:
            return queryset
        if scope.municipality_ids:
            within |= everything.filter(schools__municipality__in=scope.municipality_ids)
        if scope.region_ids:
            within |= everything.filter(schools__municipality__region__in=scope.region_ids)
        return queryset.filter(pk__in=within.values("pk"))
