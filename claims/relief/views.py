"""The agent's relief page: file an application and see its decision at once."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from claims.relief import services
from claims.relief.forms import ReliefApplicationForm
from claims.relief.models import ReliefApplication


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
                reported_loss=data["reported_loss"],
                damage=data["damage"],
                channel=data["channel"],
                submitted_at=data["submitted_at"],
                saturdays_worked=data["saturdays_worked"],
                nights_worked=data["nights_worked"],
                actor=request.user,
            )
        except services.ReliefInputError as exc:
            for field, messages in _flat_errors(exc.errors):
                for message in messages:
                    form.add_error(field if field in form.fields else None, str(message))
    grants = list(application.grants.all()) if application else []
    return render(
        request,
        "relief/apply.html",
        {"form": form, "application": application, "grants": grants},
        status=400 if request.method == "POST" and application is None else 200,
    )


def _flat_errors(errors: dict[str, Any]) -> list[tuple[str, list[Any]]]:
    """The service's errors as form fields: the applicant's own fields are the form's."""
    flat: list[tuple[str, list[Any]]] = []
    for field, messages in errors.items():
        if isinstance(messages, dict):
            flat.extend((sub, list(m)) for sub, m in messages.items())
        else:
            flat.append((field, messages if isinstance(messages, list) else [messages]))
    return flat
