"""RM's decisions on the review queue: ban, clear, or suspend for a number of days."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from incidents.models import (
    Account,
    EventKind,
    Restriction,
    RestrictionKind,
    Review,
    ReviewDecision,
    SourceKind,
)
from incidents.services.accounts import Actor, account_event, user_or_none
from policies.models import PenaltyScope

logger = logging.getLogger(__name__)


class ReviewAlreadyDecided(Exception):
    pass


def review_decide(
    *,
    review_id: int,
    actor: Actor,
    decision: str,
    reason: str,
    suspend_days: int | None = None,
) -> Review:
    """Decide an open review (RM): `ban` bans the account, `suspend` suspends its app for
    `suspend_days`, `clear` closes it with nothing applied. The reason is mandatory. Deciding
    it again the same way is harmless; differently, ReviewAlreadyDecided."""
    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if decision not in ReviewDecision.values:
        errors["decision"] = ["결정을 고르세요 (영구정지, 문제 없음, 기간 정지)."]
    if not reason:
        errors["reason"] = ["결정 사유를 입력하세요."]
    if decision == ReviewDecision.SUSPEND and not (suspend_days and suspend_days >= 1):
        errors["suspend_days"] = ["기간 정지는 1일 이상의 정지 일수가 필요합니다."]
    if errors:
        raise ValidationError(errors)
    if actor is None or not actor.has_perm("incidents.decide_review"):
        raise PermissionDenied("재심사 결정은 RM만 할 수 있습니다.")
    account_id = Review.objects.values_list("account_id", flat=True).get(pk=review_id)
    with transaction.atomic():
        # The account's row first, as violations take it: a ban decided here and a ban
        # threshold reached at the same moment are applied one after the other, once.
        Account.objects.select_for_update().filter(pk=account_id).first()
        review = Review.objects.select_for_update().select_related("account").get(pk=review_id)
        if review.status == Review.Status.DECIDED:
            if review.decision == decision:
                return review
            raise ReviewAlreadyDecided(
                f"이미 '{review.get_decision_display()}'(으)로 결정된 재심사입니다."
            )
        if Review.Status.DECIDED not in Review.TRANSITIONS[review.status]:
            raise ReviewAlreadyDecided("이 재심사는 결정할 수 없는 상태입니다.")
        now = timezone.now()
        account = review.account
        # Compare-and-set from open, under the row lock taken above.
        Review.objects.filter(pk=review.pk, status=Review.Status.OPEN).update(
            status=Review.Status.DECIDED,
            decision=decision,
            reason=reason[:500],
            decided_at=now,
            decided_by=user_or_none(actor),
        )
        review.refresh_from_db()
        source = {"source_kind": SourceKind.REVIEW, "source_ref": str(review.pk)}
        account_event(
            account=account,
            kind=EventKind.REVIEW_DECIDED,
            actor=actor,
            note=f"{review.label}: {review.get_decision_display()} — {reason}",
            at=now,
            **source,
        )
        restriction: dict | None = None
        if decision == ReviewDecision.BAN:
            already = account.restrictions.filter(kind=RestrictionKind.BAN, lifted_at__isnull=True)
            if not already.exists():
                restriction = {"kind": RestrictionKind.BAN}
        elif decision == ReviewDecision.SUSPEND:
            restriction = {
                "kind": RestrictionKind.SUSPENSION,
                "until": now + timedelta(days=suspend_days or 0),
            }
        if restriction is not None:
            made = Restriction.objects.create(
                account=account,
                code=review.code,
                label=f"재심사 결정: {review.label}",
                scope=PenaltyScope.APP,
                since=now,
                rule=review.rule,
                review=review,
                applied_by=user_or_none(actor),
                **restriction,
                **source,
            )
            until = f" ({suspend_days}일)" if suspend_days and made.until else ""
            account_event(
                account=account,
                kind=EventKind.RESTRICTED,
                actor=actor,
                note=f"{made.get_kind_display()}{until}: {review.label}",
                at=now,
                **source,
            )
    logger.info("review %s decided %s for %s", review.pk, decision, account)
    return review
