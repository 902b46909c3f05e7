"""The list of a person's notifications, «прочитано» and the e-mail settings. Views only parse and call."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.plural import count_noun

from . import selectors, services
from .forms import EmailPreferencesForm
from .models import Notification


@login_required
def notification_list(request):
    notifications = selectors.notifications_for(request.user)
    page = Paginator(notifications, selectors.PAGE_SIZE).get_page(request.GET.get("page"))
    unread = selectors.unread_count(request.user)
    return render(request, "notifications/list.html", {"page": page, "unread": unread})


@require_POST
@login_required
def notification_read(request, pk: int):
    notification = get_object_or_404(selectors.notifications_for(request.user), pk=pk)
    services.notification_mark_read(user=request.user, notification=notification)
    if request.POST.get("open") and notification.url:
        return redirect(notification.url)
    return redirect("notifications:list")


@require_POST
@login_required
def notification_read_all(request):
    marked = services.notifications_mark_all_read(user=request.user)
    if marked:
        messages.success(
            request,
            f"Отмечено прочитанными: {count_noun(marked, 'уведомление', 'уведомления', 'уведомлений')}.",
        )
    return redirect("notifications:list")


@login_required
def notification_settings(request):
    form = EmailPreferencesForm(
        request.POST or None, initial_channels=services.email_preferences(request.user)
    )
    if request.method == "POST" and form.is_valid():
        services.email_preferences_save(user=request.user, channels=form.cleaned_data)
        messages.success(request, "Настройки уведомлений сохранены.")
        return redirect("notifications:settings")
    return render(
        request,
        "notifications/settings.html",
        {"form": form, "email": request.user.email, "Notification": Notification},
    )
