import threading

from rest_framework import serializers

from policies.facts import FACTS
from policies.models import (
    Category,
    EffectType,
    Fault,
    Instrument,
    OutcomeKind,
    Party,
    PaymentAction,
    Penalty,
    PolicyVersion,
    Role,
    Target,
    Trigger,
)


class QuoteInputSerializer(serializers.Serializer):
    rule = serializers.CharField(max_length=80, help_text="예: fare.wrong_amount_entered")
    target = serializers.ChoiceField(choices=Target.choices)
    facts = serializers.JSONField(
        default=dict,
        help_text=(
            "사실 이름과 값. 금액·시간은 0 이상의 정수(원, 분, 영업일), 참/거짓은 true/false."
        ),
    )
    policy_version = serializers.IntegerField(
        required=False, min_value=1, help_text="비우면 현재 게시된 버전."
    )

    def validate_facts(self, value):  # type: ignore[no-untyped-def]
        if not isinstance(value, dict):
            raise serializers.ValidationError("사실(facts)은 이름과 값의 객체여야 합니다.")
        return value

    _built = threading.local()

    def get_fields(self):  # type: ignore[no-untyped-def]
        # DRF deep-copies the declared fields for every instance: most of a quote's input
        # check. These four keep nothing between validations but the serializer they are
        # bound to, so each thread builds them once and rebinds them to each new instance.
        fields = getattr(self._built, "fields", None)
        if fields is None:
            fields = self._built.fields = super().get_fields()
        for field in fields.values():
            field.source = None  # set from the name again when bound
        return fields


class TriggerSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=Trigger.choices)
    tier = serializers.IntegerField(allow_null=True, help_text="거부 시: 거부한 차수.")
    count = serializers.IntegerField(allow_null=True, help_text="누적 시: 몇 번째에 발동.")
    party = serializers.ChoiceField(
        choices=Target.choices, allow_null=True, help_text="거부하는 쪽이 청구인과 다를 때."
    )


class EffectSerializer(serializers.Serializer):
    effect_id = serializers.IntegerField(allow_null=True)
    type = serializers.ChoiceField(choices=EffectType.choices)
    instrument = serializers.ChoiceField(choices=Instrument.choices, allow_null=True)
    amount = serializers.IntegerField(allow_null=True, help_text="원 (포인트는 P).")
    amount_max = serializers.IntegerField(allow_null=True, help_text="범위형의 상한.")
    step = serializers.IntegerField(allow_null=True, help_text="범위형에서 고르는 단위.")
    count = serializers.IntegerField(allow_null=True, help_text="프단권/단배권 장 수.")
    action = serializers.ChoiceField(choices=PaymentAction.choices, allow_null=True)
    payer = serializers.ChoiceField(choices=Party.choices)
    recipient = serializers.ChoiceField(choices=Target.choices)
    trigger = TriggerSerializer()
    percent = serializers.IntegerField(allow_null=True, help_text="적용한 비율(%).")
    explain = serializers.CharField(help_text="금액을 손으로 확인할 수 있는 설명.")
    note = serializers.CharField(allow_blank=True)


class TierSerializer(serializers.Serializer):
    tier = serializers.IntegerField()
    outcome_id = serializers.IntegerField(allow_null=True)
    kind = serializers.ChoiceField(choices=OutcomeKind.choices)
    instrument = serializers.ChoiceField(
        choices=Instrument.choices, allow_null=True, help_text="첫 지급 효과의 지급수단."
    )
    amount = serializers.IntegerField(allow_null=True, help_text="원: 첫 지급 효과의 지급액.")
    amount_max = serializers.IntegerField(allow_null=True, help_text="원: 범위형의 상한.")
    vouchers = serializers.IntegerField(allow_null=True, help_text="프단권/단배권 장 수.")
    actions = serializers.ListField(child=serializers.ChoiceField(choices=PaymentAction.choices))
    note = serializers.CharField(allow_blank=True)
    percent = serializers.IntegerField(allow_null=True, help_text="적용한 비율(%).")
    charge = serializers.IntegerField(allow_null=True, help_text="원: 운행의 새 결제금액.")
    effects = EffectSerializer(many=True)
    explain = serializers.CharField(allow_blank=True)
    role = serializers.ChoiceField(
        choices=Role.choices, allow_null=True, help_text="이 차수를 지급할 수 있는 역할."
    )


class PenaltySerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=Penalty.choices)
    subject = serializers.ChoiceField(choices=Target.choices)
    trigger = serializers.ChoiceField(choices=Trigger.choices)
    tier = serializers.IntegerField(allow_null=True)
    count = serializers.IntegerField(allow_null=True)
    label = serializers.CharField()  # type: ignore[assignment]


class QuoteSerializer(serializers.Serializer):
    policy_version = serializers.IntegerField()
    rule = serializers.CharField()
    rule_name = serializers.CharField()
    row = serializers.CharField(
        allow_null=True, help_text="유형상세 코드. 보상 대상 아님이면 null."
    )
    target = serializers.ChoiceField(choices=Target.choices)
    detail = serializers.CharField(allow_blank=True)
    fault = serializers.ChoiceField(choices=Fault.choices)
    tiers = TierSerializer(many=True)
    penalties = PenaltySerializer(many=True)
    notes = serializers.CharField(allow_blank=True)
    facts = serializers.DictField()


class FactSerializer(serializers.Serializer):
    name = serializers.CharField()
    type = serializers.ChoiceField(choices=[("integer", "integer"), ("boolean", "boolean")])
    label = serializers.CharField()  # type: ignore[assignment]
    unit = serializers.CharField()

    def to_representation(self, name):  # type: ignore[no-untyped-def]
        fact = FACTS[name]
        return {
            "name": name,
            "type": "boolean" if fact.type is bool else "integer",
            "label": fact.label,
            "unit": fact.unit,
        }


class RuleListSerializer(serializers.Serializer):
    code = serializers.CharField()
    category = serializers.ChoiceField(choices=Category.choices)
    category_label = serializers.CharField(source="get_category_display")
    name = serializers.CharField()
    targets = serializers.SerializerMethodField()
    facts = serializers.SerializerMethodField()

    def get_targets(self, rule) -> list[str]:  # type: ignore[no-untyped-def]
        seen: list[str] = []
        for row in rule.rows.all():
            if row.target not in seen:
                seen.append(row.target)
        return seen

    def get_facts(self, rule) -> list[dict]:  # type: ignore[no-untyped-def]
        from policies.evaluator import rule_facts

        return list(FactSerializer(rule_facts(rule), many=True).data)


class PolicyVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = PolicyVersion
        fields = [
            "number",
            "title",
            "status",
            "published_at",
            "coupon_unit",
            "coupon_minimum",
            "coupon_validity_days",
            "driver_commission_percent",
            "points_memo",
        ]


class RuleListResponseSerializer(serializers.Serializer):
    """The rules list: the version it is of, and its rules."""

    policy_version = PolicyVersionSerializer()
    rules = RuleListSerializer(many=True)
