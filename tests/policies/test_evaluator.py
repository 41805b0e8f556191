"""Fare bands at every boundary, coupon rounding, commission, and the facts' checks."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policies.evaluator import NoMatchingRow
from policies.facts import FactsInvalid
from policies.money import less_commission, round_coupon
from policies.selectors import quote

pytestmark = pytest.mark.django_db

# difference (call − actual) → percent of the difference the new charge keeps
BAND_CASES = [
    (1, 50),
    (49_999, 50),
    (50_000, 50),
    (50_001, 30),
    (99_999, 30),
    (100_000, 30),
    (100_001, 20),
    (199_999, 20),
    (200_000, 20),
    (200_001, 10),
    (1_000_000, 10),
]


@pytest.mark.parametrize("rule", ["fare.wrong_amount_entered", "fare.route_change_decrease"])
@pytest.mark.parametrize(("difference", "percent"), BAND_CASES)
def test_fare_band_boundaries_are_inclusive_as_written(rule, difference, percent):
    actual = 40_000
    q = quote(
        rule_code=rule,
        target="customer",
        facts={"call_amount": actual + difference, "actual_fare": actual},
    )
    tier2 = q.tiers[1]
    assert tier2.kind == "fare_adjustment"
    assert tier2.percent == percent
    assert tier2.amount == actual + difference * percent // 100
    assert tier2.actions == ["recharge"]


def test_fare_band_amounts_written_out():
    def charge(call, actual):
        q = quote(
            rule_code="fare.wrong_amount_entered",
            target="customer",
            facts={"call_amount": call, "actual_fare": actual},
        )
        return q.tiers[1].amount

    assert charge(99_999, 50_000) == 74_999  # 49,999 × 50% = 24,999.5 → 24,999 (cut)
    assert charge(100_000, 50_000) == 75_000
    assert charge(100_001, 50_000) == 65_000  # 50,001 × 30% = 15,000.3 → 15,000
    assert charge(150_000, 50_000) == 80_000
    assert charge(150_001, 50_000) == 70_000  # 100,001 × 20% = 20,000.2
    assert charge(250_000, 50_000) == 90_000
    assert charge(250_001, 50_000) == 70_000  # 200,001 × 10% = 20,000.1


def test_fare_that_does_not_go_down_matches_no_row():
    with pytest.raises(NoMatchingRow, match="해당하지 않습니다"):
        quote(
            rule_code="fare.wrong_amount_entered",
            target="customer",
            facts={"call_amount": 50_000, "actual_fare": 50_000},
        )


@pytest.mark.parametrize(
    ("premium_fare", "coupon"),
    [
        (20_000, 5_000),  # 2,000 → 0 by rounding, raised to the 5,000 minimum
        (74_999, 5_000),  # 7,499 → 5,000
        (75_000, 10_000),  # 7,500 → 10,000 (half up)
        (124_999, 10_000),
        (125_000, 15_000),
    ],
)
def test_percent_of_fare_coupon_rounds_to_the_unit_half_up(premium_fare, coupon):
    q = quote(
        rule_code="dispute.premium_driver_complaint",
        target="customer",
        facts={"premium_fare": premium_fare, "economy_fare": 10_000},
    )
    assert q.tiers[1].amount == coupon
    assert q.tiers[1].instrument == "coupon"


@pytest.mark.parametrize(
    ("premium_fare", "detail"), [(50_000, "5만원 이하"), (50_001, "5만원 초과")]
)
def test_premium_rows_split_at_fifty_thousand(premium_fare, detail):
    q = quote(
        rule_code="dispute.premium_driver_complaint",
        target="customer",
        facts={"premium_fare": premium_fare, "economy_fare": 10_000},
    )
    assert detail in q.detail


@pytest.mark.parametrize(
    ("rule", "facts", "tiers"),
    [
        ("dispatch.reservation_late", {"late_minutes": 29}, [1, 2]),
        ("dispatch.reservation_late", {"late_minutes": 30}, [1, 2, 3]),
        ("in_ride.navigation_driver_fault", {"extra_minutes": 29}, [1]),
        ("in_ride.navigation_driver_fault", {"extra_minutes": 30}, [1, 2]),
    ],
)
def test_thirty_minute_rows(rule, facts, tiers):
    q = quote(rule_code=rule, target="customer", facts=facts)
    assert [t.tier for t in q.tiers] == tiers


@pytest.mark.parametrize(
    ("rule", "target", "facts"),
    [
        ("dispatch.reservation_no_show", "customer", {"minutes_past_reservation": 30}),
        ("in_ride.navigation_app_error", "driver", {"extra_minutes": 30}),
        ("dispute.driver_attitude", "customer", {"evidenced": False}),
        ("cs_complaint.callback_delay", "customer", {"business_days_since_promise": 2}),
    ],
)
def test_facts_outside_every_row_are_refused(rule, target, facts):
    with pytest.raises(NoMatchingRow):
        quote(rule_code=rule, target=target, facts=facts)


def test_a_target_the_rule_does_not_have_is_refused():
    with pytest.raises(NoMatchingRow, match="driver"):
        quote(rule_code="fare.wrong_amount_entered", target="driver", facts={})


@pytest.mark.parametrize(
    ("facts", "field", "message"),
    [
        ({}, "late_minutes", "필요한"),
        ({"late_minutes": -1}, "late_minutes", "0 이상"),
        ({"late_minutes": "30"}, "late_minutes", "정수"),
        ({"late_minutes": 30.5}, "late_minutes", "정수"),
        ({"late_minutes": True}, "late_minutes", "정수"),
        ({"late_minutes": 5, "late_minute": 5}, "late_minute", "알 수 없는"),
    ],
)
def test_bad_facts_name_the_fact(facts, field, message):
    with pytest.raises(FactsInvalid) as info:
        quote(rule_code="dispatch.reservation_late", target="customer", facts=facts)
    assert field in info.value.errors
    assert message in " ".join(info.value.errors[field])


def test_boolean_facts_must_be_booleans():
    with pytest.raises(FactsInvalid) as info:
        quote(rule_code="dispute.driver_attitude", target="customer", facts={"evidenced": 1})
    assert "true 또는 false" in info.value.errors["evidenced"][0]


def test_extra_call_fare_is_needed_only_once_an_extra_call_was_made():
    with pytest.raises(FactsInvalid) as info:
        quote(
            rule_code="ride_completed.parking_refused",
            target="customer",
            facts={"realtime": False, "extra_call_made": True},
        )
    assert list(info.value.errors) == ["extra_call_fare"]
    q = quote(
        rule_code="ride_completed.parking_refused", target="customer", facts={"realtime": True}
    )
    assert q.tiers[0].amount == 15_000


def test_missing_parts_of_a_derived_fact_are_reported():
    with pytest.raises(FactsInvalid) as info:
        quote(rule_code="fare.wrong_amount_entered", target="customer", facts={"actual_fare": 1})
    assert list(info.value.errors) == ["call_amount"]


@given(
    actual=st.integers(min_value=0, max_value=2_000_000),
    difference=st.integers(min_value=1, max_value=2_000_000),
)
def test_new_charge_lies_between_actual_fare_and_call_amount(actual, difference):
    q = quote(
        rule_code="fare.wrong_amount_entered",
        target="customer",
        facts={"call_amount": actual + difference, "actual_fare": actual},
    )
    charge = q.tiers[1].amount
    assert isinstance(charge, int)
    assert actual <= charge < actual + difference


@given(st.integers(min_value=0, max_value=10**9))
def test_coupon_rounding_gives_a_whole_unit_within_half_a_unit(amount):
    rounded = round_coupon(amount, 5_000, 5_000)
    assert rounded % 5_000 == 0
    assert rounded >= 5_000
    assert rounded == 5_000 or abs(rounded - amount) <= 2_500


@given(st.integers(min_value=0, max_value=10**9))
def test_commission_keeps_eighty_percent_cut_to_the_won(fare):
    assert less_commission(fare, 20) == fare * 80 // 100


def test_points_lose_a_won_at_most_once():
    # 3원 at 50% less 20% is 1.2원: one cut at the end gives 1, two cuts would give 0.
    assert less_commission(3, 20, percent=50) == 1
