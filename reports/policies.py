"""Permission policy of reports (core.policies): who reads, orders, corrects, approves and signs them."""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from core.policies import CHANGE, VIEW, Policy, is_system, may_act, policy_for, register_policy
from core.principals import Actor
from core.roles import Role
from schools.models import Municipality, Region, School

from .models import Report, TrustedRoot
from .querysets import APPROVE_ROLES, REQUEST_ROLES

REQUEST = "request"
APPROVE = "approve"  # approve, seal, return — and attach the head's КЭП (reports.services_kep)
# Who sees the СНИЛС of the certificate that signed a report: the territory's staff who work with names
# (core.roles.PERSONAL_DATA_ROLES), not the analyst, a school's admin or mentor reading the report (152-ФЗ).
SIGNER_SNILS = "signer_snils"
SIGNER_SNILS_ROLES = frozenset({Role.METHODIST, Role.HEAD})


@register_policy(Report)
class ReportPolicy(Policy):
    """Reports are read by the staff of their territory and by a school's admin and mentor (their school's
    profile: READ_ROLES); the municipality's methodologists and heads order them and write recommendations
    (``change``, ``request``: REQUEST_ROLES); the head approves, signs or returns them (``approve``)."""

    actions = {REQUEST: REQUEST_ROLES, APPROVE: APPROVE_ROLES, SIGNER_SNILS: SIGNER_SNILS_ROLES}  # noqa: RUF012
    messages = {  # noqa: RUF012
        VIEW: "Нет доступа к этому отчёту.",
        CHANGE: "Недостаточно прав для изменения этого отчёта.",
        REQUEST: "Вы не можете заказать отчёт по этой территории.",
        APPROVE: "Утверждать и подписывать отчёты может руководитель управления образования.",
        SIGNER_SNILS: "СНИЛС подписанта видят методисты и руководители территории отчёта.",
    }

    def can_request_for(self, user: Actor | None, *, region_id: int, municipality_id: int | None) -> bool:
        """May ``user`` order a report on this territory (a region, or a municipality or one of its schools:
        then ``municipality_id`` is the school's)? Their request roles must cover all of it: a region-wide
        grant covers the region's municipalities and schools; a municipal grant its municipality's, not the
        region."""
        scope = self.reach_scope(user, self.roles(REQUEST))
        if scope.everything or region_id in scope.region_ids:
            return True
        return municipality_id is not None and municipality_id in scope.municipality_ids

    def require_request_for(self, user: Actor | None, *, region_id: int, municipality_id: int | None) -> None:
        if not self.can_request_for(user, region_id=region_id, municipality_id=municipality_id):
            raise PermissionDenied(self.messages[REQUEST])

    def sees_signer_snils(self, user: Actor | None, report: Report) -> bool:
        """May ``user`` see the СНИЛС of the certificate that signed ``report`` (SIGNER_SNILS)? Decided on the
        user's scope, read once per user, so a list of reports asks no query per report."""
        scope = self.reach_scope(user, self.roles(SIGNER_SNILS))
        return (
            scope.everything
            or report.region_id in scope.region_ids
            or report.municipality_id in scope.municipality_ids
        )

    def request_territories(self, user: Actor | None) -> tuple[QuerySet, QuerySet, QuerySet]:
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


def may_open_reports(user: Actor | None) -> bool:
    """The menu entry (reports/apps.py): whoever may read reports somewhere (no query)."""
    return report_policy().can(user, VIEW)


@register_policy(TrustedRoot)
class TrustedRootPolicy(Policy):
    """The trust roots are the whole portal's (every department's heads sign under them): only a superuser (or
    the portal itself, in a management command) reads, adds and removes them; no role reaches them."""

    messages = {  # noqa: RUF012
        VIEW: "Доверенные корневые сертификаты видит только администратор портала.",
        CHANGE: "Доверенные корневые сертификаты добавляет и удаляет только администратор портала.",
    }

    def _superuser(self, user: Actor | None) -> bool:
        return may_act(user) and (is_system(user) or bool(getattr(user, "is_superuser", False)))

    def roles(self, action: str) -> frozenset[str]:
        return frozenset()  # no role: superusers only (see _superuser)

    def can_anywhere(self, user: Actor | None, action: str) -> bool:
        return self._superuser(user)

    def instances(self, user: Actor | None, action: str, queryset=None):
        queryset = self._base(queryset)
        return queryset if self._superuser(user) else queryset.none()


def trusted_root_policy() -> TrustedRootPolicy:
    policy = policy_for(TrustedRoot)
    assert isinstance(policy, TrustedRootPolicy)  # noqa: S101 - registered above
    return policy
