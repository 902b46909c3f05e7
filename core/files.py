"""Stored files handed to users through permission-checked views.

Every stored file — evidence uploaded by schools and methodologists, reports the portal renders — leaves through
``stored_file_response``: its type is read from its first bytes, never from the name the uploader gave it. A
file that starts with ``%PDF-1.4`` but was uploaded as ``prikaz.hta`` goes out as ``application/pdf`` named
``prikaz.pdf``; anything the portal does not recognise goes out as ``application/octet-stream`` with ``.bin``, so
no name or type an uploader chose can make a browser or the desktop run or render it as something else.
"""

import logging
import re
import unicodedata

import filetype
from django.http import FileResponse, Http404

logger = logging.getLogger(__name__)

# The one table of types the portal gives out under their own name: the documents it accepts as evidence
# (core/evidence.py takes its subset from here) and the reports it renders (reports/models.py
# FORMAT_CONTENT_TYPES). Keys are filetype's extensions; ``detect_type`` is the one reader of a file's type.
SERVED_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "jpg": "image/jpeg",
    "png": "image/png",
}
UNKNOWN_TYPE = ("bin", "application/octet-stream")
# filetype reads magic numbers from the first 8 KB (an OOXML file names its parts within them).
HEAD_BYTES = 8192
# Characters of a name: «Приказ № 123 от 01.09.2026 о назначении наставников» fits; any OS takes it.
MAX_STEM = 120

# Characters no file name may carry on Windows, macOS or Linux, and path separators: replaced by a dash.
_FORBIDDEN = re.compile(r'[<>:"/\\|?*]+')
# A trailing extension the uploader chose (a Latin letter first, so «от 01.09.2026» keeps its year): ours replaces it.
_EXTENSION = re.compile(r"\.[A-Za-z][A-Za-z0-9]{0,7}$")


def open_stored(field_file):
    """Open a stored file for a download; a file missing from storage is a 404 with a message, not a 500."""
    try:
        return field_file.open("rb")
    except FileNotFoundError:
        logger.error("Файл %s есть в базе, но отсутствует в хранилище", field_file.name)
        raise Http404("Файл не найден в хранилище. Сообщите администратору портала.") from None


def detect_type(fileobj) -> tuple[str, str]:
    """(extension, MIME type) of a file by its content; ``UNKNOWN_TYPE`` for anything outside ``SERVED_TYPES``.

    Reads the head and returns the file to where it was.
    """
    position = fileobj.tell()
    head = fileobj.read(HEAD_BYTES)
    fileobj.seek(position)
    kind = filetype.guess(head)
    if kind is None or kind.extension not in SERVED_TYPES:
        return UNKNOWN_TYPE
    return kind.extension, SERVED_TYPES[kind.extension]


def document_name(name: str, extension: str, *, default: str = "документ") -> str:
    """A file name safe to hand to any OS: the uploader's words (Cyrillic kept) with ``extension``.

    The last path component only; control and bidirectional formatting characters dropped (U+202E turns
    «отчёт‮fdp.exe» into «отчётexe.pdf» on screen); characters forbidden in file names become dashes; leading
    dots (a hidden file) and the uploader's extension go.
    """
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(c for c in name if not unicodedata.category(c).startswith("C"))
    name = _EXTENSION.sub("", name)
    name = _FORBIDDEN.sub("-", name)
    stem = " ".join(name.split()).strip(" .-")[:MAX_STEM].rstrip(" .-")
    return f"{stem or default}.{extension}"


def stored_file_response(field_file, *, name: str) -> FileResponse:
    """A stored file as an attachment: type by content, a matching extension, a safe name, no sniffing.

    Django's FileResponse writes the name per RFC 6266, non-ASCII as ``filename*=utf-8''…`` (RFC 5987/8187).
    """
    handle = open_stored(field_file)
    extension, content_type = detect_type(handle)
    response = FileResponse(
        handle, as_attachment=True, filename=document_name(name, extension), content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"  # the browser keeps our type, never guesses another
    return response
