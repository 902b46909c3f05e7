"""One error format for every failure: {"code", "message" (Russian), "details"}.

DRF's views answer their errors through ``api_exception_handler``; what fails outside them — the address
resolver's 404, a lost database (core.middleware's 503), an unexpected exception (500) — is turned into the same
format by ``api.middleware.JsonErrorsMiddleware`` with ``error_response``.
"""

import re

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from core.errors import ApplicationError

MESSAGES = {
    "not_authenticated": "Нужна авторизация: заголовок «Authorization: Api-Key <ключ>» или вход в портал.",
    "authentication_failed": "Ключ API не принят.",
    "permission_denied": "Недостаточно прав.",
    "not_found": "Не найдено.",
    "method_not_allowed": "Метод не поддерживается.",
    "throttled": "Слишком много запросов.",
    "locked_out": "Адрес временно заблокирован после неверных ключей API.",
    "parse_error": "Тело запроса не разобрано: ожидается JSON.",
    "invalid": "Данные не приняты.",
    "unsupported_media_type": "Тип тела запроса не поддерживается: ожидается application/json.",
    "not_acceptable": "Формат ответа не поддерживается: ожидается application/json.",
    "server_error": "Внутренняя ошибка сервера: запрос не выполнен.",
    "service_unavailable": "Сервис временно недоступен.",
    "error": "Запрос не выполнен.",
}
# The code of an error answer made outside DRF, by its status.
CODE_OF_STATUS = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    415: "unsupported_media_type",
    429: "throttled",
    500: "server_error",
    503: "service_unavailable",
}
CYRILLIC = re.compile(r"[А-Яа-яЁё]")


def api_exception_handler(exc, context):
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    elif isinstance(exc, ApplicationError):
        return Response(
            {"code": exc.code, "message": exc.message, "details": None}, status=status.HTTP_400_BAD_REQUEST
        )
    response = exception_handler(exc, context)
    if response is None:
        return None
    code = getattr(exc, "default_code", "error")
    if isinstance(exc, exceptions.ValidationError):
        code = "invalid"
        message = MESSAGES["invalid"]
        details = response.data
    else:
        detail = getattr(exc, "detail", "")
        text = str(detail) if detail else ""
        english_default = text == str(getattr(exc, "default_detail", ""))
        message = MESSAGES.get(code, text) if (english_default or not text) else text
        if not CYRILLIC.search(message):  # a library's English text («JSON parse error - …»): ours instead
            message = MESSAGES.get(code, "Запрос не выполнен.")
        details = None
    if (
        code == "throttled" and exc.wait is not None
    ):  # not the lockout (api.auth.LockedOut): it has its own text
        message = f"Слишком много запросов: повторите через {int(exc.wait) + 1} с."
    response.data = {"code": code, "message": message, "details": details}
    return response


def error_response(status_code: int, *, retry_after: str | None = None, request_id: str = "") -> JsonResponse:
    """An error answer in the one format for ``status_code``, made outside DRF (api.middleware)."""
    code = CODE_OF_STATUS.get(status_code, "error")
    message = MESSAGES[code]
    if retry_after and retry_after.isdecimal():
        message = f"{message.rstrip('.')}: повторите запрос через {int(retry_after)} с."
    if code == "server_error" and request_id:  # what a user reports, and what finds the traceback in the logs
        message = f"{message} Номер запроса для обращения к администратору: {request_id}."
    response = JsonResponse(
        {"code": code, "message": message, "details": None},
        status=status_code,
        json_dumps_params={"ensure_ascii": False},
    )
    if retry_after:
        response["Retry-After"] = retry_after
    return response
