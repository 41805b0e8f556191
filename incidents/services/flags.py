"""Account flags raised from incidents: 사고다발 (seed 003) on 대리 drivers. Judged again
whenever an incident that may count is filed or its subtype or parties change."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from incidents.models import (
    Account,
    AccountFlag,
    EventKind,
    Incident,
    IncidentParty,
    Service,
    SourceKind,
)
from incidents.services.accounts import account_event
from policies.selectors import current_version

logger = logging.getLogger(__name__)

# Seed 003 counts "카카오T 대리 운행 내역": the accidents of 대리 rides only.
REPEAT_ACCIDENT_SERVICE = Service.DAERI


def _accidents(account: Account, *, since: datetime, until: datetime) -> list[Incident]:
    """The account's accidents as the driver of a 대리 ride that occurred in [since, until],
    each judged by the subtype row it was filed under."""
    return list(
        Incident.objects.filter(
            service=REPEAT_ACCIDENT_SERVICE,
            rm_subtype__accident=True,
            occurred_at__gte=since,
            occurred_at__lte=until,
            pk__in=IncidentParty.objects.filter(
                account=account, role=IncidentParty.Role.DRIVER
            ).values("incident_id"),
        )
        .select_related("rm_subtype")
        .order_by("occurred_at", "pk")
    )


def account_repeat_accidents_judge(
    *, account_id: int, actor: User | None = None, now: datetime | None = None
) -> AccountFlag | None:
    """Raise, update or clear the account's 사고다발 flag: standing when, within the published
    version's window (days, back from now), the driver has at least its count of 대리
    accidents, or one gross-negligence accident. The flag names the incidents that make it
    stand. Returns the open flag (None when there is none). Idempotent: judging again with
    nothing changed changes nothing."""
    now = now or timezone.now()
    version = current_version()
    with transaction.atomic():
        # Locked: two incidents of one driver filed at once are judged one after the other.
        account = Account.objects.select_for_update().get(pk=account_id)
        window = version.rm_repeat_accident_window_days
        accidents = _accidents(account, since=now - timedelta(days=window), until=now)
        gross = [i for i in accidents if i.rm_subtype.gross_negligence]
        needed = version.rm_repeat_accident_count
        flag = AccountFlag.objects.filter(
            account=account, kind=AccountFlag.Kind.REPEAT_ACCIDENTS, cleared_at__isnull=True
        ).first()
        if len(accidents) >= needed:
            causes = accidents
            reason = f"{window}일 안의 대리 사고 {len(accidents)}건 (기준 {needed}건)"
        elif gross:
            causes = gross
            reason = f"{window}일 안의 대리 중과실 사고 {len(gross)}건"
        else:
            if flag is not None:
                flag.cleared_at, flag.cleared_by = now, actor
                flag.clear_reason = "재판정: 기준 미달 (사고 유형·관계자 변경 또는 기간 경과)"
                flag.save(update_fields=["cleared_at", "cleared_by", "clear_reason"])
                account_event(
                    account=account,
                    kind=EventKind.FLAG_CLEARED,
                    actor=actor,
                    source_kind=SourceKind.INCIDENT,
                    note=f"사고다발 해제: {flag.clear_reason}",
                    at=now,
                )
            return None
        if flag is None:
            flag = AccountFlag.objects.create(
                account=account,
                kind=AccountFlag.Kind.REPEAT_ACCIDENTS,
                reason=reason,
                raised_at=now,
            )
            # The note names no incident: the account's history is read more widely than
            # incidents are (a 성민감 one stays hidden).
            account_event(
                account=account,
                kind=EventKind.FLAGGED,
                actor=actor,
                source_kind=SourceKind.INCIDENT,
                note=f"사고다발 지정: {reason}",
                at=now,
            )
            logger.info("account %s flagged: repeat accidents", account.pk)
        elif flag.reason != reason:
            flag.reason = reason
            flag.save(update_fields=["reason"])
        flag.incidents.set(causes)
    return flag


def incident_judge_drivers(*, incident: Incident, actor: User | None) -> None:
    """Judge 사고다발 again for every driver party of the incident (called when it is filed
    and when its subtype or parties change)."""
    drivers = IncidentParty.objects.filter(
        incident=incident, role=IncidentParty.Role.DRIVER
    ).values_list("account_id", flat=True)
    for account_id in sorted(set(drivers)):  # in pk order: two judges never deadlock
        account_repeat_accidents_judge(account_id=account_id, actor=actor)


def account_flags_rejudge_standing(*, now: datetime | None = None) -> int:
    """Judge 사고다발 again for every account with a standing flag (the daily beat task): a
    flag whose accidents aged out of the rolling window is cleared, one that still stands keeps
    only the incidents still in it. Each account is judged in its own transaction (in pk
    order); running it twice has the effect of once. Returns how many flags it cleared."""
    now = now or timezone.now()
    standing = (
        AccountFlag.objects.filter(kind=AccountFlag.Kind.REPEAT_ACCIDENTS, cleared_at__isnull=True)
        .order_by("account_id")
        .values_list("account_id", flat=True)
        .distinct()
    )
    cleared = 0
    for account_id in list(standing):
        if account_repeat_accidents_judge(account_id=account_id, now=now) is None:
            cleared += 1
    if cleared:
        logger.info("repeat-accident flags: %s cleared by the daily re-judgement", cleared)
    return cleared


def account_flag_clear(*, flag_id: int, actor: User, reason: str) -> AccountFlag:
    """RM clears a flag by hand, with a reason; clearing a cleared flag changes nothing. A later
    incident may raise it again."""
    from django.core.exceptions import ValidationError

    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": ["해제 사유가 필요합니다."]})
    with transaction.atomic():
        flag = AccountFlag.objects.select_for_update().get(pk=flag_id)
        if flag.cleared_at is not None:
            return flag
        flag.cleared_at, flag.cleared_by, flag.clear_reason = timezone.now(), actor, reason[:200]
        flag.save(update_fields=["cleared_at", "cleared_by", "clear_reason"])
        account_event(
            account=flag.account,
            kind=EventKind.FLAG_CLEARED,
            actor=actor,
            source_kind=SourceKind.MANUAL,
            note=f"{flag.get_kind_display()} 해제: {reason}",
            at=flag.cleared_at,
        )
    return flag
