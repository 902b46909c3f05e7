"""Upload → preview → confirm, for every kind of import. Views only parse input and call core.imports."""

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from openpyxl import Workbook
from openpyxl.styles import Font

from .changes import csv_header, csv_line
from .errors import ApplicationError
from .exports import csv_download
from .forms import ImportUploadForm
from .imports import (
    IMPORTERS,
    NOTHING_TO_CHANGE,
    batch_changes,
    batch_queued_for,
    batch_sheets,
    batches_listed,
    changes_file_name,
    changes_nothing,
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
    status = request.GET.get("status") or ""
    batches = batches_listed(request.user, status=status).select_related("uploaded_by", "region")
    page = Paginator(batches, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "imports/list.html",
        {"page": page, "importers": importers, "status": status, "statuses": ImportBatch.Status.choices},
    )


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
            "registry": batch.stats.get("registry") or None,  # a registry file's section (_registry.html)
            "errors": batch.errors[:PREVIEW_ERRORS_SHOWN],
            "errors_hidden": max(0, batch.stats.get("errors", 0) - PREVIEW_ERRORS_SHOWN),
            **_sheets_context(batch),
            **_changes_context(batch),
        },
    )


def _changes_context(batch: ImportBatch) -> dict:
    """What the batch changes record by record (templates/imports/_changes.html), and whether there is
    anything to confirm."""
    changes = batch_changes(batch)
    nothing = batch.status == ImportBatch.Status.VALIDATED and changes_nothing(batch.stats)
    context: dict = {"changes": changes, "changes_nothing": nothing, "nothing_message": NOTHING_TO_CHANGE}
    if changes:
        rows = changes.get("rows", [])
        context["changes_hidden"] = max(0, changes.get("listed", 0) - len(rows))
        context["changes_sheets_named"] = any(sheet.get("sheet") for sheet in changes.get("sheets", []))
    return context


def _sheets_context(batch: ImportBatch) -> dict:
    """Every sheet of the file and how it was read (templates/imports/_sheets.html, #19 §2); the sheets that
    hold something and are not loaded (not recognised), repeated beside «Подтвердить»."""
    sheets = batch_sheets(batch)
    return {
        "sheets": sheets,
        "sheets_named": any(sheet.get("sheet") for sheet in sheets),
        "sheets_not_loaded": [sheet for sheet in sheets if sheet.get("status") == "unrecognised"],
        "errors_sheets_named": any(error.get("sheet") for error in batch.errors),
    }


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
    if any(error.get("sheet") for error in batch.errors):  # a workbook's errors name their sheet (#19 §2)
        return csv_download(
            (
                [error.get("sheet", ""), error["row"] or "", error["column"], error["message"]]
                for error in batch.errors
            ),
            header=["Лист", "Строка", "Столбец", "Ошибка"],
            filename=f"oshibki-zagruzki-{batch.pk}.csv",
            delimiter=";",
        )
    return csv_download(
        ([error["row"] or "", error["column"], error["message"]] for error in batch.errors),
        header=["Строка", "Столбец", "Ошибка"],
        filename=f"oshibki-zagruzki-{batch.pk}.csv",
        delimiter=";",
    )


@login_required
def import_changes_csv(request, pk: int):
    """Every new and changed record of a batch (the preview shows the first ones): the policy's view scope."""
    batch = get_object_or_404(ImportBatch.objects.visible_to(request.user), pk=pk)
    changes = batch_changes(batch) or {}
    filename = f"izmeneniya-zagruzki-{batch.pk}.csv"
    stored = changes_file_name(batch)
    if changes.get("stored") and default_storage.exists(stored):
        response = FileResponse(
            default_storage.open(stored, "rb"), content_type="text/csv; charset=utf-8", as_attachment=True
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    # Nothing listed (or the stored file is gone): the records kept on the batch, under the same header.
    fields = changes.get("fields", [])
    return csv_download(
        (
            csv_line(row["sheet"], row["status"], row["entity"], row["fields"], fields)
            for row in changes.get("rows", [])
        ),
        header=csv_header(changes.get("entities", []), fields),
        filename=filename,
        delimiter=";",
    )
