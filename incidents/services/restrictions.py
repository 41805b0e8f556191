"""Ending restrictions: a condition recorded for an account lifts the suspensions waiting for
it; a person lifts a suspension, or RM reverses a ban, with a reason."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from incidents.models import Account, EventKind, Restriction, RestrictionKind, SourceKind
from incidents.services.accounts import Actor, account_event, user_or_none
from policies.models import LiftCondition

logger = logging.getLogger(__name__)


def condition_record(
    *,
    account: Account,
    condition: str,
    note: str = "",
    actor: Actor = None,
    source_kind: str = SourceKind.MANUAL,
    source_ref: str = "",
) -> list[Restriction]:
    """Record that `condition` (fees paid, info corrected, accident closed) now holds for the
    account: every suspension waiting for it is lifted. Recording it again lifts nothing more.
    Returns the restrictions it lifted."""
    if condition not in LiftCondition.values:
        raise ValidationError({"condition": [f"알 수 없는 해제 조건입니다: {condition!r}"]})
    label = LiftCondition(condition).label
    now = timezone.now()
    lifted: list[Restriction] = []
    with transaction.atomic():
        # Under the account's lock, so a violation being recorded at the same moment either
        # comes first (and its suspension is lifted here) or sees this lift.
        Account.objects.select_for_update().filter(pk=account.pk).first()
        account_event(
            account=account,
            kind=EventKind.CONDITION,
            actor=actor,
            source_kind=source_kind,
            source_ref=source_ref,
            note=f"{label}" + (f" — {note}" if note else ""),
            at=now,
        )
        waiting = account.restrictions.filter(
            lift_condition=condition, lifted_at__isnull=True
        ).order_by("pk")
        for restriction in waiting:
            # Compare-and-set: a concurrent lift of the same row counts once.
            done = Restriction.objects.filter(pk=restriction.pk, lifted_at__isnull=True).update(
                lifted_at=now, lifted_by=user_or_none(actor), lift_reason=f"{label} 기록"
            )
            if done:
                restriction.refresh_from_db()
                lifted.append(restriction)
                account_event(
                    account=account,
                    kind=EventKind.LIFTED,
                    actor=actor,
                    source_kind=source_kind,
                    source_ref=source_ref,
                    note=f"{restriction.label}: {label}",
                    at=now,
                )
    logger.info("condition %s recorded for %s, %d lifted", condition, account, len(lifted))
    return lifted


def restriction_lift(*, restriction_id: int, actor: Actor, reason: str) -> Restriction:
    """Lift a suspension (managers and RM) or reverse a ban (RM), with a reason. Lifting one
    already lifted changes nothing."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["해제 사유를 입력하세요."]})
    account_id = Restriction.objects.values_list("account_id", flat=True).get(pk=restriction_id)
    with transaction.atomic():
        # The account's row first, as violations take it: a ban reversed while a violation
        # reaches a ban threshold either comes first (and the violation bans again) or after.
        Account.objects.select_for_update().filter(pk=account_id).first()
        restriction = Restriction.objects.select_for_update().get(pk=restriction_id)
        needed = (
            "incidents.reverse_ban"
            if restriction.kind == RestrictionKind.BAN
            else "incidents.lift_restriction"
        )
        if actor is None or not actor.has_perm(needed):
            what = (
                "영구정지 철회는 RM만" if restriction.kind == RestrictionKind.BAN else "해제 권한이"
            )
            raise PermissionDenied(f"{what} 할 수 있습니다.")
        if restriction.lifted_at is not None:
            return restriction
        now = timezone.now()
        Restriction.objects.filter(pk=restriction.pk, lifted_at__isnull=True).update(
            lifted_at=now, lifted_by=user_or_none(actor), lift_reason=reason[:500]
        )
        restriction.refresh_from_db()
        word = "영구정지 철회" if restriction.kind == RestrictionKind.BAN else "해제"
        account_event(
            account=restriction.account,
            kind=EventKind.LIFTED,
            actor=actor,
            source_kind=SourceKind.MANUAL,
            note=f"{restriction.label} {word}: {reason}",
            at=now,
        )
    logger.info("restriction %s lifted on %s", restriction.pk, restriction.account)
    return restriction
