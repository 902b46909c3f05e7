from django.conf import settings

from .models import User
from .navigation import menu_for


def navigation(request):
    user = getattr(request, "user", None)
    # A page rendered for an API client (the API's own docs) has no portal account: no menu, no roles.
    person = user if isinstance(user, User) and user.is_authenticated else None
    return {
        "portal_title": settings.PORTAL_TITLE,
        "nav_items": menu_for(person, request.path) if person is not None else [],
        # Lazy: evaluated only by templates that show the header, in one query with the targets.
        "header_roles": person.role_assignments.select_related("region", "municipality", "school")
        if person
        else [],
    }
