"""Review of relief applications (issue 13, DOMAIN.md §5): the committee's decisions on the
applications above the threshold, their evidence files, and the audit of a reproducible
random sample of the auto-approved ones.

Every write here owns its transaction and its history row; decisions and audit results are
append-only rows, one per application (a second one is refused: ReliefStateError, 409).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from claims.relief.dashboard import money
from claims.relief.models import ReliefApplication, ReliefApplicationEvent, ReliefApplicationGrant
from claims.relief.payout_requests import relief_application_payouts_create
from claims.relief.review_models import (
    ReliefAuditDraw,
    ReliefAuditResult,
    ReliefDecision,
    ReliefEvidenceFile,
)
from config.evidence import EvidenceRefused, evidence_check
from policies.models import (
    ReliefEvidence,
    ReliefInstrument,
    ReliefLossTier,
    ReliefProgram,
    ReliefProgramVersion,
    ReliefTierOutcome,
)

Status = ReliefApplication.Status
Kind = ReliefDecision.Kind

DECIDE_PERMISSION = "claims.decide_reliefapplication"
AUDIT_PERMISSION = "claims.audit_reliefapplication"
UPLOAD_PERMISSION = "claims.add_reliefevidencefile"


class ReliefReviewInputError(ValueError):
    """Bad input: `errors` maps a field to its Korean messages (400)."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors


class ReliefStateError(Exception):
    """The application's state does not allow it (already decided, not in review): 409."""


class ReliefReviewForbidden(PermissionError):
    """The actor's role may not do it (403)."""


def _require(actor: Any, permission: str, what: str) -> None:
    if actor is None or not actor.has_perm(permission):
        raise ReliefReviewForbidden(f"{what} 권한이 없습니다.")


def _locked(application_id: int) -> ReliefApplication:
    return ReliefApplication.objects.select_for_update().get(pk=application_id)


# --- evidence --------------------------------------------------------------------------------


def required_evidence(application: ReliefApplication) -> list[ReliefEvidence]:
    """The evidence kinds the application's program version asks of its segment."""
    return list(
        ReliefEvidence.objects.filter(
            version_id=application.program_version_id, segment=application.segment
        ).order_by("order", "code")
    )


def relief_evidence_add(
    *, application_id: int, actor: Any, kind: str, upload: UploadedFile
) -> ReliefEvidenceFile:
    """Attach an evidence file of one of the program's required kinds. Stored like a claim's
    evidence: type from the bytes, SHA-256 of what is kept, size limit (ReliefReviewInputError
    on `file` or `kind`)."""
    _require(actor, UPLOAD_PERMISSION, "증빙 등록")
    application = ReliefApplication.objects.get(pk=application_id)
    kinds = {e.code: e.label for e in required_evidence(application)}
    if kind not in kinds:
        accepted = ", ".join(f"{code}({label})" for code, label in kinds.items()) or "없음"
        raise ReliefReviewInputError({"kind": [f"증빙 종류는 {accepted} 중 하나여야 합니다."]})
    try:
        facts = evidence_check(
            upload,
            max_bytes=settings.CLAIMS_EVIDENCE_MAX_BYTES,
            types=settings.CLAIMS_EVIDENCE_TYPES,
        )
    except EvidenceRefused as exc:
        raise ReliefReviewInputError({"file": [str(exc)]}) from exc
    name, sha256, size, content_type = facts.name, facts.sha256, facts.size, facts.content_type
    with transaction.atomic():
        application = _locked(application_id)
        evidence = ReliefEvidenceFile(
            application=application,
            kind=kind,
            original_name=name,
            sha256=sha256,
            size=size,
            content_type=content_type,
            uploaded_by=actor,
        )
        evidence.file.save(f"{application.pk}-{sha256[:16]}", upload, save=False)
        evidence.save()
        ReliefApplicationEvent.objects.create(
            application=application,
            from_status=application.status,
            to_status=application.status,
            actor=actor,
            at=timezone.now(),
            note=f"증빙 추가({kinds[kind]}): {name} ({size:,}바이트)"[:300],
        )
    return evidence


# --- committee decisions ---------------------------------------------------------------------


