"""API-wide behaviour shared by every app's views."""

from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, with a Korean message for an unreadable body (DRF's own is English)."""
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, ParseError):
        response.data = {"detail": "요청 본문을 읽을 수 없습니다. 올바른 JSON인지 확인하세요."}
    return response
