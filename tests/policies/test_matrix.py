"""Every row of the seed-002 matrix (policy book v1), evaluated: the row it matches, every
tier's effects with amounts, payers, recipients and triggers, and the penalties with theirs."""

import pytest

from policies.selectors import quote

pytestmark = pytest.mark.django_db

ON_GRANT = {"type": "on_grant", "tier": None, "count": None, "party": None}


def eff(type_, payer, recipient, *, instrument=None, action=None, amount=None, amount_max=None,
        count=None, trigger=ON_GRANT):  # fmt: skip
    return {
        "type": type_,
        "instrument": instrument,
        "action": action,
        "amount": amount,
        "amount_max": amount_max,
        "count": count,
        "payer": payer,
        "recipient": recipient,
        "trigger": trigger,
    }


def coupon(amount, to="customer"):
    return eff("grant", "platform", to, instrument="coupon", amount=amount)


def coupons(low, high, to="customer"):
    return eff("grant", "platform", to, instrument="coupon", amount=low, amount_max=high)


def points(amount, amount_max=None, trigger=ON_GRANT):
    return eff("grant", "platform", "driver", instrument="points", amount=amount,
               amount_max=amount_max, trigger=trigger)  # fmt: skip


def vouchers(n):
    return eff("grant", "platform", "driver", instrument="pro_voucher", count=n)


def charge(amount, action="recharge"):
    # A new charge of the ride: the customer pays it, to the driver; no payout.
    return eff("charge", "customer", "driver", action=action, amount=amount)


def act(action, payer, amount=None):
    return eff("action", payer, "customer", action=action, amount=amount)


def pen(code, subject, trigger="on_grant", tier=None, count=None):
    return (code, subject, trigger, tier, count)


CARE = ("care_only", [])
DISCUSS = ("needs_discussion", [])
BAN_7D = pen("driver_reservation_ban_7d", "driver")
PARKING = pen("driver_parking_refusal_penalty", "driver")
ON_CUSTOMER_REFUSING_3 = {"type": "on_refusal", "tier": 3, "count": None, "party": "customer"}
ON_CUSTOMER_REFUSING_2 = {"type": "on_refusal", "tier": 2, "count": None, "party": "customer"}

