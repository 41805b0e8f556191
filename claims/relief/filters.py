"""Filters of the relief application list (API and pages)."""

import django_filters

from claims.relief.models import DamageClass, ReliefApplication
from policies.models import ReliefProgram, ReliefSegment


class ReliefApplicationFilter(django_filters.FilterSet):
    program = django_filters.ModelChoiceFilter(
        queryset=ReliefProgram.objects.all(), to_field_name="code", label="프로그램 코드"
    )
    segment = django_filters.ChoiceFilter(choices=ReliefSegment.choices)
    status = django_filters.ChoiceFilter(choices=ReliefApplication.Status.choices)
    damage = django_filters.ChoiceFilter(choices=DamageClass.choices)

    class Meta:
        model = ReliefApplication
        fields: list[str] = []
