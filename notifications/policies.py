"""Permission policy of notifications (core.policies): a notification is its recipient's alone."""

from core.policies import CHANGE, VIEW, Policy, is_person, register_policy
from core.roles import ALL_ROLES

from .models import Notification


@register_policy(Notification)
class NotificationPolicy(Policy):
    """Every person reads and marks read their own notifications, whatever their roles (a person with none
    too); nobody else's, superusers included: the list is a personal inbox, not territory data."""

    read_roles = ALL_ROLES
    write_roles = ALL_ROLES
    messages = {  # noqa: RUF012
        VIEW: "Это уведомление адресовано другому пользователю.",
        CHANGE: "Это уведомление адресовано другому пользователю.",
    }

    def scope(self, queryset, user, roles, action):
        if not is_person(user):
            return queryset.none()
        return queryset.filter(recipient=user)

    def can_anywhere(self, user, action: str) -> bool:
        return is_person(user)
