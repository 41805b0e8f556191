"""Evaluate a rule of the policy book on a case's facts: the outcome of every tier, as effects.

Pure: it reads the version, rule, rows, outcomes and effects it is handed (see
`policies.selectors`) and writes nothing. Amounts are integer 원, rounded only by
`policies.money`; each amount comes with an explanation in Korean that can be checked by hand.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from policies import money
from policies.facts import (
    FactsInvalid,
    base_facts,
    clean_facts,
    derive,
    describe_condition,
    fact_label,
    fact_unit,
)
from policies.models import (
    Effect,
    FareBand,
    Instrument,
    OutcomeKind,
    Party,
    PaymentAction,
    Penalty,
    PolicyVersion,
    Rule,
    RuleRow,
    Target,
    TierOutcome,
)


class NoMatchingRow(ValueError):
    """The rule has no row for that target at all (a malformed request, not a case)."""


class IncompleteBook(ValueError):
    """The version cannot evaluate this case (a draft missing its fare bands, say)."""


class RowDoesNotApply(ValueError):
    """The facts do not satisfy the conditions of the row named for a recomputation."""


class PickOutOfRange(ValueError):
    """An approver's pick lies outside an effect's range or off its unit."""


@dataclass
class EffectQuote:
    type: str
    instrument: str | None
    amount: int | None
    amount_max: int | None
    count: int | None
    action: str | None
    payer: str
    recipient: str
    trigger: dict[str, Any]
    explain: str
    step: int | None = None
    percent: int | None = None
    note: str = ""
    effect_id: int | None = None


@dataclass
class TierQuote:
    tier: int
    kind: str
    instrument: str | None
    amount: int | None
    amount_max: int | None
    vouchers: int | None
    actions: list[str]
    note: str
    percent: int | None = None
    charge: int | None = None
    outcome_id: int | None = None
    effects: list[EffectQuote] = field(default_factory=list)
    explain: str = ""
    role: str | None = None


@dataclass
class PenaltyQuote:
    code: str
    subject: str
    trigger: str
    tier: int | None
    count: int | None
    label: str


@dataclass
class Quote:
    policy_version: int
    rule: str
    rule_name: str
    row: str | None
    target: str
    detail: str
    fault: str
    tiers: list[TierQuote]
    penalties: list[PenaltyQuote]
    notes: str
    facts: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return _plain(self)


_SCALARS = frozenset({str, int, bool, float, type(None)})


def _plain(value: Any) -> Any:
    """A quote as plain dicts and lists (dataclasses.asdict, without its deep copies: every
    value here is already immutable or freshly built). Dispatches on the exact type: a quote
    has some sixty values, and this runs for every one of every quote."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is list:
        return [_plain(item) for item in value]
    if kind is dict:
        return {key: _plain(item) for key, item in value.items()}
    names = getattr(kind, "__dataclass_fields__", None)
    if names is None:
        return value
    return {name: _plain(getattr(value, name)) for name in names}


# --- rows ---------------------------------------------------------------------------------


def _holds(cond: dict[str, Any], facts: dict[str, Any]) -> bool:
    value = facts[cond["fact"]]
    limit = cond["value"]
    match cond["op"]:
        case "lt":
            return value < limit
        case "lte":
            return value <= limit
        case "gt":
            return value > limit
        case "gte":
            return value >= limit
        case _:
            return value == limit


def _missing(names: Iterable[str], facts: dict[str, Any]) -> list[str]:
    missing: list[str] = []
    for name in names:
        for base in base_facts(name):
            if base not in facts and base not in missing:
                missing.append(base)
    return missing


def _required_error(missing: list[str]) -> FactsInvalid:
    return FactsInvalid({name: ["이 유형의 판단에 필요한 사실입니다."] for name in missing})


def conditions_of(row: RuleRow) -> list[dict[str, Any]]:
    return [c.as_dict() for c in row.conditions.all()]


def match_row(rows: Iterable[RuleRow], facts: dict[str, Any]) -> RuleRow | None:
    """The first row (in order) whose conditions all hold, or None when none does.

    A row that fails on a fact the caller gave is out, whatever else it tests; a row that
    cannot be decided for want of a fact, ahead of the row that matches, makes that fact
    required, so an incomplete case never falls through to a later row by accident.
    """
    undecided: list[str] = []
    for row in rows:
        conds = conditions_of(row)
        known = [c for c in conds if not _missing([c["fact"]], facts)]
        if not all(_holds(c, facts) for c in known):
            continue
        missing = _missing((c["fact"] for c in conds), facts)
        if missing:
            undecided += [m for m in missing if m not in undecided]
            continue
        if undecided:
            break
        return row
    if undecided:
        raise _required_error(undecided)
    return None


