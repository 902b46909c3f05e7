"""Permission policies of mentoring (core.policies): the rules wider than the territory tree."""

from django.db.models import Q

from core.policies import CHANGE, VIEW, Policy, is_person, register_policy

from .models import LogEntry


@register_policy(LogEntry)
class LogEntryPolicy(Policy):
    """The log names teachers: the school's people and the municipality's staff read it (LOG_READ_ROLES).
    The author reads and edits their entries (a tutor, who reaches teachers one by one, reads the entries they
    wrote); the municipality's methodologist corrects any."""

    def scope(self, queryset, user, roles, action):
        within = self.territory(queryset, user, roles)
        if action not in (VIEW, CHANGE) or not is_person(user):  # an API key's principal writes nothing
            return within
        return within | queryset.filter(Q(author=user))
