"""Permission policy of reports (core.policies): who reads, orders, corrects, approves and signs them."""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from core.policies import CHANGE, VIEW, Policy, policy_for, register_policy
from schools.models import Municipality, Region, School

from .models import APPROVE_ROLES, REQUEST_ROLES, Report

REQUEST = "request"
APPROVE = "approve"


@register_policy(Report)
class ReportPolicy(Policy):
    """Reports are read by the staff of their territory and by a school's admin and mentor (their school's
    profile: READ_ROLES); the municipality's methodologists and heads order them and write recommendations
    (``change``, ``request``: REQUEST_ROLES); the head approves, signs or returns them (``approve``)."""

    actions = {REQUEST: REQUEST_ROLES, APPROVE: APPROVE_ROLES}  # noqa: RUF012
    messages = {  # noqa: RUF012
        VIEW: "Нет доступа к этому отчёту.",
        CHANGE: "Недостаточно прав для изменения этого отчёта.",
        REQUEST: "Вы не можете заказать отчёт по этой территории.",
        APPROVE: "Утверждать и подписывать отчёты может руководитель управления образования.",
    }

    def can_request_for(self, user, *, region_id: int, municipality_id: int | None) -> bool:
        """May ``user`` order a report on this territory (a region, or a municipality or one of its schools:
        then ``municipality_id`` is the school's)? Their request roles must cover all of it: a region-wide
        grant covers the region's municipalities and schools; a municipal grant its municipality's, not the
        region."""
        scope = self.reach_scope(user, self.roles(REQUEST))
        if scope.everything or region_id in scope.region_ids:
            return True
        return municipality_id is not None and municipality_id in scope.municipality_ids

    def require_request_for(self, user, *, region_id: int, municipality_id: int | None) -> None:
        if not self.can_request_for(user, region_id=region_id, municipality_id=municipality_id):
            raise PermissionDenied(self.messages[REQUEST])

    def request_territories(self, user) -> tuple[QuerySet, QuerySet, QuerySet]:
        """The regions and municipalities ``user`` may order reports for, and the schools of those (the choices
        of the order form), each ordered by name."""
        scope = self.reach_scope(user, self.roles(REQUEST))
        if scope.everything:
            regions = Region.objects.order_by("name")
            municipalities = Municipality.objects.order_by("name")
        else:
            regions = Region.objects.filter(pk__in=scope.region_ids).order_by("name")
            municipalities = Municipality.objects.filter(
                pk__in=scope.municipality_ids
            ) | Municipality.objects.filter(region_id__in=scope.region_ids)
            municipalities = municipalities.order_by("name")
        schools = School.objects.filter(municipality__in=municipalities).order_by("name")
        return regions, municipalities, schools


def report_policy() -> ReportPolicy:
    """The registered policy of reports, typed as such."""
    policy = policy_for(Report)
    assert isinstance(policy, ReportPolicy)  # noqa: S101 - registered above
    return policy


def may_open_reports(user) -> bool:
    """The menu entry (reports/apps.py): whoever may read reports somewhere (no query)."""
    return report_policy().can(user, VIEW)
