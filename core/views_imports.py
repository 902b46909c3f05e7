"""Upload → preview → confirm, for every kind of import. Views only parse input and call core.imports."""

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from openpyxl import Workbook
from openpyxl.styles import Font

from .errors import ApplicationError
from .exports import csv_download
from .forms import ImportUploadForm
from .imports import (
    IMPORTERS,
    batch_queued_for,
    get_importer,
    import_batch_confirm,
    import_batch_submit,
    importer_write_roles,
    importers_for,
    regions_writable_by,
)
from .models import ImportBatch
from .policies import policy_for

PREVIEW_ERRORS_SHOWN = 200


def _importer(request, kind: str):
    """The importer of ``kind`` if the user may upload it (ImportBatchPolicy); 404 for an unknown kind."""
    try:
        importer = get_importer(kind)
    except ApplicationError as error:
        from django.http import Http404

        raise Http404(error.message) from error
    policy_for(ImportBatch).require_upload(request.user, importer_write_roles(importer))
    return importer


@login_required
def import_list(request):
    importers = importers_for(request.user)
    if not importers:
        raise PermissionDenied("Загрузки доступны методистам и администраторам школ.")
    batches = ImportBatch.objects.visible_to(request.user).select_related("uploaded_by", "region")
    page = Paginator(batches, 50).get_page(request.GET.get("page"))
    return render(request, "imports/list.html", {"page": page, "importers": importers})


@login_required
def import_new(request, kind: str):
    importer = _importer(request, kind)
    regions = regions_writable_by(request.user, importer_write_roles(importer))
    form = ImportUploadForm(
        request.POST or None, request.FILES or None, regions=regions, options=getattr(importer, "options", ())
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        batch = import_batch_submit(
            kind=kind,
            file=upload,
            name=upload.name,
            size=upload.size,
            region=form.cleaned_data["region"],
            user=request.user,
            options=form.options(),
        )
        return redirect("imports:detail", pk=batch.pk)
    return render(request, "imports/new.html", {"form": form, "importer": importer})


@login_required
def import_template(request, kind: str):
    importer = _importer(request, kind)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Данные"
    for row in importer.template_rows():
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        sheet.column_dimensions[cell.column_letter].width = max(14, len(str(cell.value)) + 4)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="shablon-{kind}.xlsx"'
    return response


@login_required
def import_detail(request, pk: int):
    batch = get_object_or_404(
        ImportBatch.objects.visible_to(request.user).select_related("uploaded_by"), pk=pk
    )
    return render(
        request,
        "imports/detail.html",
        {
            "batch": batch,
            "processing": batch.status == ImportBatch.Status.PROCESSING,
            "applying": batch_queued_for(batch) == "apply",
            "importer": IMPORTERS.get(batch.kind),
            "errors": batch.errors[:PREVIEW_ERRORS_SHOWN],
            "errors_hidden": max(0, batch.stats.get("errors", 0) - PREVIEW_ERRORS_SHOWN),
        },
    )


@login_required
@require_POST
def import_apply(request, pk: int):
    batch = get_object_or_404(ImportBatch.objects.editable_by(request.user), pk=pk)
    try:
        batch = import_batch_confirm(batch=batch, user=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("imports:detail", pk=batch.pk)
    if batch.status == ImportBatch.Status.PROCESSING:
        messages.info(request, "Файл большой: данные записываются в фоне, страница обновится сама.")
    elif batch.status == ImportBatch.Status.APPLIED:
        messages.success(request, "Данные загружены.")
    else:
        messages.error(
            request, "Данные изменились после проверки, и файл теперь содержит ошибки: ничего не загружено."
        )
    return redirect("imports:detail", pk=batch.pk)


@login_required
def import_errors_csv(request, pk: int):
    batch = get_object_or_404(ImportBatch.objects.visible_to(request.user), pk=pk)
    return csv_download(
        ([error["row"] or "", error["column"], error["message"]] for error in batch.errors),
        header=["Строка", "Столбец", "Ошибка"],
        filename=f"oshibki-zagruzki-{batch.pk}.csv",
        delimiter=";",
    )
