"""Every write of a claim: filing, and the decisions of its tiers.

Each service owns its transaction: the claim row is locked first, so two people deciding the
same claim at once are serialised and the second finds the state the first left (and the
unique key on claim and tier stands behind that). Amounts are recomputed from the claim's
policy version and facts; a posted amount is only a pick inside a range, or a manager's
amount for a needs-discussion outcome. A decision's payout requests are created in the same
transaction, keyed `claim-{id}-t{tier}-e{effect index}`, so they are made once.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from claims.models import Claim, ClaimDecision, ClaimEvent, ClaimEvidence, ClaimIncidentLink
from claims.selectors import rule_name
from config.evidence import EvidenceRefused, evidence_check
from config.roles import AGENT, MANAGER
from incidents.models import Incident
from incidents.models import SourceKind as AccountSource
from incidents.services.accounts import account_get_or_create
from incidents.services.rm_actions import incident_note_claim_link
from incidents.services.violations import violation_record
from payouts.models import Instrument
from payouts.services.requests import payout_request_create
from payouts.services.rules import PayoutRuleError
from policies import selectors as policy
from policies.evaluator import (
    EffectQuote,
    IncompleteBook,
    NoMatchingRow,
    PickOutOfRange,
    RowDoesNotApply,
    TierQuote,
    check_pick,
)
from policies.facts import FactsInvalid
from policies.models import OutcomeKind, PaymentAction, violation_code

Status = Claim.Status
Kind = ClaimDecision.Kind

# Payment actions that move an amount; the others act on the payment as a whole.
_ACTIONS_WITH_AMOUNT = {PaymentAction.RECHARGE, PaymentAction.FORCED_DISCOUNT}
_PARTY_LABEL = {"customer": "고객", "driver": "기사"}


class ClaimInputError(ValueError):
    """Field → messages, answered as a 400."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


class ClaimStateError(Exception):
    """The claim's state does not allow the action (a 409)."""


class ClaimForbidden(Exception):
    """The actor's role may not take this decision (a 403)."""


@dataclass(frozen=True)
class Party:
    external_id: str
    name: str = ""
    phone: str = ""


# --- filing ---------------------------------------------------------------------------------


def claim_create(
    *,
    actor: User,
    rule: str,
    target: str,
    call_id: str,
    facts: dict[str, Any],
    customer: Party | None = None,
    driver: Party | None = None,
    memo: str = "",
    call_type: str = "",
    called_at: datetime | None = None,
) -> Claim:
    """File a claim under the current policy version. Raises ClaimInputError when the rule,
    the facts or a party needed by the matched row is wrong or missing, or when no row of the
    rule covers the case."""
    quote = _quote(rule=rule, target=target, facts=facts, version_number=None)
    if quote.row is None:
        raise ClaimInputError({"facts": [quote.notes or "이 사실로는 보상 대상이 아닙니다."]})
    parties = {"customer": customer, "driver": driver}
    needed = {target} | _parties_named(quote)
    missing = {
        kind: [f"이 유형에는 {_PARTY_LABEL[kind]} 정보가 필요합니다."]
        for kind in sorted(needed)
        if kind in parties and (parties[kind] is None or not parties[kind].external_id)  # type: ignore[union-attr]
    }
    if missing:
        raise ClaimInputError(missing)
    first = min(quote.tiers, key=lambda t: t.tier) if quote.tiers else None
    with transaction.atomic():
        claim = Claim.objects.create(
            waiting_for=(first.role if first and first.role else AGENT),
            rule=rule,
            row=quote.row,
            target=target,
            call_id=call_id,
            call_type=call_type,
            called_at=called_at,
            customer_id=customer.external_id if customer else "",
            driver_id=driver.external_id if driver else "",
            policy_version=quote.policy_version,
            facts=quote.facts,
            memo=memo,
            created_by=actor,
        )
        # The parties become (or update) accounts, created on first reference.
        for kind, party in parties.items():
            if party is None or not party.external_id:
                continue
            try:
                account_get_or_create(
                    kind=kind, external_id=party.external_id, name=party.name or None,
                    phone=party.phone or None, actor=actor,
                    source_kind=AccountSource.CLAIM, source_ref=f"claim-{claim.pk}",
                )  # fmt: skip
            except ValidationError as exc:
                raise ClaimInputError({kind: _messages(exc)}) from exc
        ClaimEvent.objects.create(
            claim=claim, to_status=Status.OPEN, to_tier=1, actor=actor, reason="접수"
        )
    return claim


