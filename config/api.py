"""API-wide error answers: in Korean where DRF or Django answer in English."""

from typing import Any

from django.http import Http404
from rest_framework import exceptions, negotiation, permissions
from rest_framework.exceptions import ParseError
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, in Korean where DRF or Django answer in English."""
    if isinstance(exc, Http404):
        # Django's get_object_or_404 says "No PayoutBatch matches the given query."
        exc = exceptions.NotFound("찾을 수 없습니다.")
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, ParseError):
        detail = str(exc.detail)
        if "JSON 중첩" not in detail:
            detail = "요청 본문을 읽을 수 없습니다. 올바른 JSON인지 확인하세요."
        response.data = {"detail": detail}
    if response is not None and isinstance(exc, exceptions.ValidationError):
        response.data = _korean_no_data(response.data)
    if response is not None and isinstance(exc, exceptions.Throttled):
        wait = getattr(exc, "wait", None) or 1
        response.data = {"detail": f"요청이 너무 많습니다. {wait:.0f}초 뒤에 다시 시도하세요."}
    return response


NO_DATA = "요청 본문이 비어 있습니다. JSON 객체로 보내세요."


def _korean_no_data(data: Any) -> Any:
    """DRF answers a null or empty body with an untranslated 'No data provided' (code `null`)
    under non_field_errors; say it in Korean."""
    if not isinstance(data, dict):
        return data
    key = api_settings.NON_FIELD_ERRORS_KEY
    messages = data.get(key)
    if isinstance(messages, list):
        data[key] = [
            exceptions.ErrorDetail(NO_DATA, code="null")
            if getattr(m, "code", None) == "null" and str(m) == "No data provided"
            else m
            for m in messages
        ]
    return data


class ThrottleUnauthenticated:
    """For API views: an unauthenticated or badly authenticated call counts against the
    anonymous rate too.

    DRF checks rates only after authentication and permissions, so a caller guessing tokens
    would get 401 after 401 and never be slowed; here the failure is counted by address first.
    """

    def initial(self, request, *args, **kwargs):  # type: ignore[no-untyped-def]
        from config.throttling import AnonRateThrottle

        try:
            super().initial(request, *args, **kwargs)  # type: ignore[misc]
        except (exceptions.NotAuthenticated, exceptions.AuthenticationFailed):
            throttle = AnonRateThrottle()
            if not throttle.allow_request(request, self):  # type: ignore[arg-type]
                self.throttled(request, throttle.wait())  # type: ignore[attr-defined]
            raise


def needs_permission(perm: str, message: str) -> type[permissions.BasePermission]:
    """A DRF permission class: the user holds `perm`; `message` (Korean) is the 403's detail."""

    class HasPerm(permissions.BasePermission):
        def has_permission(self, request, view):  # type: ignore[no-untyped-def]
            return bool(request.user and request.user.has_perm(perm))

    HasPerm.message = message  # type: ignore[attr-defined]
    return HasPerm


class JSONOnlyNegotiation(negotiation.DefaultContentNegotiation):
    """DRF's negotiation, with the answer it always gives here found first: the API renders
    JSON only, so a request that accepts JSON (or says nothing) needs no Accept parsing.
    Anything else goes through DRF's own rules (a 406 where JSON is refused)."""

    def select_renderer(self, request, renderers, format_suffix=None):  # type: ignore[no-untyped-def]
        accept = request.META.get("HTTP_ACCEPT", "")
        if not format_suffix and len(renderers) == 1:
            renderer = renderers[0]
            if accept in ("", "*/*", renderer.media_type):
                return renderer, renderer.media_type
        return super().select_renderer(request, renderers, format_suffix)
