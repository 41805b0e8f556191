"""Request checks that hold for every page and endpoint."""

from collections.abc import Callable

import csp.middleware
from django.conf import settings
from django.http import HttpRequest, HttpResponse

from config.views import bad_request


class RejectNulBytesMiddleware:
    """A NUL byte in a query or form value is refused with a 400 before any view runs.

    PostgreSQL text cannot hold NUL, so such a value reaching a filter (an admin list filter,
    an API query parameter) would be a DataError, a 500; no real input contains one.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            "\x00" in request.path_info
            or "\x00" in request.META.get("QUERY_STRING", "")
            or _has_nul(request.GET)
        ):
            return bad_request(request, None, message="요청에 허용되지 않는 문자(NUL)가 있습니다.")
        if request.method == "POST" and request.content_type in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            try:
                has_nul = _has_nul(request.POST)
            except Exception:
                # The body could not be parsed (an unknown charset, a broken multipart) and is
                # consumed now, so no view could read it either: answer here.
                return bad_request(request, None, message="요청 본문을 읽을 수 없습니다.")
            if has_nul:
                return bad_request(
                    request, None, message="요청에 허용되지 않는 문자(NUL)가 있습니다."
                )
        return self.get_response(request)


def _has_nul(data) -> bool:  # type: ignore[no-untyped-def]
    return any("\x00" in key or any("\x00" in v for v in data.getlist(key)) for key in data)


class CSPMiddleware(csp.middleware.CSPMiddleware):
    """django-csp's middleware, minus the work for paths the policy excludes (the JSON API):
    django-csp builds both headers for every response and only then checks the exclusion."""

    def process_response(self, request, response):  # type: ignore[no-untyped-def]
        excluded = tuple(settings.CONTENT_SECURITY_POLICY.get("EXCLUDE_URL_PREFIXES", ()))
        report_only = getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
        if excluded and not report_only and request.path_info.startswith(excluded):
            return response
        return super().process_response(request, response)
