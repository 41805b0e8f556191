"""Korean labels and words for the policy book's codes in pages."""

from django import template

from policies.evaluator import describe_effect
from policies.models import (
    Effect,
    EffectType,
    Fault,
    Instrument,
    OutcomeKind,
    Party,
    PaymentAction,
    Penalty,
    Role,
    Target,
    Trigger,
)

register = template.Library()

_CHOICES = {
    "kind": OutcomeKind,
    "instrument": Instrument,
    "action": PaymentAction,
    "penalty": Penalty,
    "fault": Fault,
    "target": Target,
    "effect": EffectType,
    "party": Party,
    "trigger": Trigger,
    "role": Role,
}


@register.filter
def label(code: str | None, kind: str) -> str:
    if not code:
        return "-"
    choices = _CHOICES[kind]
    return choices(code).label if code in choices.values else code


@register.filter
def effect_text(effect: Effect) -> str:
    return describe_effect(effect)


@register.simple_tag
def penalty_text(code: str, subject: str, trigger: str, tier: int | None, count: int | None) -> str:
    """`T앱 고객 정지 (고객, 3차 거부 시)`: what, on whom, and when."""
    what = label(code, "penalty")
    when = {
        "on_grant": f"{tier}차 지급 시" if tier else "귀책 확정 시",
        "on_refusal": f"{tier}차 거부 시",
        "on_repeat": f"{count}회 누적 시",
    }.get(trigger, "")
    return f"{what} ({label(subject, 'target')}, {when})"
