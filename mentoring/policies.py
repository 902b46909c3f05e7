"""Permission policies of mentoring (core.policies): every "may this user do X" of orders, assignments,
partnerships and the log.

Actions besides ``view`` and ``change``:

- orders: ``create`` (enter an order of a municipality; anywhere: the user is the area's staff);
- mentor and tutor assignments: ``assign`` (name a mentor for a school, a tutor for a school's teacher),
  ``coverage`` (the coverage report), and for mentor assignments ``own`` (the mentor's or tutor's own page);
- partnerships: ``create`` (for a school), ``edit_plan`` (the joint plan: the municipality's methodologist and
  the school's admin);
- the log: ``log`` (record mentoring at a school: its mentor, the tutors of its teachers, the methodologist),
  ``delete``, ``totals`` (the municipality's overview by school and type).

Actions about an object that does not exist yet are asked about its owner (``schools``, ``municipalities``):
the owner's own policy with the action's roles, so the answer is the territory tree's, as everywhere.
"""

from django.db.models import Q

from core.policies import CHANGE, VIEW, Policy, is_person, policy_for, register_policy
from core.principals import Actor
from core.roles import SCHOOL_WRITE_ROLES, STAFF_WRITE_ROLES, Role
from schools.models import Municipality
from schools.policies import OwnedBySchoolPolicy

from .models import LogEntry, MentorAssignment, Order, Partnership, PlanItem, TutorAssignment

CREATE = "create"
ASSIGN = "assign"
COVERAGE = "coverage"
OWN = "own"
EDIT_PLAN = "edit_plan"
LOG = "log"
DELETE = "delete"
TOTALS = "totals"

# The staff who look at the whole area (coverage, the log's totals): methodologists and heads; the region's
# analyst reads coverage too (counts, no names in the log).
COVERAGE_ROLES = frozenset({Role.METHODIST, Role.HEAD, Role.REGIONAL_ANALYST})
# Who records mentoring: the assigned mentor and tutors (through their orders), and the methodologist.
LOG_WRITE_ROLES = STAFF_WRITE_ROLES | frozenset({Role.MENTOR, Role.TUTOR})


@register_policy(Order)
class OrderPolicy(Policy):
    """Orders are the municipality's documents: its staff read them; its methodologist enters and changes
    them. ``can(user, "create")`` with no object: the user is the mentoring area's staff."""

    actions = {CREATE: STAFF_WRITE_ROLES}
    messages = {
        VIEW: "Нет доступа к этому приказу.",
        CHANGE: "Менять приказы этого муниципалитета может только его методист.",
        CREATE: "Вносить приказы муниципалитета может только его методист.",
    }

    def municipalities(self, user: Actor | None, action: str = CREATE):
        """Municipalities whose orders ``user`` may enter (the municipality's policy, the action's roles)."""
        return policy_for(Municipality).reach(user, self.roles(action))

    def require_create_in(self, user: Actor | None, municipality: Municipality) -> None:
        if not self.municipalities(user).filter(pk=municipality.pk).exists():
            self.deny(CREATE)


@register_policy(MentorAssignment)
class MentorAssignmentPolicy(OwnedBySchoolPolicy):
    """Reached through the mentored school: its admin, the municipality, the mentor themself. The
    municipality's methodologist assigns mentors and ends assignments."""

    actions = {
        ASSIGN: STAFF_WRITE_ROLES,
        COVERAGE: COVERAGE_ROLES,
        OWN: frozenset({Role.MENTOR, Role.TUTOR}),
    }
    messages = {
        VIEW: "Нет доступа к этому назначению.",
        CHANGE: "Недостаточно прав для изменения этой записи.",
        ASSIGN: "Назначения и партнёрства ведут методисты органа управления образованием.",
        COVERAGE: "Охват наставничеством смотрят методисты и руководители.",
        OWN: "Эта страница — для наставников и тьюторов.",
    }

    def can_anywhere(self, user: Actor | None, action: str) -> bool:
        if action == OWN:
            # A mentor's or tutor's own page is theirs while they hold the role, also between orders (their
            # log stays theirs); a superuser holds every role.
            return is_person(user) and user.has_role(*self.roles(OWN))
        return super().can_anywhere(user, action)


