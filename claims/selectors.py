"""Reads of claims: what a user may see, a claim's offers, duplicates and payouts."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from claims.models import Claim, ClaimDecision
from payouts.models import PayoutRequest, SourceKind
from policies import selectors as policy

OPEN_OR_GRANTED = (Claim.Status.OPEN, Claim.Status.GRANTED)


def claims_visible_to(user: Any) -> QuerySet[Claim]:
    """Every claim for those with `view_all_claim` (managers); an agent's own otherwise."""
    claims = Claim.objects.select_related("created_by")
    if user.has_perm("claims.view_all_claim"):
        return claims
    return claims.filter(created_by=user)


def decision_refs_visible_to(user: Any) -> QuerySet[ClaimDecision]:
    """The decision refs whose payouts `user` may read (PAYOUTS_VISIBLE_DECISIONS)."""
    decisions = ClaimDecision.objects.all()
    if not user.has_perm("claims.view_all_claim"):
        decisions = decisions.filter(claim__created_by=user)
    return decisions.values_list("ref", flat=True)  # type: ignore[return-value]


def duplicates_of(claim: Claim) -> list[int]:
    """Other open or granted claims of the same claimant, call and rule."""
    same = Claim.objects.filter(
        rule=claim.rule, call_id=claim.call_id, target=claim.target,
        status__in=OPEN_OR_GRANTED,
    ).exclude(pk=claim.pk)  # fmt: skip
    if claim.target == "customer":
        same = same.filter(customer_id=claim.customer_id)
    else:
        same = same.filter(driver_id=claim.driver_id)
    return list(same.order_by("id").values_list("id", flat=True))


def offers_of(claim: Claim) -> dict[str, Any]:
    """The claim's quote under its own policy version: every tier's offer and the penalties."""
    return policy.quote(
        rule_code=claim.rule, target=claim.target, facts=claim.facts,
        version_number=claim.policy_version,
    ).as_dict()  # fmt: skip


def payout_requests_of(claim: Claim) -> QuerySet[PayoutRequest]:
    refs = [d.ref for d in claim.decisions.all()]
    return PayoutRequest.objects.filter(
        source_kind=SourceKind.CLAIM_DECISION, source_ref__in=refs
    ).order_by("idempotency_key")


def claim_detail(claim_id: int, user: Any) -> Claim:
    """A claim the user may see, with its decisions and events (DoesNotExist otherwise)."""
    return (
        claims_visible_to(user)
        .prefetch_related("decisions__decided_by", "events__actor")
        .get(pk=claim_id)
    )
