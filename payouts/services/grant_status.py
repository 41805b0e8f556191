"""Every status change of a blanket grant: checked against BlanketGrant.TRANSITIONS,
compare-and-set on the current status, with its event row, in one transaction."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from payouts.models import BlanketGrant, BlanketGrantEvent

Status = BlanketGrant.Status


class GrantTransitionRefused(Exception):
    def __init__(self, grant_id: int, current: str, to: str) -> None:
        super().__init__(
            f"일괄 지급 #{grant_id}: {Status(current).label} → {Status(to).label} 변경은 "
            "허용되지 않습니다."
        )


def blanket_grant_transition(
    *,
    grant_id: int,
    to: str,
    actor: User | None = None,
    reason: str = "",
    only_from: tuple[str, ...] | None = None,
    strict: bool = True,
    **fields: Any,
) -> bool:
    """Move the grant to `to` (with `fields` updated alongside); True if it moved.

    Already at `to`: only `fields` are written, no event. A move the table refuses (or one
    from outside `only_from`) raises GrantTransitionRefused, or with `strict=False` leaves the
    grant alone and returns False, for callers that move it only "if still …".
    """
    with transaction.atomic():
        current = (
            BlanketGrant.objects.select_for_update()
            .filter(pk=grant_id)
            .values_list("status", flat=True)
            .first()
        )
        if current is None:
            raise BlanketGrant.DoesNotExist(f"일괄 지급 #{grant_id}이(가) 없습니다.")
        now = timezone.now()
        if current == to:
            if fields:
                BlanketGrant.objects.filter(pk=grant_id).update(updated_at=now, **fields)
            return False
        allowed = to in BlanketGrant.TRANSITIONS[current] and (
            only_from is None or current in only_from
        )
        if not allowed:
            if strict:
                raise GrantTransitionRefused(grant_id, current, to)
            return False
        BlanketGrant.objects.filter(pk=grant_id, status=current).update(
            status=to, updated_at=now, **fields
        )
        event = BlanketGrantEvent.objects.create(
            grant_id=grant_id, from_status=current, to_status=to, actor=actor, reason=reason[:2000]
        )
        if to == Status.DONE:
            _notify_issued(grant_id, event_id=event.pk)
    return True


def _notify_issued(grant_id: int, *, event_id: int) -> None:
    """The segment's notice of a grant that is done, once per finish (its event): written in
    this transaction by a notifier that writes the database (the outbox), so it exists exactly
    when the grant is done; sent after commit by any other, which may be a network call."""
    from payouts.models import LedgerEntry
    from payouts.notifiers import Notice, get_notifier

    grant = BlanketGrant.objects.get(pk=grant_id)
    issued = LedgerEntry.objects.filter(grant_id=grant_id).count()
    if issued == 0:
        return  # everything was cancelled: nothing was granted to tell anyone about
    what = f"{grant.amount:,}원" if grant.amount is not None else f"{grant.count:,}개"
    notice = Notice(
        kind="grant_issued",
        key=f"grant-issued:{grant.code}:{event_id}",
        recipient_kind=grant.recipient_kind,
        recipient_id="",
        title=f"{grant.name} 지급 완료",
        body=f"{grant.segment or grant.name} 대상 {issued:,}명에게 "
        f"{grant.get_instrument_display()} {what}을(를) 지급했습니다.",
    )
    notifier = get_notifier()
    if getattr(notifier, "transactional", False):
        notifier.send(notice)
    else:
        transaction.on_commit(lambda: notifier.send(notice), robust=True)