# rule, target, facts → row code, fault, {tier: (kind, effects)}, penalties
CASES = [
    (
        "dispatch.reservation_not_accepted", "customer", {}, "called_2h_before", "none",
        {1: CARE}, [],
    ),
    (
        "dispatch.reservation_no_show", "customer", {"minutes_past_reservation": 31},
        "no_show_over_30", "driver",
        {
            1: ("payment_action", [act("waive_no_show_fee", "driver")]),
            2: ("fixed", [coupon(10_000)]),
        },
        [BAN_7D, pen("driver_permanent_suspension", "driver", "on_repeat", count=3)],
    ),
    (
        "dispatch.reservation_late", "customer", {"late_minutes": 30}, "late_up_to_30", "driver",
        {1: CARE, 2: ("fixed", [coupon(5_000)])}, [],
    ),
    (
        "dispatch.reservation_late", "customer", {"late_minutes": 31}, "late_over_30", "driver",
        {1: CARE, 2: ("fixed", [coupon(5_000)]), 3: ("fixed", [coupon(10_000)])}, [BAN_7D],
    ),
    (
        "in_ride.navigation_driver_fault", "customer", {"extra_minutes": 30}, "detour_up_to_30",
        "driver", {1: CARE, 2: DISCUSS}, [],
    ),
    (
        "in_ride.navigation_driver_fault", "customer", {"extra_minutes": 31}, "detour_over_30",
        "driver", {1: CARE, 2: ("fixed", [coupon(5_000)])}, [],
    ),
    (
        "in_ride.navigation_app_error", "customer", {"extra_minutes": 31}, "app_error_over_30",
        "platform", {1: CARE, 2: ("fixed", [coupon(5_000)])}, [],
    ),
    (
        "in_ride.navigation_app_error", "driver", {"extra_minutes": 31},
        "app_error_over_30_driver", "platform", {1: CARE, 2: ("vouchers", [vouchers(3)])}, [],
    ),
    (
        "in_ride.dui_suspected_partial", "customer", {"actual_fare": 23_000}, "not_dui", "none",
        {1: ("fixed", [charge(23_000), coupon(15_000)]), 2: CARE}, [],
    ),
    (
        "in_ride.dui_suspected_minimal", "customer", {}, "not_dui", "none",
        {1: ("payment_action", [act("cancel_payment", "driver")])}, [],
    ),
    (
        "in_ride.dui_suspected_minimal", "driver", {"dui_cleared": True}, "not_dui_driver", "none",
        {1: CARE, 2: ("fixed", [points(5_000)]), 3: ("range", [points(5_000, 10_000)])},
        [pen("driver_temporary_hold", "driver", tier=1)],
    ),
    (
        "in_ride.cs_dispute_stopped", "driver", {"actual_fare": 23_456}, "dispute_driver",
        "driver_customer",
        {1: ("payment_action", [charge(23_456)]), 2: ("percent_of_fare", [points(18_764)])}, [],
    ),
    (
        "in_ride.cs_dispute_stopped", "customer",
        {"actual_fare": 23_456, "extra_call_needed": True}, "dispute_customer", "driver_customer",
        {
            1: ("fixed", [charge(23_456), coupon(15_000)]),
            2: ("payment_action", [act("cancel_payment", "platform")]),
        },
        [],
    ),
    (
        "in_ride.cs_dispute_completed", "driver", {"actual_fare": 30_000}, "dispute_driver",
        "driver_customer",
        {
            1: ("payment_action", [charge(30_000, "forced_discount")]),
            2: ("percent_of_fare", [points(24_000)]),
        },
        [],
    ),
    (
        "in_ride.cs_dispute_completed", "customer",
        {"actual_fare": 30_000, "extra_call_needed": True, "customer_clearly_at_fault": False},
        "dispute_customer", "driver_customer",
        {
            1: ("fixed", [charge(30_000, "forced_discount"), coupon(15_000)]),
            2: ("payment_action", [act("cancel_payment", "platform")]),
        },
        [],
    ),
    (
        "ride_completed.parking_refused", "customer",
        {"realtime": True, "extra_driver_needed": True}, "realtime_extra_driver", "driver",
        {1: ("fixed", [coupon(15_000)])}, [PARKING],
    ),
    (
        "ride_completed.parking_refused", "customer",
        {"realtime": True, "extra_driver_needed": False}, "realtime_no_extra_driver", "driver",
        {1: CARE}, [PARKING],
    ),
    (
        "ride_completed.parking_refused", "customer", {"realtime": False, "extra_call_made": False},
        "later_simple_claim", "driver", {1: CARE, 2: ("fixed", [coupon(5_000)])}, [PARKING],
    ),
    (
        "ride_completed.parking_refused", "customer",
        {"realtime": False, "extra_call_made": True, "extra_call_fare": 18_000},
        "later_extra_call", "driver",
        {1: CARE, 2: ("payment_action", [act("forced_discount", "platform", 18_000)])}, [PARKING],
    ),
    (
        "fare.wrong_origin_destination", "customer",
        {"actual_fare": 30_000, "call_amount": 20_000, "economy_fare": 25_000},
        "fare_up_customer", "customer",
        {
            1: ("payment_action", [charge(30_000)]),
            2: ("payment_action", [charge(25_000)]),
            3: ("payment_action", [charge(20_000)]),
        },
        [pen("customer_app_suspension", "customer", "on_refusal", tier=3)],
    ),
    (
        "fare.wrong_origin_destination", "driver",
        {"actual_fare": 30_000, "call_amount": 20_000, "economy_fare": 25_000},
        "fare_up_driver", "customer",
        {
            2: ("payment_action", [charge(25_000)]),
            3: ("percent_of_fare", [points(20_000, trigger=ON_CUSTOMER_REFUSING_3)]),
        },
        [],
    ),
    (
        "fare.wrong_amount_entered", "customer",
        {"call_amount": 150_000, "actual_fare": 60_000, "expected_fare": 55_000},
        "fare_down", "customer", {1: CARE, 2: ("fare_adjustment", [charge(87_000)])}, [],
    ),
    (
        "fare.post_waypoint_dispute", "customer", {"calculator_amount": 32_000}, "calculator",
        "none", {1: ("payment_action", [charge(32_000)])}, [],
    ),
    (
        "fare.route_change_increase", "customer", {"actual_fare": 40_000, "call_amount": 30_000},
        "fare_up_customer", "driver_customer",
        {1: ("payment_action", [charge(40_000)]), 2: ("payment_action", [charge(40_000)])},
        [pen("customer_app_suspension", "customer", "on_refusal", tier=2)],
    ),
    (
        "fare.route_change_increase", "driver", {"actual_fare": 40_000, "call_amount": 30_000},
        "fare_up_driver", "driver_customer",
        {2: CARE, 3: ("percent_of_fare", [points(8_000, trigger=ON_CUSTOMER_REFUSING_2)])}, [],
    ),
    (
        "fare.route_change_decrease", "customer",
        {"call_amount": 100_000, "actual_fare": 60_000, "expected_fare": 90_000},
        "fare_down", "customer", {1: CARE, 2: ("fare_adjustment", [charge(80_000)])}, [],
    ),
    (
        "dispute.premium_driver_complaint", "customer",
        {"premium_fare": 50_000, "economy_fare": 30_000}, "premium_up_to_50k", "driver",
        {
            1: CARE,
            2: ("percent_of_fare", [coupon(5_000)]),
            3: ("payment_action", [charge(30_000)]),
        },
        [pen("premium_driver_penalty_request", "driver", tier=2)],
    ),
    (
        "dispute.premium_driver_complaint", "customer",
        {"premium_fare": 125_000, "economy_fare": 60_000}, "premium_over_50k", "driver",
        {
            1: CARE,
            2: ("percent_of_fare", [coupon(15_000)]),
            3: ("payment_action", [charge(60_000)]),
        },
        [pen("premium_driver_penalty_request", "driver", tier=2)],
    ),
    (
        "dispute.driver_attitude", "customer", {"evidenced": True}, "evidenced", "driver",
        {1: CARE, 2: ("range", [coupons(5_000, 10_000)])}, [pen("driver_penalty", "driver")],
    ),
    (
        "dispute.other_driver_drove", "customer", {"evidenced": True}, "evidenced", "driver",
        {1: ("payment_action", [act("cancel_payment", "driver")])},
        [pen("driver_penalty", "driver")],
    ),
    (
        "outage.met_driver_could_not_ride", "customer", {}, "met_driver", "platform",
        {1: DISCUSS}, [],
    ),
    (
        "outage.voucher_expired", "driver", {"expired_during_outage": True}, "expired_in_outage",
        "platform", {1: DISCUSS}, [],
    ),
    ("outage.customer_expense", "customer", {}, "expense", "platform", {1: DISCUSS}, []),
    ("outage.driver_income", "driver", {}, "income", "platform", {1: DISCUSS}, []),
    (
        "cs_complaint.wrongful_suspension", "driver", {}, "driver", "cs_center",
        {1: CARE, 2: ("vouchers", [vouchers(3)])}, [],
    ),
    (
        "cs_complaint.callback_delay", "driver", {"business_days_since_promise": 3},
        "driver_3_days", "cs_center", {1: CARE, 2: ("vouchers", [vouchers(3)])}, [],
    ),
    (
        "cs_complaint.callback_delay", "customer", {"business_days_since_promise": 3},
        "customer_3_days", "cs_center", {1: CARE, 2: ("range", [coupons(2_000, 5_000)])}, [],
    ),
    (
        "cs_complaint.wrong_guidance", "customer", {"loss_amount": 12_345}, "loss_customer",
        "cs_center", {1: ("actual_loss", [coupon(12_345)])}, [],
    ),
    (
        "cs_complaint.wrong_guidance", "driver", {"loss_amount": 12_345}, "loss_driver",
        "cs_center", {1: ("actual_loss", [points(12_345)])}, [],
    ),
    (
        "cs_complaint.wrong_guidance", "customer", {"loss_amount": 0}, "no_loss_customer",
        "cs_center", {1: CARE, 2: ("range", [coupons(2_000, 5_000)])}, [],
    ),
    (
        "cs_complaint.wrong_guidance", "driver", {"loss_amount": 0}, "no_loss_driver",
        "cs_center", {1: CARE, 2: ("range", [points(2_000, 5_000)])}, [],
    ),
    (
        "cs_complaint.coupon_expired", "customer", {}, "no_extension", "none", {1: CARE}, [],
    ),
]  # fmt: skip

