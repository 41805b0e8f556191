"""Filters of the payout request list (API), by the columns operators search on."""

import datetime as dt

import django_filters
from rest_framework.exceptions import ValidationError

from payouts.models import Instrument, PayoutRequest, RecipientKind, SourceKind


class UtcDateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 time with any offset Python reads, compared in UTC: PostgreSQL refuses
    offsets past ±15:59 (e.g. -20:20), which would otherwise reach it and fail."""

    def filter(self, qs, value):  # type: ignore[no-untyped-def]
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            try:
                value = value.astimezone(dt.UTC)
            except OverflowError as exc:  # e.g. 9999-12-31T23:59:59-20:00
                raise ValidationError({self.field_name: ["표현할 수 없는 시각입니다."]}) from exc
        return super().filter(qs, value)


class PayoutRequestFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=PayoutRequest.Status.choices)
    instrument = django_filters.ChoiceFilter(choices=Instrument.choices)
    recipient_kind = django_filters.ChoiceFilter(choices=RecipientKind.choices)
    recipient_id = django_filters.CharFilter(max_length=64)
    source_kind = django_filters.ChoiceFilter(choices=SourceKind.choices)
    source_ref = django_filters.CharFilter(max_length=100)
    program = django_filters.CharFilter(max_length=64)
    # true or false exactly: anything else is a 400, not silently no filter.
    ambiguous = django_filters.TypedChoiceFilter(
        field_name="last_failure_retryable",
        choices=[("true", "예"), ("false", "아니오")],
        coerce=lambda value: value == "true",
        label="결과 불명 실패 (청구 시스템이 지급했을 수도 있음)",
    )
    created_after = UtcDateTimeFilter(
        field_name="created_at", lookup_expr="gte", label="이 시각 이후 생성 (ISO 8601)"
    )
    created_before = UtcDateTimeFilter(
        field_name="created_at", lookup_expr="lt", label="이 시각 전 생성 (ISO 8601)"
    )

    class Meta:
        model = PayoutRequest
        fields: list[str] = []
