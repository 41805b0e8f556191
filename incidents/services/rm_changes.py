"""Changes to what an incident is about: its subtype (reclassified at triage) and its parties
(one found later). Each writes a timeline row and judges 사고다발 again for the drivers."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from incidents.models import Account, Incident, IncidentEvent, IncidentParty, SourceKind
from incidents.services.accounts import account_get_or_create
from incidents.services.flags import account_repeat_accidents_judge, incident_judge_drivers
from incidents.services.rm import PartyInput, may_work, party_kind
from incidents.services.timeline import incident_event
from policies.models import RmSubtype
from policies.selectors import rm_subtype


def _lock(incident_id: int) -> Incident:
    return (
        Incident.objects.select_for_update(of=("self",))
        .select_related("rm_subtype__category", "rm_subtype__version")
        .get(pk=incident_id)
    )


def incident_change_subtype(
    *, incident_id: int, actor: User | None, category: str, subtype: str, reason: str
) -> Incident:
    """Reclassify the incident under another subtype of the taxonomy it was filed under (its
    version's). Sensitivity follows the new category; an assignee who may not work the case
    any more (a 성민감 case, without the permission) is taken off it, with a timeline row. The
    SLA due time is kept: the clock the case started with still runs. The same subtype again
    changes nothing."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": ["유형을 바꾸는 사유가 필요합니다."]})
    with transaction.atomic():
        incident = _lock(incident_id)
        try:
            sub = rm_subtype(
                category=category, subtype=subtype, version=incident.rm_subtype.version
            )
        except RmSubtype.DoesNotExist:
            raise ValidationError(
                {"subtype": [f"RM 유형 '{category}'에 세부 유형 '{subtype}'이(가) 없습니다."]}
            ) from None
        if sub.pk == incident.rm_subtype_id:
            return incident
        before = incident.rm_subtype
        incident.rm_subtype, incident.category, incident.subtype = sub, category, subtype
        incident.sensitive = sub.category.sensitive
        incident.save(
            update_fields=["rm_subtype", "category", "subtype", "sensitive", "updated_at"]
        )
        incident_event(
            incident,
            kind=IncidentEvent.Kind.UPDATED,
            actor=actor,
            at=timezone.now(),
            detail=f"유형 변경: {before.category.label} · {before.label} → "
            f"{sub.category.label} · {sub.label}",
            reason=reason,
        )
        # Otherwise the assignee would keep (and be notified about) a case they may not see.
        if incident.assignee is not None and not may_work(incident.assignee, incident):
            dropped = incident.assignee.get_username()
            incident.assignee = None
            incident.save(update_fields=["assignee", "updated_at"])
            incident_event(
                incident,
                kind=IncidentEvent.Kind.ASSIGNED,
                actor=actor,
                at=timezone.now(),
                detail=f"담당자 해제: {dropped} (이 유형을 열람할 권한 없음)",
                reason=reason,
            )
        incident_judge_drivers(incident=incident, actor=actor)
    return incident


def incident_add_party(
    *, incident_id: int, actor: User | None, party: PartyInput, reason: str = ""
) -> IncidentParty:
    """Add a party (its account created or updated through the accounts service). The same
    account in the same role again changes nothing."""
    with transaction.atomic():
        incident = _lock(incident_id)
        account: Account = account_get_or_create(
            kind=party_kind(role=party.role, kind=party.kind),
            external_id=party.external_id,
            name=party.name or None,
            phone=party.phone or None,
            actor=actor,
            source_kind=SourceKind.INCIDENT,
            source_ref=str(incident.pk),
        )
        added, created = IncidentParty.objects.get_or_create(
            incident=incident, account=account, role=party.role
        )
        if not created:
            return added
        incident_event(
            incident,
            kind=IncidentEvent.Kind.UPDATED,
            actor=actor,
            at=timezone.now(),
            detail=f"관계자 추가: {added.get_role_display()} "
            f"{account.masked_name or account.external_id}",
            reason=reason.strip(),
        )
        if party.role == IncidentParty.Role.DRIVER:
            account_repeat_accidents_judge(account_id=account.pk, actor=actor)
    return added
