"""The printable annex to the order that approves a ШНОР list (issue #20 §3): .docx and PDF, from the list's page.

Whoever reads the list reads its annex: the list is reached through ``ApprovedList.objects.visible_to`` (its
policy's VIEW), another municipality's list is a 404.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.http import content_disposition_header

from schools.models import ApprovedList

from .builders.annex import annex_context
from .renderers import annex

FORMATS = {
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", annex.render_docx),
    "pdf": ("application/pdf", annex.render_pdf),
}


@login_required
def approved_list_annex(request, pk: int, fmt: str):
    if fmt not in FORMATS:
        raise Http404("Такого формата нет: приложение скачивается как .docx или PDF.")
    approved = get_object_or_404(
        ApprovedList.objects.visible_to(request.user).select_related("municipality__region"), pk=pk
    )
    content_type, render = FORMATS[fmt]
    context = annex_context(approved)
    response = HttpResponse(render(context), content_type=content_type)
    # RFC 6266 / 5987: the Russian name as filename* (Django's FileResponse writes the header the same way).
    response["Content-Disposition"] = content_disposition_header(True, f"{context.file_stem}.{fmt}")
    return response
