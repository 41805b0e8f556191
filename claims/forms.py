"""The manager's decision form in the console."""

from django import forms

from payouts.models import Instrument


class ClaimDecisionForm(forms.Form):
    DECISIONS = [
        ("grant", "현재 차수 지급"),
        ("refuse", "현재 차수 거부 기록"),
        ("reject", "기각"),
    ]
    decision = forms.ChoiceField(
        label="결정",
        choices=DECISIONS,
        widget=forms.RadioSelect,
        help_text="거부는 다음 차수로 넘기고, 마지막 차수면 최종 거부로 종결합니다. "
        "기각은 지급 없이 종결합니다.",
    )
    amount = forms.IntegerField(
        label="금액",
        required=False,
        min_value=0,
        max_value=2**63 - 1,
        help_text="원 (포인트는 P). 범위형은 범위 안에서 고른 금액, 논의 필요는 결정 금액.",
    )
    instrument = forms.ChoiceField(
        label="지급수단",
        required=False,
        choices=[("", "—"), (Instrument.COUPON, "고객 쿠폰"), (Instrument.POINTS, "기사 포인트")],
        help_text="논의 필요 결과에서만 정합니다.",
    )
    reason = forms.CharField(
        label="사유", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