def _messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "message_dict"):
        return [f"{m}" for messages in exc.message_dict.values() for m in messages]
    return [str(m) for m in exc.messages]


def _parties_named(quote: Any) -> set[str]:
    """The parties the matched row pays or sanctions (they must be known to act on them)."""
    named = {p.subject for p in quote.penalties}
    for tier in quote.tiers:
        for effect in tier.effects:
            named.add(effect.recipient)
    return named


def _quote(*, rule: str, target: str, facts: Any, version_number: int | None) -> Any:
    try:
        return policy.quote(
            rule_code=rule, target=target, facts=facts, version_number=version_number
        )
    except policy.UnknownRule as exc:
        raise ClaimInputError({"rule": [str(exc)]}) from exc
    except FactsInvalid as exc:
        raise ClaimInputError({"facts": exc.errors}) from exc  # type: ignore[dict-item]
    except NoMatchingRow as exc:
        raise ClaimInputError({"target": [str(exc)]}) from exc
    except (IncompleteBook, policy.NoPublishedPolicy, policy.UnknownVersion) as exc:
        raise ClaimInputError({"policy_version": [str(exc)]}) from exc


# --- decisions ------------------------------------------------------------------------------


def claim_grant(
    *,
    claim_id: int,
    actor: User,
    tier: int,
    amount: int | None = None,
    instrument: str | None = None,
    reason: str = "",
) -> Claim:
    """Grant the claim's current tier: its effects that trigger on the grant are paid (one
    payout request each), the claim is `granted`. Tiers do not stack: only this tier's effects
    are paid."""
    with transaction.atomic():
        claim = _locked_open_at(claim_id, tier)
        offer = _tier_offer(claim, tier)
        _check_role(actor, offer.role, f"{tier}차 지급")
        # Two grants of duplicates at once must see each other: one waits for the other here.
        _lock(_DUPLICATE_LOCK, zlib.crc32(
            f"{claim.rule}|{claim.call_id}|{claim.target}|{claim.claimant_id}".encode()
        ) & 0x7FFFFFFF)  # fmt: skip
        if _granted_before(claim):
            _check_role(actor, MANAGER, "같은 콜·유형에 대한 두 번째 지급")
        if offer.kind == OutcomeKind.NOT_COVERED:
            raise ClaimInputError({"tier": [offer.note or "이 차수는 보상 대상이 아닙니다."]})
        if offer.kind == OutcomeKind.NEEDS_DISCUSSION:
            effects = [_discussion_effect(claim, amount, instrument, reason)]
            picked = amount
        else:
            if instrument:
                raise ClaimInputError({"instrument": ["지급수단은 논의 필요 결과에서만 정합니다."]})
            effects, picked = _picked(offer.effects, amount)
        paid = [(i, e) for i, e in enumerate(effects) if _pays_on_grant(e)]
        total = sum(e.amount or 0 for _, e in paid if e.type == "grant")
        _check_caps(claim, actor, tier, total)
        decision = _decide(
            claim, actor, tier, Kind.GRANTED, offer, effects, reason,
            amount=picked if picked is not None else offer.amount,
            instrument=(instrument or offer.instrument or ""), paid_total=total,
        )  # fmt: skip
        for index, effect in paid:
            _pay(claim, decision, index, effect)
        _sanction(claim, decision, actor, granted=True)
        _move(claim, to=Status.GRANTED, tier=tier, actor=actor, reason=reason or f"{tier}차 지급")
    return claim


def claim_refuse(*, claim_id: int, actor: User, tier: int, reason: str = "") -> Claim:
    """Record the claimant's refusal of the current tier: effects that trigger on that
    refusal are paid, and the claim moves to the next tier the row defines, or closes as
    `refused` after the last."""
    with transaction.atomic():
        claim = _locked_open_at(claim_id, tier)
        offer = _tier_offer(claim, tier)
        _check_role(actor, offer.role, f"{tier}차 거부 기록")
        effects = list(offer.effects)
        decision = _decide(claim, actor, tier, Kind.REFUSED, offer, effects, reason)
        for index, effect in enumerate(effects):
            if _pays_on_refusal(effect, tier):
                _pay(claim, decision, index, effect)
        later = [t for t in _quote_of(claim).tiers if t.tier > tier]
        _sanction(claim, decision, actor, granted=False, closed=not later)
        if later:
            following = min(later, key=lambda t: t.tier)
            claim.waiting_for = following.role or MANAGER
            _move(claim, to=Status.OPEN, tier=following.tier, actor=actor,
                  reason=reason or f"{tier}차 거부")  # fmt: skip
        else:
            _move(claim, to=Status.REFUSED, tier=tier, actor=actor,
                  reason=reason or f"{tier}차 거부 (마지막 차수)")  # fmt: skip
    return claim


