"""Evidence files: type by content (not by name), size limit. Refusals are Russian messages.

A school proves an ИОМ line (diagnostics' quarterly form) and a roadmap item (roadmaps) with the same kinds of
document, so the check lives here, below both.

The type is read by ``core.files.detect_type`` from the one table of types the portal knows (``SERVED_TYPES``):
what is accepted here is served back under the same type and extension.
"""

from django.core.exceptions import ValidationError

from .files import SERVED_TYPES, detect_type, document_name

MAX_EVIDENCE_BYTES = 10 * 1024 * 1024  # 10 MB: a scanned certificate or a lesson plan fits, a video does not
# The kinds of document a school may prove a line with: a scan, a photo, an order or a table.
EVIDENCE_TYPES = ("pdf", "docx", "xlsx", "jpg", "png")
ALLOWED = {extension: SERVED_TYPES[extension] for extension in EVIDENCE_TYPES}
ALLOWED_TEXT = ", ".join(extension.upper() for extension in EVIDENCE_TYPES)


def check_evidence(upload) -> str:
    """The extension of an acceptable file's content (rewound for saving); ValidationError for anything else.

    Keep the result for ``evidence_name``: the file is read once.
    """
    if upload.size > MAX_EVIDENCE_BYTES:
        raise ValidationError(f"Файл «{upload.name}» больше 10 МБ.")
    upload.seek(0)
    extension, _content_type = detect_type(upload)
    if extension not in ALLOWED:
        raise ValidationError(
            f"Файл «{upload.name}» не похож на документ допустимого вида ({ALLOWED_TEXT}): "
            "проверяется содержимое, а не имя файла."
        )
    return extension


def evidence_name(upload, extension: str) -> str:
    """The name an accepted file is kept under: the uploader's words with ``extension``, the one
    ``check_evidence`` found in its content.

    «prikaz.hta» holding a PDF is kept as «prikaz.pdf»: the page lists it and the download serves it as what it is.
    """
    return document_name(upload.name, extension)
