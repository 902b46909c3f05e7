from django.conf import settings

from .navigation import menu_for


def navigation(request):
    user = getattr(request, "user", None)
    return {
        "portal_title": settings.PORTAL_TITLE,
        "nav_items": menu_for(user) if user is not None else [],
    }
