"""Forms of the relief review pages: the committee's decision, an evidence upload, an audit
result, the audit draw and a CSV import. Rules stay in the services; these only parse."""

from __future__ import annotations

from django import forms

from claims.relief.review_models import ReliefAuditResult, ReliefDecision
from policies.models import ReliefProgram


class ReliefDecisionForm(forms.Form):
    decision = forms.ChoiceField(label="결정", choices=ReliefDecision.Kind.choices)
    amount = forms.IntegerField(
        label="지원금 (원)",
        required=False,
        min_value=1,
        max_value=10**12,
        help_text="승인할 때만 적습니다. 프로그램에 심의 지원 범위가 있으면 그 안이어야 합니다.",
    )
    reason = forms.CharField(
        label="사유", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class ReliefEvidenceForm(forms.Form):
    kind = forms.ChoiceField(label="증빙 종류")
    file = forms.FileField(label="파일", help_text="PDF, JPEG, PNG")

    def __init__(self, *args, kinds: list[tuple[str, str]], **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds  # type: ignore[attr-defined]


class ReliefAuditForm(forms.Form):
    result = forms.ChoiceField(label="감사 결과", choices=ReliefAuditResult.Result.choices)
    note = forms.CharField(label="의견", max_length=300)


class ReliefAuditDrawForm(forms.Form):
    program = forms.ModelChoiceField(
        label="프로그램", queryset=ReliefProgram.objects.order_by("code"), empty_label=None
    )


class ReliefImportForm(forms.Form):
    program = forms.ModelChoiceField(
        label="프로그램",
        queryset=ReliefProgram.objects.order_by("code"),
        to_field_name="code",
        empty_label=None,
    )
    file = forms.FileField(
        label="CSV 파일",
        help_text="UTF-8, 헤더 행: segment, kind, external_id, name, business_number, "
        "reported_loss, damage, channel, submitted_at, saturdays_worked, nights_worked",
    )
