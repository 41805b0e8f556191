"""Shapes of the accounts API (a contract other tools depend on: field names as written)."""

from datetime import UTC, datetime

from rest_framework import serializers

from incidents.models import AccountFlag, AccountState, Restriction, RestrictionKind
from policies.models import AccountKind, LiftCondition, PenaltyScope

# The oldest time a violation may be dated (the service refuses times in the future).
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)


def lifts_when(restriction: Restriction) -> str:
    """A condition code (lifted by recording it), `time` (ends at `until`), or `manual` (a
    person lifts it with a reason; RM reverses a ban)."""
    if restriction.lift_condition:
        return restriction.lift_condition
    if restriction.kind == RestrictionKind.SUSPENSION and restriction.until is not None:
        return "time"
    return "manual"


class RestrictionSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="위반 코드 (제재 기준의 코드)")
    label = serializers.CharField(help_text="제재 내용 (한국어)")  # type: ignore[assignment]
    scope = serializers.ChoiceField(choices=PenaltyScope.choices, help_text="정지 범위")
    since = serializers.DateTimeField()
    until = serializers.DateTimeField(allow_null=True, help_text="기간 정지의 종료 시각")
    lifts_when = serializers.ChoiceField(
        choices=[*LiftCondition.values, "time", "manual"],
        help_text="해제 조건 코드(그 조건을 기록하면 해제), time(until에 종료), "
        "manual(관리자·RM이 사유와 함께 해제, 영구정지는 RM이 철회)",
    )
    source = serializers.CharField(  # type: ignore[assignment]
        help_text="manual, claim:claim-<클레임>-t<차수> (그 결정), incident:<id> "
        "(성민감 사고는 열람 권한이 없으면 incident만), review:<id>"
    )


class ViolationSerializer(serializers.Serializer):
    code = serializers.CharField()
    occurred_at = serializers.DateTimeField()
    amount = serializers.IntegerField(allow_null=True, help_text="원 (사고 손해액 등)")
    source = serializers.CharField(  # type: ignore[assignment]
        help_text="manual, claim:claim-<클레임>-t<차수> (그 결정), incident:<id> "
        "(성민감 사고는 열람 권한이 없으면 incident만)"
    )


class AccountSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=AccountKind.choices)
    external_id = serializers.CharField()
    name = serializers.CharField(help_text="권한이 없으면 가려짐 (홍*동)")
    phone = serializers.CharField(help_text="권한이 없으면 가려짐 (010-****-5678)")
    state = serializers.ChoiceField(choices=AccountState.choices)
    restrictions = RestrictionSerializer(many=True, help_text="지금 적용 중인 제재")
    violations = ViolationSerializer(many=True)
    reviews_open = serializers.IntegerField()
    flags = serializers.ListField(
        child=serializers.ChoiceField(choices=AccountFlag.Kind.choices),
        help_text="지정된 플래그, 예: repeat_accidents (사고다발)",
    )


class ViolationInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=60, help_text="위반 코드, 예: smoking_reported")
    occurred_at = serializers.DateTimeField(required=False, help_text="비우면 지금")
    amount = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=10**12, help_text="원"
    )
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=[("manual", "수기 (RM·관리자)")],
        default="manual",
        help_text="API로 기록하는 위반은 manual (클레임·사고는 서비스로 기록)",
    )
    name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)

    def validate_occurred_at(self, value: datetime) -> datetime:
        if value < EARLIEST:
            raise serializers.ValidationError("발생 시각은 2000년 이후여야 합니다.")
        return value


class ConditionInputSerializer(serializers.Serializer):
    condition = serializers.ChoiceField(choices=LiftCondition.choices)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class EligibilityQuerySerializer(serializers.Serializer):
    scope = serializers.ChoiceField(choices=PenaltyScope.choices)


class EligibilitySerializer(serializers.Serializer):
    allowed = serializers.BooleanField()
    reasons = serializers.ListField(child=serializers.CharField(), help_text="막는 제재 (한국어)")
    until = serializers.DateTimeField(
        allow_null=True, help_text="막는 제재가 모두 끝나는 시각; 끝이 없는 제재가 있으면 null"
    )
