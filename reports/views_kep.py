"""Pages of the head's КЭП that are not the sign page: the downloads of the signature and of the bundle, and the
superuser's page of trusted root certificates. Views parse and format; services_kep writes and decides."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.policies import CHANGE, VIEW

from . import downloads, services_kep
from .forms_kep import TrustedRootForm
from .models import Report, TrustedRoot
from .policies import trusted_root_policy


def _report(request, pk: int) -> Report:
    return get_object_or_404(
        Report.objects.visible_to(request.user).select_related("region", "municipality", "school", "kep"),
        pk=pk,
    )


@login_required
def download_signature(request, pk: int):
    """The head's detached signature, as uploaded (DER)."""
    return downloads.signature_response(_report(request, pk))


@login_required
def download_bundle(request, pk: int):
    """The signed PDF and its .sig in one ZIP, named alike."""
    return downloads.bundle_response(_report(request, pk))


@login_required
def trusted_roots(request):
    trusted_root_policy().require(request.user, VIEW)
    form = TrustedRootForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            root = services_kep.trusted_root_add(
                user=request.user, data=form.cleaned_data["certificate"].read()
            )
        except ValidationError as error:
            form.add_error("certificate", error.messages)
        else:
            messages.success(request, f"Сертификат «{root.name}» добавлен в доверенные.")
            return redirect("reports:roots")
    roots = TrustedRoot.objects.select_related("added_by").order_by("name", "not_after")
    return render(
        request,
        "reports/roots.html",
        {"form": form, "roots": roots, "may_change": trusted_root_policy().can(request.user, CHANGE)},
    )


@require_POST
@login_required
def trusted_root_remove(request, pk: int):
    root = get_object_or_404(TrustedRoot.objects.all(), pk=pk)
    services_kep.trusted_root_remove(user=request.user, root=root)
    messages.success(request, f"Сертификат «{root.name}» больше не доверенный.")
    return redirect("reports:roots")
