from django.conf import settings

from .navigation import menu_for


def navigation(request):
    user = getattr(request, "user", None)
    authenticated = user is not None and user.is_authenticated
    return {
        "portal_title": settings.PORTAL_TITLE,
        "nav_items": menu_for(user, request.path) if user is not None else [],
        # Lazy: evaluated only by templates that show the header, in one query with the targets.
        "header_roles": (
            user.role_assignments.select_related("region", "municipality", "school") if authenticated else []
        ),
    }
