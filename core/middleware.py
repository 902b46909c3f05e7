"""Request ids, and a Russian «service unavailable» page while PostgreSQL cannot be reached.

``RequestIdMiddleware`` goes first: every log line of a request carries its id (core.logging), and so does the
response (``X-Request-ID``), so that a user's report of a problem can be found in the logs.

``DatabaseUnavailableMiddleware`` turns a lost database connection into 503 with ``Retry-After`` instead of a
500: the outage is not a bug of the page. Django replaces a broken persistent connection by itself
(``CONN_HEALTH_CHECKS``), so the portal recovers without a restart once the database is back. An error raised
by a view or its template reaches ``process_exception``; one raised in another middleware (the session, the
user) reaches ``server_error``, the project's ``handler500``, which gives the same answer.
"""

import contextvars
import logging
import sys

from django.core.signals import request_finished
from django.db import InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import HttpResponse
from django.template import loader
from django.views import defaults
from django.views.decorators.csrf import requires_csrf_token

from .logging import clean_request_id, request_id

logger = logging.getLogger("core.outage")

RETRY_AFTER_SECONDS = 30
DATABASE_ERRORS = (OperationalError, InterfaceError)

# The request being served, for code that runs deep inside it with no request at hand: core.tasks.enqueue tells
# the user about a queue outage through it. None outside a request.
_request: contextvars.ContextVar = contextvars.ContextVar("current_request", default=None)


def current_request():
    return _request.get()


class RequestIdMiddleware:
    header = "X-Request-ID"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        rid = clean_request_id(request.headers.get(self.header))
        request.request_id = rid
        # The id stays set until the request is finished (below): Django logs a 4xx/5xx answer after the whole
        # middleware chain has returned, and that line must carry the id too.
        request_id.set(rid)
        token = _request.set(request)
        try:
            response = self.get_response(request)
        finally:
            _request.reset(token)
        response[self.header] = rid
        return response


@receiver(request_finished, dispatch_uid="core.middleware.forget_request_id")
def _forget_request_id(**_kwargs) -> None:
    request_id.set("-")


def database_unavailable_response(error: BaseException | None = None) -> HttpResponse:
    """503 with the Russian page; rendered without a request, so nothing on it needs the database."""
    if error is not None:
        logger.error("Нет связи с базой данных: %s: %s", type(error).__name__, str(error).strip())
    response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_ERRORS):
            return database_unavailable_response(exception)
        return None


@requires_csrf_token
def server_error(request, template_name="500.html"):
    """``handler500`` (with DEBUG off): Django's own 500 page, except for a lost database connection (503)."""
    error = sys.exc_info()[1]
    if isinstance(error, DATABASE_ERRORS):
        return database_unavailable_response(error)
    return defaults.server_error(request, template_name)
