"""The agent's relief application form (Korean)."""

from django import forms

from claims.relief.models import DamageClass
from policies.models import AccountKind, ReliefChannel, ReliefSegment
from policies.selectors_relief import programs


class ReliefApplicationForm(forms.Form):
    program = forms.ChoiceField(label="프로그램")
    segment = forms.ChoiceField(label="대상", choices=ReliefSegment.choices)
    kind = forms.ChoiceField(label="계정 종류", choices=AccountKind.choices)
    external_id = forms.CharField(label="계정 ID", max_length=64)
    name = forms.CharField(label="신청인 이름", max_length=100)
    business_number = forms.CharField(
        label="사업자등록번호",
        max_length=20,
        required=False,
        help_text="소상공인·기업은 필수. 123-45-67890 형식도 됩니다.",
    )
    reported_loss = forms.IntegerField(
        label="신고 매출 손실(원)", min_value=0, max_value=2**63 - 1, required=False
    )
    damage = forms.ChoiceField(label="피해 유형", choices=DamageClass.choices)
    channel = forms.ChoiceField(label="접수 채널", choices=ReliefChannel.choices)
    submitted_at = forms.DateTimeField(
        label="접수 시각(한국 시간)",
        required=False,
        help_text="비우면 지금.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    saturdays_worked = forms.IntegerField(
        label="토요일 근무 일수(기사)", min_value=0, max_value=32767, required=False
    )
    nights_worked = forms.IntegerField(
        label="지정 야간 근무 일수(기사)", min_value=0, max_value=32767, required=False
    )

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["program"].choices = [(p.code, p.name) for p in programs()]  # type: ignore[attr-defined]

    def applicant_fields(self) -> list[forms.BoundField]:
        names = ["program", "segment", "kind", "external_id", "name", "business_number"]
        return [self[n] for n in (*names, "channel", "submitted_at")]

    def facts_fields(self) -> list[forms.BoundField]:
        return [self[n] for n in ("reported_loss", "damage", "saturdays_worked", "nights_worked")]
