"""Every write to RM incidents: filing one (with its parties, through the accounts service),
moving it along the status pipeline, assigning it. Each writes its timeline row in the same
transaction."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from incidents.masking import mask_text
from incidents.models import (
    Account,
    Incident,
    IncidentEvent,
    IncidentParty,
    IncidentShare,
    Service,
    SourceKind,
)
from incidents.services.accounts import account_get_or_create
from incidents.services.flags import incident_judge_drivers
from incidents.services.rm_sla import incident_notify_breach_to_assignee, incident_resume_locked
from incidents.services.timeline import incident_event
from incidents.sla import business_hours_add
from policies.models import AccountKind, RmSeverity, RmSubtype
from policies.selectors import current_version, rm_subtype

logger = logging.getLogger(__name__)

WORK_PERM = "incidents.work_incident"
SENSITIVE_PERM = "incidents.view_sensitive_incident"

# The account kind each party role is, when the caller does not say.
ROLE_KIND: dict[str, str] = {
    IncidentParty.Role.DRIVER: AccountKind.DRIVER,
    IncidentParty.Role.CUSTOMER: AccountKind.CUSTOMER,
    IncidentParty.Role.TRUKA_MEMBER: AccountKind.TRUKA_MEMBER,
    IncidentParty.Role.REPORTER: AccountKind.CUSTOMER,
}


# The account kinds a party in each role may be: a reporter may be anyone; a customer may be a
# business (법인) customer.
ROLE_KINDS: dict[str, frozenset[str]] = {
    IncidentParty.Role.DRIVER: frozenset({AccountKind.DRIVER}),
    IncidentParty.Role.CUSTOMER: frozenset({AccountKind.CUSTOMER, AccountKind.BUSINESS}),
    IncidentParty.Role.TRUKA_MEMBER: frozenset({AccountKind.TRUKA_MEMBER}),
    IncidentParty.Role.REPORTER: frozenset(AccountKind.values),
}


def party_kind(*, role: str, kind: str = "") -> str:
    """The account kind of a party in that role: the one given, or the role's own; a kind the
    role cannot be (a customer who is a driver account) raises ValidationError on `kind`."""
    if not kind:
        return ROLE_KIND[role]
    if kind not in ROLE_KINDS[role]:
        allowed = " 또는 ".join(str(AccountKind(k).label) for k in sorted(ROLE_KINDS[role]))
        raise ValidationError(
            {
                "kind": [
                    f"{IncidentParty.Role(role).label} 역할의 계정 종류는 {allowed}이어야 합니다."
                ]
            }
        )
    return kind


class TransitionRefused(Exception):
    pass


@dataclass(frozen=True)
class PartyInput:
    role: str
    external_id: str
    kind: str = ""
    name: str = ""
    phone: str = ""


def incident_sla_due(*, subtype: RmSubtype, severity: str, reported_at: datetime) -> datetime:
    """The SLA due time: the category's target for the severity, in business hours of the
    version's RM business day, from the report."""
    version = subtype.version
    return business_hours_add(
        reported_at,
        subtype.category.sla_hours(severity),
        day_start=version.rm_day_start_hour,
        day_end=version.rm_day_end_hour,
    )


