"""Reads of accounts: their derived state, restrictions in force, eligibility for a service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.module_loading import import_string

from incidents.models import (
    Account,
    AccountFlag,
    AccountState,
    Incident,
    IncidentEvent,
    IncidentEvidence,
    IncidentNotification,
    IncidentParty,
    Restriction,
    RestrictionKind,
    Review,
    SourceKind,
    Violation,
)
from incidents.sla import business_hours_add, business_hours_between
from policies.models import PenaltyScope, PolicyVersion
from policies.selectors import NoPublishedPolicy, current_version


def in_force(now: datetime) -> Q:
    """Restrictions in force at `now`: not lifted, and a timed one before its end. A timed
    suspension thus ends by itself, with no job to run."""
    return Q(lifted_at__isnull=True, since__lte=now) & (Q(until__isnull=True) | Q(until__gt=now))


def restrictions_in_force(account: Account, *, now: datetime | None = None) -> QuerySet:
    now = now or timezone.now()
    return account.restrictions.filter(in_force(now)).order_by("since", "id")


def state_of(restrictions: list[Restriction], reviews_open: int) -> str:
    """The account's state from what is in force, the strongest first: banned > suspended
    (the whole app) > under_review > restricted (one service, e.g. reservation calls) >
    active."""
    if any(r.kind == RestrictionKind.BAN for r in restrictions):
        return AccountState.BANNED
    if any(r.scope == PenaltyScope.APP for r in restrictions):
        return AccountState.SUSPENDED
    if reviews_open:
        return AccountState.UNDER_REVIEW
    if restrictions:
        return AccountState.RESTRICTED
    return AccountState.ACTIVE


@dataclass(frozen=True)
class AccountDetail:
    account: Account
    state: str
    restrictions: list[Restriction]
    violations: list[Violation]
    reviews_open: int


def account_find(*, kind: str, external_id: str) -> Account | None:
    return Account.objects.filter(kind=kind, external_id=external_id).first()


def account_detail(account: Account, *, now: datetime | None = None) -> AccountDetail:
    now = now or timezone.now()
    restrictions = list(restrictions_in_force(account, now=now))
    reviews_open = account.reviews.filter(status=Review.Status.OPEN).count()
    violations = list(account.violations.order_by("occurred_at", "id"))
    return AccountDetail(
        account=account,
        state=state_of(restrictions, reviews_open),
        restrictions=restrictions,
        violations=violations,
        reviews_open=reviews_open,
    )


def accounts_with_state(*, now: datetime | None = None) -> QuerySet[Account]:
    """Accounts with what their state needs (`in_force`, `reviews_open`): two queries per page
    whatever its length. Pass each to `state_of(a.in_force, a.reviews_open)`."""
    now = now or timezone.now()
    return Account.objects.annotate(
        reviews_open=Count("reviews", filter=Q(reviews__status=Review.Status.OPEN))
    ).prefetch_related(
        Prefetch(
            "restrictions", queryset=Restriction.objects.filter(in_force(now)), to_attr="in_force"
        )
    )


# What a scope of service is stopped by: the whole app stops every service.
BLOCKING_SCOPES: dict[str, set[str]] = {
    PenaltyScope.APP: {PenaltyScope.APP},
    PenaltyScope.RESERVATION_CALLS: {PenaltyScope.APP, PenaltyScope.RESERVATION_CALLS},
    PenaltyScope.RENTAL: {PenaltyScope.APP, PenaltyScope.RENTAL},
}


@dataclass(frozen=True)
class Eligibility:
    allowed: bool
    reasons: list[str]
    until: datetime | None


def eligibility(*, kind: str, external_id: str, scope: str, now: datetime | None = None):  # type: ignore[no-untyped-def]
    """May the account use `scope` now? Reasons are the restrictions that stop it; `until` is
    when the last of them ends, or None when one has no end (a ban, a suspension waiting for a
    condition or a person). An account we never heard of has nothing against it. Open reviews
    do not stop anything by themselves: RM's decision does."""
    now = now or timezone.now()
    account = account_find(kind=kind, external_id=external_id)
    if account is None:
        return Eligibility(allowed=True, reasons=[], until=None)
    blocking = [
        r for r in restrictions_in_force(account, now=now) if r.scope in BLOCKING_SCOPES[scope]
    ]
    if not blocking:
        return Eligibility(allowed=True, reasons=[], until=None)
    reasons = [f"{r.get_kind_display()} ({r.ends_label}): {r.label}" for r in blocking]
    ends = [r.until for r in blocking]
    until = None if any(e is None for e in ends) else max(e for e in ends if e is not None)
    return Eligibility(allowed=False, reasons=reasons, until=until)