@register_policy(TutorAssignment)
class TutorAssignmentPolicy(OwnedBySchoolPolicy):
    """A tutor's assignment names a teacher (personal data): read through the teacher; the municipality's
    methodologist assigns tutors to the teachers of its schools."""

    actions = {ASSIGN: STAFF_WRITE_ROLES}
    messages = {
        VIEW: "Нет доступа к этому назначению.",
        CHANGE: "Недостаточно прав для изменения этой записи.",
        ASSIGN: "Назначения и партнёрства ведут методисты органа управления образованием.",
    }


@register_policy(Partnership)
class PartnershipPolicy(OwnedBySchoolPolicy):
    """Reached through the ШНОР of the partnership. The municipality's methodologist creates partnerships;
    the joint plan is the school's work too: its admin and the methodologist change it (``edit_plan``)."""

    actions = {CREATE: STAFF_WRITE_ROLES, EDIT_PLAN: SCHOOL_WRITE_ROLES}
    messages = {
        VIEW: "Нет доступа к этому партнёрству.",
        CHANGE: "Недостаточно прав для изменения этой записи.",
        CREATE: "Назначения и партнёрства ведут методисты органа управления образованием.",
        EDIT_PLAN: "Менять совместный план могут методист муниципалитета и администратор школы.",
    }


@register_policy(PlanItem)
class PlanItemPolicy(Policy):
    """An item of a joint plan: read with its partnership; its school's admin and the methodologist change it."""

    messages = {
        VIEW: "Нет доступа к этому пункту плана.",
        CHANGE: PartnershipPolicy.messages[EDIT_PLAN],
    }


@register_policy(LogEntry)
class LogEntryPolicy(OwnedBySchoolPolicy):
    """The log names teachers: the school's people and the municipality's staff read it (LOG_READ_ROLES).
    The author reads, edits and deletes their entries (a tutor, who reaches teachers one by one, reads the
    entries they wrote); the municipality's methodologist corrects any. A new entry is recorded at a school
    (``log``): by its mentor, the tutors of its teachers and the methodologist."""

    actions = {
        LOG: LOG_WRITE_ROLES,
        DELETE: STAFF_WRITE_ROLES,
        TOTALS: frozenset({Role.METHODIST, Role.HEAD}),
    }
    messages = {
        VIEW: "Нет доступа к этой записи журнала.",
        CHANGE: "Исправлять запись может её автор или методист муниципалитета.",
        DELETE: "Удалить запись может её автор или методист муниципалитета.",
        LOG: "Вести журнал по этой школе могут её наставник, тьюторы её педагогов и методист муниципалитета.",
        TOTALS: "Сводку журнала по школам смотрят методисты и руководители.",
    }
    AUTHORED = (VIEW, CHANGE, DELETE)

    def scope(self, queryset, user: Actor | None, roles, action):
        within = self.territory(queryset, user, roles)
        if action not in self.AUTHORED or not is_person(user):  # an API key's principal writes nothing
            return within
        return within | queryset.filter(Q(author=user))

    def can_anywhere(self, user: Actor | None, action: str) -> bool:
        if action == LOG:
            return self.schools(user, LOG).exists()  # some school to record at (a query, as the page asks)
        if action == TOTALS:
            # The overview counts a municipality's or a region's entries: staff of a municipality or a region.
            scope = self.reach_scope(user, self.roles(TOTALS))
            return scope.everything or bool(scope.region_ids or scope.municipality_ids)
        if super().can_anywhere(user, action):
            return True
        # An author without the role (a tutor, a mentor between orders) still reads and corrects their entries.
        return (
            action in self.AUTHORED
            and is_person(user)
            and self.model._default_manager.filter(author=user).exists()
        )