def describe_conditions(conditions: list[dict[str, Any]], *, labels: bool = False) -> str:
    return ", ".join(describe_condition(c, labels=labels) for c in conditions)


def _shown(name: str, value: Any) -> str:
    if isinstance(value, bool):
        return "예" if value else "아니오"
    return f"{value:,}{fact_unit(name)}"


def not_covered_reason(rows: list[RuleRow], facts: dict[str, Any]) -> str:
    covered = [describe_conditions(conditions_of(r), labels=True) for r in rows]
    covered = [c for c in covered if c]
    tested: list[str] = []
    for row in rows:
        for cond in conditions_of(row):
            if cond["fact"] not in tested and cond["fact"] in facts:
                tested.append(cond["fact"])
    given = ", ".join(f"{fact_label(n)} {_shown(n, facts[n])}" for n in tested)
    return (
        "보상 대상 아님: 이 유형은 "
        + " 또는 ".join(f"'{c}'" for c in covered)
        + f"인 경우에 보상합니다 (입력: {given})."
    )


# --- amounts --------------------------------------------------------------------------------


def band_percent(bands: Iterable[FareBand], difference: int) -> int:
    """The percent of the band that holds `difference` (bounds inclusive)."""
    ordered = sorted(bands, key=lambda b: (b.upper_bound is None, b.upper_bound or 0))
    for band in ordered:
        if band.upper_bound is None or difference <= band.upper_bound:
            return band.percent
    raise IncompleteBook("정책 버전의 요금 하향 구간이 이 차액을 덮지 않습니다.")


def fare_adjustment(
    bands: Iterable[FareBand], *, call_amount: int, actual_fare: int, expected_fare: int
) -> tuple[int, int, str]:
    """New charge = actual fare + p × (call amount − actual fare), p the band of
    (call amount − expected fare). Returns (charge, p, explanation)."""
    difference = call_amount - actual_fare
    if difference < 0:
        raise IncompleteBook("호출금액이 실운행료보다 작아 요금 하향 대상이 아닙니다.")
    band_difference = call_amount - expected_fare
    percent = band_percent(bands, band_difference)
    new_charge = actual_fare + money.percent_of(difference, percent)
    explain = (
        f"{actual_fare:,} + {percent}% × ({call_amount:,} − {actual_fare:,}) = {new_charge:,}원 "
        f"(예상요금과의 차액 {band_difference:,}원 → {percent}% 구간)"
    )
    return new_charge, percent, explain


def _basis(facts: dict[str, Any], basis: str) -> int:
    value = facts[basis]
    if value < 0:
        # Only a derived fact can be negative (e.g. extra_fare when the fare went down); a
        # row without the condition that excludes it must not turn into a negative amount.
        raise FactsInvalid(
            {basis: [f"{fact_label(basis)}이(가) 음수라 이 유형으로 계산할 수 없습니다."]}
        )
    return value


def _unit(instrument: str | None) -> str:
    return "P" if instrument == Instrument.POINTS else "원"


def _trigger(e: Effect) -> dict[str, Any]:
    return {
        "type": e.trigger,
        "tier": e.trigger_tier,
        "count": e.trigger_count,
        "party": e.trigger_party or None,
    }