def incident_create(
    *,
    service: str,
    category: str,
    subtype: str,
    severity: str,
    description: str,
    occurred_at: datetime,
    media_or_agency: bool = False,
    parties: list[PartyInput] | None = None,
    actor: User | None = None,
    reported_at: datetime | None = None,
) -> Incident:
    """File an incident under the published version's taxonomy; its SLA clock starts now."""
    if service not in Service.values:
        raise ValidationError({"service": ["알 수 없는 서비스입니다."]})
    if severity not in RmSeverity.values:
        raise ValidationError({"severity": ["알 수 없는 심각도입니다."]})
    version = current_version()
    try:
        sub = rm_subtype(category=category, subtype=subtype, version=version)
    except RmSubtype.DoesNotExist:
        raise ValidationError(
            {"subtype": [f"RM 유형 '{category}'에 세부 유형 '{subtype}'이(가) 없습니다."]}
        ) from None
    reported_at = reported_at or timezone.now()
    if occurred_at > reported_at:
        raise ValidationError({"occurred_at": ["발생 시각이 접수 시각보다 늦을 수 없습니다."]})
    with transaction.atomic():
        incident = Incident.objects.create(
            service=service,
            rm_subtype=sub,
            category=category,
            subtype=subtype,
            sensitive=sub.category.sensitive,
            severity=severity,
            description=description,
            occurred_at=occurred_at,
            reported_at=reported_at,
            media_or_agency=media_or_agency,
            sla_due_at=incident_sla_due(subtype=sub, severity=severity, reported_at=reported_at),
            created_by=actor,
        )
        seen: set[tuple[int, str]] = set()
        for party in parties or []:
            account: Account = account_get_or_create(
                kind=party_kind(role=party.role, kind=party.kind),
                external_id=party.external_id,
                name=party.name or None,
                phone=party.phone or None,
                actor=actor,
                source_kind=SourceKind.INCIDENT,
                source_ref=str(incident.pk),
            )
            if (account.pk, party.role) in seen:
                continue
            seen.add((account.pk, party.role))
            IncidentParty.objects.create(incident=incident, account=account, role=party.role)
        incident_event(
            incident,
            kind=IncidentEvent.Kind.CREATED,
            actor=actor,
            at=reported_at,
            detail=f"{sub.category.label} · {sub.label} 접수",
            after=Incident.Status.NEW,
        )
        # 사고다발: an accident of a 대리 driver may make three in the year (or be gross).
        incident_judge_drivers(incident=incident, actor=actor)
    logger.info("incident filed: %s (%s/%s)", incident.pk, category, subtype)
    return incident


def incident_transition(
    *, incident_id: int, to: str, actor: User | None, reason: str = ""
) -> Incident:
    """Move the incident along the pipeline. Reaching the state it is already in does
    nothing; a move the table does not allow raises TransitionRefused naming the state.
    Reopening restarts the SLA clock: due the category's target for its severity from now,
    no breach marked (so it may breach, and be notified, again)."""
    if to not in Incident.Status.values:
        raise ValidationError({"to": ["알 수 없는 상태입니다."]})
    reason = reason.strip()
    with transaction.atomic():
        # Locked: two RM users moving one case at once are checked one after the other.
        incident = (
            Incident.objects.select_for_update(of=("self",))
            .select_related("rm_subtype__category", "rm_subtype__version")
            .get(pk=incident_id)
        )
        if incident.status == to:
            return incident
        before = incident.status
        if not incident.may_move_to(to):
            allowed = ", ".join(
                str(Incident.Status(s).label) for s in Incident.TRANSITIONS.get(before, ())
            )
            raise TransitionRefused(
                f"'{Incident.Status(before).label}' 상태에서 "
                f"'{Incident.Status(to).label}'(으)로 바꿀 수 없습니다 (가능: {allowed or '없음'})."
            )
        if to == Incident.Status.CLOSED and incident.must_share and not incident.shares.exists():
            raise TransitionRefused(
                "언론·공공기관이 관여한 이 유형의 사고는 브랜드 리스크 담당자에게 공유한 뒤에 "
                "종결할 수 있습니다."
            )
        if to in Incident.REASON_REQUIRED and not reason:
            raise ValidationError({"reason": ["이 상태로 바꾸려면 사유가 필요합니다."]})
        now = timezone.now()
        if to == Incident.Status.CLOSED and incident.sla_paused_at is not None:
            # A closed case has no clock: the pause ends with it, its due time moved on as
            # on any resume, so the record says how long the outside party took.
            incident_resume_locked(incident, actor=actor, now=now, reason="종결로 일시정지 해제")
        incident.status = to
        changed = ["status", "updated_at"]
        detail = f"{Incident.Status(before).label} → {Incident.Status(to).label}"
        if to == Incident.Status.REOPENED:
            # The old due time passed long ago: a reopened case would be late at once and,
            # marked breached already, never swept again.
            incident.sla_due_at = incident_sla_due(
                subtype=incident.rm_subtype, severity=incident.severity, reported_at=now
            )
            incident.sla_breached_at = None
            changed += ["sla_due_at", "sla_breached_at"]
            local = timezone.localtime(incident.sla_due_at).strftime("%Y-%m-%d %H:%M")
            detail += f" (새 SLA 기한 {local})"
        incident.save(update_fields=changed)
        incident_event(
            incident,
            kind=IncidentEvent.Kind.TRANSITION,
            actor=actor,
            at=timezone.now(),
            detail=detail,
            reason=reason,
            before=before,
            after=to,
        )
    return incident


