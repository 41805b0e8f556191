"""Korean labels for the policy book's codes in pages (the codes stay visible beside them)."""

from django import template

from policies.models import Fault, Instrument, OutcomeKind, PaymentAction, Penalty, Target

register = template.Library()

_CHOICES = {
    "kind": OutcomeKind,
    "instrument": Instrument,
    "action": PaymentAction,
    "penalty": Penalty,
    "fault": Fault,
    "target": Target,
}


@register.filter
def label(code: str | None, kind: str) -> str:
    if not code:
        return "-"
    choices = _CHOICES[kind]
    return choices(code).label if code in choices.values else code
