"""Report pages. Reads start at ``Report.objects.visible_to``; writes go through ``services``, which check the gate.

A report outside the user's reach is 404. The verification page is open to anyone (a recipient outside the
portal checks a report) and keeps nothing it is given.
"""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from core.files import stored_file_response
from core.forms import add_service_error
from schools.selectors import flag_default_year

from . import services, statuses
from .builders import rule_rows
from .forms import RecommendationsForm, ReportRequestForm, ReturnForm, VerifyForm
from .models import (
    Report,
    ReportEvent,
    ReportFile,
    ReportStatus,
    download_name,
)
from .policies import APPROVE, REQUEST, report_policy

PER_PAGE = 50
logger = logging.getLogger(__name__)


def _visible(user):
    return Report.objects.visible_to(user).select_related(
        "region", "municipality", "school", "requested_by", "signed_by"
    )


@login_required
def report_list(request):
    reports = (
        _visible(request.user)
        .prefetch_related(Prefetch("files", queryset=ReportFile.objects.order_by("format")))
        .order_by("-year", "kind", "region__name", "municipality__name", "school__name", "-version")
    )
    status = request.GET.get("status") or ""
    if status in ReportStatus.values:
        reports = reports.filter(status=status)
    page = Paginator(reports, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "reports/list.html",
        {
            "page_obj": page,
            "status": status,
            "statuses": ReportStatus.choices,
            "may_request": report_policy().can(request.user, REQUEST),
            "awaiting": _visible(request.user).filter(status=ReportStatus.READY).count()
            if report_policy().can(request.user, APPROVE)
            else None,
        },
    )


@login_required
def report_request(request):
    user = request.user
    if not report_policy().can(user, REQUEST):
        raise PermissionDenied("Заказывать отчёты могут методисты и руководители управления образования.")
    regions, municipalities, schools = report_policy().request_territories(user)
    form = ReportRequestForm(
        request.POST or None,
        regions=regions,
        municipalities=municipalities,
        schools=schools,
        initial={
            "school": request.GET.get("school"),
            "kind": request.GET.get("kind") or "territory",
            # the list year every page opens on; without any, the form's own (this year)
            **({"year": year} if (year := flag_default_year(user)) else {}),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            report = services.report_request(
                user=user,
                kind=form.cleaned_data["kind"],
                year=form.cleaned_data["year"],
                recommendations=form.cleaned_data["recommendations"],
                **form.territory_ids(),
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Отчёт поставлен в очередь на формирование.")
            return redirect("reports:detail", pk=report.pk)
    return render(request, "reports/request.html", {"form": form})


@login_required
def report_detail(request, pk: int):
    report = get_object_or_404(_visible(request.user), pk=pk)
    user = request.user
    can_edit = Report.objects.editable_by(user).filter(pk=pk).exists()
    can_approve = Report.objects.approvable_by(user).filter(pk=pk).exists()
    versions = (
        Report.objects.visible_to(user)
        .filter(
            kind=report.kind,
            region_id=report.region_id,
            municipality_id=report.municipality_id,
            school_id=report.school_id,
            year=report.year,
        )
        .select_related("signed_by")
        .order_by("-version")
    )
    return render(
        request,
        "reports/detail.html",
        {
            "report": report,
            "files": list(report.files.order_by("format")),
            "events": list(report.events.select_related("user")),
            "versions": versions,
            "can_edit": can_edit and report.status in statuses.EDITABLE,
            "can_retry": can_edit and statuses.move_problem(report.status, statuses.QUEUED) is None,
            "can_new_version": can_edit
            and report.status == ReportStatus.SIGNED
            and not has_newer_version(report),
            "can_approve": can_approve and report.status == ReportStatus.READY,
            "recommendations_form": RecommendationsForm(initial={"recommendations": report.recommendations}),
            "return_form": ReturnForm(),
            "returned_comment": report.events.filter(action=ReportEvent.Action.RETURNED)
            .order_by("-at")
            .first()
            if report.status == ReportStatus.RETURNED
            else None,
            "rule_params": rule_rows(report.rule_params),
        },
    )


def has_newer_version(report: Report) -> bool:
    return Report.objects.filter(previous=report).exists()


@never_cache
@login_required
def report_status(request, pk: int):
    """What the detail page polls while a report is built."""
    report = get_object_or_404(Report.objects.visible_to(request.user), pk=pk)
    return JsonResponse(
        {
            "status": report.status,
            "status_label": report.get_status_display(),
            "progress": report.progress,
            "stage": report.stage,
            "error": report.error,
            "in_progress": report.in_progress,
        }
    )


def _act(request, pk: int, action, success: str, **kwargs):
    report = get_object_or_404(Report.objects.visible_to(request.user), pk=pk)
    try:
        result = action(user=request.user, report=report, **kwargs)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("reports:detail", pk=pk)
    messages.success(request, success)
    return redirect("reports:detail", pk=result.pk)


@require_POST
@login_required
def report_edit(request, pk: int):
    form = RecommendationsForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Проверьте текст рекомендаций.")
        return redirect("reports:detail", pk=pk)
    return _act(
        request,
        pk,
        services.report_update_recommendations,
        "Рекомендации сохранены; отчёт формируется заново.",
        recommendations=form.cleaned_data["recommendations"],
        rebuild=True,
    )


@require_POST
@login_required
def report_retry(request, pk: int):
    return _act(request, pk, services.report_retry, "Отчёт поставлен в очередь на формирование.")


@require_POST
@login_required
def report_return(request, pk: int):
    form = ReturnForm(request.POST)
    comment = form.data.get("comment", "")
    return _act(request, pk, services.report_return, "Отчёт возвращён на доработку.", comment=comment)


@require_POST
@login_required
def report_sign(request, pk: int):
    return _act(request, pk, services.report_sign, "Отчёт утверждён и подписан электронной подписью.")


@require_POST
@login_required
def report_new_version(request, pk: int):
    return _act(request, pk, services.report_new_version, "Создана новая версия отчёта; она формируется.")


@login_required
def report_download(request, pk: int, fmt: str):
    report = get_object_or_404(_visible(request.user), pk=pk)
    stored = report.files.filter(format=fmt).first()
    if stored is None or not stored.file:
        raise Http404("Такого файла у отчёта нет.")
    response = stored_file_response(stored.file, name=download_name(report, fmt))
    response["Digest"] = f"sha-256={stored.sha256}"
    return response


def verify(request):
    """Upload a PDF → is it intact, valid, signed by whom, trusted? Open without login; stores nothing."""
    form = VerifyForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        verification, known = services.report_verify(form.cleaned_data["file"].read())
        result = {"verification": verification, "known": known}
    return render(
        request,
        "reports/verify.html",
        {"form": form, "result": result, "home": reverse("home")},
    )
