"""The audit pages: changes to the working data and the sign-in journal. Read-only: GET and HEAD only."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_safe

from .forms_audit import AuditFilterForm, AuthFilterForm
from .selectors_audit import PAGE_SIZE, audit_entries, auth_events, change_rows, may_see_audit


def _require_reader(user) -> None:
    if not may_see_audit(user):
        raise PermissionDenied(
            "Журнал изменений доступен методистам, руководителям управления образования и администраторам портала."
        )


@require_safe
@login_required
def changes(request):
    _require_reader(request.user)
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
    _require_reader(request.user)
    form = AuthFilterForm(request.GET or None)
    page = Paginator(auth_events(request.user, form.filter()), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "core/audit.html", {"tab": "logins", "form": form, "page_obj": page})
