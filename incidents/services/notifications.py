"""Writes to a user's RM notifications (알림): marking them read."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.utils import timezone

from incidents.selectors import notifications_of


def incident_notification_mark_read(*, user: User, notification_id: int | None = None) -> int:
    """Mark one of the user's notifications read (all unread ones when no id is given); one
    already read keeps its first reading time. Returns how many it marked. Notifications the
    user may not see (another user's, a 성민감 case's without the permission) are untouched."""
    unread = notifications_of(user).filter(read_at__isnull=True)
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    return unread.update(read_at=timezone.now())