def claim_reject(*, claim_id: int, actor: User, reason: str) -> Claim:
    """Close an open claim without payment (a manager's decision, with a reason)."""
    return _close(claim_id, actor, reason, Kind.REJECTED, Status.REJECTED, managers_only=True)


def claim_cancel(*, claim_id: int, actor: User, reason: str) -> Claim:
    """Withdraw an open claim (the agent who filed it, or a manager), with a reason."""
    return _close(claim_id, actor, reason, Kind.CANCELLED, Status.CANCELLED, managers_only=False)


def _close(
    claim_id: int, actor: User, reason: str, kind: str, to: str, *, managers_only: bool
) -> Claim:
    if not reason.strip():
        raise ClaimInputError({"reason": ["사유를 입력하세요."]})
    with transaction.atomic():
        claim = _locked(claim_id)
        _check_open(claim)
        if managers_only or claim.created_by_id != actor.pk:
            _check_role(actor, MANAGER, Kind(kind).label)
        _decide(claim, actor, claim.tier, kind, None, [], reason)
        _move(claim, to=to, tier=claim.tier, actor=actor, reason=reason)
    return claim


# --- evidence -------------------------------------------------------------------------------


def claim_evidence_add(*, claim_id: int, actor: User, upload: UploadedFile) -> ClaimEvidence:
    """Attach a file to the claim. Raises ClaimInputError (on `file`) past the size limit or
    for a type not accepted, judged from the file's bytes; the SHA-256 is of what is kept."""
    try:
        facts = evidence_check(
            upload,
            max_bytes=settings.CLAIMS_EVIDENCE_MAX_BYTES,
            types=settings.CLAIMS_EVIDENCE_TYPES,
        )
    except EvidenceRefused as exc:
        raise ClaimInputError({"file": [str(exc)]}) from exc
    name, size = facts.name, facts.size
    with transaction.atomic():
        claim = _locked(claim_id)
        evidence = ClaimEvidence(
            claim=claim, original_name=name, sha256=facts.sha256, size=size,
            content_type=facts.content_type, uploaded_by=actor,
        )  # fmt: skip
        evidence.file.save(f"{claim.pk}-{facts.sha256[:16]}", upload, save=False)
        evidence.save()
        ClaimEvent.objects.create(
            claim=claim, from_status=claim.status, to_status=claim.status,
            from_tier=claim.tier, to_tier=claim.tier, actor=actor,
            reason=f"증빙 추가: {name} ({size:,}바이트)",
        )  # fmt: skip
    return evidence


# --- links to RM incidents -------------------------------------------------------------------


def claim_link_incident(
    *, claim_id: int, incident_id: int, actor: User, reason: str = ""
) -> tuple[ClaimIncidentLink, bool]:
    """Link the claim to the RM incident, with a claim event and, through the incidents
    service, a `claim_linked` row on the incident's timeline, all in one transaction. Linking
    again changes nothing (returns the link and False). Claim.DoesNotExist for an unknown claim
    is left to the caller; an unknown incident raises ClaimInputError on `incident`."""
    reason = reason.strip()
    with transaction.atomic():
        claim = _locked(claim_id)
        if not Incident.objects.filter(pk=incident_id).exists():
            raise ClaimInputError({"incident": ["RM 사고가 없습니다."]})
        link, created = ClaimIncidentLink.objects.get_or_create(
            claim=claim, incident_id=incident_id,
            defaults={"linked_by": actor, "at": timezone.now()},
        )  # fmt: skip
        if not created:
            return link, False
        ClaimEvent.objects.create(
            claim=claim, from_status=claim.status, to_status=claim.status,
            from_tier=claim.tier, to_tier=claim.tier, actor=actor,
            # Claim readers (agents, managers) may not know of a 성민감 case: the event names
            # neither the incident nor the reason; the linked incidents are shown through
            # selectors.incidents_linked_to_claim, which hides what the reader may not see.
            reason="RM 사고 연결",
        )  # fmt: skip
        incident_note_claim_link(
            incident_id=incident_id, actor=actor, reason=reason,
            claim=f"{claim} ({rule_name(claim)}, {claim.get_status_display()})",
        )  # fmt: skip
    return link, True


