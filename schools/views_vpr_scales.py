"""ВПР conversion scales (#19 §3.4): the list for everybody with a role, the form for a region-wide
methodologist (schools.policies.VprScalePolicy); the xlsx upload is the imports page's «vpr_scales» kind."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from core.errors import ApplicationError
from core.forms import add_service_error
from core.policies import CHANGE, VIEW, policy_for

from .forms_vpr_scales import VprScaleFilter, VprScaleForm
from .models import VprScale
from .selectors_vpr_scales import vpr_scales_for
from .services_vpr_scales import SCALE_FIELDS, vpr_scale_save

IMPORT_KIND = "vpr_scales"


@login_required
def vpr_scale_list(request):
    policy = policy_for(VprScale)
    if not policy.can(request.user, VIEW):
        raise PermissionDenied("Шкалы перевода ВПР доступны пользователям с ролью в портале.")
    scales = VprScaleFilter(request.GET, queryset=vpr_scales_for(request.user))
    page = Paginator(scales.qs, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "schools/vpr_scale_list.html",
        {
            "filter": scales,
            "page_obj": page,
            "can_change": policy.can(request.user, CHANGE),
            "import_kind": IMPORT_KIND,
        },
    )


@login_required
def vpr_scale_create(request):
    policy_for(VprScale).require(request.user, CHANGE)
    return _scale_form(request, None)


@login_required
def vpr_scale_edit(request, pk: int):
    policy_for(VprScale).require(request.user, CHANGE)
    return _scale_form(request, get_object_or_404(vpr_scales_for(request.user), pk=pk))


def _scale_form(request, scale: VprScale | None):
    if request.method == "POST":
        form = VprScaleForm(request.POST)
        if form.is_valid():
            try:
                saved = vpr_scale_save(scale=scale, data=form.cleaned_data, user=request.user)
            except (ValidationError, ApplicationError) as error:
                add_service_error(form, error)
            else:
                messages.success(request, f"Шкала сохранена: {saved}.")
                return redirect(f"{reverse('schools:vpr_scales')}?year={saved.year}")
    else:
        initial = {field: getattr(scale, field) for field in SCALE_FIELDS} if scale else {}
        form = VprScaleForm(initial=initial)
    return render(request, "schools/vpr_scale_form.html", {"form": form, "scale": scale})