# --- RM incidents ----------------------------------------------------------------------------


def may_see_sensitive_incidents(user: Any) -> bool:
    return bool(user.has_perm("incidents.view_sensitive_incident"))


def incidents_visible_to(user: Any) -> QuerySet[Incident]:
    """The incidents the user may know of: 성민감 cases only with the permission; for everyone
    else they do not exist (lists, counts and detail lookups all start here)."""
    qs = Incident.objects.select_related("assignee")
    if not may_see_sensitive_incidents(user):
        qs = qs.filter(sensitive=False)
    return qs


def hidden_incident_sources(user: Any, sources: Any) -> set[str]:
    """Of the (source_kind, source_ref) pairs given, the refs of the 성민감 incidents the user
    may not know of: account rows recorded from such a case show a generic source and no note
    to them (`source_shown`). One query, none for holders of the permission."""
    refs = {ref for kind, ref in sources if kind == SourceKind.INCIDENT and ref and ref.isdigit()}
    if not refs or may_see_sensitive_incidents(user):
        return set()
    found = Incident.objects.filter(pk__in=[int(r) for r in refs], sensitive=True)
    return {str(pk) for pk in found.values_list("pk", flat=True)}


def source_is_sensitive_incident(source_kind: str, source_ref: str) -> bool:
    """Whether an account row (violation, restriction, event) was recorded from a 성민감 case."""
    if source_kind != SourceKind.INCIDENT or not source_ref.isdigit():
        return False
    return Incident.objects.filter(pk=int(source_ref), sensitive=True).exists()


def incident_detail_of(user: Any, pk: int) -> Incident | None:
    """One incident with its parties and timeline, or None where the user may not see it."""
    return (
        incidents_visible_to(user)
        .select_related("rm_subtype__category", "rm_subtype__version", "insurance_line")
        .prefetch_related(
            Prefetch("parties", queryset=IncidentParty.objects.select_related("account")),
            Prefetch("events", queryset=IncidentEvent.objects.select_related("actor")),
            Prefetch("evidence", queryset=IncidentEvidence.objects.select_related("uploaded_by")),
        )
        .filter(pk=pk)
        .first()
    )


# --- the SLA state of incidents ----------------------------------------------------------------


class SlaState(models.TextChoices):
    """Where an incident's SLA clock stands, in the order the queue checks them."""

    CLOSED = "closed", "종결"
    PAUSED = "paused", "일시정지"
    BREACHED = "breached", "기한 초과"
    DUE_SOON = "due_soon", "기한 임박"
    ON_TRACK = "on_track", "여유"


def _rm_day() -> tuple[int, int]:
    """The RM business day of the published version (the model's defaults before one is)."""
    try:
        version = current_version()
    except NoPublishedPolicy:
        fields = PolicyVersion._meta
        return (
            int(fields.get_field("rm_day_start_hour").get_default()),
            int(fields.get_field("rm_day_end_hour").get_default()),
        )
    return version.rm_day_start_hour, version.rm_day_end_hour


def sla_due_soon_limit(now: datetime) -> datetime:
    """Cases due before this time (and not yet due) are `due_soon`: INCIDENTS_SLA_DUE_SOON_HOURS
    business hours of the published version's RM day from now."""
    day_start, day_end = _rm_day()
    return business_hours_add(
        now, settings.INCIDENTS_SLA_DUE_SOON_HOURS, day_start=day_start, day_end=day_end
    )


def sla_state_q(
    state: str, *, now: datetime | None = None, soon_limit: datetime | None = None
) -> Q:
    """The incidents in that SLA state, as a filter (the same rules as `sla_clock_of`). Pass
    `soon_limit` (from `sla_due_soon_limit`) when building several at once."""
    now = now or timezone.now()
    closed = Q(status=Incident.Status.CLOSED)
    running = ~closed & Q(sla_paused_at__isnull=True)
    if state == SlaState.CLOSED:
        return closed
    if state == SlaState.PAUSED:
        return ~closed & Q(sla_paused_at__isnull=False)
    if state == SlaState.BREACHED:
        return running & (Q(sla_due_at__lte=now) | Q(sla_breached_at__isnull=False))
    late = Q(sla_due_at__lte=now) | Q(sla_breached_at__isnull=False)
    soon = Q(sla_due_at__lte=soon_limit or sla_due_soon_limit(now))
    if state == SlaState.DUE_SOON:
        return running & ~late & soon
    if state == SlaState.ON_TRACK:
        return running & ~late & ~soon
    raise ValueError(f"unknown SLA state {state!r}")


