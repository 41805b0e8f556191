from typing import cast

from django import forms
from django.urls import reverse

from policies.evaluator import rule_facts
from policies.facts import FACT_MAX, FACTS
from policies.models import Rule, Target

BOOL_CHOICES = [("", "선택"), ("true", "예"), ("false", "아니오")]


class QuoteForm(forms.Form):
    """Rule, target, and one field per fact the chosen rule needs."""

    rule = forms.ChoiceField(label="보상 유형")
    target = forms.ChoiceField(label="대상", choices=Target.choices)

    form_id = "quote-form"
    redraw_url_name = "policy-quote"

    def __init__(self, *args, rules: list[Rule], **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        groups: dict[str, list[tuple[str, str]]] = {}
        for rule in rules:
            groups.setdefault(rule.get_category_display(), []).append((rule.code, rule.name))
        rule_field = cast(forms.ChoiceField, self.fields["rule"])
        rule_field.choices = [("", "유형 선택"), *groups.items()]
        # Changing the type redraws the form with that type's fact fields.
        rule_field.widget.attrs.update(
            {
                "hx-get": reverse(self.redraw_url_name),
                "hx-trigger": "change",
                "hx-target": f"#{self.form_id}",
                "hx-swap": "outerHTML",
                "hx-include": "closest form",
            }
        )
        code = self.data.get("rule") or self.initial.get("rule")
        by_code = {r.code: r for r in rules}
        self.chosen_rule: Rule | None = by_code.get(code) if code else None
        self.fact_names = rule_facts(self.chosen_rule) if self.chosen_rule else []
        for name in self.fact_names:
            fact = FACTS[name]
            label = f"{fact.label} ({fact.unit})" if fact.unit else fact.label
            if fact.type is bool:
                self.fields[name] = forms.ChoiceField(
                    label=label, choices=BOOL_CHOICES, required=False
                )
            else:
                self.fields[name] = forms.IntegerField(
                    label=label, min_value=0, required=False, max_value=FACT_MAX
                )
        if self.chosen_rule:
            targets: list[str] = []
            for row in self.chosen_rule.rows.all():
                if row.target not in targets:
                    targets.append(row.target)
            target_field = cast(forms.ChoiceField, self.fields["target"])
            target_field.choices = [(t, Target(t).label) for t in targets]

    def facts(self) -> dict[str, int | bool]:
        out: dict[str, int | bool] = {}
        for name in self.fact_names:
            value = self.cleaned_data.get(name)
            if value is None or value == "":
                continue
            out[name] = value == "true" if FACTS[name].type is bool else int(value)
        return out

    @property
    def fact_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fact_names]
