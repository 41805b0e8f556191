"""Claim forms: the agent's intake and answer, the manager's decision in the console."""

from django import forms

from claims.api.serializers import DISCUSSION_INSTRUMENTS
from claims.services import Party
from policies.forms import QuoteForm


class ClaimDecisionForm(forms.Form):
    DECISIONS = [
        ("grant", "현재 차수 지급"),
        ("refuse", "현재 차수 거부 기록"),
        ("reject", "기각"),
    ]
    # The tier the page was opened at: if someone decided it meanwhile, this decision is
    # refused rather than applied to the next tier.
    tier = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=3)
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
        choices=[("", "—"), *DISCUSSION_INSTRUMENTS],
        help_text="논의 필요 결과에서만 정합니다.",
    )
    reason = forms.CharField(
        label="사유", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ClaimIntakeForm(QuoteForm):
    """The agent's intake: the quote's type, target and facts, plus the call and the parties."""

    form_id = "claim-form"
    redraw_url_name = "claim-new"

    call_id = forms.CharField(label="콜 ID", max_length=64)
    call_type = forms.CharField(label="콜 종류", max_length=32, required=False)
    called_at = forms.DateTimeField(
        label="호출 시각",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    customer_id = forms.CharField(label="고객 ID", max_length=64, required=False)
    customer_name = forms.CharField(label="고객 이름", max_length=100, required=False)
    customer_phone = forms.CharField(label="고객 전화번호", max_length=20, required=False)
    driver_id = forms.CharField(label="기사 ID", max_length=64, required=False)
    driver_name = forms.CharField(label="기사 이름", max_length=100, required=False)
    driver_phone = forms.CharField(label="기사 전화번호", max_length=20, required=False)
    memo = forms.CharField(
        label="상담 메모", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean(self):  # type: ignore[no-untyped-def]
        cleaned = super().clean() or {}
        for name in ("call_id", "customer_id", "driver_id"):
            value = cleaned.get(name) or ""
            if value and not all("!" <= ch <= "~" for ch in value):
                self.add_error(name, "공백 없는 영문·숫자·기호만 쓸 수 있습니다.")
        return cleaned

    def party(self, kind: str) -> Party | None:
        external_id = self.cleaned_data.get(f"{kind}_id") or ""
        if not external_id:
            return None
        return Party(
            external_id,
            self.cleaned_data.get(f"{kind}_name") or "",
            self.cleaned_data.get(f"{kind}_phone") or "",
        )

    @property
    def party_fields(self) -> list[forms.BoundField]:
        return [self[n] for n in ("customer_id", "customer_name", "customer_phone", "driver_id",
                                  "driver_name", "driver_phone")]  # fmt: skip


class TierOneAnswerForm(forms.Form):
    """The claimant's answer to the tier-1 offer, recorded by the agent."""

    answer = forms.ChoiceField(
        label="1차 제안에 대한 고객 답변",
        choices=[("accept", "수락 (지금 지급)"), ("refuse", "거부 (관리자에게)")],
        widget=forms.RadioSelect,
    )
    amount = forms.IntegerField(
        label="금액", required=False, min_value=0, max_value=2**63 - 1,
        help_text="범위형이면 범위 안에서 고른 금액 (원, 포인트는 P).",
    )  # fmt: skip
    memo = forms.CharField(
        label="메모", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
