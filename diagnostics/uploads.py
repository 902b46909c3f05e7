"""Evidence files: type by content (not by name), size limit. Refusals are Russian messages."""

import filetype
from django.core.exceptions import ValidationError

from core.files import document_name

MAX_EVIDENCE_BYTES = 10 * 1024 * 1024  # 10 MB: a scanned certificate or a lesson plan fits, a video does not
ALLOWED = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "jpg": "image/jpeg",
    "png": "image/png",
}
ALLOWED_TEXT = "PDF, DOCX, XLSX, JPG, PNG"


def check_evidence(upload) -> str:
    """The detected extension of an acceptable file; ValidationError for anything else."""
    if upload.size > MAX_EVIDENCE_BYTES:
        raise ValidationError(f"Файл «{upload.name}» больше 10 МБ.")
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.extension not in ALLOWED:
        raise ValidationError(
            f"Файл «{upload.name}» не похож на документ допустимого вида ({ALLOWED_TEXT}): "
            "проверяется содержимое, а не имя файла."
        )
    return kind.extension


def evidence_name(upload) -> str:
    """The name an accepted file is kept under: the uploader's words with the extension of its content.

    «prikaz.hta» holding a PDF is kept as «prikaz.pdf»: the page lists it and the download serves it as what it is.
    """
    return document_name(upload.name, check_evidence(upload))
