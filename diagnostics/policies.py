"""Permission policies of diagnostics, routes (ИОМ) and quarterly forms (core.policies).

Every "may this user do X" of the area is answered here: the pages, the selectors and the services ask these
policies (``policy_for(Model).can / require / instances``), never the roles or the territory themselves.

Actions besides ``view`` and ``change``:

- campaigns: ``open`` (the diagnostics pages: the campaign's staff and whoever reads a participating teacher),
  ``create`` (run a diagnostics in a municipality), ``enter_results`` (scores and named deficits);
- diagnostics results: ``view`` anywhere is "reads teachers' results" (personal data);
- routes: ``draft`` (a new ИОМ for a teacher), ``write`` (its lines), ``approve``;
- quarterly forms: ``fill`` (the school's admin), ``review`` (the municipality's methodologist accepts or
  returns), ``oversee`` (the staff's overview and the ИОМ dashboard).

Actions about an object that does not exist yet are asked about its owner: a teacher for a new route
(``RoutePolicy.teachers``), a school for a new quarterly form (``ProgressFormPolicy.schools``), a municipality
for a new campaign (``CampaignPolicy.municipalities``). Each reads the owner's own policy with the roles of the
action, so the answer is the territory tree's, as everywhere.
"""

from django.db.models import Q

from core.policies import CHANGE, VIEW, Policy, policy_for, register_policy
from core.principals import Actor
from core.roles import PERSONAL_DATA_ROLES, STAFF_WRITE_ROLES, Role
from schools.models import Municipality, Teacher
from schools.policies import OwnedBySchoolPolicy

from .models import (
    Campaign,
    DiagnosticResult,
    ProgressEntry,
    ProgressForm,
    Route,
    RouteLine,
    SpecificDeficit,
)
from .querysets import FORM_FILL_ROLES, ROUTE_WRITE_ROLES, CampaignQuerySet

OPEN = "open"
CREATE = "create"
ENTER_RESULTS = "enter_results"
DRAFT = "draft"
WRITE = "write"
APPROVE = "approve"
FILL = "fill"
REVIEW = "review"
OVERSEE = "oversee"

# The municipality's and the region's staff: they see campaigns as such (and the area's tabs).
CAMPAIGN_STAFF_ROLES = CampaignQuerySet.read_roles


@register_policy(Campaign)
class CampaignPolicy(Policy):
    """A campaign is the municipality's: its methodologists, head and the region's analyst see it; its
    methodologist runs it and enters the results. Results are teachers' personal data: whoever reads a
    participating teacher (the school's admin, the school's mentor, the teacher's tutor) opens the campaign
    too (``open``), and sees only the teachers the gate lets through."""

    actions = {
        OPEN: CAMPAIGN_STAFF_ROLES | PERSONAL_DATA_ROLES,
        CREATE: STAFF_WRITE_ROLES,
        ENTER_RESULTS: STAFF_WRITE_ROLES,
    }
    messages = {
        VIEW: "Нет доступа к этой диагностике.",
        CHANGE: "Вносить результаты диагностики может методист муниципалитета.",
        OPEN: (
            "Диагностику профессиональных дефицитов ведут методисты органа управления образованием; её "
            "результаты видят руководители, администраторы школ, наставники и тьюторы своих педагогов."
        ),
        CREATE: "Проводить диагностику может методист муниципалитета.",
        ENTER_RESULTS: "Вносить результаты диагностики может методист муниципалитета.",
    }

    def scope(self, queryset, user: Actor | None, roles, action):
        if action != OPEN:
            return self.territory(queryset, user, roles)
        # The staff's campaigns, and those where a teacher the user reads participates.
        staff = self.territory(self.model._default_manager.all(), user, roles & self.roles(VIEW))
        through = Campaign.schools.through
        teachers = policy_for(Teacher).reach(user, roles & PERSONAL_DATA_ROLES)
        via_teachers = through.objects.filter(school_id__in=teachers.values("school_id")).values(
            "campaign_id"
        )
        return queryset.filter(Q(pk__in=staff.values("pk")) | Q(pk__in=via_teachers))

    def municipalities(self, user: Actor | None, action: str = CREATE):
        """Municipalities where ``user`` may run a diagnostics (the municipality's policy, these roles)."""
        return self.owners(Municipality, user, action)

    def can_create_in(self, user: Actor | None, municipality: Municipality) -> bool:
        return self.can_for_owner(user, CREATE, municipality)

    def require_create_in(self, user: Actor | None, municipality: Municipality) -> None:
        if not self.can_create_in(user, municipality):
            self.deny(CREATE)


