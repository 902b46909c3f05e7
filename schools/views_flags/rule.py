"""The region's ШНОР rule: read-only for those who see the region, editable by a region-wide methodologist."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from core.errors import ApplicationError
from core.forms import add_service_error
from core.policies import CHANGE

from ..criteria import PRESETS, PRESETS_NOTE, preset_of, preset_values
from ..flags import rule_params
from ..forms import FlagRuleForm
from ..models import (
    FlagRule,
    ProcedureKind,
    Region,
)
from ..policies import flag_rule_policy
from ..services import FLAG_RULE_FIELDS, flag_rule_update

# --- the rule's settings -------------------------------------------------------------------------------


def _rule_values(rule: FlagRule) -> dict:
    return {
        name: sorted(rule.kinds or []) if name == "kinds" else getattr(rule, name)
        for name in FLAG_RULE_FIELDS
    }


@login_required
def flag_rule(request):
    """The region's ШНОР rule: editable by a region-wide methodologist, read-only for others who see the region."""
    regions = list(Region.objects.visible_to(request.user).order_by("name"))
    if not regions:
        raise PermissionDenied("Правило ШНОР доступно пользователям с ролью в регионе или муниципалитете.")
    editable_ids = set(flag_rule_policy().regions(request.user, CHANGE).values_list("pk", flat=True))
    asked = request.GET.get("region")
    if asked:
        region = next((r for r in regions if str(r.pk) == asked), None)
        if region is None:
            raise Http404("Регион не найден.")
    else:
        region = next((r for r in regions if r.pk in editable_ids), regions[0])
    can_edit = region.pk in editable_ids
    rule = FlagRule.objects.filter(region=region).select_related("updated_by").first() or FlagRule(
        region=region
    )
    kinds = list(
        ProcedureKind.objects.order_by("is_regional", "code").values_list("code", "name", "is_active")
    )
    kind_choices = [
        (code, f"{code} — {name}") for code, name, active in kinds if active or code in (rule.kinds or [])
    ]

    if request.method == "POST" and "preset" in request.POST:
        if not can_edit:
            raise PermissionDenied("Изменять правило ШНОР может методист с ролью на весь регион.")
        preset = next((p for p in PRESETS if p.key == request.POST["preset"]), None)
        if preset is None:
            raise Http404("Набор параметров не найден.")
        try:
            _rule, changed = flag_rule_update(region=region, user=request.user, **preset_values(preset))
        except (ValidationError, ApplicationError) as error:
            messages.error(request, " ".join(getattr(error, "messages", None) or [str(error)]))
        else:
            if changed:
                messages.success(
                    request,
                    f"Применён набор «{preset.title}». Запущен пересчёт статусов ШНОР за все годы по региону "
                    f"«{region.name}».",
                )
            else:
                messages.info(request, "Параметры не изменились: пересчёт не нужен.")
        return redirect(f"{reverse('schools:flag_rule')}?region={region.pk}")
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied("Изменять правило ШНОР может методист с ролью на весь регион.")
        form = FlagRuleForm(request.POST, kind_choices=kind_choices)
        if form.is_valid():
            try:
                # The service queues the recompute itself once the rule is committed.
                rule, changed = flag_rule_update(region=region, user=request.user, **form.cleaned_data)
            except (ValidationError, ApplicationError) as error:
                add_service_error(form, error)
            else:
                if changed:
                    messages.success(
                        request,
                        "Правило сохранено. Запущен пересчёт статусов ШНОР за все годы по региону "
                        f"«{region.name}»: обновлённые статусы появятся, когда он завершится.",
                    )
                else:
                    messages.info(request, "Параметры не изменились: пересчёт не нужен.")
                return redirect(f"{reverse('schools:flag_rule')}?region={region.pk}")
    else:
        form = FlagRuleForm(initial=_rule_values(rule), kind_choices=kind_choices)
    return render(
        request,
        "schools/flag_rule.html",
        {
            "region": region,
            "regions": regions,
            "rule": rule,
            "form": form,
            "can_edit": can_edit,
            "kind_labels": dict((code, name) for code, name, _ in kinds),
            "presets": PRESETS,
            "presets_note": PRESETS_NOTE,
            "current_preset": preset_of(rule_params(rule)),
        },
    )
