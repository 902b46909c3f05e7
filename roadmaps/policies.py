"""Permission policies of roadmaps, events and risk profiles (core.policies): every "may this user do X" of the
area, including the reading rules wider than the territory tree.

Actions besides ``view`` and ``change``:

- roadmaps: ``create`` (a municipality's roadmap, or a school's), ``indicators`` (the programme's indicators and
  the methodologist's dashboard);
- roadmap items: ``move`` (mark progress) and ``add_evidence``: the item's school admin, the municipality's
  methodologist, or a person named responsible on the item;
- events: ``create`` (in a municipality), ``totals`` (the year's totals of participants);
- risk profiles: ``change`` asked about a school (``RiskProfilePolicy.schools``): the profile of a school and year
  may not exist yet.
"""

from django.core.exceptions import PermissionDenied

from core.policies import CHANGE, VIEW, Policy, is_person, policy_for, register_policy
from core.principals import Actor
from core.roles import SCHOOL_WRITE_ROLES, STAFF_WRITE_ROLES, Role
from schools.models import Municipality, School
from schools.policies import OwnedBySchoolPolicy

from .models import Event, RiskProfile, Roadmap, RoadmapItem

CREATE = "create"
INDICATORS = "indicators"
MOVE = "move"
ADD_EVIDENCE = "add_evidence"
TOTALS = "totals"

# The programme's indicators, the dashboard and the events' totals: the municipality's and the region's staff.
# Teachers' data is personal: the analyst sees counts through these roles and never a name.
INDICATOR_ROLES = frozenset({Role.METHODIST, Role.HEAD, Role.REGIONAL_ANALYST})


def _named_responsible(user: Actor | None) -> bool:
    """Is ``user`` a person named responsible on some roadmap item?"""
    return is_person(user) and RoadmapItem.objects.filter(responsible_users=user).exists()


@register_policy(Roadmap)
class RoadmapPolicy(Policy):
    """A municipal roadmap is the municipality's (its staff and schools read it); a school's is the school's.
    A person named responsible on an item reads its roadmap (a mentor, a partner school's teacher…). The
    municipality's methodologist creates and plans both."""

    actions = {CREATE: STAFF_WRITE_ROLES, INDICATORS: INDICATOR_ROLES}
    messages = {
        VIEW: "Нет доступа к этой дорожной карте.",
        CHANGE: "Дорожные карты ведёт методист муниципалитета.",
        CREATE: "Дорожные карты ведёт методист муниципалитета.",
        INDICATORS: (
            "Показатели программы и обзор территории доступны методистам, руководителям и региональным "
            "аналитикам."
        ),
    }

    def scope(self, queryset, user: Actor | None, roles, action):
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

    def can_anywhere(self, user: Actor | None, action: str) -> bool:
        if super().can_anywhere(user, action):
            return True
        # A person without a role named responsible on an item reads its roadmap.
        return action == VIEW and _named_responsible(user)

    def municipalities(self, user: Actor | None, action: str = CREATE):
        """Municipalities whose roadmaps ``user`` may create (the municipality's policy, the action's roles)."""
        return policy_for(Municipality).reach(user, self.roles(action))

    def schools(self, user: Actor | None, action: str = CREATE):
        """Schools whose roadmaps ``user`` may create (the school's policy, the action's roles)."""
        return self.owners(School, user, action)

    def can_create_for(
        self, user: Actor | None, municipality: Municipality, school: School | None = None
    ) -> bool:
        """May ``user`` create (and plan) a roadmap of ``school`` or, without one, of ``municipality``?"""
        if school is not None:
            return self.can_for_owner(user, CREATE, school)
        return self.can_for_owner(user, CREATE, municipality)

    def require_create_for(
        self, user: Actor | None, municipality: Municipality, school: School | None = None
    ) -> None:
        if not self.can_create_for(user, municipality, school):
            raise PermissionDenied(
                "Дорожные карты школ ведёт методист муниципалитета."
                if school is not None
                else "Дорожную карту муниципалитета ведёт его методист."
            )


@register_policy(RoadmapItem)
class RoadmapItemPolicy(Policy):
    """Items are read with their roadmap (which includes those where the user is named responsible). The
    municipality's methodologist plans them (``change``: through the roadmap's owner; a school's admin updates
    the items of their school's roadmap); progress and evidence are marked by the school's admin, the
    methodologist and the people named responsible on the item."""

    actions = {MOVE: SCHOOL_WRITE_ROLES, ADD_EVIDENCE: SCHOOL_WRITE_ROLES}
    messages = {
        VIEW: "Нет доступа к этому пункту дорожной карты.",
        CHANGE: "Недостаточно прав для изменения этой записи.",
        MOVE: "Отмечать выполнение могут ответственные, администратор школы и методист.",
        ADD_EVIDENCE: "Прикладывать подтверждения могут ответственные, администратор школы и методист.",
    }
    RESPONSIBLE_ACTIONS = (MOVE, ADD_EVIDENCE)

    def scope(self, queryset, user: Actor | None, roles, action):
        if action == VIEW:
            roadmaps = policy_for(Roadmap).instances(user, VIEW)
            return queryset.filter(roadmap__in=roadmaps.values("pk"))
        reached = self.territory(queryset, user, roles)
        if action in self.RESPONSIBLE_ACTIONS and is_person(user):
            # One row per item however many people are named on it: the ids are selected first.
            named = self.model._default_manager.filter(responsible_users=user).values("pk")
            reached = queryset.filter(pk__in=reached.values("pk")) | queryset.filter(pk__in=named)
        return reached

    def can_anywhere(self, user: Actor | None, action: str) -> bool:
        if super().can_anywhere(user, action):
            return True
        # A person without a role named responsible on an item reads it and marks its progress.
        return action in (VIEW, *self.RESPONSIBLE_ACTIONS) and _named_responsible(user)


@register_policy(Event)
class EventPolicy(Policy):
    """An event is reached through its municipality and its participating schools (one row each). Reading
    also goes through the participating schools' municipality and region: a regional event recorded by one
    municipality is seen by the staff of every municipality whose schools took part. The municipality's
    methodologist records and changes its events; the staff read the year's totals."""

    actions = {CREATE: STAFF_WRITE_ROLES, TOTALS: INDICATOR_ROLES}
    messages = {
        VIEW: "Нет доступа к этому мероприятию.",
        CHANGE: "Менять мероприятия может только методист муниципалитета.",
        CREATE: "Мероприятия вносят методисты органа управления образованием.",
        TOTALS: "Итоги мероприятий смотрят методисты, руководители и региональные аналитики.",
    }

    def scope(self, queryset, user: Actor | None, roles, action):
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

    def municipalities(self, user: Actor | None, action: str = CREATE):
        """Municipalities whose events ``user`` may record (the municipality's policy, the action's roles)."""
        return policy_for(Municipality).reach(user, self.roles(action))

    def can_create_in(self, user: Actor | None, municipality: Municipality) -> bool:
        return self.can_for_owner(user, CREATE, municipality)


@register_policy(RiskProfile)
class RiskProfilePolicy(OwnedBySchoolPolicy):
    """A school's risk profile for a year: read by whoever reaches the school, filled in by the
    municipality's methodologist. Asked about the school (``schools``, ``can_for_school``): the profile of a
    year is created on its first save."""

    messages = {
        VIEW: "Нет доступа к этому рисковому профилю.",
        CHANGE: "Рисковый профиль заполняет методист муниципалитета; администратор школы его просматривает.",
    }
