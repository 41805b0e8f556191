"""Shapes of the RM incident API (a contract: field names as written)."""

from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from incidents import selectors
from incidents.api.serializers import RestrictionSerializer, ViolationSerializer
from incidents.masking import mask_text, normalize_phone
from incidents.models import Incident, IncidentEvent, IncidentParty, Service
from incidents.services.accounts import clean_external_id
from incidents.services.rm import party_kind
from policies.models import AccountKind, InsuranceKind, InsuranceLine, RmSeverity

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)


class SubtypeSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    definition = serializers.CharField(help_text="사고가이드 RM 기준의 정의")
    insurance_exempt = serializers.BooleanField(help_text="보험 면책 유형")


class CategorySerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    subtypes = SubtypeSerializer(many=True)


class PartyInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=AccountKind.choices,
        required=False,
        help_text="계정 종류; 비우면 역할에서 정함 (제보자는 고객)",
    )
    external_id = serializers.CharField(max_length=64, help_text="플랫폼 계정 ID")
    role = serializers.ChoiceField(choices=IncidentParty.Role.choices)
    name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)

    # Checked here too so that a list's errors name the party (`parties[i]`), not the request.
    def validate_external_id(self, value: str) -> str:
        try:
            return clean_external_id(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict["external_id"]) from exc

    def validate_phone(self, value: str) -> str:
        if value:
            try:
                normalize_phone(value)
            except ValueError as exc:
                raise serializers.ValidationError(str(exc)) from exc
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        try:
            party_kind(role=attrs["role"], kind=attrs.get("kind", ""))
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        return attrs


class IncidentInputSerializer(serializers.Serializer):
    service = serializers.ChoiceField(choices=Service.choices)
    category = serializers.CharField(max_length=40, help_text="RM 유형 코드, 예: criminal")
    subtype = serializers.CharField(max_length=40, help_text="그 유형의 세부 유형 코드")
    severity = serializers.ChoiceField(choices=RmSeverity.choices)
    description = serializers.CharField(max_length=5000)
    occurred_at = serializers.DateTimeField()
    media_or_agency = serializers.BooleanField(default=False)
    parties = PartyInputSerializer(many=True, required=False, max_length=20)  # type: ignore[call-arg]

    def validate_occurred_at(self, value: datetime) -> datetime:
        if value < EARLIEST:
            raise serializers.ValidationError("발생 시각은 2000년 이후여야 합니다.")
        return value


class PartySerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="관계자 id (위반 기록에 씀)")
    role = serializers.ChoiceField(choices=IncidentParty.Role.choices)
    kind = serializers.ChoiceField(choices=AccountKind.choices)
    external_id = serializers.CharField()
    name = serializers.CharField(help_text="가림 처리됨, 예: 홍*동")
    phone = serializers.CharField(help_text="가림 처리됨, 예: 010-****-5678")


class TimelineSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=IncidentEvent.Kind.choices)
    from_status = serializers.CharField(allow_blank=True)
    to_status = serializers.CharField(allow_blank=True)
    actor = serializers.CharField(allow_null=True, help_text="처리자 사용자 이름")
    at = serializers.DateTimeField()
    detail = serializers.CharField(allow_blank=True)
    reason = serializers.CharField(allow_blank=True)


class IncidentInsuranceLineSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=InsuranceKind.choices)
    kind_label = serializers.CharField(help_text="보험 종류")
    insurer = serializers.CharField(help_text="보험사")
    limit = serializers.IntegerField(help_text="보상 한도 (원)")
    deductible = serializers.IntegerField(help_text="자기부담금 (원)")


class IncidentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Incident.Status.choices)
    service = serializers.ChoiceField(choices=Service.choices)
    category = serializers.CharField()
    category_label = serializers.CharField()
    subtype = serializers.CharField()
    subtype_label = serializers.CharField()
    insurance_exempt = serializers.BooleanField()
    severity = serializers.ChoiceField(choices=RmSeverity.choices)
    description = serializers.CharField(
        help_text="내용 (관계자 이름·전화번호·주민번호·차량번호·주소 번호는 가려짐)"
    )
    occurred_at = serializers.DateTimeField()
    reported_at = serializers.DateTimeField()
    media_or_agency = serializers.BooleanField()
    assignee = serializers.CharField(allow_null=True, help_text="담당자 사용자 이름")
    sla_due_at = serializers.DateTimeField(help_text="SLA 기한 (영업시간 기준)")
    sla_state = serializers.ChoiceField(
        choices=selectors.SlaState.choices,
        help_text="closed 종결, paused 일시정지, breached 기한 초과, due_soon 기한 임박 "
        "(INCIDENTS_SLA_DUE_SOON_HOURS 영업시간 안), on_track 여유",
    )
    sla_paused_at = serializers.DateTimeField(allow_null=True, help_text="일시정지 시작 시각")
    sla_breached_at = serializers.DateTimeField(
        allow_null=True, help_text="초과 점검이 기한 초과를 확인한 시각"
    )
    time_left_seconds = serializers.IntegerField(
        allow_null=True,
        help_text="기한까지 남은 초 (지나면 음수; 일시정지 중이면 정지 시점의 값; 종결이면 null)",
    )
    business_hours_left = serializers.FloatField(
        allow_null=True, help_text="기한까지 남은 영업시간 (지나면 음수; 종결이면 null)"
    )
    insurer_limit = serializers.IntegerField(allow_null=True, help_text="보험사 보상 한도 (원)")
    loss_amount = serializers.IntegerField(allow_null=True, help_text="손해액 (원)")
    insurance_line = IncidentInsuranceLineSerializer(
        allow_null=True, help_text="이 사고를 보장하는 보험 계약"
    )
    limit_in_effect = serializers.IntegerField(
        allow_null=True, help_text="적용 한도 (원): 기록된 보험사 한도, 없으면 보험 계약의 한도"
    )
    excess = serializers.IntegerField(
        allow_null=True, help_text="한도 초과액 (원); 적용 한도와 손해액이 모두 있을 때만"
    )
    parties = PartySerializer(many=True)

    def to_representation(self, instance: Incident) -> dict[str, Any]:
        sub = instance.rm_subtype
        when = serializers.DateTimeField()
        clock = selectors.sla_clock_of(instance, soon_limit=self.context.get("soon_limit"))
        parties = list(instance.parties.all())
        names = tuple(p.account.name for p in parties if p.account.name)
        return {
            "id": instance.pk,
            "status": instance.status,
            "service": instance.service,
            "category": instance.category,
            "category_label": sub.category.label,
            "subtype": instance.subtype,
            "subtype_label": sub.label,
            "insurance_exempt": sub.insurance_exempt,
            "severity": instance.severity,
            # Masked as on the page (the parties' names too): the full text is for the
            # account's page, to those allowed.
            "description": mask_text(instance.description, names=names),
            "occurred_at": serializers.DateTimeField().to_representation(instance.occurred_at),
            "reported_at": serializers.DateTimeField().to_representation(instance.reported_at),
            "media_or_agency": instance.media_or_agency,
            "assignee": instance.assignee.get_username() if instance.assignee else None,
            "sla_due_at": when.to_representation(instance.sla_due_at),
            "sla_state": clock.state,
            "sla_paused_at": (
                when.to_representation(instance.sla_paused_at) if instance.sla_paused_at else None
            ),
            "sla_breached_at": (
                when.to_representation(instance.sla_breached_at)
                if instance.sla_breached_at
                else None
            ),
            "insurer_limit": instance.insurer_limit,
            "loss_amount": instance.loss_amount,
            "insurance_line": (
                {
                    "id": line.pk,
                    "kind": line.kind,
                    "kind_label": line.get_kind_display(),
                    "insurer": line.insurer,
                    "limit": line.limit,
                    "deductible": line.deductible,
                }
                if (line := instance.insurance_line)
                else None
            ),
            "limit_in_effect": instance.limit_in_effect,
            "excess": instance.excess,
            "time_left_seconds": clock.time_left_seconds,
            "business_hours_left": clock.business_hours_left,
            # Always masked here: the account's own page shows them whole to those allowed.
            "parties": [
                {
                    "id": p.pk,
                    "role": p.role,
                    "kind": p.account.kind,
                    "external_id": p.account.external_id,
                    "name": p.account.masked_name,
                    "phone": p.account.masked_phone,
                }
                for p in parties
            ],
        }


class IncidentEvidenceInputSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="이미지(JPEG, PNG) 또는 PDF. 크기 한도는 설정값.")


class IncidentEvidenceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(help_text="올린 파일 이름")
    sha256 = serializers.CharField(help_text="보관한 바이트의 SHA-256 (16진수)")
    size = serializers.IntegerField(help_text="바이트")
    content_type = serializers.CharField(help_text="바이트로 판별한 형식")
    uploaded_by = serializers.CharField(help_text="올린 사람 사용자 이름")
    at = serializers.DateTimeField()
    url = serializers.CharField(help_text="내려받기 주소 (같은 권한 필요)")

    def to_representation(self, instance: Any) -> dict[str, Any]:
        from django.urls import reverse

        return {
            "id": instance.pk,
            "name": instance.original_name,
            "sha256": instance.sha256,
            "size": instance.size,
            "content_type": instance.content_type,
            "uploaded_by": instance.uploaded_by.get_username(),
            "at": serializers.DateTimeField().to_representation(instance.at),
            "url": reverse(
                "api-rm-incident-evidence-file",
                kwargs={"pk": instance.incident_id, "evidence_id": instance.pk},
            ),
        }


