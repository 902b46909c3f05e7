"""Pages of the portal shell: the home page, which gathers every area (the schools a user reaches, the roadmap
items naming them), so it sits above the apps with the URLconf. Sign-in, sign-out and password change are
Django's views (core/urls.py)."""

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from core.policies import policy_for
from core.roles import ALL_ROLES, ROLE_SCOPE_LEVELS, Role, ScopeLevel
from roadmaps.selectors import my_open_items
from schools.models import Municipality, School

# How many municipality names a role card lists before it says "и ещё N": a regional grant reaches
# dozens of municipalities, which would drown the page.
MUNICIPALITY_NAMES_SHOWN = 12


@dataclass(frozen=True)
class RoleReach:
    """What one of the user's roles opens: its targets, the schools and municipalities in its scope."""

    label: str
    targets: list[str]
    school_count: int
    municipality_names: list[str]
    municipality_count: int
    by_assignment: bool = False  # mentor/tutor: the scope comes from orders, not from the role itself

    @property
    def more_municipalities(self) -> int:
        return self.municipality_count - len(self.municipality_names)


def _reach(
    label: str, targets: list[str], user, roles: frozenset[str], *, by_assignment: bool = False
) -> RoleReach:
    """What ``roles`` of ``user`` reach, as the policies of schools and municipalities say (one role at a time)."""
    schools = policy_for(School).reach(user, roles)
    municipalities = policy_for(Municipality).reach(user, roles)  # one row each, however many schools
    names = list(municipalities.order_by("name").values_list("name", flat=True)[:MUNICIPALITY_NAMES_SHOWN])
    return RoleReach(
        label=label,
        targets=targets,
        school_count=schools.count(),
        municipality_names=names,
        municipality_count=len(names) if len(names) < MUNICIPALITY_NAMES_SHOWN else municipalities.count(),
        by_assignment=by_assignment,
    )


def role_reaches(user) -> list[RoleReach]:
    """One entry per role the user holds (and one for a superuser), in the order of ``Role``."""
    if user.is_superuser:
        return [_reach("Администратор портала", ["все регионы"], user, ALL_ROLES)]
    assignments = list(user.role_assignments.select_related("region", "municipality", "school"))
    reaches = []
    for role in Role:
        held = [a for a in assignments if a.role == role]
        if not held:
            continue
        by_assignment = ScopeLevel.ASSIGNED in ROLE_SCOPE_LEVELS[role]
        targets = [] if by_assignment else [str(a.school or a.municipality or a.region) for a in held]
        reaches.append(_reach(role.label, targets, user, frozenset({role}), by_assignment=by_assignment))
    return reaches


# The home page lists the first open roadmap items naming the user; the rest are one click away.
HOME_ITEMS_SHOWN = 10


@login_required
def home(request):
    user = request.user
    today = timezone.localdate()
    items = list(my_open_items(user, today)[: HOME_ITEMS_SHOWN + 1])
    return render(
        request,
        "core/home.html",
        {
            "reaches": role_reaches(user),
            "school_count": School.objects.visible_to(user).count(),
            "my_items": [(item, item.is_overdue(today)) for item in items[:HOME_ITEMS_SHOWN]],
            "more_items": len(items) > HOME_ITEMS_SHOWN,
        },
    )
