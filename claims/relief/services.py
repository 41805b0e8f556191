"""Filing a relief application (API and web form): the facts are checked, the program's
published version decides (policies.relief.evaluate) and the application, its grants and its
first history row are written in one transaction.

Duplicates: the first application of a business registration number in a program is the
original; a later one is stored as `duplicate`, linked to it. An application without a
business number (users, drivers) is a duplicate of the first one of the same applicant
(program, segment, account id). Two filings at once race on the unique partial indexes; the
loser sees the winner and links to it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from claims.relief.models import (
    REPORTER_TYPE_OF_SEGMENT,
    DamageClass,
    ReliefApplication,
    ReliefApplicationEvent,
    ReliefApplicationGrant,
)
from claims.relief.payout_requests import relief_application_payouts_create
from policies.models import ReliefChannel, ReliefSegment
from policies.relief import (
    Facts,
    ProgramRules,
    evaluate,
    facts_problems,
    normalize_business_number,
)
from policies.selectors_relief import (
    NoPublishedProgramVersion,
    UnknownProgram,
    current_rules,
)

Status = ReliefApplication.Status


class ReliefInputError(ValueError):
    """Bad input: `errors` maps a field to its Korean messages."""

    def __init__(self, errors: dict[str, Any]) -> None:
        super().__init__(errors)
        self.errors = errors


@dataclass(frozen=True)
class Applicant:
    kind: str
    external_id: str
    name: str
    business_number: str = ""


def rules_for(program_code: str) -> ProgramRules:
    try:
        return current_rules(code=program_code)
    except (UnknownProgram, NoPublishedProgramVersion) as exc:
        raise ReliefInputError({"program": [str(exc)]}) from exc


def relief_application_create(
    *,
    program: str,
    segment: str,
    applicant: Applicant,
    damage: str,
    channel: str,
    reported_loss: int | None = None,
    submitted_at: datetime.datetime | None = None,
    saturdays_worked: int | None = None,
    nights_worked: int | None = None,
    actor: Any = None,
) -> ReliefApplication:
    """File one application; ReliefInputError (field → Korean messages) if it cannot be.

    `reported_loss` (원) is required (0 is a loss of nothing) for segments assessed by loss
    tiers; the applicant's account kind must be one the segment is paid to.
    An application submitted outside every intake window of its program for its channel and
    segment is refused, the message naming the windows with their Korea-time dates.
    """
    rules = rules_for(program)
    errors: dict[str, Any] = {}
    if segment not in ReliefSegment.values:
        errors["segment"] = [f"대상은 {', '.join(ReliefSegment.values)} 중 하나여야 합니다."]
    if damage not in DamageClass.values:
        errors["damage"] = [f"피해 유형은 {', '.join(DamageClass.values)} 중 하나여야 합니다."]
    if channel not in ReliefChannel.values:
        errors["channel"] = [f"채널은 {', '.join(ReliefChannel.values)} 중 하나여야 합니다."]
    business_number = ""
    if applicant.business_number:
        normalized = normalize_business_number(applicant.business_number)
        if normalized is None:
            errors["applicant"] = {
                "business_number": [
                    "사업자등록번호는 숫자 10자리여야 합니다(하이픈은 있어도 됩니다)."
                ]
            }
        else:
            business_number = normalized
    if errors:
        raise ReliefInputError(errors)
    problems = facts_problems(
        rules,
        segment=segment,
        business_number=business_number or applicant.business_number,
        saturdays_worked=saturdays_worked,
        nights_worked=nights_worked,
        kind=applicant.kind,
        reported_loss=reported_loss,
    )
    if problems:
        for field, message in problems.items():
            if field in ("business_number", "kind"):
                errors.setdefault("applicant", {})[field] = [message]  # as DRF nests it
            else:
                errors[field] = [message]
        raise ReliefInputError(errors)
    # Segments not assessed by loss keep 0: their loss decides nothing.
    reported_loss = reported_loss or 0
    submitted_at = submitted_at or timezone.now()
    if rules.window_for(segment=segment, channel=channel, submitted_at=submitted_at) is None:
        raise ReliefInputError({"submitted_at": [rules.windows_message(segment=segment)]})

    outcome = evaluate(
        rules,
        Facts(
            segment=segment,
            reported_loss=reported_loss,
            saturdays_worked=saturdays_worked,
            nights_worked=nights_worked,
        ),
    )
    creator = actor if getattr(actor, "pk", None) else None
    fields: dict[str, Any] = {
        "program_id": rules.program_id,
        "program_version_id": rules.version_id,
        "segment": segment,
        "reporter_type": REPORTER_TYPE_OF_SEGMENT[segment],
        "applicant_kind": applicant.kind,
        "applicant_external_id": applicant.external_id,
        "applicant_name": applicant.name,
        "business_number": business_number,
        "reported_loss": reported_loss,
        "damage": damage,
        "channel": channel,
        "submitted_at": submitted_at,
        "saturdays_worked": saturdays_worked,
        "nights_worked": nights_worked,
        "created_by": creator,
    }
    with transaction.atomic():
        original = _original(rules.program_id, segment, business_number, applicant.external_id)
        if original is None:
            try:
                # A savepoint: a concurrent filing of the same number commits first and this
                # insert fails on the unique partial index; this one is then its duplicate.
                with transaction.atomic():
                    application = ReliefApplication.objects.create(status=outcome.status, **fields)
            except IntegrityError:
                original = _original(
                    rules.program_id, segment, business_number, applicant.external_id
                )
                if original is None:
                    raise
        if original is not None:
            application = ReliefApplication.objects.create(
                status=Status.DUPLICATE, duplicate_of=original, **fields
            )
            note = duplicate_note(original.pk, business_number)
        else:
            ReliefApplicationGrant.objects.bulk_create(
                ReliefApplicationGrant(
                    application=application,
                    instrument=g.instrument,
                    amount=g.amount,
                    count=g.count,
                    validity_days=g.validity_days,
                    source=g.source,
                    order=n,
                )
                for n, g in enumerate(outcome.grants)
            )
            note = f"{rules.program_code} v{rules.version_number} 판정"
            # An auto-approved application's own grants reach payouts with it (exactly once:
            # a key per application and instrument).
            relief_application_payouts_create(application=application)
        ReliefApplicationEvent.objects.create(
            application=application,
            from_status="",
            to_status=application.status,
            actor=creator,
            at=timezone.now(),
            note=note,
        )
    return application


def duplicate_note(original_id: int, business_number: str) -> str:
    what = "사업자등록번호 중복" if business_number else "신청인 중복"
    return f"{what}: 원 신청 #{original_id}"


def _original(
    program_id: int, segment: str, business_number: str, external_id: str
) -> ReliefApplication | None:
    """The original this filing duplicates: by business number where there is one, else by
    the applicant's account in the same segment (the two unique partial indexes)."""
    originals = ReliefApplication.objects.filter(program_id=program_id, duplicate_of__isnull=True)
    if business_number:
        return originals.filter(business_number=business_number).first()
    return originals.filter(
        business_number="", segment=segment, applicant_external_id=external_id
    ).first()
