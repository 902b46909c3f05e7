"""Under ``/api/`` every answer is JSON, whatever failed.

DRF's views give their own errors in the one format (api/errors.py). An error answer made elsewhere was the
portal's HTML page: the address resolver's 404 for an address outside the API's routes, the 503 of a lost
database (core.middleware.DatabaseUnavailableMiddleware, or ``handler500`` when the session or user middleware
hit it first), Django's 500 for an unexpected exception. A regional system parses JSON; an HTML page is a second
failure on top of the first. This middleware stands outside those and turns such an answer into the one format,
keeping its status and the headers that tell the client what to do (``Retry-After``, ``Allow``). Django has
logged the error already (with its traceback for a 500), so nothing is lost by replacing the page.
"""

from rest_framework.response import Response

from . import errors

API_PREFIX = "/api/"
# Headers of the replaced answer that a client acts on.
KEPT_HEADERS = ("Retry-After", "Allow", "WWW-Authenticate")


def is_json(response) -> bool:
    return response.get("Content-Type", "").split(";")[0].strip() in {
        "application/json",
        "application/problem+json",
    }


class JsonErrorsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code < 400
            or not request.path.startswith(API_PREFIX)
            or isinstance(response, Response)  # DRF's: the one format, as JSON or on the browsable API's page
            or is_json(response)
        ):
            return response
        replaced = errors.error_response(
            response.status_code,
            retry_after=response.get("Retry-After"),
            request_id=getattr(request, "request_id", ""),
        )
        for header in KEPT_HEADERS:
            if header in response:
                replaced[header] = response[header]
        replaced.cookies = response.cookies
        # Django logged the error where it happened (with the traceback); the answer is not logged a second time.
        replaced._has_been_logged = getattr(response, "_has_been_logged", False)
        return replaced
