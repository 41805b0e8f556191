"""Actions RM takes from an incident on the case's parties and its money: recording a violation
on a party's account (through the accounts service, so the 트루카 and 대리 penalty rules act)
and the over-limit insurance amounts. Each writes its timeline row in the same transaction."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from incidents.models import (
    Incident,
    IncidentEvent,
    IncidentParty,
    Restriction,
    Review,
    SourceKind,
    Violation,
)
from incidents.services.timeline import incident_event
from incidents.services.violations import violation_record
from policies.models import InsuranceLine
from policies.money import won_label

logger = logging.getLogger(__name__)


@dataclass
class IncidentViolation:
    """A violation recorded from an incident and what its rule did then."""

    party: IncidentParty
    violation: Violation
    created: bool
    restrictions: list[Restriction] = field(default_factory=list)
    reviews: list[Review] = field(default_factory=list)


def _lock(incident_id: int) -> Incident:
    return Incident.objects.select_for_update(of=("self",)).get(pk=incident_id)


def incident_record_violation(
    *,
    incident: Incident,
    actor: User | None,
    party: int,
    code: str,
    amount: int | None = None,
    reason: str,
) -> IncidentViolation:
    """Record `code` on the account of the incident's party (an IncidentParty id), dated when
    the incident occurred, under the published penalty rule of that account's kind; the rule's
    action (ban, suspension, review) applies at its threshold.

    Idempotent per incident, party account and code (the accounts service's source key
    `incident:<id>`): a second call returns the first violation, applies nothing and writes no
    second timeline row. Raises ValidationError for a party of another incident, a code not in
    the rules for the account's kind, or a missing amount where the rule adds amounts up."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": ["위반을 기록하는 사유가 필요합니다."]})
    with transaction.atomic():
        # Locked: two RM users recording on one case are checked one after the other.
        locked = _lock(incident.pk)
        target = (
            IncidentParty.objects.select_related("account")
            .filter(incident=locked, pk=party)
            .first()
        )
        if target is None:
            raise ValidationError({"party": ["이 사고의 관계자가 아닙니다."]})
        account = target.account
        ref = str(locked.pk)
        before = Violation.objects.filter(
            account=account, code=code, source_kind=SourceKind.INCIDENT, source_ref=ref
        ).first()
        violation = violation_record(
            kind=account.kind,
            external_id=account.external_id,
            code=code,
            occurred_at=locked.occurred_at,
            amount=amount,
            note=f"RM 사고 #{locked.pk}: {reason}",
            source_kind=SourceKind.INCIDENT,
            source_ref=ref,
            actor=actor,
        )
        created = before is None
        if created:
            amount_text = f", {amount:,}원" if amount is not None else ""
            incident_event(
                locked,
                kind=IncidentEvent.Kind.VIOLATION,
                actor=actor,
                at=timezone.now(),
                detail=f"{target.get_role_display()} {account.masked_name or account.external_id}"
                f": {violation.rule.name}{amount_text}",
                reason=reason,
            )
    return IncidentViolation(
        party=target,
        violation=violation,
        created=created,
        restrictions=list(violation.restrictions.order_by("id")),
        reviews=list(violation.reviews.order_by("id")),
    )


def incident_note_claim_link(
    *, incident_id: int, actor: User | None, claim: str, reason: str = ""
) -> None:
    """The timeline row of a claim linked to the incident (the link itself is the claims app's:
    it calls this inside its own transaction). `claim` names the claim, e.g. '클레임 #12 (…)'."""
    with transaction.atomic():
        locked = _lock(incident_id)
        incident_event(
            locked,
            kind=IncidentEvent.Kind.CLAIM_LINKED,
            actor=actor,
            at=timezone.now(),
            detail=f"{claim} 연결",
            reason=reason,
        )


class KeepLine:
    """The insurance line argument left out: the case keeps the line it has."""


KEEP_LINE = KeepLine()


def _won(value: int | None) -> str:
    return won_label(value, unknown="미정")


def incident_set_insurance(
    *,
    incident: Incident,
    actor: User | None,
    insurer_limit: int | None,
    loss_amount: int | None,
    reason: str,
    insurance_line: InsuranceLine | KeepLine | None = KEEP_LINE,
) -> Incident:
    """Record the insurer's limit and the loss (원, ≥ 0; None while unknown) of the case and,
    when given, the insurance line that answers for it (in force on the day it occurred, Korea
    time; None unlinks). The excess above the limit in effect follows (`Incident.excess`). The
    same values again change nothing. The timeline row gives the values before and after."""
    errors: dict[str, list[str]] = {}
    for name, value in (("insurer_limit", insurer_limit), ("loss_amount", loss_amount)):
        if value is not None and value < 0:
            errors[name] = ["0원 이상이어야 합니다."]
    if isinstance(insurance_line, InsuranceLine):
        day = timezone.localtime(incident.occurred_at).date()
        if not insurance_line.period_start <= day <= insurance_line.period_end:
            errors["insurance_line"] = [
                f"사고 발생일({day:%Y-%m-%d})에 유효한 보험 계약이 아닙니다 "
                f"(보험기간 {insurance_line.period_start:%Y-%m-%d}~"
                f"{insurance_line.period_end:%Y-%m-%d})."
            ]
    reason = reason.strip()
    if not reason:
        errors["reason"] = ["변경 사유가 필요합니다."]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = _lock(incident.pk)
        line = locked.insurance_line if isinstance(insurance_line, KeepLine) else insurance_line
        before = (locked.insurer_limit, locked.loss_amount, locked.insurance_line_id)
        after = (insurer_limit, loss_amount, line.pk if line else None)
        if before == after:
            return locked
        locked.insurer_limit, locked.loss_amount, locked.insurance_line = (
            insurer_limit,
            loss_amount,
            line,
        )
        locked.save(update_fields=["insurer_limit", "loss_amount", "insurance_line", "updated_at"])
        line_note = f", 보험 계약 {line}" if line else ""
        incident_event(
            locked,
            kind=IncidentEvent.Kind.UPDATED,
            actor=actor,
            at=timezone.now(),
            detail=f"보험 한도 {_won(before[0])} → {_won(insurer_limit)}, "
            f"손해액 {_won(before[1])} → {_won(loss_amount)}{line_note}, "
            f"초과액 {_won(locked.excess)}",
            reason=reason,
        )
    return locked
