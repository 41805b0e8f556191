"""Reads of claims: what a user may see, a claim's offers, duplicates and payouts."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from claims.models import Claim, ClaimDecision, ClaimIncidentLink
from incidents.models import AccountState, Incident
from incidents.selectors import account_detail, account_find, incidents_visible_to
from payouts.models import PayoutRequest, SourceKind
from policies import selectors as policy
from policies.facts import FACTS

OPEN_OR_GRANTED = (Claim.Status.OPEN, Claim.Status.GRANTED)


def claims_visible_to(user: Any) -> QuerySet[Claim]:
    """Every claim for those with `view_all_claim` (managers); an agent's own otherwise."""
    claims = Claim.objects.select_related("created_by")
    if not user.is_authenticated:
        return claims.none()
    if user.has_perm("claims.view_all_claim"):
        return claims
    return claims.filter(created_by=user)


def escalation_queue(user: Any) -> QuerySet[Claim]:
    """Open claims whose current tier a manager decides, oldest first."""
    return (
        claims_visible_to(user)
        .filter(status=Claim.Status.OPEN, waiting_for="manager")
        .order_by("created_at")
    )


def decision_refs_visible_to(user: Any) -> QuerySet[ClaimDecision]:
    """The decision refs whose payouts `user` may read (PAYOUTS_VISIBLE_DECISIONS)."""
    decisions = ClaimDecision.objects.all()
    if not user.is_authenticated:
        return decisions.none().values_list("ref", flat=True)  # type: ignore[return-value]
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


def past_claims(*, target: str, external_id: str, limit: int = 10) -> QuerySet[Claim]:
    """The claimant's latest claims (any state): shown beside the intake form."""
    field = "customer_id" if target == "customer" else "driver_id"
    return Claim.objects.filter(target=target, **{field: external_id}).order_by("-id")[:limit]


def rule_name(claim: Claim) -> str:
    """The claim's type as its policy version names it (the code if the book lacks it)."""
    try:
        rule = policy.book(claim.policy_version).rules.get(claim.rule)
    except LookupError:
        rule = None
    return rule.name if rule is not None else claim.rule


def party_standing(claim_parties: dict[str, str]) -> list[dict[str, Any]]:
    """The account, state and restrictions in force of each party (kind → external id) we
    know, for the intake and claim pages: what the agent should see before offering anything.
    Names and phones are the page's to mask or show (and record)."""
    standing = []
    for kind, external_id in claim_parties.items():
        if not external_id:
            continue
        account = account_find(kind=kind, external_id=external_id)
        if account is None:
            continue
        detail = account_detail(account)
        standing.append(
            {
                "account": account,
                "kind": kind,
                "external_id": external_id,
                "state": AccountState(detail.state).label,
                "restrictions": detail.restrictions,
                "reviews_open": detail.reviews_open,
            }
        )
    return standing


def offers_of(claim: Claim) -> dict[str, Any]:
    """The claim's quote under its own policy version: every tier's offer and the penalties."""
    return policy.quote(
        rule_code=claim.rule, target=claim.target, facts=claim.facts,
        version_number=claim.policy_version,
    ).as_dict()  # fmt: skip


def facts_shown(claim: Claim) -> list[tuple[str, str]]:
    """The claim's facts as people read them: the fact's Korean label and the value with its
    unit (예/아니오 for yes/no facts)."""
    shown = []
    for name, value in sorted(claim.facts.items()):
        fact = FACTS.get(name)
        if fact is None:
            shown.append((name, str(value)))
        elif isinstance(value, bool):
            shown.append((fact.label, "예" if value else "아니오"))
        else:
            shown.append((fact.label, f"{value:,}{fact.unit}"))
    return shown


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


# --- links with RM incidents ------------------------------------------------------------------


def claims_linked_to_incident(incident_id: int) -> list[dict[str, Any]]:
    """The claims linked to an RM incident, oldest link first, as the incidents app shows them
    (INCIDENTS_LINKED_CLAIMS): number, type (code and name), status (code and label) and the
    claim page's url. The caller has already decided the user may see the incident."""
    links = (
        ClaimIncidentLink.objects.filter(incident_id=incident_id)
        .select_related("claim")
        .order_by("at", "id")
    )
    return [
        {
            "number": link.claim.pk,
            "type": link.claim.rule,
            "type_label": rule_name(link.claim),
            "status": link.claim.status,
            "status_label": link.claim.get_status_display(),
            "url": reverse("claim-detail", kwargs={"pk": link.claim.pk}),
        }
        for link in links
    ]


def incidents_linked_to_claim(claim: Claim, user: Any) -> QuerySet[Incident]:
    """The RM incidents a claim is linked to that the user may know of: a 성민감 one is absent
    for users without `incidents.view_sensitive_incident`, as everywhere."""
    linked = ClaimIncidentLink.objects.filter(claim=claim).values("incident_id")
    return incidents_visible_to(user).filter(pk__in=linked).order_by("pk")


def linked_incidents_shown(claim: Claim, user: Any) -> list[dict[str, Any]]:
    """The claim's linked RM incidents as the claim page and API show them: only those the
    user may know of (`incidents_linked_to_claim`), with labels, status and their page."""
    return [
        {
            "id": incident.pk,
            "category_label": incident.rm_subtype.category.label,
            "subtype_label": incident.rm_subtype.label,
            "status": incident.status,
            "status_label": incident.get_status_display(),
            "url": reverse("incident-detail", kwargs={"pk": incident.pk}),
        }
        for incident in incidents_linked_to_claim(claim, user).select_related(
            "rm_subtype__category"
        )
    ]