def _committee_instrument(application: ReliefApplication) -> str:
    """The instrument of the committee tier that sent the application to review (the
    business support money of DOMAIN.md §5 unless the program says otherwise)."""
    tier = (
        ReliefLossTier.objects.filter(
            version_id=application.program_version_id,
            segment=application.segment,
            outcome=ReliefTierOutcome.COMMITTEE,
            min_loss__lte=application.reported_loss,
        )
        .order_by("-min_loss")
        .first()
    )
    return tier.instrument if tier is not None else ReliefInstrument.BUSINESS_SUPPORT


def _bounds_problem(version: ReliefProgramVersion, amount: int) -> str | None:
    low, high = version.committee_award_min, version.committee_award_max
    if (low is not None and amount < low) or (high is not None and amount > high):
        shown_low = f"{low:,}원" if low is not None else ""
        shown_high = f"{high:,}원" if high is not None else ""
        return (
            f"지원금은 프로그램이 정한 심의 지원 범위({shown_low}~{shown_high}) 안이어야 "
            f"합니다: {amount:,}원"
        )
    return None


def _budget_problem(version: ReliefProgramVersion, amount: int) -> str | None:
    """Without an upper bound on awards, an award is capped by what is left of the version's
    budget (budget − committed − paid, as the dashboard shows it): a typo of a few zeros
    must not become a payout."""
    if version.committee_award_max is not None:
        return None
    remaining = max(0, money(version.program, version)["remaining"])
    if amount <= remaining:
        return None
    return (
        f"지원금은 프로그램의 남은 예산 {remaining:,}원 이하여야 합니다"
        f"(예산 {version.budget:,}원, 심의 지원 상한 없음): {amount:,}원"
    )


def _already(application: ReliefApplication) -> str:
    decision = ReliefDecision.objects.filter(application=application).first()
    if decision is None:
        return (
            f"신청 #{application.pk}은(는) {application.get_status_display()} 상태라 심의 결정할 "
            "수 없습니다(협의체 심의 상태만)."
        )
    when = timezone.localtime(decision.decided_at).strftime("%Y-%m-%d %H:%M")
    return (
        f"신청 #{application.pk}은(는) 이미 {when}에 {decision.decided_by}님이 "
        f"{decision.get_kind_display()} 결정했습니다. 결정은 다시 할 수 없습니다."
    )


def relief_application_decide(
    *,
    application_id: int,
    actor: Any,
    decision: str,
    reason: str,
    amount: int | None = None,
) -> ReliefApplication:
    """The committee's decision on an application in committee review: approve with an amount
    (원, within the program version's committee bounds when it has them, else at most the
    version's remaining budget) or reject, with a
    reason. Writes the decision row and the history row, moves the status once (compare-and-
    set) and, on approval, the award and its payout request in the same transaction.

    Raises ReliefReviewInputError (400), ReliefReviewForbidden (403), ReliefStateError (409)
    when the application is not in review (a second decision included),
    ReliefApplication.DoesNotExist (404)."""
    _require(actor, DECIDE_PERMISSION, "협의체 심의 결정")
    errors: dict[str, list[str]] = {}
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = ["결정 사유를 적어 주세요."]
    if decision not in Kind.values:
        errors["decision"] = ["결정은 approve(승인) 또는 reject(기각)여야 합니다."]
    if decision == Kind.APPROVE and (amount is None or amount <= 0):
        errors["amount"] = ["승인에는 0보다 큰 지원금(원)이 필요합니다."]
    if decision == Kind.REJECT and amount is not None:
        errors["amount"] = ["기각에는 지원금을 적지 않습니다."]
    if errors:
        raise ReliefReviewInputError(errors)
    now = timezone.now()
    with transaction.atomic():
        application = _locked(application_id)
        if application.status != Status.COMMITTEE_REVIEW:
            raise ReliefStateError(_already(application))
        version = ReliefProgramVersion.objects.get(pk=application.program_version_id)
        if amount is not None:
            problem = _bounds_problem(version, amount) or _budget_problem(version, amount)
            if problem:
                raise ReliefReviewInputError({"amount": [problem]})
        to = Status.COMMITTEE_APPROVED if decision == Kind.APPROVE else Status.COMMITTEE_REJECTED
        if to not in ReliefApplication.TRANSITIONS[application.status]:
            raise ReliefStateError(_already(application))
        ReliefDecision.objects.create(
            application=application,
            program_version=version,
            kind=decision,
            amount=amount,
            reason=reason,
            decided_by=actor,
            decided_at=now,
        )
        moved = ReliefApplication.objects.filter(
            pk=application.pk, status=Status.COMMITTEE_REVIEW
        ).update(status=to, updated_at=now)
        if moved != 1:  # the row is locked: only a bypassing write could get here
            raise ReliefStateError(_already(application))
        ReliefApplicationEvent.objects.create(
            application=application,
            from_status=Status.COMMITTEE_REVIEW,
            to_status=to,
            actor=actor,
            at=now,
            note=f"협의체 {Kind(decision).label} ({version.program.code} v{version.number}): "
            f"{reason}"[:300],
        )
        application.status = to
        if decision == Kind.APPROVE:
            ReliefApplicationGrant.objects.create(
                application=application,
                instrument=_committee_instrument(application),
                amount=amount,
                source=ReliefApplicationGrant.Source.COMMITTEE,
                order=0,
            )
            relief_application_payouts_create(application=application)
    return application


