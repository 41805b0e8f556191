"""The agent's relief page: file an application and see its decision at once."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from claims.relief import services
from claims.relief.forms import ReliefApplicationForm
from claims.relief.models import ReliefApplication

# Service field → form field, where they differ.
_FIELD = {"applicant": "business_number"}


@login_required
@permission_required("claims.add_reliefapplication", raise_exception=True)
def relief_apply(request: HttpRequest) -> HttpResponse:
    """The form; on a valid filing the same page shows the decision and the grants."""
    form = ReliefApplicationForm(request.POST or None)
    application: ReliefApplication | None = None
    if request.method == "POST" and form.is_valid():
        data: dict[str, Any] = form.cleaned_data
        try:
            application = services.relief_application_create(
                program=data["program"],
                segment=data["segment"],
                applicant=services.Applicant(
                    kind=data["kind"],
                    external_id=data["external_id"],
                    name=data["name"],
                    business_number=data["business_number"],
                ),
                reported_loss=data["reported_loss"] or 0,
                damage=data["damage"],
                channel=data["channel"],
                submitted_at=data["submitted_at"],
                saturdays_worked=data["saturdays_worked"],
                nights_worked=data["nights_worked"],
                actor=request.user,
            )
        except services.ReliefInputError as exc:
            for field, messages in exc.errors.items():
                name = _FIELD.get(field, field)
                for message in messages if isinstance(messages, list) else [messages]:
                    form.add_error(name if name in form.fields else None, str(message))
    grants = list(application.grants.all()) if application else []
    return render(
        request,
        "relief/apply.html",
        {"form": form, "application": application, "grants": grants},
        status=400 if request.method == "POST" and application is None else 200,
    )