@register_policy(DiagnosticResult)
class DiagnosticResultPolicy(Policy):
    """A teacher's scores: personal data (the teacher's school, mentor, tutor and the municipality's staff);
    entered by the methodologist. ``can(user, "view")`` with no object: the user reads teachers' results."""

    messages = {
        VIEW: (
            "Результаты диагностики педагогов — персональные данные: их видят методисты и руководитель "
            "муниципалитета, администрация школы, наставник и тьютор педагога. Региональному аналитику "
            "доступны сводные данные на странице диагностики."
        ),
        CHANGE: "Вносить результаты диагностики может методист муниципалитета.",
    }


@register_policy(SpecificDeficit)
class SpecificDeficitPolicy(Policy):
    """A named deficit of a teacher: read and written as the teacher's results."""

    messages = DiagnosticResultPolicy.messages


@register_policy(Route)
class RoutePolicy(Policy):
    """An ИОМ is drafted from the deficits, edited and approved by the municipality's methodologist or the
    teacher's tutor (ROUTE_WRITE_ROLES); read as the teacher's personal data."""

    actions = {DRAFT: ROUTE_WRITE_ROLES, WRITE: ROUTE_WRITE_ROLES, APPROVE: ROUTE_WRITE_ROLES}
    messages = {
        VIEW: "Нет доступа к этому ИОМ.",
        CHANGE: "Составлять и утверждать ИОМ могут методист муниципалитета и тьютор педагога.",
        DRAFT: "Составлять и утверждать ИОМ могут методист муниципалитета и тьютор педагога.",
        WRITE: "Составлять и утверждать ИОМ могут методист муниципалитета и тьютор педагога.",
        APPROVE: "Составлять и утверждать ИОМ могут методист муниципалитета и тьютор педагога.",
    }

    def teachers(self, user: Actor | None, action: str = WRITE, queryset=None):
        """Teachers whose ИОМ ``user`` may draft, write or approve (the teacher's policy, the action's roles):
        the same rows a route of theirs is reached by (a route is reached through its teacher)."""
        return self.owners(Teacher, user, action, queryset)

    def can_for_teacher(self, user: Actor | None, action: str, teacher: Teacher) -> bool:
        return self.can_for_owner(user, action, teacher)

    def require_for_teacher(self, user: Actor | None, action: str, teacher: Teacher) -> None:
        self.require_for_owner(user, action, teacher)


@register_policy(RouteLine)
class RouteLinePolicy(Policy):
    """A line of an ИОМ: read and written with its route (the roles of RouteLineQuerySet)."""


@register_policy(ProgressForm)
class ProgressFormPolicy(OwnedBySchoolPolicy):
    """A school's quarterly form: its admin fills it (only the admin: the methodologist must not sign for the
    school); the municipality's methodologist accepts or returns it; the municipality's staff read it."""

    actions = {
        FILL: FORM_FILL_ROLES,
        REVIEW: STAFF_WRITE_ROLES,
        OVERSEE: frozenset({Role.METHODIST, Role.HEAD}),
    }
    messages = {
        VIEW: "Квартальные формы заполняют администраторы школ и проверяют методисты.",
        CHANGE: "Заполнять форму может администратор этой школы.",
        FILL: "Заполнять форму может администратор этой школы.",
        REVIEW: "Принимать и возвращать формы может методист муниципалитета.",
        OVERSEE: "Сводка по ИОМ — для методистов и руководителей.",
    }

    def schools(self, user: Actor | None, action: str = FILL, queryset=None):
        """Schools whose forms ``user`` may do ``action`` with: where a form not opened yet may be opened, which
        schools' forms a school's admin lists."""
        return super().schools(user, action, queryset)


@register_policy(ProgressEntry)
class ProgressEntryPolicy(Policy):
    """A line of a quarterly form: read and filled with its form (the roles of ProgressEntryQuerySet)."""