def may_work(user: User, incident: Incident) -> bool:
    """Whether the user may be the incident's assignee: RM work, and sensitive cases only to
    those who may see them."""
    if not user.is_active or not user.has_perm(WORK_PERM):
        return False
    return not incident.sensitive or user.has_perm(SENSITIVE_PERM)


def incident_assign(
    *, incident_id: int, assignee: str, actor: User | None, reason: str = ""
) -> Incident:
    """Make the user with that username the incident's assignee. A new assignee of a case
    already past its SLA (open) gets the breach notice, once."""
    user = get_user_model().objects.filter(username=assignee).first()
    with transaction.atomic():
        incident = Incident.objects.select_for_update().get(pk=incident_id)
        if user is None or not may_work(user, incident):
            raise ValidationError({"assignee": ["이 사용자에게는 사고를 배정할 수 없습니다."]})
        if incident.assignee_id == user.pk:
            return incident
        incident.assignee = user
        incident.save(update_fields=["assignee", "updated_at"])
        now = timezone.now()
        incident_event(
            incident,
            kind=IncidentEvent.Kind.ASSIGNED,
            actor=actor,
            at=now,
            detail=f"담당자: {user.get_username()}",
            reason=reason,
        )
        # The sweep told the assignee at the time of the breach; the new one must know too.
        incident_notify_breach_to_assignee(incident, now=now)
    return incident


def incident_summary(incident: Incident) -> str:
    """The incident as it may leave the RM team: personal data masked, the parties' names
    wherever they appear in the description included."""
    sub = incident.rm_subtype
    parties = list(incident.parties.select_related("account"))
    names = tuple(p.account.name for p in parties if p.account.name)
    local = timezone.localtime(incident.occurred_at).strftime("%Y-%m-%d %H:%M")
    lines = [
        f"[RM 사고 #{incident.pk}] {sub.category.label} · {sub.label}",
        f"서비스: {incident.get_service_display()} / 심각도: {incident.get_severity_display()}"
        f" / 상태: {incident.get_status_display()}",
        f"발생: {local} / 언론·공공기관 관여: {'예' if incident.media_or_agency else '아니오'}",
    ]
    lines += [
        f"관계자: {p.get_role_display()} {p.account.masked_name or '(이름 없음)'} "
        f"{p.account.masked_phone}".rstrip()
        for p in parties
    ]
    lines.append(f"내용: {mask_text(incident.description, names=names)}")
    return "\n".join(lines)


def incident_share(*, incident_id: int, actor: User | None) -> IncidentShare:
    """Share the masked summary with the brand-risk contact (a setting), recorded with who and
    when. Sharing again records another share: the summary may have changed."""
    with transaction.atomic():
        incident = (
            Incident.objects.select_for_update(of=("self",))
            .select_related("rm_subtype__category")
            .get(pk=incident_id)
        )
        now = timezone.now()
        share = IncidentShare.objects.create(
            incident=incident,
            recipient=settings.BRAND_RISK_CONTACT,
            summary=incident_summary(incident),
            actor=actor,
            at=now,
        )
        incident_event(
            incident,
            kind=IncidentEvent.Kind.SHARED,
            actor=actor,
            at=now,
            detail=f"브랜드 리스크 담당자({share.recipient})에게 가림 요약 공유",
        )
    return share


def incidents_assign(*, incident_ids: list[int], assignee: str, actor: User | None) -> int:
    """Bulk assignment from the queue: every one of the incidents to that user, or none of
    them (a refusal names the incident). Returns how many changed hands."""
    changed = 0
    with transaction.atomic():
        for incident_id in incident_ids:
            before = Incident.objects.filter(pk=incident_id).values_list("assignee_id", flat=True)
            was = before.first()
            try:
                incident = incident_assign(incident_id=incident_id, assignee=assignee, actor=actor)
            except ValidationError as exc:
                raise ValidationError(
                    {"assignee": [f"RM 사고 #{incident_id}: {m}" for m in exc.messages]}
                ) from exc
            changed += incident.assignee_id != was
    return changed