def evaluate_effect(
    e: Effect, *, version: PolicyVersion, bands: list[FareBand], facts: dict[str, Any]
) -> EffectQuote:
    """One effect's amount on the facts, with its explanation."""
    amount: int | None = None
    amount_max: int | None = None
    percent: int | None = None
    count: int | None = None
    instrument = e.instrument or None
    unit = _unit(instrument)
    action_label = PaymentAction(e.action).label if e.action else ""
    match e.method:
        case "fixed":
            amount = e.amount
            explain = f"정액 {amount:,}{unit}"
        case "range":
            amount, amount_max = e.amount, e.amount_max
            explain = (
                f"{amount:,}~{amount_max:,}{unit} 중 승인자가 {e.step or 1:,}{unit} 단위로 선택"
            )
        case "count":
            count = e.count
            explain = f"{Instrument(e.instrument).label} {count}장"
        case "actual_loss":
            amount = _basis(facts, e.basis or "loss_amount")
            explain = f"피해 금액 {amount:,}원 그대로 보전"
        case "fare_adjustment":
            amount, percent, explain = fare_adjustment(
                bands,
                call_amount=facts["call_amount"],
                actual_fare=facts["actual_fare"],
                expected_fare=facts["expected_fare"],
            )
        case "percent_of_fare":
            percent = 100 if e.percent is None else e.percent
            base = _basis(facts, e.basis)
            if instrument == Instrument.POINTS:
                # 운행료로 기재된 경우: the driver receives the fare less the commission.
                rate = version.driver_commission_percent
                amount = money.less_commission(base, rate, percent=percent)
                share = f"{base:,}" if percent == 100 else f"{base:,} × {percent}%"
                explain = f"{share} − 수수료 {rate}% = {amount:,}P"
            elif instrument == Instrument.COUPON:
                raw = money.percent_of(base, percent)
                amount = money.round_coupon(raw, version.coupon_unit, version.coupon_minimum)
                rounded = money.round_coupon(raw, version.coupon_unit, 0)
                explain = (
                    f"{base:,} × {percent}% = {raw:,} → {version.coupon_unit:,}원 단위 반올림 "
                    f"→ {rounded:,}원"
                )
                if amount != rounded:
                    explain += f" → 최소 {amount:,}원"
            else:
                amount = money.percent_of(base, percent)
                label = fact_label(e.basis)
                explain = (
                    f"{label} {base:,}원"
                    if percent == 100
                    else f"{label} {base:,}원 × {percent}% = {amount:,}원"
                )
        case _:
            explain = action_label
    if e.type == "charge":
        explain = (
            f"새 결제금액 {explain}"
            if e.method == "fare_adjustment"
            else (f"새 결제금액: {explain}")
        )
        explain += f" ({action_label})" if action_label else ""
    elif e.type == "action" and e.method != "none":
        explain = f"{action_label}: {explain}"
    return EffectQuote(
        type=e.type,
        instrument=instrument,
        amount=amount,
        amount_max=amount_max,
        count=count,
        action=e.action or None,
        payer=e.payer,
        recipient=e.recipient,
        trigger=_trigger(e),
        explain=explain,
        step=e.step if e.method == "range" else None,
        percent=percent,
        note=e.note,
        effect_id=e.pk,
    )


def describe_effect(e: Effect) -> str:
    """What an effect pays or does, in words, before any fact is known (the matrix page)."""
    unit = _unit(e.instrument)
    match e.method:
        case "fixed":
            amount = f"{e.amount:,}{unit}"
        case "range":
            amount = f"{e.amount:,}~{e.amount_max:,}{unit}"
        case "count":
            amount = f"{e.count}장"
        case "actual_loss":
            amount = "피해 금액"
        case "fare_adjustment":
            amount = "실운행료 + (호출금액 − 실운행료) × 구간 비율"
        case "percent_of_fare":
            amount = f"{fact_label(e.basis)} {e.percent}%"
            if e.instrument == Instrument.POINTS:
                amount += " − 수수료"
        case _:
            amount = ""
    if e.type == "grant":
        text = f"{Instrument(e.instrument).label} {amount}"
    elif e.type == "charge":
        text = f"새 결제금액 {amount}"
        if e.action:
            text += f" ({PaymentAction(e.action).label})"
    else:
        text = PaymentAction(e.action).label + (f" {amount}" if amount else "")
    text += f" · {Party(e.payer).label} 부담"
    if e.when_fact:
        text += f" · {fact_label(e.when_fact)}{'' if e.when_value else ' 아님'}인 경우"
    if e.trigger == "on_refusal":
        who = f"{Target(e.trigger_party).label}의 " if e.trigger_party else ""
        text += f" · {who}{e.trigger_tier}차 거부 시"
    return text


def _applies(e: Effect, facts: dict[str, Any]) -> bool:
    return not e.when_fact or facts[e.when_fact] == e.when_value


