"""Report pages. Reads start at ``Report.objects.visible_to``; writes go through ``services``, which check the gate.

A report outside the user's reach is 404. The verification page is open to anyone (a recipient outside the
portal checks a report) and keeps nothing it is given.
"""

import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from core.files import stored_file_response
from core.forms import add_service_error
from core.policies import CHANGE
from schools.selectors import flag_default_year

from . import services, services_kep, statuses
from .builders import rule_rows
from .forms import (
    KepSignForm,
    RecommendationsForm,
    ReportRequestForm,
    ReturnForm,
    SealForm,
)
from .models import (
    Report,
    ReportEvent,
    ReportFile,
    ReportFormat,
    ReportStatus,
    download_name,
)
from .policies import APPROVE, REQUEST, SIGNER_SNILS, report_policy
from .verdict_text import mask_digits

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
    can_edit = report_policy().can(user, CHANGE, report)
    can_approve = report_policy().can(user, APPROVE, report)
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
    files = list(report.files.order_by("format"))
    kep = report.kep_signature
    return render(
        request,
        "reports/detail.html",
        {
            "report": report,
            "files": files,
            "kep": kep,
            # СНИЛС is personal data (152-ФЗ): the territory's staff who work with names (SIGNER_SNILS) see its
            # last two digits, enough to recognise a certificate (a page gets shown on a projector); the analyst
            # and a school's staff reading the report see none.
            "kep_snils": mask_digits(kep.snils)
            if kep is not None and report_policy().can(user, SIGNER_SNILS, report)
            else "",
            "print_copy": any(f.format == ReportFormat.PRINT_PDF for f in files),
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


def _signable(request, pk: int) -> Report:
    """The report the head is about to sign: 404 outside their reach, 403 without the right to approve."""
    report = get_object_or_404(_visible(request.user), pk=pk)
    report_policy().require(request.user, APPROVE, report)
    return report


def _not_ready(request, report: Report):
    """A report that is not (or no longer) awaiting signature: back to its page with the reason."""
    problem = statuses.move_problem(report.status, statuses.SIGNED)
    if report.status == ReportStatus.SIGNED:
        problem = "Отчёт уже подписан. Для исправления создайте новую версию."
    messages.info(request, problem or "Отчёт не ожидает подписания.")
    return redirect("reports:detail", pk=report.pk)


def _sign_page(request, report: Report, *, seal_form: SealForm, kep_form: KepSignForm):
    """Signing is a page, not a click (#22 §4): the head sees the PDF, what becomes fixed, and two ways."""
    pdf = report.files.filter(format=ReportFormat.PDF).first()
    plugin_js = settings.REPORTS_CADESPLUGIN_JS_URL
    response = render(
        request,
        "reports/sign.html",
        {
            "report": report,
            "pdf": pdf,
            "seal_form": seal_form,
            "kep_form": kep_form,
            "cadesplugin_js": plugin_js,
        },
    )
    origin = _script_origin(plugin_js)
    if origin:  # the deployment serves CryptoPro's script from elsewhere: this page alone may load it
        response._csp_update = {"script-src": [origin]}  # type: ignore[attr-defined] - read by django-csp
    return response


def _script_origin(url: str) -> str:
    """The origin of an absolute script URL («https://cdn.example»), "" for a path on this site."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in {"http", "https"} and parts.netloc else ""


@login_required
def report_sign(request, pk: int):
    """GET: the sign page. POST: «Печать портала» (the portal's seal proving the file intact) once confirmed."""
    report = _signable(request, pk)
    if report.status != ReportStatus.READY:
        return _not_ready(request, report)
    seal_form = SealForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and seal_form.is_valid():
        try:
            services.report_sign(user=request.user, report=report)
        except ValidationError as error:
            add_service_error(seal_form, error)
        else:
            messages.success(request, "Отчёт утверждён; на PDF поставлена печать портала: файл не изменён.")
            return redirect("reports:detail", pk=report.pk)
    return _sign_page(request, report, seal_form=seal_form, kep_form=KepSignForm())


@require_POST
@login_required
def report_sign_kep(request, pk: int):
    """The head's detached КЭП of the final PDF: a file from their program or the plug-in's base64."""
    report = _signable(request, pk)
    if report.status != ReportStatus.READY:
        return _not_ready(request, report)
    form = KepSignForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            report = services_kep.report_attach_signature(
                user=request.user, report=report, signature=form.signature_bytes()
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Отчёт подписан КЭП. Подпись проверена и сохранена вместе с PDF.")
            return redirect("reports:detail", pk=report.pk)
    return _sign_page(request, report, seal_form=SealForm(), kep_form=form)


@xframe_options_sameorigin
@login_required
def report_preview(request, pk: int):
    """The final PDF inline, for the sign page's preview frame (the download stays an attachment)."""
    report = get_object_or_404(_visible(request.user), pk=pk)
    stored = report.files.filter(format=ReportFormat.PDF).first()
    if stored is None or not stored.file:
        raise Http404("У отчёта нет PDF.")
    response = stored_file_response(stored.file, name=download_name(report, ReportFormat.PDF))
    response["Content-Disposition"] = response["Content-Disposition"].replace("attachment", "inline", 1)
    # Only the portal's own pages may frame it (the sign page); Chromium's PDF viewer runs as a plugin of
    # this document, so object-src must allow it here (the site-wide 'none' would show a blocked frame).
    response._csp_replace = {"frame-ancestors": ["'self'"], "object-src": ["'self'"]}  # type: ignore[attr-defined]
    return response


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
