"""``{% notification_bell %}``: the header's bell with the unread count (one query, only for a signed-in person)."""

from django import template

from core.plural import plural

from ..selectors import unread_count

register = template.Library()


def bell_label(count: int) -> str:
    """What a screen reader says of the bell: «Уведомления: 3 непрочитанных», «…: нет непрочитанных»."""
    if not count:
        return "Уведомления: нет непрочитанных"
    return f"Уведомления: {count} {plural(count, 'непрочитанное', 'непрочитанных', 'непрочитанных')}"


@register.inclusion_tag("notifications/_bell.html", takes_context=True)
def notification_bell(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or getattr(user, "pk", None) is None:
        return {"show": False}
    count = unread_count(user)
    return {"show": True, "count": count, "label": bell_label(count)}
