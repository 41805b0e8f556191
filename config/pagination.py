"""API paging: strict page numbers."""

from rest_framework import exceptions, pagination


class StrictPageNumberPagination(pagination.PageNumberPagination):
    """Page numbers are one ASCII decimal each: a repeated or malformed `page` is a 400 (DRF
    alone answers 404 for it); a page past the end stays a 404."""

    invalid_page_message = "페이지가 없습니다."

    def paginate_queryset(self, queryset, request, view=None):  # type: ignore[no-untyped-def]
        values = request.query_params.getlist(self.page_query_param)
        if len(values) > 1:
            raise exceptions.ValidationError({self.page_query_param: ["한 번만 주세요."]})
        if values and not (values[0].isascii() and values[0].isdigit() and 0 < len(values[0]) < 10):
            raise exceptions.ValidationError({self.page_query_param: ["1 이상의 정수여야 합니다."]})
        if values and int(values[0]) < 1:
            raise exceptions.ValidationError({self.page_query_param: ["1 이상의 정수여야 합니다."]})
        return super().paginate_queryset(queryset, request, view)


class KeysetPagination(pagination.CursorPagination):
    """Keyset (cursor) pages in id order, newest first: `{"results": [...], "next": url|null}`.

    Walking tens of millions of rows never counts or offsets them. A cursor that cannot be
    read is a 400, not DRF's 404.
    """

    page_size = 100
    ordering = "-id"
    invalid_cursor_message = "cursor 값이 올바르지 않습니다."

    def decode_cursor(self, request):  # type: ignore[no-untyped-def]
        values = request.query_params.getlist(self.cursor_query_param)
        if len(values) > 1:
            raise exceptions.ValidationError({self.cursor_query_param: ["한 번만 주세요."]})
        try:
            cursor = super().decode_cursor(request)
        except exceptions.NotFound as exc:
            raise exceptions.ValidationError(
                {self.cursor_query_param: [self.invalid_cursor_message]}
            ) from exc
        # The position is an id here: anything else would reach the query and fail there.
        position = str(cursor.position) if cursor is not None and cursor.position else None
        if position is not None and not (position.isascii() and position.isdigit()):
            raise exceptions.ValidationError(
                {self.cursor_query_param: [self.invalid_cursor_message]}
            )
        return cursor

    def get_paginated_response(self, data):  # type: ignore[no-untyped-def]
        from rest_framework.response import Response

        return Response({"results": data, "next": self.get_next_link()})

    def get_paginated_response_schema(self, schema):  # type: ignore[no-untyped-def]
        return {
            "type": "object",
            "required": ["results", "next"],
            "properties": {
                "results": schema,
                "next": {"type": "string", "format": "uri", "nullable": True},
            },
        }
