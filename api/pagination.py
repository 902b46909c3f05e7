from rest_framework.pagination import CursorPagination


class SyncCursorPagination(CursorPagination):
    """A stable order (by id) and an opaque cursor: pages never overlap or skip while rows are added."""

    ordering = "pk"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
    cursor_query_description = "Курсор страницы: берётся из ссылки next или previous предыдущего ответа."
    page_size_query_description = "Строк на странице: по умолчанию 100, не больше 1000."
    invalid_cursor_message = "Неверный курсор страницы: возьмите ссылку next или previous из ответа."

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        properties = response["properties"]
        properties["next"]["description"] = "ссылка на следующую страницу; null — страница последняя"
        properties["previous"]["description"] = "ссылка на предыдущую страницу; null — страница первая"
        properties["results"] = {**schema, "description": "записи страницы"}
        properties["deleted"] = {
            "type": "array",
            "items": {"oneOf": [{"type": "integer"}, {"type": "string"}]},
            "description": "только с updated_since, на первой странице: идентификаторы записей, удалённых с "
            "этого момента (у педагогов без права на персональные данные — псевдонимы)",
        }
        return response