class LinkedClaimSerializer(serializers.Serializer):
    number = serializers.IntegerField(help_text="클레임 번호")
    type = serializers.CharField(help_text="클레임 유형 코드")
    type_label = serializers.CharField(help_text="클레임 유형 이름")
    status = serializers.CharField(help_text="클레임 상태 코드")
    status_label = serializers.CharField(help_text="클레임 상태")
    url = serializers.CharField(help_text="클레임 화면 주소")


class IncidentDetailSerializer(IncidentSerializer):
    timeline = TimelineSerializer(many=True)
    evidence = IncidentEvidenceSerializer(many=True)
    claims = LinkedClaimSerializer(many=True, help_text="연결된 클레임")

    def to_representation(self, instance: Incident) -> dict[str, Any]:
        body = super().to_representation(instance)
        body["timeline"] = [
            {
                "kind": e.kind,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "actor": e.actor.get_username() if e.actor else None,
                "at": serializers.DateTimeField().to_representation(e.at),
                "detail": e.detail,
                "reason": e.reason,
            }
            for e in instance.events.all()
        ]
        body["evidence"] = IncidentEvidenceSerializer(instance.evidence.all(), many=True).data
        body["claims"] = LinkedClaimSerializer(
            selectors.linked_claims_of(instance.pk), many=True
        ).data
        return body


class TransitionInputSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=Incident.Status.choices)
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class PauseInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, help_text="기다리는 외부 기관 등 일시정지 사유")


class ResumeInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class IncidentViolationInputSerializer(serializers.Serializer):
    party = serializers.IntegerField(min_value=1, help_text="이 사고의 관계자 id (parties[].id)")
    code = serializers.CharField(
        max_length=60, help_text="계정 종류의 제재 기준 위반 코드, 예: smoking_reported"
    )
    amount = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=10**12, help_text="원"
    )
    reason = serializers.CharField(max_length=500, help_text="기록 사유")


class ReviewOpenedSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    action = serializers.CharField(help_text="기준의 조치 (review, review_or_ban, …)")
    opened_at = serializers.DateTimeField()


class IncidentViolationSerializer(serializers.Serializer):
    party = PartySerializer()
    violation = ViolationSerializer()
    restrictions = RestrictionSerializer(many=True, help_text="이 위반으로 적용된 제재")
    reviews = ReviewOpenedSerializer(many=True, help_text="이 위반으로 열린 재심사")


class InsuranceInputSerializer(serializers.Serializer):
    insurer_limit = serializers.IntegerField(
        allow_null=True,
        min_value=0,
        max_value=10**13,
        help_text="보험사 보상 한도 (원); 모르면 null",
    )
    loss_amount = serializers.IntegerField(
        allow_null=True, min_value=0, max_value=10**13, help_text="손해액 (원); 모르면 null"
    )
    insurance_line = serializers.PrimaryKeyRelatedField(
        queryset=InsuranceLine.objects.all(),
        allow_null=True,
        required=False,
        help_text="이 사고를 보장하는 보험 계약 id (사고 발생일에 유효해야 함); "
        "빼면 그대로, null이면 연결 해제",
        error_messages={"does_not_exist": "보험 계약 {pk_value}이(가) 없습니다."},
    )
    reason = serializers.CharField(max_length=500, help_text="변경 사유")


class SubtypeChangeInputSerializer(serializers.Serializer):
    category = serializers.CharField(max_length=40, help_text="RM 유형 코드")
    subtype = serializers.CharField(max_length=40, help_text="그 유형의 세부 유형 코드")
    reason = serializers.CharField(max_length=500, help_text="재분류 사유")


class PartyAddInputSerializer(PartyInputSerializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ShareSerializer(serializers.Serializer):
    summary = serializers.CharField(
        help_text="가림 처리된 요약 (이름·전화번호·차량번호·주민등록번호·주소)"
    )
    recipient = serializers.CharField(help_text="브랜드 리스크 담당자")
    at = serializers.DateTimeField()


class AssignInputSerializer(serializers.Serializer):
    assignee = serializers.CharField(max_length=150, help_text="담당자 사용자 이름")