# --- helpers --------------------------------------------------------------------------------


def _locked(claim_id: int) -> Claim:
    # Claim.DoesNotExist is left to the caller (the API's 404).
    return Claim.objects.select_for_update().get(pk=claim_id)


def _check_open(claim: Claim) -> None:
    if claim.status != Status.OPEN:
        raise ClaimStateError(
            f"클레임 #{claim.pk}은(는) 이미 종결되었습니다 (상태: {claim.get_status_display()})."
        )


def _granted_before(claim: Claim) -> bool:
    """Whether another claim of the same call, rule and claimant was granted already."""
    same = Claim.objects.filter(
        rule=claim.rule, call_id=claim.call_id, target=claim.target,
        status=Status.GRANTED,
    ).exclude(pk=claim.pk)  # fmt: skip
    field = "customer_id" if claim.target == "customer" else "driver_id"
    return same.filter(**{field: claim.claimant_id}).exists()


def _locked_open_at(claim_id: int, tier: int) -> Claim:
    claim = _locked(claim_id)
    _check_open(claim)
    if tier != claim.tier:
        raise ClaimStateError(
            f"클레임 #{claim.pk}의 현재 차수는 {claim.tier}차입니다 "
            f"({tier}차는 결정할 수 없습니다)."
        )
    return claim


def _quote_of(claim: Claim) -> Any:
    return _quote(
        rule=claim.rule, target=claim.target, facts=claim.facts,
        version_number=claim.policy_version,
    )  # fmt: skip


def _tier_offer(claim: Claim, tier: int) -> TierQuote:
    try:
        return policy.tier_quote(
            rule_code=claim.rule,
            row_code=claim.row,
            tier=tier,
            facts=claim.facts,
            version_number=claim.policy_version,
        )
    except LookupError as exc:  # no such tier in the row (UnknownRule/Version are LookupErrors)
        raise ClaimInputError({"tier": [str(exc)]}) from exc
    except (FactsInvalid, RowDoesNotApply) as exc:
        raise ClaimInputError({"facts": [str(exc)]}) from exc


def may_act(user: User, role: str | None) -> bool:
    """Whether `user` holds `role` (a manager may do what an agent may)."""
    if user.is_superuser:
        return True
    names = {g.name for g in user.groups.all()}
    if role == AGENT:
        return bool(names & {AGENT, MANAGER})
    return role in names


def _check_role(actor: User, role: str | None, what: str) -> None:
    if not may_act(actor, role):
        label = {AGENT: "상담사", MANAGER: "관리자"}.get(role or "", role or "?")
        raise ClaimForbidden(f"{what}은(는) {label} 권한이 필요합니다.")


def _picked(effects: list[EffectQuote], amount: int | None) -> tuple[list[EffectQuote], int | None]:
    """The tier's effects with the approver's pick put into its range effect."""
    ranged = [i for i, e in enumerate(effects) if e.amount_max is not None and e.type == "grant"]
    if not ranged:
        if amount is not None:
            raise ClaimInputError({"amount": ["이 차수에는 고를 금액이 없습니다."]})
        return list(effects), None
    index = ranged[0]
    effect = effects[index]
    if amount is None:
        raise ClaimInputError(
            {"amount": [f"{effect.amount:,}~{effect.amount_max:,} 안에서 금액을 골라야 합니다."]}
        )
    try:
        check_pick(effect, amount)
    except PickOutOfRange as exc:
        raise ClaimInputError({"amount": [str(exc)]}) from exc
    chosen = EffectQuote(**{**effect.__dict__, "amount": amount, "amount_max": None})
    return [chosen if i == index else e for i, e in enumerate(effects)], amount


# What a needs-discussion outcome may pay each claimant in (the amount is a count for
# vouchers).
DISCUSSION_FOR = {
    "customer": (Instrument.COUPON,),
    "driver": (Instrument.POINTS, Instrument.PRO_VOUCHER, Instrument.DISPATCH_VOUCHER),
}