def _effect_title(e: Effect) -> str:
    if e.type == "grant":
        amount = f" {e.amount:,}{_unit(e.instrument)}" if e.method == "fixed" and e.amount else ""
        return f"{Instrument(e.instrument).label}{amount}"
    if e.type == "action":
        return PaymentAction(e.action).label
    return "새 결제금액"


def _skipped_text(e: Effect) -> str:
    told = "아니오" if e.when_value else "예"
    return f"{_effect_title(e)} 제외 ({fact_label(e.when_fact)}: {told})"


KIND_OF_METHOD = {
    "fixed": OutcomeKind.FIXED,
    "range": OutcomeKind.RANGE,
    "percent_of_fare": OutcomeKind.PERCENT_OF_FARE,
    "actual_loss": OutcomeKind.ACTUAL_LOSS,
    "count": OutcomeKind.VOUCHERS,
}


def evaluate_tier(
    outcome: TierOutcome, *, version: PolicyVersion, bands: list[FareBand], facts: dict[str, Any]
) -> TierQuote:
    """One tier of one row on the facts: its effects, a summary, and who may grant it.

    An effect whose yes/no condition does not hold is left out and named in the explanation;
    when every effect of a paying tier is left out, the tier is not covered.
    """
    effects = list(outcome.effects.all())
    kept = [e for e in effects if _applies(e, facts)]
    skipped = [e for e in effects if not _applies(e, facts)]
    quotes = [evaluate_effect(e, version=version, bands=bands, facts=facts) for e in kept]
    kind = outcome.kind
    note = outcome.note
    if effects and not kept:
        kind = OutcomeKind.NOT_COVERED
        note = f"보상 대상 아님: {', '.join(_skipped_text(e) for e in skipped)}. {outcome.note}"
    elif skipped:
        # What is left decides the kind: a coupon left out leaves a charge, say.
        grant = next((e for e in kept if e.type == "grant"), None)
        kind = KIND_OF_METHOD.get(grant.method, kind) if grant else OutcomeKind.PAYMENT_ACTION
    grants = [q for q in quotes if q.type == "grant"]
    charges = [q for q in quotes if q.type == "charge"]
    first = grants[0] if grants else None
    actions = [q.action for q in quotes if q.action and q.type in ("action", "charge")]
    percent = next((q.percent for q in quotes if q.percent is not None), None)
    parts = [q.explain for q in quotes]
    if skipped and kept:
        parts.append(", ".join(_skipped_text(e) for e in skipped))
    explain = " + ".join(parts) if parts else note
    return TierQuote(
        tier=outcome.tier,
        kind=kind,
        instrument=first.instrument if first else None,
        amount=first.amount if first else None,
        amount_max=first.amount_max if first else None,
        vouchers=first.count if first else None,
        actions=actions,
        note=note,
        percent=percent,
        charge=charges[0].amount if charges else None,
        outcome_id=outcome.pk,
        effects=quotes,
        explain=explain,
        role=version.role_for(tier=outcome.tier, kind=outcome.kind),
    )


def check_pick(effect: EffectQuote, amount: int) -> None:
    """Raises PickOutOfRange unless `amount` lies inside the effect's range and on its unit;
    a fixed amount must be picked as it is."""
    unit = "P" if effect.instrument == Instrument.POINTS else "원"
    if effect.amount is None:
        raise PickOutOfRange("이 효과에는 고를 금액이 없습니다.")
    if effect.amount_max is None:
        if amount != effect.amount:
            raise PickOutOfRange(f"이 효과의 금액은 {effect.amount:,}{unit}로 정해져 있습니다.")
        return
    step = effect.step or 1
    if not effect.amount <= amount <= effect.amount_max:
        raise PickOutOfRange(f"{effect.amount:,}~{effect.amount_max:,}{unit} 안에서 골라야 합니다.")
    if (amount - effect.amount) % step:
        raise PickOutOfRange(f"{step:,}{unit} 단위로 골라야 합니다.")


# --- facts a rule needs ------------------------------------------------------------------


def effect_facts(e: Effect) -> list[str]:
    names = [n for n in (e.basis, e.when_fact) if n]
    if e.method == "fare_adjustment":
        names += ["call_amount", "actual_fare", "expected_fare"]
    if e.method == "actual_loss" and not e.basis:
        names.append("loss_amount")
    return names


def outcome_facts(outcome: TierOutcome) -> list[str]:
    return [n for e in outcome.effects.all() for n in effect_facts(e)]


