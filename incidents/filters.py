"""Filters of the RM incident queue (API), by the columns RM works on."""

import django_filters
from django.db.models import QuerySet

from incidents.models import Incident, Service
from incidents.selectors import SlaState, incidents_in_sla_state
from policies.models import RmSeverity


class IncidentFilter(django_filters.FilterSet):
    category = django_filters.CharFilter(max_length=40, label="RM 유형 코드, 예: criminal")
    subtype = django_filters.CharFilter(max_length=40, label="RM 세부 유형 코드, 예: theft")
    status = django_filters.ChoiceFilter(choices=Incident.Status.choices)
    severity = django_filters.ChoiceFilter(choices=RmSeverity.choices)
    service = django_filters.ChoiceFilter(choices=Service.choices)
    assignee = django_filters.CharFilter(
        field_name="assignee__username", max_length=150, label="담당자 사용자 이름"
    )
    mine = django_filters.ChoiceFilter(
        choices=[("true", "내 담당만"), ("false", "전체")],
        method="filter_mine",
        label="내 담당: true면 요청한 사용자가 담당인 사고만",
    )

    sla_state = django_filters.ChoiceFilter(
        choices=SlaState.choices, method="filter_sla_state", label="SLA 상태"
    )

    class Meta:
        model = Incident
        fields: list[str] = []

    def filter_sla_state(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return incidents_in_sla_state(queryset, value)

    def filter_mine(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value != "true":
            return queryset
        return queryset.filter(assignee_id=self.request.user.pk)
