"""The audit pages: changes to the working data and the sign-in journal. Read-only: GET and HEAD only."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_safe

from .forms_audit import AuditFilterForm, AuthFilterForm
from .models import AuthEvent
from .policies import VIEW, policy_for
from .selectors_audit import PAGE_SIZE, audit_entries, auth_events, change_rows


@require_safe
@login_required
def changes(request):
    policy_for(AuthEvent).require(request.user, VIEW)  # core.policies.AuditPolicy
    form = AuditFilterForm(request.GET or None)
    page = Paginator(change_rows(request.user, form.filter()), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "core/audit.html",
        {"tab": "changes", "form": form, "page_obj": page, "entries": audit_entries(page.object_list)},
    )


@require_safe
@login_required
def logins(request):
    policy_for(AuthEvent).require(request.user, VIEW)  # core.policies.AuditPolicy
    form = AuthFilterForm(request.GET or None)
    page = Paginator(auth_events(request.user, form.filter()), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "core/audit.html", {"tab": "logins", "form": form, "page_obj": page})
