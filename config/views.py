"""Project-wide pages: home, health, and the error pages (JSON under /api/, pages elsewhere)."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from claims import selectors as claim_selectors
from claims.relief.models import ReliefApplication
from incidents import selectors as incident_selectors
from incidents.models import Incident
from incidents.selectors import SlaState

ERRORS = {
    400: "잘못된 요청입니다.",
    403: "이 작업을 할 권한이 없습니다.",
    404: "찾을 수 없습니다.",
    500: "서버 오류가 발생했습니다. 잠시 뒤 다시 시도하세요.",
}


def _home_figures(user: Any) -> dict[str, int]:
    """The few numbers the home page puts beside its links: what waits for this user."""
    figures: dict[str, int] = {}
    if user.has_perm("claims.view_all_claim"):
        figures["escalated"] = claim_selectors.escalation_queue(user).count()
    if user.has_perm("incidents.work_incident"):
        visible = incident_selectors.incidents_visible_to(user)
        breached = incident_selectors.sla_state_q(SlaState.BREACHED)
        mine = visible.filter(assignee=user).exclude(status=Incident.Status.CLOSED)
        figures["rm_mine"] = mine.count()
        figures["rm_mine_breached"] = mine.filter(breached).count()
        figures["rm_unassigned"] = (
            visible.filter(assignee__isnull=True).exclude(status=Incident.Status.CLOSED).count()
        )
        figures["rm_unread"] = incident_selectors.unread_notification_count(user)
    if user.has_perm("claims.view_relief_dashboard"):
        figures["committee"] = ReliefApplication.objects.filter(
            status=ReliefApplication.Status.COMMITTEE_REVIEW
        ).count()
    return figures


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html", {"figures": _home_figures(request.user)})


def healthz(request: HttpRequest) -> JsonResponse:
    """ok or not, and nothing about what runs behind it."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # any database failure is the same answer to a probe
        return JsonResponse({"status": "error"}, status=503)
    return JsonResponse({"status": "ok"})


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _error(request: HttpRequest, status: int, message: str | None = None) -> HttpResponse:
    detail = message or ERRORS[status]
    if _is_api(request):
        return JsonResponse({"detail": detail}, status=status)
    return render(request, "error.html", {"status": status, "detail": detail}, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None, message: str = ""):  # type: ignore[no-untyped-def]
    if exception is not None and "RequestDataTooBig" in type(exception).__name__:
        message = "요청 본문이 너무 큽니다."
    return _error(request, 400, message or None)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No template context beyond the message: whatever failed must not fail again here.
    if _is_api(request):
        return JsonResponse({"detail": ERRORS[500]}, status=500)
    return render(request, "error.html", {"status": 500, "detail": ERRORS[500]}, status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _error(
        request,
        403,
        "보안 토큰(CSRF)이 없거나 맞지 않습니다. 페이지를 새로 고친 뒤 다시 시도하세요.",
    )


def password_reset_unavailable(request: HttpRequest) -> HttpResponse:
    """Without a mail backend there is no reset by mail: the page says whom to ask."""
    return render(request, "registration/password_reset_unavailable.html")


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:  # type: ignore[no-untyped-def]
    """django-axes' answer to a locked-out login: a Korean page, with the wait in minutes."""
    from django.conf import settings

    return render(
        request,
        "registration/locked_out.html",
        {"minutes": settings.AXES_COOLOFF_MINUTES},
        status=429,
    )
