"""Stored files handed to users through permission-checked views."""

import logging

from django.http import Http404

logger = logging.getLogger(__name__)


def open_stored(field_file):
    """Open a stored file for a download; a file missing from storage is a 404 with a message, not a 500."""
    try:
        return field_file.open("rb")
    except FileNotFoundError:
        logger.error("Файл %s есть в базе, но отсутствует в хранилище", field_file.name)
        raise Http404("Файл не найден в хранилище. Сообщите администратору портала.") from None
