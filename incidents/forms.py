"""The console's form for recording a violation by hand (RM, managers)."""

from django import forms

from policies.models import AccountKind
from policies.selectors import NoPublishedPolicy, penalty_rules_for


def code_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The published version's violation codes grouped by kind of account, in Korean."""
    try:
        rules = list(penalty_rules_for())
    except NoPublishedPolicy:
        return []
    groups: dict[str, list[tuple[str, str]]] = {}
    for rule in rules:
        groups.setdefault(str(rule.get_kind_display()), []).append(
            (rule.code, f"{rule.name} — {rule.threshold_label}: {rule.action_label}")
        )
    return list(groups.items())


class ViolationForm(forms.Form):
    kind = forms.ChoiceField(label="계정 종류", choices=AccountKind.choices)
    external_id = forms.CharField(label="플랫폼 계정 ID", max_length=64)
    code = forms.ChoiceField(label="위반", choices=code_choices)
    occurred_at = forms.DateTimeField(
        label="발생 시각", required=False, help_text="예: 2026-12-01 14:30. 비우면 지금."
    )
    amount = forms.IntegerField(
        label="금액",
        required=False,
        min_value=0,
        max_value=10**12,
        help_text="원. 사고 손해액처럼 금액으로 누적되는 위반만.",
    )
    note = forms.CharField(label="메모", max_length=500, required=False)
    name = forms.CharField(label="이름", max_length=100, required=False)
    phone = forms.CharField(label="전화번호", max_length=20, required=False)
