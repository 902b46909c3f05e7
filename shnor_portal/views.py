"""Pages of the portal shell: the home page, which gathers every area (what each of the user's roles has to do,
shnor_portal/home.py), so it sits above the apps with the URLconf. Sign-in, sign-out and password change are
Django's views (core/urls.py)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from roadmaps.selectors import my_open_items

from .home import home_blocks

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
            "blocks": home_blocks(user, today=today),
            "my_items": [(item, item.is_overdue(today)) for item in items[:HOME_ITEMS_SHOWN]],
            "more_items": len(items) > HOME_ITEMS_SHOWN,
        },
    )