EFFECT_KEYS = [
    "type", "instrument", "action", "amount", "amount_max", "count", "payer", "recipient",
    "trigger",
]  # fmt: skip


def shape(q):
    tiers = {
        t.tier: (t.kind, [{k: getattr(e, k) for k in EFFECT_KEYS} for e in t.effects])
        for t in q.tiers
    }
    penalties = [(p.code, p.subject, p.trigger, p.tier, p.count) for p in q.penalties]
    return q.row, q.fault, tiers, penalties


@pytest.mark.parametrize(
    ("rule", "target", "facts", "row", "fault", "tiers", "penalties"),
    CASES,
    ids=[f"{c[0]}-{c[1]}-{c[3]}" for c in CASES],
)
def test_matrix_row(rule, target, facts, row, fault, tiers, penalties):
    q = quote(rule_code=rule, target=target, facts=facts)
    assert q.policy_version == 1
    assert shape(q) == (row, fault, tiers, penalties)


def test_every_row_of_the_book_is_covered_by_a_case():
    from policies.models import RuleRow

    covered = {(rule, row) for rule, _target, _facts, row, *_ in CASES}
    rows = {
        (r.rule.code, r.code)
        for r in RuleRow.objects.filter(rule__version__number=1).select_related("rule")
    }
    assert len(rows) == 42
    assert rows == covered


def test_all_seven_categories_are_in_the_book():
    from policies.models import Category, Rule

    assert set(Rule.objects.filter(version__number=1).values_list("category", flat=True)) == set(
        Category.values
    )
