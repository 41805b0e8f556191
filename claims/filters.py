"""Filters of the claim list (API)."""

import django_filters
from django.db.models import Q

from claims.models import Claim


class ClaimFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Claim.Status.choices)
    tier = django_filters.ChoiceFilter(choices=[(1, "1차"), (2, "2차"), (3, "3차")])
    rule = django_filters.CharFilter(max_length=80)
    call_id = django_filters.CharFilter(max_length=64)
    claimant = django_filters.CharFilter(
        max_length=64, method="filter_claimant", label="청구인 ID (고객 또는 기사)"
    )
    created_by = django_filters.CharFilter(
        field_name="created_by__username", max_length=150, label="접수자 로그인"
    )

    class Meta:
        model = Claim
        fields: list[str] = []

    def filter_claimant(self, queryset, name, value):  # type: ignore[no-untyped-def]
        return queryset.filter(
            Q(target="customer", customer_id=value) | Q(target="driver", driver_id=value)
        )
