"""The incident timeline row every incident service writes in its own transaction."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import User

from incidents.models import Incident, IncidentEvent


def incident_event(
    incident: Incident,
    *,
    kind: str,
    actor: User | None,
    at: datetime,
    detail: str = "",
    reason: str = "",
    before: str = "",
    after: str = "",
) -> IncidentEvent:
    """One timeline row (who, what, when, why); `detail` is cut to its column's 200 characters."""
    return IncidentEvent.objects.create(
        incident=incident,
        kind=kind,
        actor=actor,
        at=at,
        detail=detail[:200],
        reason=reason,
        from_status=before,
        to_status=after,
    )
