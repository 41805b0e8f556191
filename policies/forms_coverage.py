from typing import Any

from django import forms

from policies.coverage import MAX_USERS, MAX_WON
from policies.models.insurance import today


class GroupedIntegerField(forms.IntegerField):
    """A whole number typed as people write it: "1,000,000,000" or "1000000000원"."""

    def __init__(self, *, unit: str, **kwargs: Any) -> None:
        self.unit = unit
        kwargs.setdefault("min_value", 0)
        super().__init__(**kwargs)
        self.widget = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})

    def to_python(self, value: Any) -> int | None:
        if isinstance(value, str):
            value = value.replace(",", "").replace(" ", "").removesuffix(self.unit)
        return super().to_python(value)


class CoverageCheckForm(forms.Form):
    on = forms.DateField(
        label="점검 기준일",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="이 날 적용되는 기준 버전으로 점검합니다.",
    )
    revenue = GroupedIntegerField(label="전년도 매출액 (원)", unit="원", max_value=MAX_WON)
    users_oct = GroupedIntegerField(
        label="전년도 10월 이용자 수 (명)", unit="명", max_value=MAX_USERS
    )
    users_nov = GroupedIntegerField(
        label="전년도 11월 이용자 수 (명)", unit="명", max_value=MAX_USERS
    )
    users_dec = GroupedIntegerField(
        label="전년도 12월 이용자 수 (명)", unit="명", max_value=MAX_USERS
    )
    reserve = GroupedIntegerField(
        label="공제·준비금 (원)",
        unit="원",
        max_value=MAX_WON,
        required=False,
        help_text="보험 외에 공제에 가입했거나 준비금을 적립했다면 그 금액. 보험과 합산합니다.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("on", today())
