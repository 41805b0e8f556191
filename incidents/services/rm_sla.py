"""The SLA clock of an incident: paused while the case waits on an outside party (police,
insurer, hospital…), resumed with its due time moved on by the business hours that passed, and
the sweep that marks a breach once and tells the assignee."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from incidents.models import Incident, IncidentEvent, IncidentNotification
from incidents.selectors import may_see_sensitive_incidents
from incidents.services.timeline import incident_event
from incidents.sla import business_hours_between, business_time_add

logger = logging.getLogger(__name__)


class SlaNotApplicable(Exception):
    """The case has no clock to pause or resume (it is closed)."""


def duration_label(span: timedelta) -> str:
    """'3시간 30분' (minutes rounded down; seconds are below what RM reads)."""
    minutes = int(span.total_seconds()) // 60
    hours, minutes = divmod(minutes, 60)
    return f"{hours}시간 {minutes}분" if minutes else f"{hours}시간"


def _local(at: datetime) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M")


def _locked(incident_id: int) -> Incident:
    # Locked: a pause and a resume (or a close) of one case at once run one after the other,
    # and the second sees what the first did.
    return (
        Incident.objects.select_for_update(of=("self",))
        .select_related("rm_subtype__version")
        .get(pk=incident_id)
    )


def incident_pause_sla(*, incident: Incident, actor: User | None, reason: str) -> Incident:
    """Stop the case's SLA clock while it waits on an outside party. Pausing a paused case does
    nothing; a closed case raises SlaNotApplicable; the reason (whom we wait for) is required."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": ["일시정지 사유(기다리는 외부 기관 등)가 필요합니다."]})
    with transaction.atomic():
        locked = _locked(incident.pk)
        if locked.status == Incident.Status.CLOSED:
            raise SlaNotApplicable("종결된 사고는 SLA를 일시정지할 수 없습니다.")
        if locked.sla_paused_at is not None:
            return locked
        now = timezone.now()
        locked.sla_paused_at = now
        locked.save(update_fields=["sla_paused_at", "updated_at"])
        incident_event(
            locked,
            kind=IncidentEvent.Kind.SLA_PAUSED,
            actor=actor,
            at=now,
            detail=f"SLA 일시정지 (기한이던 시각 {_local(locked.sla_due_at)})",
            reason=reason,
        )
    return locked


def incident_resume_locked(
    incident: Incident, *, actor: User | None, now: datetime, reason: str = ""
) -> None:
    """End the pause of an incident the caller holds locked (inside its transaction): the due
    time moves on by the business time the pause lasted; the timeline says by how much."""
    paused_at = incident.sla_paused_at
    if paused_at is None:
        return
    version = incident.rm_subtype.version
    day = {"day_start": version.rm_day_start_hour, "day_end": version.rm_day_end_hour}
    paused_for = business_hours_between(paused_at, now, **day)
    if paused_for > timedelta(0):
        # Added to the old due time, not counted again from now: a case paused after its due
        # time stays late by as much as it was.
        incident.sla_due_at = business_time_add(incident.sla_due_at, paused_for, **day)
    incident.sla_paused_at = None
    incident.save(update_fields=["sla_paused_at", "sla_due_at", "updated_at"])
    incident_event(
        incident,
        kind=IncidentEvent.Kind.SLA_RESUMED,
        actor=actor,
        at=now,
        detail=f"SLA 재개: 정지 영업시간 {duration_label(paused_for)}, "
        f"새 기한 {_local(incident.sla_due_at)}",
        reason=reason,
    )


def incident_resume_sla(*, incident: Incident, actor: User | None, reason: str = "") -> Incident:
    """Start the clock again. Resuming a running clock does nothing; a closed case raises
    SlaNotApplicable."""
    with transaction.atomic():
        locked = _locked(incident.pk)
        if locked.status == Incident.Status.CLOSED:
            raise SlaNotApplicable("종결된 사고는 SLA를 재개할 수 없습니다.")
        incident_resume_locked(locked, actor=actor, now=timezone.now(), reason=reason.strip())
    return locked


# --- the breach sweep -------------------------------------------------------------------------


def _overdue(now: datetime) -> dict[str, object]:
    """What makes a case late for the sweep: open, its clock running, due, not yet marked."""
    return {
        "sla_breached_at__isnull": True,
        "sla_paused_at__isnull": True,
        "sla_due_at__lte": now,
    }


def breach_message(incident_id: int, due: datetime) -> str:
    # The message names the case and its due time only: it may be read in a mailbox.
    return f"RM 사고 #{incident_id}의 SLA 기한({_local(due)})이 지났습니다."


def incident_notify_breach_to_assignee(incident: Incident, *, now: datetime) -> None:
    """Tell the new assignee of a case already breached (and still open) about the breach, once
    per user and breach; inside the caller's transaction. The next sweep mails it."""
    if incident.assignee_id is None or incident.sla_breached_at is None:
        return
    if incident.status == Incident.Status.CLOSED:
        return
    IncidentNotification.objects.get_or_create(
        user_id=incident.assignee_id,
        incident=incident,
        kind=IncidentNotification.Kind.SLA_BREACHED,
        breach_at=incident.sla_breached_at,
        defaults={"message": breach_message(incident.pk, incident.sla_due_at), "created_at": now},
    )


