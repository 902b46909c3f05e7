"""Diagnostics campaigns: the list, a new campaign, the results table, a teacher's results and deficits, the
dynamics between two campaigns.

Reads start at the gate (``selectors_campaigns.campaigns_for``, ``Teacher.objects.visible_to``); writes go
through the services, which check it again. Objects outside the user's reach are 404; a page the user's role
has no use for is 403 with an explanation. Teachers are never ranked: rows go by school and name.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.forms import add_service_error
from core.policies import VIEW, policy_for
from schools.models import School, Teacher

from . import selectors_campaigns as selectors
from . import services
from .forms_campaigns import (
    CampaignForm,
    DynamicsForm,
    MunicipalityChoiceForm,
    ScoresForm,
    SpecificDeficitForm,
    block_formset,
)
from .models import Campaign, DiagnosticResult, Route, SpecificDeficit
from .policies import CREATE, DRAFT, ENTER_RESULTS, OPEN

ROWS_PER_PAGE = 100
CAMPAIGNS_PER_PAGE = 50


def _reads_teachers(user) -> bool:
    """Teachers' results are personal data: diagnostics.policies.DiagnosticResultPolicy decides who reads them."""
    return policy_for(DiagnosticResult).can(user, VIEW)


@login_required
def campaign_list(request):
    policy_for(Campaign).require(request.user, OPEN)
    page = Paginator(selectors.campaign_list(request.user), CAMPAIGNS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "diagnostics/campaign_list.html",
        {
            "page_obj": page,
            "can_create": policy_for(Campaign).can(request.user, CREATE),
            "show_tabs": policy_for(Campaign).can(request.user, VIEW),
            "reads_teachers": _reads_teachers(request.user),
        },
    )


@login_required
def campaign_create(request):
    policy = policy_for(Campaign)
    policy.require(request.user, CREATE)
    municipalities = policy.municipalities(request.user).order_by("name")
    listed = list(municipalities[:2])
    if not listed:
        raise PermissionDenied("Проводить диагностику может методист муниципалитета.")
    municipality = listed[0] if len(listed) == 1 else None
    chosen = request.GET.get("municipality") or ""
    if municipality is None and chosen.isdigit():
        municipality = municipalities.filter(pk=int(chosen)).first()
    if municipality is None:
        # A regional methodologist first says whose diagnostics it is: the schools to offer depend on it.
        return render(
            request,
            "diagnostics/campaign_create.html",
            {"choose_form": MunicipalityChoiceForm(municipalities=municipalities)},
        )
    form = CampaignForm(
        request.POST or None,
        municipalities=municipalities,
        municipality=municipality,
        schools=School.objects.filter(municipality=municipality).order_by("name"),
    )
    blocks = block_formset(request.POST or None)
    if request.method == "POST" and form.is_valid() and blocks.is_valid():
        data = form.cleaned_data
        try:
            campaign = services.campaign_create(
                municipality=data["municipality"],
                name=data["name"],
                instrument=data["instrument"],
                start_date=data["start_date"],
                end_date=data["end_date"],
                threshold_percent=data["threshold_percent"],
                schools=data["schools"],
                blocks=blocks.blocks(),
                user=request.user,
            )
        except (ValidationError, PermissionDenied) as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                "Диагностика создана. Внесите баллы педагогов на их страницах или загрузите файлом.",
            )
            return redirect("diagnostics:campaign_detail", pk=campaign.pk)
    return render(
        request,
        "diagnostics/campaign_create.html",
        {
            "form": form,
            "blocks": blocks,
            "municipality": municipality,
            "several_municipalities": len(listed) > 1,
        },
    )


