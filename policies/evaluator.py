"""Evaluate a rule of the policy book on a case's facts: the outcome of every tier.

Pure: it reads the version, rule, rows and outcomes it is handed (see
`policies.selectors.rule_for_quote`) and writes nothing. Amounts are integer 원, rounded only
by `policies.money`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from policies import money
from policies.facts import (
    FactsInvalid,
    base_facts,
    clean_facts,
    derive,
    fact_label,
    fact_unit,
)
from policies.models import (
    FareBand,
    Instrument,
    OutcomeKind,
    PaymentAction,
    PolicyVersion,
    Rule,
    RuleRow,
    TierOutcome,
)


class NoMatchingRow(ValueError):
    """The facts match no detail row of the rule for that target."""


class IncompleteBook(ValueError):
    """The version cannot evaluate this case (a draft missing its fare bands, say)."""


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


@dataclass
class Quote:
    policy_version: int
    rule: str
    rule_name: str
    target: str
    detail: str
    fault: str
    tiers: list[TierQuote]
    penalties: list[str]
    notes: str
    facts: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


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


def match_row(rows: Iterable[RuleRow], facts: dict[str, Any]) -> RuleRow:
    """The first row (in order) whose conditions all hold.

    A row whose conditions name a fact the caller did not give cannot be decided; if no row
    matches, those facts are reported as missing rather than as a mismatch.
    """
    undecided: list[str] = []
    rows = list(rows)
    for row in rows:
        missing = _missing((c["fact"] for c in row.conditions), facts)
        if missing:
            undecided += [m for m in missing if m not in undecided]
            continue
        if all(_holds(c, facts) for c in row.conditions):
            return row
    if undecided:
        raise _required_error(undecided)
    described = " / ".join(describe_conditions(r.conditions, labels=True) or r.detail for r in rows)
    raise NoMatchingRow(f"사실이 이 유형의 어느 유형상세에도 해당하지 않습니다 ({described}).")


def describe_conditions(conditions: list[dict[str, Any]], *, labels: bool = False) -> str:
    """`late_minutes < 30`, or with labels `예약 출발시간 지각 < 30분` for people."""
    symbols = {"lt": "<", "lte": "≤", "gt": ">", "gte": "≥", "eq": "="}
    parts = []
    for c in conditions:
        value = c["value"]
        if isinstance(value, bool):
            shown = ("예" if value else "아니오") if labels else str(value).lower()
        else:
            shown = f"{value:,}{fact_unit(c['fact'])}" if labels else f"{value:,}"
        name = fact_label(c["fact"]) if labels else c["fact"]
        parts.append(f"{name} {symbols[c['op']]} {shown}")
    return ", ".join(parts)


def band_percent(bands: Iterable[FareBand], difference: int) -> int:
    """The percent of the band that holds `difference` (bounds inclusive)."""
    ordered = sorted(bands, key=lambda b: (b.upper_bound is None, b.upper_bound or 0))
    for band in ordered:
        if band.upper_bound is None or difference <= band.upper_bound:
            return band.percent
    raise IncompleteBook("정책 버전의 요금 하향 구간이 이 차액을 덮지 않습니다.")


def fare_adjustment(
    bands: Iterable[FareBand], *, call_amount: int, actual_fare: int
) -> tuple[int, int]:
    """New charge = actual fare + p × (call amount − actual fare); returns (charge, p)."""
    difference = call_amount - actual_fare
    if difference < 0:
        raise NoMatchingRow("호출금액이 실운행료보다 작아 요금 하향 대상이 아닙니다.")
    percent = band_percent(bands, difference)
    return actual_fare + money.percent_of(difference, percent), percent


def _basis(facts: dict[str, Any], basis: str) -> int:
    value = facts[basis]
    if value < 0:
        # Only a derived fact can be negative (e.g. extra_fare when the fare went down); a
        # row without the condition that excludes it must not turn into a negative grant.
        raise NoMatchingRow(f"{fact_label(basis)}이(가) 음수라 이 유형으로 계산할 수 없습니다.")
    return value


def _share(facts: dict[str, Any], basis: str, percent: int | None) -> int:
    return money.percent_of(_basis(facts, basis), 100 if percent is None else percent)


def evaluate_tier(
    outcome: TierOutcome, *, version: PolicyVersion, bands: list[FareBand], facts: dict[str, Any]
) -> TierQuote:
    kind = outcome.kind
    instrument = outcome.instrument or None
    amount: int | None = None
    amount_max: int | None = None
    percent: int | None = None
    charge: int | None = None

    if kind in (OutcomeKind.FIXED, OutcomeKind.RANGE):
        # Amounts written in the matrix stand as written, coupons included.
        amount = outcome.amount
        amount_max = outcome.amount_max if kind == OutcomeKind.RANGE else None
    elif kind == OutcomeKind.PERCENT_OF_FARE:
        percent = outcome.percent
        if instrument == Instrument.POINTS:
            # 운행료로 기재된 경우: the driver receives the fare less the commission.
            amount = money.less_commission(
                _basis(facts, outcome.basis),
                version.driver_commission_percent,
                percent=100 if percent is None else percent,
            )
        else:
            amount = _share(facts, outcome.basis, outcome.percent)
            if instrument == Instrument.COUPON:
                amount = money.round_coupon(amount, version.coupon_unit, version.coupon_minimum)
    elif kind == OutcomeKind.FARE_ADJUSTMENT:
        amount, percent = fare_adjustment(
            bands, call_amount=facts["call_amount"], actual_fare=facts["actual_fare"]
        )
        charge = amount
    elif kind == OutcomeKind.ACTUAL_LOSS:
        amount = _basis(facts, outcome.basis or "loss_amount")
    elif kind == OutcomeKind.PAYMENT_ACTION and outcome.basis:
        percent = outcome.percent
        amount = _share(facts, outcome.basis, outcome.percent)

    if outcome.charge_basis:
        charge = _share(facts, outcome.charge_basis, outcome.charge_percent)
    elif charge is None and kind == OutcomeKind.PAYMENT_ACTION and amount is not None:
        if PaymentAction.RECHARGE in outcome.actions:
            charge = amount

    return TierQuote(
        tier=outcome.tier,
        kind=kind,
        instrument=instrument,
        amount=amount,
        amount_max=amount_max,
        vouchers=outcome.vouchers if kind == OutcomeKind.VOUCHERS else None,
        actions=list(outcome.actions),
        note=outcome.note,
        percent=percent,
        charge=charge,
    )


def outcome_facts(outcome: TierOutcome) -> list[str]:
    names = [n for n in (outcome.basis, outcome.charge_basis) if n]
    if outcome.kind == OutcomeKind.FARE_ADJUSTMENT:
        names += ["call_amount", "actual_fare"]
    if outcome.kind == OutcomeKind.ACTUAL_LOSS and not outcome.basis:
        names.append("loss_amount")
    return names


def rule_facts(rule: Rule) -> list[str]:
    """Every caller fact the rule may need, in first-use order."""
    names: list[str] = []
    for row in rule.rows.all():
        wanted = [c["fact"] for c in row.conditions]
        for outcome in row.outcomes.all():
            wanted += outcome_facts(outcome)
        for name in wanted:
            for base in base_facts(name):
                if base not in names:
                    names.append(base)
    return names


def evaluate(*, version: PolicyVersion, rule: Rule, target: str, facts: Any) -> Quote:
    """The quote of `rule` for `target` on `facts`: every tier the matched row defines."""
    clean = clean_facts(facts)
    rows = [r for r in rule.rows.all() if r.target == target]
    if not rows:
        targets = sorted({r.target for r in rule.rows.all()})
        raise NoMatchingRow(
            f"{rule.code}에는 대상 {target!r}의 유형상세가 없습니다 (가능: {', '.join(targets)})."
        )
    facts_all = derive(clean)
    row = match_row(rows, facts_all)
    outcomes = sorted(row.outcomes.all(), key=lambda o: o.tier)
    missing = _missing((n for o in outcomes for n in outcome_facts(o)), facts_all)
    if missing:
        raise _required_error(missing)
    bands = list(version.fare_bands.all())
    return Quote(
        policy_version=version.number,
        rule=rule.code,
        rule_name=rule.name,
        target=target,
        detail=row.detail,
        fault=row.fault,
        tiers=[evaluate_tier(o, version=version, bands=bands, facts=facts_all) for o in outcomes],
        penalties=list(row.penalties),
        notes=row.notes,
        facts=clean,
    )
