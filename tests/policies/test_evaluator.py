"""Fare bands at every boundary, coupon rounding, commission, and the facts' checks."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policies.evaluator import NoMatchingRow
from policies.facts import FactsInvalid
from policies.money import less_commission, round_coupon
from policies.selectors import quote

pytestmark = pytest.mark.django_db

# difference (call − expected) → the band's percent of (call − actual) that the charge keeps
BAND_CASES = [
    (0, 50),
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


def fare_down(rule, *, call, actual, expected):
    return quote(
        rule_code=rule,
        target="customer",
        facts={"call_amount": call, "actual_fare": actual, "expected_fare": expected},
    )


@pytest.mark.parametrize("rule", ["fare.wrong_amount_entered", "fare.route_change_decrease"])
@pytest.mark.parametrize(("to_expected", "percent"), BAND_CASES)
def test_fare_band_is_chosen_by_the_difference_to_the_expected_fare(rule, to_expected, percent):
    actual, expected = 40_000, 45_000
    call = expected + to_expected
    tier2 = fare_down(rule, call=call, actual=actual, expected=expected).tiers[1]
    assert tier2.kind == "fare_adjustment"
    assert tier2.percent == percent
    # The band's share applies to call − actual, not to the difference that chose the band.
    assert tier2.charge == actual + (call - actual) * percent // 100
    assert tier2.amount is None  # nothing is granted: the ride is charged anew
    assert [(e.type, e.action, e.payer) for e in tier2.effects] == [
        ("charge", "recharge", "customer")
    ]


def test_the_expected_fare_not_the_actual_fare_picks_the_band():
    # call − actual = 90,000 (30% band by the old reading); call − expected = 40,000 (50%).
    q = fare_down("fare.wrong_amount_entered", call=150_000, actual=60_000, expected=110_000)
    assert q.tiers[1].percent == 50
    assert q.tiers[1].charge == 105_000


def test_fare_adjustment_explains_itself():
    q = fare_down("fare.wrong_amount_entered", call=150_000, actual=60_000, expected=55_000)
    assert q.tiers[1].effects[0].explain == (
        "새 결제금액 60,000 + 30% × (150,000 − 60,000) = 87,000원 "
        "(예상요금과의 차액 95,000원 → 30% 구간) (재결제)"
    )


def test_fare_adjustment_requires_the_expected_fare():
    with pytest.raises(FactsInvalid) as info:
        quote(
            rule_code="fare.wrong_amount_entered",
            target="customer",
            facts={"call_amount": 90_000, "actual_fare": 50_000},
        )
    assert list(info.value.errors) == ["expected_fare"]


def test_a_fare_that_does_not_go_down_is_not_covered():
    q = fare_down("fare.wrong_amount_entered", call=50_000, actual=50_000, expected=50_000)
    assert q.row is None
    assert [(t.tier, t.kind) for t in q.tiers] == [(1, "not_covered")]
    assert "보상 대상 아님" in q.tiers[0].note
    assert "호출금액 − 실운행료 > 0원" in q.tiers[0].note


@given(
    actual=st.integers(min_value=0, max_value=2_000_000),
    difference=st.integers(min_value=1, max_value=2_000_000),
    expected=st.integers(min_value=0, max_value=4_000_000),
)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_new_charge_lies_between_actual_fare_and_call_amount(actual, difference, expected):
    call = actual + difference
    tier2 = fare_down("fare.wrong_amount_entered", call=call, actual=actual, expected=expected)
    tier2 = tier2.tiers[1]
    assert isinstance(tier2.charge, int)
    assert actual <= tier2.charge < call
    band = call - expected
    wanted = 50 if band <= 50_000 else 30 if band <= 100_000 else 20 if band <= 200_000 else 10
    assert tier2.percent == wanted
    assert tier2.charge == actual + difference * wanted // 100


@given(
    actual=st.integers(min_value=0, max_value=500_000),
    difference=st.integers(min_value=1, max_value=500_000),
    expected=st.integers(min_value=0, max_value=1_000_000),
    more=st.integers(min_value=1, max_value=500_000),
)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_a_larger_gap_to_the_expected_fare_never_keeps_a_larger_share(
    actual, difference, expected, more
):
    call = actual + difference
    near = fare_down("fare.route_change_decrease", call=call, actual=actual, expected=expected)
    far = fare_down(
        "fare.route_change_decrease", call=call, actual=actual, expected=max(0, expected - more)
    )
    assert far.tiers[1].percent <= near.tiers[1].percent


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
    assert q.tiers[1].effects[0].payer == "platform"


@pytest.mark.parametrize(
    ("premium_fare", "explain"),
    [
        (75_000, "75,000 × 10% = 7,500 → 5,000원 단위 반올림 → 10,000원"),
        (20_000, "20,000 × 10% = 2,000 → 5,000원 단위 반올림 → 0원 → 최소 5,000원"),
    ],
)
def test_coupon_explains_its_rounding(premium_fare, explain):
    q = quote(
        rule_code="dispute.premium_driver_complaint",
        target="customer",
        facts={"premium_fare": premium_fare, "economy_fare": 10_000},
    )
    assert q.tiers[1].explain == explain


def test_points_explain_the_commission():
    q = quote(
        rule_code="in_ride.cs_dispute_stopped", target="driver", facts={"actual_fare": 23_456}
    )
    assert q.tiers[1].explain == "23,456 − 수수료 20% = 18,764P"
    assert q.tiers[1].amount == 18_764


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
    ("rule", "fact", "at_30", "at_31"),
    [
        ("dispatch.reservation_late", "late_minutes", "late_up_to_30", "late_over_30"),
        ("in_ride.navigation_driver_fault", "extra_minutes", "detour_up_to_30", "detour_over_30"),
        ("dispatch.reservation_no_show", "minutes_past_reservation", None, "no_show_over_30"),
        ("in_ride.navigation_app_error", "extra_minutes", None, "app_error_over_30"),
    ],
)
def test_exactly_thirty_minutes_takes_the_lower_row_without_penalty(rule, fact, at_30, at_31):
    """초과 is strictly more than 30: the four rows that read "30분 미만 / 초과" agree."""
    q30 = quote(rule_code=rule, target="customer", facts={fact: 30})
    q31 = quote(rule_code=rule, target="customer", facts={fact: 31})
    assert (q30.row, q31.row) == (at_30, at_31)
    assert q30.penalties == []


@pytest.mark.parametrize(
    ("rule", "target", "facts", "why"),
    [
        ("dispatch.reservation_no_show", "customer", {"minutes_past_reservation": 30}, "30분"),
        ("in_ride.navigation_app_error", "driver", {"extra_minutes": 30}, "30분"),
        ("dispute.driver_attitude", "customer", {"evidenced": False}, "증빙됨 = 예"),
        (
            "cs_complaint.callback_delay",
            "customer",
            {"business_days_since_promise": 2},
            "3영업일",
        ),
        ("outage.voucher_expired", "driver", {"expired_during_outage": False}, "장애시간 중 만료"),
        (
            "fare.wrong_origin_destination",
            "customer",
            {"actual_fare": 20_000, "call_amount": 20_000, "economy_fare": 15_000},
            "실운행료 − 호출금액 > 0원",
        ),
    ],
)
def test_a_case_the_rule_does_not_cover_is_an_answer_that_says_why(rule, target, facts, why):
    q = quote(rule_code=rule, target=target, facts=facts)
    assert q.row is None
    assert q.penalties == []
    [tier] = q.tiers
    assert (tier.tier, tier.kind, tier.effects, tier.outcome_id) == (1, "not_covered", [], None)
    assert tier.note.startswith("보상 대상 아님")
    assert why in tier.note


def test_a_target_the_rule_does_not_have_is_refused():
    with pytest.raises(NoMatchingRow, match="기사"):
        quote(rule_code="dispatch.reservation_late", target="driver", facts={})


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
        rule_code="ride_completed.parking_refused",
        target="customer",
        facts={"realtime": True, "extra_driver_needed": True},
    )
    assert q.tiers[0].amount == 15_000


def test_an_undecided_row_ahead_of_a_match_makes_its_fact_required():
    # Real time, but whether an extra driver is needed is unknown: the 15,000 row cannot be
    # decided, so the case must not fall through to a later row.
    with pytest.raises(FactsInvalid) as info:
        quote(
            rule_code="ride_completed.parking_refused", target="customer", facts={"realtime": True}
        )
    assert list(info.value.errors) == ["extra_driver_needed"]


def test_parking_coupon_only_when_the_customer_said_an_extra_driver_was_needed():
    def tier1(needed):
        return quote(
            rule_code="ride_completed.parking_refused",
            target="customer",
            facts={"realtime": True, "extra_driver_needed": needed},
        ).tiers[0]

    assert (tier1(True).kind, tier1(True).amount) == ("fixed", 15_000)
    assert (tier1(False).kind, tier1(False).amount) == ("care_only", None)


@pytest.mark.parametrize("rule", ["in_ride.cs_dispute_stopped", "in_ride.cs_dispute_completed"])
def test_cs_dispute_coupon_only_when_the_stop_makes_an_extra_call_necessary(rule):
    def tier1(needed):
        facts = {"actual_fare": 20_000, "extra_call_needed": needed}
        if rule.endswith("completed"):
            facts["customer_clearly_at_fault"] = False
        return quote(rule_code=rule, target="customer", facts=facts).tiers[0]

    assert [e.type for e in tier1(True).effects] == ["charge", "grant"]
    without = tier1(False)
    assert [e.type for e in without.effects] == ["charge"]
    assert (without.kind, without.amount, without.charge) == ("payment_action", None, 20_000)
    assert "고객 쿠폰 15,000원 제외 (운행 중단으로 추가 호출이 필요함: 아니오)" in without.explain


def test_cs_dispute_driver_is_paid_once_by_the_customer_then_by_the_platform():
    q = quote(
        rule_code="in_ride.cs_dispute_stopped", target="driver", facts={"actual_fare": 20_000}
    )
    tier1, tier2 = q.tiers
    # Tier 1 is the fare the customer's recharge pays: no platform grant, no payout.
    assert [(e.type, e.payer, e.recipient) for e in tier1.effects] == [
        ("charge", "customer", "driver")
    ]
    assert tier1.amount is None
    assert [(e.type, e.instrument, e.payer) for e in tier2.effects] == [
        ("grant", "points", "platform")
    ]


def test_no_cancel_where_the_customer_is_clearly_at_fault():
    def tier2(at_fault):
        return quote(
            rule_code="in_ride.cs_dispute_completed",
            target="customer",
            facts={"actual_fare": 20_000, "extra_call_needed": False,
                   "customer_clearly_at_fault": at_fault},
        ).tiers[1]  # fmt: skip

    assert tier2(False).actions == ["cancel_payment"]
    assert tier2(True).kind == "not_covered"
    assert tier2(True).effects == []
    assert "명백한 고객 귀책: 예" in tier2(True).note


def test_dui_points_only_after_the_driver_is_cleared():
    q = quote(
        rule_code="in_ride.dui_suspected_minimal", target="driver", facts={"dui_cleared": False}
    )
    assert [t.kind for t in q.tiers] == ["care_only", "not_covered", "not_covered"]
    assert [(p.code, p.trigger, p.tier) for p in q.penalties] == [
        ("driver_temporary_hold", "on_grant", 1)
    ]


def test_missing_parts_of_a_derived_fact_are_reported():
    with pytest.raises(FactsInvalid) as info:
        quote(rule_code="fare.wrong_amount_entered", target="customer", facts={"actual_fare": 1})
    assert list(info.value.errors) == ["call_amount"]


@given(st.integers(min_value=0, max_value=10**9))
def test_coupon_rounding_gives_a_whole_unit_within_half_a_unit(amount):
    rounded = round_coupon(amount, 5_000, 5_000)
    assert rounded % 5_000 == 0
    assert rounded >= 5_000
    assert rounded == 5_000 or abs(rounded - amount) <= 2_500


@given(st.integers(min_value=0, max_value=10**6), st.sampled_from([1_000, 5_000, 3_333]))
def test_coupon_rounding_is_half_up(multiple, unit):
    # Exactly half a unit above a multiple goes up; one 원 less goes down.
    half = (unit + 1) // 2
    assert round_coupon(multiple * unit + half, unit, 0) == (multiple + 1) * unit
    assert round_coupon(multiple * unit + half - 1, unit, 0) == multiple * unit


@given(st.integers(min_value=0, max_value=10**7))
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_premium_coupon_is_ten_percent_rounded_to_the_unit(premium_fare):
    q = quote(
        rule_code="dispute.premium_driver_complaint",
        target="customer",
        facts={"premium_fare": premium_fare, "economy_fare": 1},
    )
    assert q.tiers[1].amount == max(5_000, (premium_fare // 10 + 2_500) // 5_000 * 5_000)


@pytest.mark.parametrize(
    ("fare", "paid"),
    [(0, 0), (1, 0), (4, 3), (5, 4), (10_000, 8_000), (23_456, 18_764), (31_000, 24_800),
     (99_999, 79_999)],
)  # fmt: skip
def test_commission_keeps_eighty_percent_cut_to_the_won(fare, paid):
    assert less_commission(fare, 20) == paid


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=100))
def test_commission_never_pays_more_than_the_fare_nor_loses_a_whole_won_to_rounding(fare, rate):
    paid = less_commission(fare, rate)
    kept = fare * (100 - rate)  # in hundredths of a 원
    assert 0 <= paid <= fare
    assert paid * 100 <= kept < (paid + 1) * 100


def test_points_lose_a_won_at_most_once():
    # 3원 at 50% less 20% is 1.2원: one cut at the end gives 1, two cuts would give 0.
    assert less_commission(3, 20, percent=50) == 1


@pytest.mark.parametrize(
    ("rule", "fact"),
    [
        ("dispatch.reservation_late", "late_minutes"),
        ("in_ride.navigation_driver_fault", "extra_minutes"),
    ],
)
def test_no_lateness_is_not_covered(rule, fact):
    q = quote(rule_code=rule, target="customer", facts={fact: 0})
    assert (q.row, q.tiers[0].kind) == (None, "not_covered")
