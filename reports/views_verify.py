"""The open verification pages (#22 §2), no login: ``/reports/verify/`` (a PDF alone or with its .sig) and
``/reports/verify/<public_id>/``, the page a print copy's QR code leads to. Nothing brought here is stored;
``reports.verification`` does the reading and checking, ``reports.verdict_text`` the wording.
"""

import hashlib
import logging

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from core.rate_limit import limit_by_address

from . import cades, verification
from .forms import CompareForm, VerifyForm
from .verdict_text import Personal

logger = logging.getLogger(__name__)

NOT_FOUND = "Документ с таким адресом проверки на портале не найден. Проверьте адрес или QR-код."
NOT_SHA256 = "В адресе указана не контрольная сумма SHA-256 (64 шестнадцатеричных знака): сравнить не с чем."


def _sha256(upload) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    return digest.hexdigest()


# Each check reads an upload of up to DATA_UPLOAD_MAX_MEMORY_SIZE and verifies its signatures (20–240 ms of a core,
# docs/performance.md): open to anyone, so counted per address (settings.REPORTS_VERIFY_RATE). A page opened
# without a file costs nothing and is not counted.
@never_cache
@limit_by_address("verify", "REPORTS_VERIFY_RATE", methods=frozenset({"POST"}))
def verify(request):
    """Upload a PDF (and its .sig) → intact? signed by whom? trusted? Open without login; stores nothing."""
    form = VerifyForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        signature = form.cleaned_data.get("signature")
        try:
            result = verification.verify_upload(
                form.cleaned_data["file"].read(),
                signature.read() if signature else None,
                personal=Personal.MASKED,
            )
        except cades.SignatureUnreadable as error:
            form.add_error("signature", str(error))
    return render(request, "reports/verify.html", {"form": form, "result": result})


@never_cache
@limit_by_address("verify", "REPORTS_VERIFY_RATE")  # every visit checks the stored signature again
def verify_document(request, public_id):
    """The QR code's target: the stored signature's verdict, checked again now; ``?sha256=`` from the QR code and an
    uploaded file are compared with the signed original."""
    stored = verification.signature_by_public_id(public_id)
    if stored is None:
        raise Http404(NOT_FOUND)
    qr_sha256 = (request.GET.get("sha256") or "").strip()
    qr_check = None
    if qr_sha256:
        qr_check = (
            verification.compare_sha256(stored, qr_sha256, source="qr")
            if verification.is_sha256(qr_sha256)
            else verification.Comparison(False, NOT_SHA256)
        )
    form = CompareForm(request.POST or None, request.FILES or None)
    comparison = None
    if request.method == "POST" and form.is_valid():
        comparison = verification.compare_sha256(stored, _sha256(form.cleaned_data["file"]), source="file")
    result, missing = None, ""
    try:
        result = verification.verify_stored(stored)
    except verification.StoredUnavailable as error:  # logged by verify_stored
        missing = str(error)
    return render(
        request,
        "reports/verify_document.html",
        {
            "stored": stored,
            "known": verification.known_for(stored),
            "result": result,
            "missing": missing,
            "qr_check": qr_check,
            "form": form,
            "comparison": comparison,
            # under the lead sentence: the reader's own file first, then the QR code's checksum
            "checks": [comparison, qr_check],
            "upload_url": reverse("reports:verify"),
        },
    )
