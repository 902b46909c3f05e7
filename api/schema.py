"""OpenAPI: the key header, the one error format on every operation, the schema view itself left out."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiViewExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "api.auth.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Ключ клиента в заголовке: «Authorization: Api-Key <ключ>». Выдаёт администратор или методист.",
        }


class ErrorSerializer(serializers.Serializer):
    """Ошибка: один формат для любого отказа."""

    code = serializers.CharField(
        help_text="код ошибки: not_authenticated, authentication_failed, permission_denied, not_found, invalid, "
        "parse_error, method_not_allowed, throttled, locked_out, server_error, service_unavailable…"
    )
    message = serializers.CharField(help_text="сообщение по-русски")
    details = serializers.JSONField(
        allow_null=True,
        help_text="подробности: ошибки по полям ({поле: [сообщения]}) или по строкам пакета "
        "([{row, column, message}]); иначе null",
    )


# Every answer may be one of these; an operation's own declaration of a code (with a body) wins.
ERROR_RESPONSES = {
    "400": "Запрос не принят: неверный параметр (например, updated_since) или данные; подробности в details.",
    "401": "Нет заголовка «Authorization: Api-Key <ключ>» или ключ не принят (не найден, отозван, истёк).",
    "403": "Недостаточно прав: нет нужного права ключа или запрос с неразрешённого IP-адреса.",
    "404": "Не найдено: записи нет в области доступа или курсор страницы неверен.",
    "429": "Слишком много запросов: повторите через столько секунд, сколько указано в заголовке Retry-After.",
    "500": "Внутренняя ошибка сервера; номер запроса для обращения к администратору — в сообщении и в заголовке "
    "X-Request-ID.",
    "503": "Сервис временно недоступен (нет связи с базой данных): повторите через столько секунд, сколько указано "
    "в заголовке Retry-After.",
}
# The answers that tell when to try again.
WITH_RETRY_AFTER = {"429", "503"}
RETRY_AFTER = {
    "Retry-After": {"schema": {"type": "integer"}, "description": "через сколько секунд повторить запрос"}
}


class ApiAutoSchema(AutoSchema):
    """Adds the error answers (the one format, ``ErrorSerializer``) to every operation of the API."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        error = self.resolve_serializer(ErrorSerializer, direction).ref
        for code, description in ERROR_RESPONSES.items():
            if responses.get(code, {}).get("content"):
                continue
            responses[code] = {"content": {"application/json": {"schema": error}}, "description": description}
            if code in WITH_RETRY_AFTER:
                responses[code]["headers"] = RETRY_AFTER
        return responses

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        # drf-spectacular leaves out a nested list's lower bound (allow_empty=False, min_length)
        if isinstance(field, serializers.ListSerializer) and schema.get("type") == "array":
            least = max(field.min_length or 0, 0 if field.allow_empty else 1)
            if least:
                schema["minItems"] = least
        return schema


class SchemaViewHidden(OpenApiViewExtension):
    """The schema does not describe the view that serves it (as the Swagger UI view is not described)."""

    target_class = "drf_spectacular.views.SpectacularAPIView"

    def view_replacement(self):
        return extend_schema_view(get=extend_schema(exclude=True))(type("SchemaView", (self.target,), {}))