def _discussion_effect(
    claim: Claim, amount: int | None, instrument: str | None, reason: str
) -> EffectQuote:
    errors: dict[str, list[str]] = {}
    allowed = DISCUSSION_FOR.get(claim.target, ())
    if amount is None or amount <= 0:
        errors["amount"] = ["논의 결정에는 지급액(양의 정수, 권은 장 수)이 필요합니다."]
    if instrument not in allowed:
        labels = ", ".join(f"{Instrument(i).label}({i})" for i in allowed)
        errors["instrument"] = [f"{_PARTY_LABEL[claim.target]}에게는 {labels}로 지급합니다."]
    if not reason.strip():
        errors["reason"] = ["논의 결정에는 사유가 필요합니다."]
    if not errors and instrument == Instrument.COUPON:
        params = policy.instrument_params(version_number=claim.policy_version)
        unit, least = params.coupon_unit, params.coupon_minimum
        if amount < least or amount % unit:  # type: ignore[operator]
            errors["amount"] = [f"쿠폰은 {least:,}원 이상, {unit:,}원 단위입니다."]
    if errors:
        raise ClaimInputError(errors)
    vouchers = instrument in (Instrument.PRO_VOUCHER, Instrument.DISPATCH_VOUCHER)
    return EffectQuote(
        type="grant",
        instrument=instrument,
        amount=None if vouchers else amount,
        amount_max=None,
        count=amount if vouchers else None,
        action=None,
        payer="platform",
        recipient=claim.target,
        trigger={"type": "on_grant", "tier": None, "count": None, "party": None},
        explain=f"논의 결정: {amount:,}{'장' if vouchers else ''}",
        note=reason,
    )


def _pays_on_grant(effect: EffectQuote) -> bool:
    return effect.type in ("grant", "action") and effect.trigger.get("type") == "on_grant"


def _pays_on_refusal(effect: EffectQuote, tier: int) -> bool:
    trigger = effect.trigger
    return (
        effect.type in ("grant", "action")
        and trigger.get("type") == "on_refusal"
        and trigger.get("tier") in (None, tier)
    )


def _decide(
    claim: Claim,
    actor: User,
    tier: int,
    kind: str,
    offer: TierQuote | None,
    effects: list[EffectQuote],
    reason: str,
    *,
    amount: int | None = None,
    instrument: str = "",
    paid_total: int = 0,
) -> ClaimDecision:
    return ClaimDecision.objects.create(
        paid_total=paid_total,
        claim=claim,
        ref=f"claim-{claim.pk}-t{tier}",
        tier=tier,
        kind=kind,
        outcome_kind=offer.kind if offer else "",
        amount=amount,
        instrument=instrument,
        effects=[dict(e.__dict__) for e in effects],
        policy_version=claim.policy_version,
        row=claim.row,
        reason=reason,
        decided_by=actor,
    )


def _pay(claim: Claim, decision: ClaimDecision, index: int, effect: EffectQuote) -> None:
    recipient_id = claim.party_id(effect.recipient)
    if not recipient_id:
        raise ClaimInputError(
            {
                effect.recipient: [
                    f"{_PARTY_LABEL.get(effect.recipient, '대상')} ID가 없어 지급할 수 없습니다."
                ]
            }
        )
    fields: dict[str, Any] = {}
    if effect.type == "action":
        fields["instrument"] = Instrument.PAYMENT_ACTION
        fields["action"] = effect.action or ""
        if effect.action in _ACTIONS_WITH_AMOUNT:
            fields["amount"] = effect.amount
    elif effect.count is not None and effect.amount is None:
        fields.update(instrument=effect.instrument, count=effect.count)
    else:
        fields.update(instrument=effect.instrument, amount=effect.amount)
    try:
        payout_request_create(
            recipient_kind=effect.recipient,
            recipient_id=recipient_id,
            source_kind="claim_decision",
            source_ref=decision.ref,
            idempotency_key=f"claim-{claim.pk}-t{decision.tier}-e{index}",
            policy_version=claim.policy_version,
            **fields,
        )
    except PayoutRuleError as exc:
        raise ClaimInputError({"amount": [str(exc)]}) from exc


# Advisory-lock namespaces (the first key) of the two caps; the second is the agent's id or
# the rule code's CRC-32, so grants against one cap are counted one after the other.
_AGENT_CAP_LOCK = 0x63617061  # "capa"
_RULE_CAP_LOCK = 0x63617072  # "capr"
_DUPLICATE_LOCK = 0x64757063  # "dupc": grants of one call, rule and claimant


