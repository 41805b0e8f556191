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