def incidents_in_sla_state(qs: QuerySet[Incident], state: str) -> QuerySet[Incident]:
    return qs.filter(sla_state_q(state))


@dataclass(frozen=True)
class SlaClock:
    state: str
    # Wall-clock seconds to the due time (negative when late); None for a closed case. For a
    # paused case, what was left when it paused.
    time_left_seconds: int | None
    # The same in business hours of the incident's RM day (negative when late).
    business_hours_left: float | None


def sla_clock_of(
    incident: Incident, *, now: datetime | None = None, soon_limit: datetime | None = None
) -> SlaClock:
    """The SLA state and the time left of one incident (needs `rm_subtype__version`). Pass
    `soon_limit` (from `sla_due_soon_limit`) when doing many at once."""
    now = now or timezone.now()
    if incident.status == Incident.Status.CLOSED:
        return SlaClock(SlaState.CLOSED, None, None)
    version = incident.rm_subtype.version
    day = {"day_start": version.rm_day_start_hour, "day_end": version.rm_day_end_hour}
    at = incident.sla_paused_at or now
    due = incident.sla_due_at
    if due >= at:
        business = business_hours_between(at, due, **day)
    else:
        business = -business_hours_between(due, at, **day)
    left = (
        int((due - at).total_seconds()),
        round(business.total_seconds() / 3600, 2),
    )
    if incident.sla_paused_at is not None:
        state = SlaState.PAUSED
    elif due <= now or incident.sla_breached_at is not None:
        state = SlaState.BREACHED
    elif due <= (soon_limit or sla_due_soon_limit(now)):
        state = SlaState.DUE_SOON
    else:
        state = SlaState.ON_TRACK
    return SlaClock(state, *left)


def incident_evidence_of(
    user: Any, *, incident_id: int, evidence_id: int
) -> IncidentEvidence | None:
    """One evidence file of an incident the user may see, or None (the incident hidden, or the
    file of another incident)."""
    return (
        IncidentEvidence.objects.filter(
            pk=evidence_id,
            incident_id=incident_id,
            incident__in=incidents_visible_to(user).values("pk"),
        )
        .select_related("uploaded_by")
        .first()
    )


def linked_claims_of(incident_id: int) -> list[dict[str, Any]]:
    """The claims linked to the incident (number, type, type_label, status, status_label, url),
    from the claims app through INCIDENTS_LINKED_CLAIMS; none when the setting is empty. The
    caller has checked that the user may see the incident."""
    hook = settings.INCIDENTS_LINKED_CLAIMS
    if not hook:
        return []
    return list(import_string(hook)(incident_id))


# --- notifications (알림) -------------------------------------------------------------------


def notifications_of(user: Any) -> QuerySet[IncidentNotification]:
    """The user's notifications, newest first. One about a 성민감 case is left out for a user
    who (no longer) may see such cases: the case does not exist for them."""
    qs = IncidentNotification.objects.filter(user=user).select_related("incident")
    if not may_see_sensitive_incidents(user):
        qs = qs.filter(incident__sensitive=False)
    return qs.order_by("-created_at", "-id")


def unread_notification_count(user: Any) -> int:
    return notifications_of(user).filter(read_at__isnull=True).count()


# --- account flags (사고다발) -------------------------------------------------------------------


def flags_visible_to(user: Any, *, standing_only: bool = True) -> QuerySet[AccountFlag]:
    """Flags the user may know of (standing ones only, unless asked), each with
    `visible_incidents` (its causes the user may see). A flag whose every cause is a 성민감
    incident is absent for users without the permission: naming it would tell of the hidden
    case."""
    visible = incidents_visible_to(user)
    flags = AccountFlag.objects.filter(incidents__in=visible.values("pk"))
    if standing_only:
        flags = flags.filter(cleared_at__isnull=True)
    return (
        flags.distinct()
        .select_related("account")
        .prefetch_related(
            Prefetch(
                "incidents",
                queryset=visible.select_related("rm_subtype").order_by("occurred_at", "pk"),
                to_attr="visible_incidents",
            )
        )
        .order_by("-raised_at", "-id")
    )


def flagged_drivers(user: Any) -> QuerySet[AccountFlag]:
    """The RM list of drivers flagged 사고다발, newest first, with the incidents that caused
    it (those the user may see)."""
    return flags_visible_to(user).filter(kind=AccountFlag.Kind.REPEAT_ACCIDENTS)


def account_flag_kinds(account: Account, user: Any) -> list[str]:
    """The kinds of the account's standing flags the user may know of (the accounts API's
    `flags`)."""
    return sorted(
        set(flags_visible_to(user).filter(account=account).values_list("kind", flat=True))
    )