def _check_caps(claim: Claim, actor: User, tier: int, total: int) -> None:
    """Refuse a grant past the claim's version's caps (ClaimInputError on `cap`, naming the
    cap and the usage): the granting person's tier-1 total today and the rule's total this
    month, both in Asia/Seoul. Concurrent grants against one cap wait for each other."""
    if total <= 0:
        return
    version = policy.version_by_number(claim.policy_version)
    rule = policy.book(claim.policy_version).rules.get(claim.rule)
    now = timezone.localtime()
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    granted = ClaimDecision.objects.filter(kind=Kind.GRANTED)
    cap = version.agent_daily_tier1_cap
    if tier == 1 and cap is not None:
        _lock(_AGENT_CAP_LOCK, actor.pk)
        used = (
            granted.filter(tier=1, decided_by=actor, decided_at__gte=day).aggregate(
                n=Sum("paid_total")
            )["n"]
            or 0
        )
        if used + total > cap:
            raise ClaimInputError({"cap": [
                f"1일 1차 지급 한도 {cap:,}원을 넘습니다 (오늘 {used:,}원 지급, 이번 {total:,}원)."
            ]})  # fmt: skip
    budget = rule.monthly_budget if rule is not None else None
    if rule is not None and budget is not None:
        _lock(_RULE_CAP_LOCK, zlib.crc32(claim.rule.encode()) & 0x7FFFFFFF)
        month = day.replace(day=1)
        used = (
            granted.filter(claim__rule=claim.rule, decided_at__gte=month).aggregate(
                n=Sum("paid_total")
            )["n"]
            or 0
        )
        if used + total > budget:
            raise ClaimInputError({"cap": [
                f"'{rule.name}' 월 예산 {budget:,}원을 넘습니다 "
                f"(이번 달 {used:,}원 지급, 이번 {total:,}원)."
            ]})  # fmt: skip


def _lock(namespace: int, key: int) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [namespace, key])


def _sanction(
    claim: Claim, decision: ClaimDecision, actor: User, *, granted: bool, closed: bool = False
) -> None:
    """Record the matched row's penalties that this decision sets off on the parties'
    accounts, through the incidents service, in this transaction.

    The fault is decided when the claim is granted, or refused at its last tier: then the
    row's `on_grant` penalties (those naming a tier, at a grant of that tier or a later one)
    and its repeat counters (each decided case counts; the account's penalty rule acts at its
    threshold) are recorded. A refusal records that tier's `on_refusal` penalties. A claimant
    who accepts is never sanctioned for it: refusal penalties wait for a refusal."""
    decided = granted or closed
    for penalty in _quote_of(claim).penalties:
        if penalty.trigger == "on_refusal":
            applies = not granted and penalty.tier == decision.tier
        elif penalty.trigger == "on_grant":
            applies = decided and (penalty.tier is None or penalty.tier <= decision.tier)
        else:  # on_repeat
            applies = decided
        if not applies:
            continue
        external_id = claim.party_id(penalty.subject)
        if not external_id:
            label = _PARTY_LABEL.get(penalty.subject, "당사자")
            raise ClaimInputError(
                {penalty.subject: [f"{label} ID가 없어 제재를 기록할 수 없습니다."]}
            )
        try:
            violation_record(
                kind=penalty.subject, external_id=external_id,
                code=violation_code(penalty.code), note=f"{claim} {decision}",
                source_kind=AccountSource.CLAIM, source_ref=decision.ref, actor=actor,
            )  # fmt: skip
        except ValidationError as exc:
            raise ClaimInputError({"penalties": _messages(exc)}) from exc


def _move(claim: Claim, *, to: str, tier: int, actor: User, reason: str) -> None:
    if to not in Claim.TRANSITIONS[claim.status]:
        raise ClaimStateError(
            f"클레임 #{claim.pk}: {claim.get_status_display()} → {Status(to).label} "
            "변경은 허용되지 않습니다."
        )
    ClaimEvent.objects.create(
        claim=claim, from_status=claim.status, to_status=to, from_tier=claim.tier, to_tier=tier,
        actor=actor, reason=reason,
    )  # fmt: skip
    claim.status = to
    claim.tier = tier
    claim.save(update_fields=["status", "tier", "waiting_for", "updated_at"])