@login_required
def campaign_detail(request, pk: int):
    policy_for(Campaign).require(request.user, OPEN)
    user = request.user
    campaign = get_object_or_404(selectors.campaigns_for(user).select_related("municipality"), pk=pk)
    blocks = list(campaign.blocks.all())
    teachers = selectors.participants(campaign, user)
    schools = selectors.schools_of(teachers)
    school_id = request.GET.get("school") or ""
    if school_id.isdigit():
        teachers = teachers.filter(school_id=int(school_id))
    teacher_list = list(teachers)
    page = Paginator(teacher_list, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    rows = selectors.results_table(campaign, blocks, list(page.object_list))
    reads_teachers = _reads_teachers(user)
    if teacher_list or reads_teachers:
        summary_results = DiagnosticResult.objects.filter(
            campaign=campaign, teacher__in=teachers.values("pk")
        )
        summary_scope = "teachers"
    else:
        # The region's analyst: counts over the whole campaign, no names, no per-school breakdown.
        summary_results = DiagnosticResult.objects.filter(campaign=campaign)
        summary_scope = "campaign"
    can_edit = policy_for(Campaign).can(user, ENTER_RESULTS, campaign)
    return render(
        request,
        "diagnostics/campaign_detail.html",
        {
            "campaign": campaign,
            "blocks": blocks,
            "page_obj": page,
            "rows": rows,
            "schools": schools,
            "school_id": school_id,
            "summary": selectors.block_summary(campaign, blocks, summary_results),
            "summary_scope": summary_scope,
            "school_count": campaign.schools.count(),
            "can_edit": can_edit,
            "reads_teachers": reads_teachers,
            "show_tabs": policy_for(Campaign).can(user, VIEW),
        },
    )


def _teacher_in_campaign(user, campaign: Campaign, teacher_pk: int) -> Teacher:
    return get_object_or_404(
        Teacher.objects.visible_to(user).filter(school__in=campaign.schools.all()).select_related("school"),
        pk=teacher_pk,
    )


@login_required
def teacher_results(request, pk: int, teacher_pk: int):
    user = request.user
    policy_for(DiagnosticResult).require(user, VIEW)
    campaign = get_object_or_404(selectors.campaigns_for(user).select_related("municipality"), pk=pk)
    teacher = _teacher_in_campaign(user, campaign, teacher_pk)
    blocks = list(campaign.blocks.all())
    can_edit = policy_for(Campaign).can(user, ENTER_RESULTS, campaign)
    scores = selectors.teacher_scores(campaign, blocks, teacher)
    initial = {ScoresForm.field_name(b): scores[b.pk] for b in blocks if b.pk in scores}
    scores_form = ScoresForm(initial=initial, blocks=blocks)
    deficit_form = SpecificDeficitForm()
    here = reverse("diagnostics:teacher_results", args=[campaign.pk, teacher.pk])
    if request.method == "POST":
        if not can_edit:
            policy_for(Campaign).require(user, ENTER_RESULTS, campaign)
        if request.POST.get("action") == "deficit":
            deficit_form = SpecificDeficitForm(request.POST)
            if deficit_form.is_valid():
                try:
                    services.specific_deficit_add(
                        campaign=campaign, teacher=teacher, text=deficit_form.cleaned_data["text"], user=user
                    )
                except (ValidationError, PermissionDenied) as error:
                    add_service_error(deficit_form, error)
                else:
                    messages.success(request, "Дефицит добавлен.")
                    return redirect(f"{here}#specific")
        else:
            scores_form = ScoresForm(request.POST, blocks=blocks)
            if scores_form.is_valid():
                try:
                    changed = services.results_set(
                        campaign=campaign, teacher=teacher, scores=scores_form.scores(), user=user
                    )
                except (ValidationError, PermissionDenied) as error:
                    add_service_error(scores_form, error)
                else:
                    messages.success(
                        request,
                        f"Баллы сохранены: изменено значений — {changed}." if changed else "Изменений нет.",
                    )
                    return redirect(here)
    rows = selectors.results_table(campaign, blocks, [teacher])[0]
    found = services.teacher_deficits(campaign, teacher)
    may_route = policy_for(Route).can_for_teacher(user, DRAFT, teacher)
    return render(
        request,
        "diagnostics/campaign_teacher.html",
        {
            "campaign": campaign,
            "teacher": teacher,
            "blocks": blocks,
            "cells": list(zip(blocks, rows.cells, strict=True)),
            "scores_form": scores_form,
            "score_rows": [
                (b, scores_form[ScoresForm.field_name(b)], cell)
                for b, cell in zip(blocks, rows.cells, strict=True)
            ],
            "deficit_form": deficit_form,
            "deficits": found,
            "specific": rows.specific,
            "can_edit": can_edit,
            "may_route": may_route,
            "route_url": reverse("diagnostics:route_create", args=[teacher.pk]) + f"?campaign={campaign.pk}",
            "routes": Route.objects.visible_to(user).filter(teacher=teacher).order_by("-school_year"),
        },
    )


@login_required
@require_POST
def specific_deficit_delete(request, pk: int, deficit_pk: int):
    deficit = get_object_or_404(
        SpecificDeficit.objects.visible_to(request.user).filter(campaign_id=pk).select_related("campaign"),
        pk=deficit_pk,
    )
    services.specific_deficit_delete(deficit=deficit, user=request.user)  # PermissionDenied → 403
    messages.success(request, "Дефицит удалён.")
    url = reverse("diagnostics:teacher_results", args=[deficit.campaign_id, deficit.teacher_id])
    return redirect(f"{url}#specific")


@login_required
def dynamics(request):
    user = request.user
    policy_for(DiagnosticResult).require(user, VIEW)
    campaigns = selectors.campaigns_for(user).select_related("municipality").order_by("-start_date", "-pk")
    schools = School.objects.filter(pk__in=Teacher.objects.visible_to(user).values("school_id")).order_by(
        "name"
    )
    data = request.GET.copy() if ("a" in request.GET or "b" in request.GET) else None
    if data is None:
        latest = list(campaigns.values_list("pk", flat=True)[:2])
        if len(latest) == 2:
            data = {"a": latest[1], "b": latest[0]}
    elif not data.get("a") and (data.get("b") or "").isdigit():
        # From a campaign's page: compare it with the one before it.
        after = campaigns.filter(pk=int(data["b"])).first()
        earlier = campaigns.filter(start_date__lt=after.start_date).first() if after else None
        if earlier is not None:
            data["a"] = str(earlier.pk)
    form = DynamicsForm(data, campaigns=campaigns, schools=schools)
    context = {"form": form, "campaign_count": campaigns.count()}
    if data is not None and form.is_valid():
        before, after = form.cleaned_data["a"], form.cleaned_data["b"]
        teachers = selectors.dynamics_teachers(user, before, after)
        if form.cleaned_data["school"]:
            teachers = teachers.filter(school=form.cleaned_data["school"])
        columns, rows, counts = selectors.dynamics_table(
            before, after, list(before.blocks.all()), list(after.blocks.all()), list(teachers)
        )
        context.update(
            {
                "before": before,
                "after": after,
                "columns": columns,
                "counts": counts,
                "page_obj": Paginator(rows, ROWS_PER_PAGE).get_page(request.GET.get("page")),
            }
        )
    return render(request, "diagnostics/campaign_dynamics.html", context)