# --- audit sample ----------------------------------------------------------------------------


def audit_rank(seed: int, application_id: int) -> str:
    """An application's place in the draw: the same seed and id always give the same place,
    whatever else is in the population."""
    return hashlib.sha256(f"{seed}:{application_id}".encode()).hexdigest()


def audit_sample_ids(ids: Iterable[int], *, percent: int, seed: int) -> list[int]:
    """The `percent` of `ids` (rounded half up) with the lowest ranks under `seed`, in id
    order: reproducible for the same ids and seed, and an exact share of the population."""
    population = sorted(set(ids))
    size = (len(population) * percent + 50) // 100
    chosen = sorted(population, key=lambda i: audit_rank(seed, i))[:size]
    return sorted(chosen)


def relief_audit_sample_draw(*, program: ReliefProgram, actor: Any = None) -> ReliefAuditDraw:
    """Mark the audit sample of the program's auto-approved applications (percentage and seed
    from its published version) and record the draw. Drawing again with the same seed marks
    the same applications (none new)."""
    if actor is not None:
        _require(actor, AUDIT_PERMISSION, "감사 표본 추출")
    version = ReliefProgramVersion.objects.get(
        program=program, status=ReliefProgramVersion.Status.PUBLISHED
    )
    population = list(
        ReliefApplication.objects.filter(program=program, status=Status.APPROVED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    chosen = audit_sample_ids(
        population, percent=version.audit_sample_percent, seed=version.audit_seed
    )
    marked = 0
    with transaction.atomic():
        for start in range(0, len(chosen), 5_000):
            marked += ReliefApplication.objects.filter(
                pk__in=chosen[start : start + 5_000], audit_sample=False
            ).update(audit_sample=True)
        return ReliefAuditDraw.objects.create(
            program_version=version,
            percent=version.audit_sample_percent,
            seed=version.audit_seed,
            population=len(population),
            drawn=len(chosen),
            newly_marked=marked,
            drawn_by=actor if getattr(actor, "pk", None) else None,
            drawn_at=timezone.now(),
        )


def relief_audit_record(
    *, application_id: int, actor: Any, result: str, note: str
) -> ReliefAuditResult:
    """Record the audit of a sampled application, once (ReliefStateError for an application
    not in the sample or already audited)."""
    _require(actor, AUDIT_PERMISSION, "감사 결과 기록")
    note = (note or "").strip()
    errors: dict[str, list[str]] = {}
    if result not in ReliefAuditResult.Result.values:
        errors["result"] = ["감사 결과는 passed(적정) 또는 failed(부적정)여야 합니다."]
    if not note:
        errors["note"] = ["감사 의견을 적어 주세요."]
    if errors:
        raise ReliefReviewInputError(errors)
    with transaction.atomic():
        application = _locked(application_id)
        if not application.audit_sample:
            raise ReliefStateError(f"신청 #{application.pk}은(는) 감사 표본이 아닙니다.")
        if ReliefAuditResult.objects.filter(application=application).exists():
            raise ReliefStateError(f"신청 #{application.pk}의 감사 결과는 이미 기록되었습니다.")
        audit = ReliefAuditResult.objects.create(
            application=application,
            result=result,
            note=note[:300],
            audited_by=actor,
            audited_at=timezone.now(),
        )
        ReliefApplicationEvent.objects.create(
            application=application,
            from_status=application.status,
            to_status=application.status,
            actor=actor,
            at=audit.audited_at,
            note=f"감사 {audit.get_result_display()}: {note}"[:300],
        )
    return audit
