"""What a decision needs from the book: one tier recomputed on the server, picks checked
against a range and its unit, and who may grant each tier."""

import pytest

from policies.evaluator import PickOutOfRange, check_pick
from policies.facts import FactsInvalid
from policies.models import TierOutcome
from policies.selectors import quote, tier_quote, tier_role

pytestmark = pytest.mark.django_db


def test_one_tier_of_one_row_is_recomputed_on_a_given_version():
    tier = tier_quote(
        rule_code="fare.wrong_amount_entered",
        row_code="fare_down",
        tier=2,
        facts={"call_amount": 150_000, "actual_fare": 60_000, "expected_fare": 55_000},
        version_number=1,
    )
    assert (tier.tier, tier.kind, tier.charge, tier.percent) == (2, "fare_adjustment", 87_000, 30)
    assert (
        tier.outcome_id
        == TierOutcome.objects.get(
            row__rule__version__number=1, row__rule__code="fare.wrong_amount_entered", tier=2
        ).pk
    )


def test_recomputing_a_tier_needs_the_facts_of_its_row_and_effects():
    with pytest.raises(FactsInvalid) as info:
        tier_quote(
            rule_code="fare.wrong_amount_entered",
            row_code="fare_down",
            tier=2,
            facts={"call_amount": 150_000, "actual_fare": 60_000},
            version_number=1,
        )
    assert list(info.value.errors) == ["expected_fare"]


@pytest.mark.parametrize(("row", "tier"), [("nope", 1), ("fare_down", 3)])
def test_an_unknown_row_or_tier_is_a_lookup_error(row, tier):
    with pytest.raises(LookupError):
        tier_quote(
            rule_code="fare.wrong_amount_entered",
            row_code=row,
            tier=tier,
            facts={"call_amount": 1, "actual_fare": 0, "expected_fare": 0},
            version_number=1,
        )


def test_quote_names_the_row_and_each_outcome():
    q = quote(rule_code="dispatch.reservation_late", target="customer", facts={"late_minutes": 45})
    ids = {
        o.tier: o.pk
        for o in TierOutcome.objects.filter(
            row__rule__version__number=1, row__rule__code="dispatch.reservation_late",
            row__code="late_over_30",
        )
    }  # fmt: skip
    assert q.row == "late_over_30"
    assert {t.tier: t.outcome_id for t in q.tiers} == ids


def _range_effect(rule, facts, tier):
    q = quote(rule_code=rule, target="customer", facts=facts)
    return q.tiers[tier - 1].effects[0]


@pytest.mark.parametrize(
    ("amount", "ok"),
    [(2_000, True), (3_000, True), (5_000, True), (2_500, False), (1_000, False), (6_000, False)],
)
def test_a_pick_must_lie_inside_the_range_and_on_its_unit(amount, ok):
    effect = _range_effect("cs_complaint.callback_delay", {"business_days_since_promise": 3}, 2)
    assert (effect.amount, effect.amount_max, effect.step) == (2_000, 5_000, 1_000)
    if ok:
        check_pick(effect, amount)
    else:
        with pytest.raises(PickOutOfRange):
            check_pick(effect, amount)


def test_attitude_coupon_is_picked_on_five_thousand():
    effect = _range_effect("dispute.driver_attitude", {"evidenced": True}, 2)
    check_pick(effect, 10_000)
    with pytest.raises(PickOutOfRange, match="5,000원 단위"):
        check_pick(effect, 7_000)


def test_a_fixed_amount_is_picked_as_it_is():
    effect = _range_effect("dispatch.reservation_late", {"late_minutes": 45}, 3)
    check_pick(effect, 10_000)
    with pytest.raises(PickOutOfRange):
        check_pick(effect, 9_000)


@pytest.mark.parametrize(
    ("tier", "kind", "role"),
    [(1, "fixed", "agent"), (2, "fixed", "manager"), (3, "range", "manager"),
     (1, "needs_discussion", "manager")],
)  # fmt: skip
def test_authority_is_data_of_the_version(tier, kind, role):
    assert tier_role(version_number=1, tier=tier, kind=kind) == role


def test_each_tier_of_a_quote_says_who_may_grant_it():
    q = quote(rule_code="outage.customer_expense", target="customer", facts={})
    assert [(t.tier, t.kind, t.role) for t in q.tiers] == [(1, "needs_discussion", "manager")]
    q = quote(rule_code="dispatch.reservation_late", target="customer", facts={"late_minutes": 45})
    assert [t.role for t in q.tiers] == ["agent", "manager", "manager"]


def test_recomputing_a_tier_on_facts_outside_its_row_is_refused():
    from policies.evaluator import RowDoesNotApply

    with pytest.raises(RowDoesNotApply, match="예약 출발시간 지각 > 30분"):
        tier_quote(
            rule_code="dispatch.reservation_late",
            row_code="late_over_30",
            tier=3,
            facts={"late_minutes": 10},
            version_number=1,
        )
