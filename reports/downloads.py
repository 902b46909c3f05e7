"""Downloads of a КЭП-signed report, shared by the pages and the API: the detached signature as uploaded (DER) and
the bundle of the signed PDF with it. The files are read from storage; nothing here decides who may have them
(the callers ask ``Report.objects.visible_to``)."""

import io
import zipfile

from django.http import FileResponse, Http404

from core.files import open_stored

from .models import Report, ReportFormat, download_name

# RFC 8551 §3.2.1 (S/MIME 4.0): a detached signedData is «application/pkcs7-signature» (file extension .p7s;
# КриптоПро and КриптоАРМ name the same DER .sig). The bundle is a ZIP archive (IANA: application/zip).
SIGNATURE_CONTENT_TYPE = "application/pkcs7-signature"
BUNDLE_CONTENT_TYPE = "application/zip"


def signature_names(report: Report) -> tuple[str, str]:
    """The PDF's and its signature's names, alike: «Справка_…_v1.pdf» and «Справка_…_v1.pdf.sig» — the pair every
    signing tool (КриптоАРМ, the Госуслуги check) expects side by side."""
    pdf = download_name(report, ReportFormat.PDF)
    return pdf, f"{pdf}.sig"


def _signed(report: Report):
    kep = report.kep_signature
    if kep is None or not kep.signature:
        raise Http404("Отчёт не подписан КЭП: подписи для скачивания нет.")
    return kep


def signature_response(report: Report) -> FileResponse:
    kep = _signed(report)
    _pdf_name, sig_name = signature_names(report)
    response = FileResponse(
        open_stored(kep.signature), as_attachment=True, filename=sig_name, content_type=SIGNATURE_CONTENT_TYPE
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Digest"] = f"sha-256={kep.signature_sha256}"
    return response


def bundle_bytes(report: Report) -> bytes:
    """A ZIP of the signed PDF and its .sig, named alike (stored, not compressed: a PDF is compressed already)."""
    kep = _signed(report)
    pdf = report.files.filter(format=ReportFormat.PDF).first()
    if pdf is None or not pdf.file:
        raise Http404("PDF отчёта не найден.")
    pdf_name, sig_name = signature_names(report)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        with open_stored(pdf.file) as handle:
            archive.writestr(pdf_name, handle.read())
        with open_stored(kep.signature) as handle:
            archive.writestr(sig_name, handle.read())
    return buffer.getvalue()


def bundle_name(report: Report) -> str:
    return download_name(report, ReportFormat.PDF).removesuffix(".pdf") + "_КЭП.zip"


def bundle_response(report: Report) -> FileResponse:
    response = FileResponse(
        io.BytesIO(bundle_bytes(report)),
        as_attachment=True,
        filename=bundle_name(report),
        content_type=BUNDLE_CONTENT_TYPE,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