def incident_sla_mark_breaches(*, incident_ids: list[int], now: datetime) -> int:
    """Mark the late ones among these cases breached, each once, in one transaction: a timeline
    row each and a notification to each assignee. The rows are locked and the lateness checked
    again under the lock (a pause or a close committed meanwhile wins); rows another sweep holds
    are skipped, and it marks them. `sla_breached_at` is only ever set on a row whose value is
    null, so two sweeps (two beats, a retried task) mark a case once; the notification is unique
    per user, case, kind and breach (a reopened case's next breach is notified again). Returns
    how many this call marked."""
    with transaction.atomic():
        late = list(
            Incident.objects.filter(pk__in=incident_ids, **_overdue(now))
            .exclude(status=Incident.Status.CLOSED)
            .select_for_update(skip_locked=True)
            .order_by("pk")
            .values_list("pk", "sla_due_at", "assignee_id", "sensitive")
        )
        if not late:
            return 0
        # A 성민감 case's notice goes only to an assignee who may see it (one assigned before
        # the permission was taken away, say); the case is marked all the same.
        assignees = {user for _pk, _due, user, sensitive in late if sensitive and user}
        may_see = {
            user.pk
            for user in User.objects.filter(pk__in=assignees)
            if user.is_active and may_see_sensitive_incidents(user)
        }
        Incident.objects.filter(pk__in=[pk for pk, *_rest in late]).update(sla_breached_at=now)
        IncidentEvent.objects.bulk_create(
            IncidentEvent(
                incident_id=pk,
                kind=IncidentEvent.Kind.SLA_BREACHED,
                actor=None,
                at=now,
                detail=f"SLA 기한 초과 (기한 {_local(due)})",
            )
            for pk, due, _user, _sensitive in late
        )
        IncidentNotification.objects.bulk_create(
            [
                IncidentNotification(
                    user_id=user,
                    incident_id=pk,
                    kind=IncidentNotification.Kind.SLA_BREACHED,
                    message=breach_message(pk, due),
                    created_at=now,
                    breach_at=now,
                )
                for pk, due, user, sensitive in late
                if user is not None and (not sensitive or user in may_see)
            ],
            ignore_conflicts=True,
        )
    return len(late)


def incident_notification_mail(*, notification_id: int) -> bool:
    """E-mail one notification to its user if mail is on (INCIDENTS_MAIL_NOTIFICATIONS) and
    the user has an address; at most once (claimed by a compare-and-set on `mailed_at`, given
    back if sending fails so the next sweep tries again). Runs outside any transaction."""
    if not settings.INCIDENTS_MAIL_NOTIFICATIONS:
        return False
    notification = IncidentNotification.objects.select_related("user", "incident").get(
        pk=notification_id
    )
    address = notification.user.email
    if not address:
        return False
    if notification.incident.sensitive and not may_see_sensitive_incidents(notification.user):
        return False  # a 성민감 case is not mailed to a user who may no longer see it
    now = timezone.now()
    claimed = IncidentNotification.objects.filter(
        pk=notification_id, mailed_at__isnull=True
    ).update(mailed_at=now)
    if claimed != 1:
        return False
    try:
        send_mail(
            subject=f"[보상 RM] {notification.get_kind_display()}: "
            f"RM 사고 #{notification.incident_id}",
            message=notification.message,
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[address],
        )
    except OSError:  # SMTP errors are OSErrors: the server is down or refused us
        logger.exception("notification %s: mail not sent", notification_id)
        IncidentNotification.objects.filter(pk=notification_id, mailed_at=now).update(
            mailed_at=None
        )
        return False
    return True


def incident_sla_sweep_breaches(*, now: datetime | None = None) -> int:
    """Mark every open, running case whose due time has passed as breached (each once), notify
    the assignees, then e-mail the notices not yet mailed (those of an earlier run whose mail
    failed too, within INCIDENTS_MAIL_RETRY_HOURS). Returns how many cases it marked."""
    now = now or timezone.now()
    late = (
        Incident.objects.filter(**_overdue(now))
        .exclude(status=Incident.Status.CLOSED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    marked = 0
    # Short transactions of a chunk each: a retry after a crash redoes only the unmarked ones,
    # and a backlog (a first run over a large queue) is marked in bulk, not row by row.
    last = 0
    while ids := list(late.filter(pk__gt=last)[: settings.INCIDENTS_SWEEP_CHUNK]):
        marked += incident_sla_mark_breaches(incident_ids=ids, now=now)
        last = ids[-1]
    if marked:
        logger.info("SLA sweep: %s case(s) marked breached", marked)
    pending = IncidentNotification.objects.filter(
        kind=IncidentNotification.Kind.SLA_BREACHED,
        mailed_at__isnull=True,
        created_at__gte=now - timedelta(hours=settings.INCIDENTS_MAIL_RETRY_HOURS),
    ).exclude(user__email="")
    if settings.INCIDENTS_MAIL_NOTIFICATIONS:
        for notification_id in pending.values_list("pk", flat=True):
            incident_notification_mail(notification_id=notification_id)
    return marked
