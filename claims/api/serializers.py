from rest_framework import serializers

from claims.models import Claim, ClaimDecision
from payouts.models import Instrument
from policies.api.serializers import PenaltySerializer, TierSerializer
from policies.models import Target

TEXT_MAX = 2000
# What a manager may pay a needs-discussion outcome in.
DISCUSSION_INSTRUMENTS = [
    (Instrument.COUPON, "고객 쿠폰"),
    (Instrument.POINTS, "기사 포인트"),
    (Instrument.PRO_VOUCHER, "프단권 (금액은 장 수)"),
    (Instrument.DISPATCH_VOUCHER, "단배권 (금액은 장 수)"),
]


def _visible_ascii(value: str) -> None:
    # Ids travel in payout keys and HTTP headers: visible ASCII only.
    if not value or not all("!" <= ch <= "~" for ch in value):
        raise serializers.ValidationError("공백 없는 영문·숫자·기호만 쓸 수 있습니다.")


class PartySerializer(serializers.Serializer):
    external_id = serializers.CharField(max_length=64, validators=[_visible_ascii])
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")


class ClaimCreateSerializer(serializers.Serializer):
    rule = serializers.CharField(max_length=80, help_text="예: fare.wrong_amount_entered")
    target = serializers.ChoiceField(choices=Target.choices)
    call_id = serializers.CharField(max_length=64, validators=[_visible_ascii])
    call_type = serializers.CharField(
        max_length=32, required=False, allow_blank=True, default="",
        help_text="콜 종류, 예: 일반, 프리미엄, 예약",
    )  # fmt: skip
    called_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text="호출 시각 (ISO 8601)"
    )
    customer = PartySerializer(required=False, allow_null=True)
    driver = PartySerializer(required=False, allow_null=True)
    facts = serializers.JSONField(default=dict, help_text="정책 견적과 같은 사실 이름과 값.")
    memo = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True, default="")

    def validate_facts(self, value):  # type: ignore[no-untyped-def]
        if not isinstance(value, dict):
            raise serializers.ValidationError("사실(facts)은 이름과 값의 객체여야 합니다.")
        return value


class GrantSerializer(serializers.Serializer):
    tier = serializers.IntegerField(min_value=1, max_value=3)
    amount = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=2**63 - 1,
        help_text="원 (포인트는 P): 범위형에서 고른 금액, 또는 논의 결정의 금액.",
    )  # fmt: skip
    instrument = serializers.ChoiceField(
        choices=DISCUSSION_INSTRUMENTS, required=False, allow_null=True,
        help_text="논의 필요 결과에서만: 고객은 쿠폰, 기사는 포인트·프단권·단배권.",
    )  # fmt: skip
    reason = serializers.CharField(
        max_length=TEXT_MAX, required=False, allow_blank=True, default=""
    )


class RefuseSerializer(serializers.Serializer):
    tier = serializers.IntegerField(min_value=1, max_value=3)
    reason = serializers.CharField(
        max_length=TEXT_MAX, required=False, allow_blank=True, default=""
    )


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=TEXT_MAX)


class DecisionSerializer(serializers.ModelSerializer):
    decided_by = serializers.CharField(source="decided_by.username")

    class Meta:
        model = ClaimDecision
        fields = ["tier", "kind", "outcome_kind", "amount", "instrument", "effects",
                  "policy_version", "row", "reason", "decided_by", "decided_at"]  # fmt: skip


class EventSerializer(serializers.Serializer):
    from_status = serializers.CharField(allow_blank=True)
    to_status = serializers.CharField()
    from_tier = serializers.IntegerField(allow_null=True)
    to_tier = serializers.IntegerField()
    actor = serializers.CharField(source="actor.username", allow_null=True, default=None)
    reason = serializers.CharField(allow_blank=True)
    at = serializers.DateTimeField()


class ClaimPayoutSerializer(serializers.Serializer):
    idempotency_key = serializers.CharField()
    instrument = serializers.CharField()
    amount = serializers.IntegerField(allow_null=True)
    count = serializers.IntegerField(allow_null=True)
    action = serializers.CharField(allow_blank=True)
    recipient_kind = serializers.CharField()
    recipient_id = serializers.CharField()
    status = serializers.CharField()


class ClaimLinkedIncidentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    category_label = serializers.CharField()
    subtype_label = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    url = serializers.CharField()


class ClaimSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Claim.Status.choices)
    tier = serializers.IntegerField()
    policy_version = serializers.IntegerField()
    rule = serializers.CharField()
    row = serializers.CharField()
    target = serializers.ChoiceField(choices=Target.choices)
    call_id = serializers.CharField()
    call_type = serializers.CharField(allow_blank=True)
    called_at = serializers.DateTimeField(allow_null=True)
    customer_id = serializers.CharField(allow_blank=True)
    driver_id = serializers.CharField(allow_blank=True)
    facts = serializers.DictField()
    memo = serializers.CharField(allow_blank=True)
    created_by = serializers.CharField()
    created_at = serializers.DateTimeField()
    offers = TierSerializer(many=True)
    penalties = PenaltySerializer(many=True)
    duplicates = serializers.ListField(child=serializers.IntegerField())
    decisions = DecisionSerializer(many=True)
    events = EventSerializer(many=True)
    payout_requests = ClaimPayoutSerializer(many=True)
    incidents = ClaimLinkedIncidentSerializer(
        many=True, help_text="연결된 RM 사고 (성민감 사고는 열람 권한자에게만)"
    )


class ClaimListItemSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.username")

    class Meta:
        model = Claim
        fields = ["id", "status", "tier", "policy_version", "rule", "row", "target", "call_id",
                  "customer_id", "driver_id", "created_by", "created_at"]  # fmt: skip


class EvidenceInputSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="이미지(JPEG, PNG) 또는 PDF. 크기 한도는 설정값.")


class EvidenceSerializer(serializers.Serializer):
    sha256 = serializers.CharField()
    size = serializers.IntegerField(help_text="바이트")
    content_type = serializers.CharField()


class IncidentLinkInputSerializer(serializers.Serializer):
    claim = serializers.IntegerField(min_value=1, help_text="연결할 클레임 번호")
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class IncidentLinkedClaimSerializer(serializers.Serializer):
    number = serializers.IntegerField(help_text="클레임 번호")
    type = serializers.CharField(help_text="클레임 유형 코드")
    type_label = serializers.CharField(help_text="클레임 유형 이름")
    status = serializers.CharField(help_text="클레임 상태 코드")
    status_label = serializers.CharField(help_text="클레임 상태")
    url = serializers.CharField(help_text="클레임 화면 주소")


class IncidentLinkedClaimsSerializer(serializers.Serializer):
    claims = IncidentLinkedClaimSerializer(many=True, help_text="이 RM 사고에 연결된 클레임")