def rule_facts(rule: Rule) -> list[str]:
    """Every caller fact the rule may need, in first-use order."""
    names: list[str] = []
    for row in rule.rows.all():
        wanted = [c.fact for c in row.conditions.all()]
        for outcome in row.outcomes.all():
            wanted += outcome_facts(outcome)
        for name in wanted:
            for base in base_facts(name):
                if base not in names:
                    names.append(base)
    return names


def penalties_of(row: RuleRow) -> list[PenaltyQuote]:
    return [
        PenaltyQuote(
            code=p.code,
            subject=p.subject,
            trigger=p.trigger,
            tier=p.tier,
            count=p.count,
            label=Penalty(p.code).label if p.code in Penalty.values else p.code,
        )
        for p in row.penalties.all()
    ]


def _rows_for(rule: Rule, target: str) -> list[RuleRow]:
    rows = [r for r in rule.rows.all() if r.target == target]
    if not rows:
        targets = sorted({r.get_target_display() for r in rule.rows.all()})
        raise NoMatchingRow(
            f"'{rule.name}' 유형에는 이 대상의 유형상세가 없습니다 (가능: {', '.join(targets)})."
        )
    return rows


def evaluate(*, version: PolicyVersion, rule: Rule, target: str, facts: Any) -> Quote:
    """The quote of `rule` for `target` on `facts`: every tier the matched row defines, or a
    single not-covered tier that says why when no row covers the case."""
    clean = clean_facts(facts)
    rows = _rows_for(rule, target)
    facts_all = derive(clean)
    row = match_row(rows, facts_all)
    if row is None:
        reason = not_covered_reason(rows, facts_all)
        return Quote(
            policy_version=version.number,
            rule=rule.code,
            rule_name=rule.name,
            row=None,
            target=target,
            detail="",
            fault="none",
            tiers=[
                TierQuote(
                    tier=1,
                    kind=OutcomeKind.NOT_COVERED,
                    instrument=None,
                    amount=None,
                    amount_max=None,
                    vouchers=None,
                    actions=[],
                    note=reason,
                    explain=reason,
                )
            ],
            penalties=[],
            notes="",
            facts=clean,
        )
    outcomes = sorted(row.outcomes.all(), key=lambda o: o.tier)
    missing = _missing((n for o in outcomes for n in outcome_facts(o)), facts_all)
    if missing:
        raise _required_error(missing)
    bands = list(version.fare_bands.all())
    return Quote(
        policy_version=version.number,
        rule=rule.code,
        rule_name=rule.name,
        row=row.code,
        target=target,
        detail=row.detail,
        fault=row.fault,
        tiers=[evaluate_tier(o, version=version, bands=bands, facts=facts_all) for o in outcomes],
        penalties=penalties_of(row),
        notes=row.notes,
        facts=clean,
    )


def evaluate_one_tier(
    *, version: PolicyVersion, rule: Rule, row_code: str, tier: int, facts: Any
) -> TierQuote:
    """One tier of one named row on the facts (what claims call to recompute an amount on
    the server). Raises FactsInvalid, RowDoesNotApply when the facts fall outside the row, or
    LookupError when the row or tier does not exist."""
    clean = derive(clean_facts(facts))
    row = next((r for r in rule.rows.all() if r.code == row_code), None)
    if row is None:
        raise LookupError(f"'{rule.name}' 유형에 유형상세 {row_code!r}이(가) 없습니다.")
    outcome = next((o for o in row.outcomes.all() if o.tier == tier), None)
    if outcome is None:
        raise LookupError(f"'{row}'에 {tier}차 결과가 없습니다.")
    conds = conditions_of(row)
    missing = _missing([*(c["fact"] for c in conds), *outcome_facts(outcome)], clean)
    if missing:
        raise _required_error(missing)
    failed = [c for c in conds if not _holds(c, clean)]
    if failed:
        # A decision is recomputed only on the row the case falls in; another row's money
        # for these facts would be a wrong grant.
        raise RowDoesNotApply(
            f"사실이 유형상세 '{row.detail or row.code}'의 조건("
            f"{describe_conditions(failed, labels=True)})에 맞지 않습니다."
        )
    return evaluate_tier(
        outcome, version=version, bands=list(version.fare_bands.all()), facts=clean
    )
