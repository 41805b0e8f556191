"""Recording a violation and applying its penalty rule: count the account's violations of
the code (or add up their amounts), and when the threshold is reached apply the action unless
it is already in force."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from incidents.models import (
    Account,
    EventKind,
    Restriction,
    RestrictionKind,
    Review,
    SourceKind,
    Violation,
)
from incidents.services.accounts import Actor, account_event, account_get_or_create, user_or_none
from policies.models import PenaltyAction, PenaltyRule, PenaltyScope
from policies.selectors import (
    NoPublishedPolicy,
    PenaltyNotForKind,
    UnknownPenaltyCode,
    penalty_rule,
)

logger = logging.getLogger(__name__)

# A caller's clock a little ahead of ours is not a violation dated in the future.
CLOCK_SKEW = timedelta(minutes=5)


def violation_record(
    *,
    kind: str,
    external_id: str,
    code: str,
    occurred_at: datetime | None = None,
    amount: int | None = None,
    note: str = "",
    source_kind: str = SourceKind.MANUAL,
    source_ref: str = "",
    actor: Actor = None,
    name: str | None = None,
    phone: str | None = None,
) -> Violation:
    """Record that the account (created if new) violated `code`, under the published
    version's rule for its kind, and apply the rule's action if its threshold is reached.

    A claim or incident recording the same violation again gets the first one back and
    nothing is applied twice. Raises ValidationError (field → messages) for an unknown code, a
    code of another kind of account, or a missing amount where the rule adds amounts up.
    """
    try:
        rule = penalty_rule(code=code, kind=kind)
    except (UnknownPenaltyCode, PenaltyNotForKind, NoPublishedPolicy) as exc:
        raise ValidationError({"code": [str(exc)]}) from exc
    if occurred_at is not None and occurred_at > timezone.now() + CLOCK_SKEW:
        raise ValidationError({"occurred_at": ["발생 시각은 미래일 수 없습니다."]})
    if rule.threshold_amount is not None and amount is None:
        raise ValidationError({"amount": ["이 위반은 금액(원)으로 누적됩니다. 금액을 입력하세요."]})
    with transaction.atomic():
        account = account_get_or_create(
            kind=kind,
            external_id=external_id,
            name=name,
            phone=phone,
            actor=actor,
            source_kind=source_kind,
            source_ref=source_ref,
        )
        # Every violation of an account is recorded under its row lock, so two at once count
        # one after the other: the second sees the first and a threshold they reach together
        # is reached once, by the later one.
        account = Account.objects.select_for_update().get(pk=account.pk)
        # Taken under the lock, so the history reads in the order things happened.
        now = timezone.now()
        if source_kind != SourceKind.MANUAL:
            existing = Violation.objects.filter(
                account=account, code=code, source_kind=source_kind, source_ref=source_ref
            ).first()
            if existing is not None:
                return existing
        violation = Violation.objects.create(
            account=account,
            code=code,
            rule=rule,
            policy_version=rule.version.number,
            occurred_at=occurred_at or now,
            recorded_at=now,
            amount=amount,
            note=note[:500],
            source_kind=source_kind,
            source_ref=source_ref,
            recorded_by=user_or_none(actor),
        )
        amount_text = f", {amount:,}원" if amount is not None else ""
        account_event(
            account=account,
            kind=EventKind.VIOLATION,
            actor=actor,
            source_kind=source_kind,
            source_ref=source_ref,
            note=f"{rule.name}{amount_text}" + (f" — {note}" if note else ""),
            at=now,
        )
        logger.info("violation %s recorded for %s", code, account)
        if _threshold_reached(rule, account, violation.occurred_at):
            _apply(rule, account, violation, actor=actor, now=now)
    return violation


def _threshold_reached(rule: PenaltyRule, account: Account, occurred_at: datetime) -> bool:
    """Whether the account's violations of the rule's code reach its threshold, counting those
    within the rule's window up to the new violation's time (entered late with its real date,
    it is counted with its neighbours, not with today's)."""
    violations = Violation.objects.filter(account=account, code=rule.code)
    if rule.window_days:
        violations = violations.filter(
            occurred_at__gte=occurred_at - timedelta(days=rule.window_days),
            occurred_at__lte=occurred_at,
        )
    if rule.threshold_amount is not None:
        total = violations.aggregate(total=Sum("amount"))["total"] or 0
        return bool(total >= rule.threshold_amount)
    return violations.count() >= (rule.threshold_count or 1)


def _apply(
    rule: PenaltyRule, account: Account, violation: Violation, *, actor: Actor, now: datetime
) -> None:
    """The rule's action, unless what it would do is already in force (a ban, a suspension
    waiting for its condition, an open review of the code): reaching a threshold again applies
    nothing twice. A timed suspension is each violation's own period."""
    source = {"source_kind": violation.source_kind, "source_ref": violation.source_ref}
    restriction = {
        "account": account,
        "code": rule.code,
        "label": rule.name,
        "rule": rule,
        "violation": violation,
        "since": now,
        "applied_by": user_or_none(actor),
        **source,
    }
    if rule.action == PenaltyAction.PERMANENT_BAN:
        if account.restrictions.filter(kind=RestrictionKind.BAN, lifted_at__isnull=True).exists():
            return
        made = Restriction.objects.create(
            kind=RestrictionKind.BAN, scope=PenaltyScope.APP, **restriction
        )
    elif rule.action == PenaltyAction.SUSPEND_UNTIL:
        waiting = account.restrictions.filter(
            kind=RestrictionKind.SUSPENSION,
            code=rule.code,
            until__isnull=True,
            lifted_at__isnull=True,
        )
        if waiting.exists():
            return
        made = Restriction.objects.create(
            kind=RestrictionKind.SUSPENSION,
            scope=rule.scope,
            lift_condition=rule.lift_condition,
            **restriction,
        )
    elif rule.action == PenaltyAction.SUSPEND_FOR:
        made = Restriction.objects.create(
            kind=RestrictionKind.SUSPENSION,
            scope=rule.scope,
            until=now + timedelta(days=rule.duration_days or 0),
            **restriction,
        )
    else:
        _open_review(rule, account, violation, actor=actor, now=now)
        return
    account_event(
        account=account,
        kind=EventKind.RESTRICTED,
        actor=actor,
        note=f"{rule.action_label}: {rule.name} ({rule.threshold_label})",
        at=now,
        **source,
    )
    logger.info("restriction %s (%s) applied to %s", made.code, made.kind, account)


def _open_review(
    rule: PenaltyRule, account: Account, violation: Violation, *, actor: Actor, now: datetime
) -> None:
    source = {"source_kind": violation.source_kind, "source_ref": violation.source_ref}
    if rule.action == PenaltyAction.WARNING_AND_REVIEW:
        # The warning is the violation's own consequence, given every time.
        account_event(
            account=account,
            kind=EventKind.WARNING,
            actor=actor,
            note=f"경고: {rule.name}",
            at=now,
            **source,
        )
    if account.reviews.filter(code=rule.code, status=Review.Status.OPEN).exists():
        return
    Review.objects.create(
        account=account,
        code=rule.code,
        label=rule.name,
        action=rule.action,
        rule=rule,
        violation=violation,
        opened_at=now,
    )
    account_event(
        account=account,
        kind=EventKind.REVIEW_OPENED,
        actor=actor,
        note=f"{rule.get_action_display()}: {rule.name} ({rule.threshold_label})",
        at=now,
        **source,
    )
    logger.info("review %s opened for %s", rule.code, account)
