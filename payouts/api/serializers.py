from rest_framework import serializers

from payouts.models import PayoutBatch, PayoutRequest


class PayoutBatchSerializer(serializers.ModelSerializer):
    progress_percent = serializers.IntegerField(read_only=True)
    grant: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )

    class Meta:
        model = PayoutBatch
        fields = [
            "id",
            "kind",
            "run_date",
            "grant",
            "status",
            "total",
            "done",
            "failed",
            "skipped",
            "processed",
            "progress_percent",
            "chunks_total",
            "chunks_finished",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class PayoutRequestSerializer(serializers.ModelSerializer):
    # A plain string in the schema: the policy API names the same code set (ActionsEnum).
    action = serializers.CharField(
        read_only=True,
        help_text="결제 조치 코드 (cancel_payment, recharge, forced_discount, "
        "waive_no_show_fee), 결제 조치가 아니면 빈 문자열.",
    )

    class Meta:
        model = PayoutRequest
        fields = [
            "id",
            "recipient_kind",
            "recipient_id",
            "instrument",
            "amount",
            "count",
            "action",
            "source_kind",
            "source_ref",
            "program",
            "idempotency_key",
            "status",
            "attempts",
            "last_error",
            "last_failure_retryable",
            "policy_version",
            "validity_days",
            "valid_until",
            "memo",
            "created_at",
            "issued_at",
        ]
        read_only_fields = fields


class RetryInputSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class CancelInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, help_text="취소 사유 (이력에 남습니다).")
    checked = serializers.BooleanField(
        default=False,
        help_text="결과가 불분명한 실패(시간 초과·서버 오류)를 청구 시스템에서 확인해 지급되지 "
        "않았음을 확인했으면 true.",
    )


class TotalsQuerySerializer(serializers.Serializer):
    by = serializers.ChoiceField(choices=["source", "program"], default="source")
    source_kind = serializers.CharField(required=False, max_length=32)
    source_ref = serializers.CharField(required=False, max_length=100)
    program = serializers.CharField(required=False, max_length=64)


class TotalsRowSerializer(serializers.Serializer):
    source_kind = serializers.CharField(required=False)
    source_ref = serializers.CharField(required=False)
    program = serializers.CharField(required=False)
    instrument = serializers.CharField()
    grants = serializers.IntegerField()
    amount = serializers.IntegerField(allow_null=True, help_text="원")
    count = serializers.IntegerField(allow_null=True)
