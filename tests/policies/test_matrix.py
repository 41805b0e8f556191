"""Every row of the seed-002 matrix (policy book v1), evaluated with amounts asserted."""

import pytest

from policies.selectors import quote

pytestmark = pytest.mark.django_db


def T(
    tier,
    kind,
    instrument=None,
    amount=None,
    amount_max=None,
    vouchers=None,
    actions=(),
    charge=None,
):
    return {
        "tier": tier,
        "kind": kind,
        "instrument": instrument,
        "amount": amount,
        "amount_max": amount_max,
        "vouchers": vouchers,
        "actions": list(actions),
        "charge": charge,
    }


CARE1 = T(1, "care_only")
REBAN = ["driver_reservation_ban_7d"]

# rule, target, facts, fault, tiers, penalties
CASES = [
    ("dispatch.reservation_not_accepted", "customer", {}, "none", [CARE1], []),
    (
        "dispatch.reservation_no_show",
        "customer",
        {"minutes_past_reservation": 31},
        "driver",
        [T(1, "payment_action", actions=["waive_no_show_fee"]), T(2, "fixed", "coupon", 10_000)],
        ["driver_reservation_ban_7d", "driver_permanent_suspension_on_3rd"],
    ),
    (
        "dispatch.reservation_late",
        "customer",
        {"late_minutes": 29},
        "driver",
        [CARE1, T(2, "fixed", "coupon", 5_000)],
        [],
    ),
    (
        "dispatch.reservation_late",
        "customer",
        {"late_minutes": 30},
        "driver",
        [CARE1, T(2, "fixed", "coupon", 5_000), T(3, "fixed", "coupon", 10_000)],
        REBAN,
    ),
    ("in_ride.navigation_driver_fault", "customer", {"extra_minutes": 29}, "driver", [CARE1], []),
    (
        "in_ride.navigation_driver_fault",
        "customer",
        {"extra_minutes": 30},
        "driver",
        [CARE1, T(2, "fixed", "coupon", 5_000)],
        [],
    ),
    (
        "in_ride.navigation_app_error",
        "customer",
        {"extra_minutes": 31},
        "platform",
        [CARE1, T(2, "fixed", "coupon", 5_000)],
        [],
    ),
    (
        "in_ride.navigation_app_error",
        "driver",
        {"extra_minutes": 31},
        "platform",
        [CARE1, T(2, "vouchers", "pro_voucher", vouchers=3)],
        [],
    ),
    (
        "in_ride.dui_suspected_partial",
        "customer",
        {"actual_fare": 23_000},
        "none",
        [T(1, "fixed", "coupon", 15_000, charge=23_000), T(2, "care_only")],
        [],
    ),
    (
        "in_ride.dui_suspected_minimal",
        "customer",
        {},
        "none",
        [T(1, "payment_action", actions=["cancel_payment"])],
        [],
    ),
    (
        "in_ride.dui_suspected_minimal",
        "driver",
        {},
        "none",
        [CARE1, T(2, "fixed", "points", 5_000), T(3, "range", "points", 5_000, 10_000)],
        [],
    ),
    # A fare paid as driver points loses the 20% commission: 31,000 → 24,800.
    (
        "in_ride.cs_dispute_stopped",
        "driver",
        {"actual_fare": 31_000},
        "driver_customer",
        [T(1, "percent_of_fare", "points", 24_800), T(2, "percent_of_fare", "points", 24_800)],
        [],
    ),
    (
        "in_ride.cs_dispute_stopped",
        "customer",
        {"actual_fare": 31_000},
        "driver_customer",
        [
            T(1, "fixed", "coupon", 15_000, actions=["recharge"], charge=31_000),
            T(2, "payment_action", actions=["cancel_payment"]),
        ],
        [],
    ),
    (
        "in_ride.cs_dispute_completed",
        "driver",
        {"actual_fare": 45_500},
        "driver_customer",
        [T(1, "percent_of_fare", "points", 36_400), T(2, "percent_of_fare", "points", 36_400)],
        [],
    ),
    (
        "in_ride.cs_dispute_completed",
        "customer",
        {"actual_fare": 45_500},
        "driver_customer",
        [
            T(1, "fixed", "coupon", 15_000, actions=["forced_discount"], charge=45_500),
            T(2, "payment_action", actions=["cancel_payment"]),
        ],
        [],
    ),
    (
        "ride_completed.parking_refused",
        "customer",
        {"realtime": True},
        "driver",
        [T(1, "fixed", "coupon", 15_000)],
        ["driver_parking_refusal_penalty"],
    ),
    (
        "ride_completed.parking_refused",
        "customer",
        {"realtime": False, "extra_call_made": False},
        "driver",
        [CARE1, T(2, "fixed", "coupon", 5_000)],
        ["driver_parking_refusal_penalty"],
    ),
    (
        "ride_completed.parking_refused",
        "customer",
        {"realtime": False, "extra_call_made": True, "extra_call_fare": 17_000},
        "driver",
        [CARE1, T(2, "payment_action", amount=17_000, actions=["forced_discount"])],
        ["driver_parking_refusal_penalty"],
    ),
    (
        "fare.wrong_origin_destination",
        "customer",
        {"actual_fare": 52_000, "economy_fare": 40_000},
        "customer",
        [
            T(1, "payment_action", amount=52_000, actions=["recharge"], charge=52_000),
            T(2, "payment_action", amount=40_000, actions=["recharge"], charge=40_000),
            T(3, "payment_action", amount=32_000, actions=["recharge"], charge=32_000),
        ],
        ["customer_app_suspension"],
    ),
    (
        "fare.wrong_origin_destination",
        "driver",
        {"actual_fare": 52_000, "economy_fare": 40_000},
        "customer",
        [
            T(2, "payment_action", amount=40_000, actions=["recharge"], charge=40_000),
            T(3, "percent_of_fare", "points", 32_000),
        ],
        [],
    ),
    (
        "fare.wrong_amount_entered",
        "customer",
        {"call_amount": 150_000, "actual_fare": 60_000},
        "customer",
        [CARE1, T(2, "fare_adjustment", amount=87_000, actions=["recharge"], charge=87_000)],
        [],
    ),
    (
        "fare.post_waypoint_dispute",
        "customer",
        {"calculator_amount": 38_700},
        "none",
        [T(1, "payment_action", amount=38_700, actions=["recharge"], charge=38_700)],
        [],
    ),
    (
        "fare.route_change_increase",
        "customer",
        {"actual_fare": 70_000, "call_amount": 55_000},
        "driver_customer",
        [T(1, "payment_action", amount=70_000, actions=["recharge"], charge=70_000)],
        ["customer_app_suspension"],
    ),
    # The extra fare (70,000 − 55,000) paid as points, less the commission.
    (
        "fare.route_change_increase",
        "driver",
        {"actual_fare": 70_000, "call_amount": 55_000},
        "driver_customer",
        [T(2, "care_only"), T(3, "percent_of_fare", "points", 12_000)],
        [],
    ),
    (
        "fare.route_change_decrease",
        "customer",
        {"call_amount": 80_000, "actual_fare": 50_000},
        "customer",
        [CARE1, T(2, "fare_adjustment", amount=65_000, actions=["recharge"], charge=65_000)],
        [],
    ),
    # 10% of 48,000 = 4,800 → nearest 5,000 (and never below the 5,000 minimum).
    (
        "dispute.premium_driver_complaint",
        "customer",
        {"premium_fare": 48_000, "economy_fare": 30_000},
        "driver",
        [
            CARE1,
            T(2, "percent_of_fare", "coupon", 5_000),
            T(3, "payment_action", amount=30_000, actions=["recharge"], charge=30_000),
        ],
        ["premium_driver_penalty_request"],
    ),
    # 10% of 126,000 = 12,600 → 15,000 (half up at 12,500).
    (
        "dispute.premium_driver_complaint",
        "customer",
        {"premium_fare": 126_000, "economy_fare": 90_000},
        "driver",
        [
            CARE1,
            T(2, "percent_of_fare", "coupon", 15_000),
            T(3, "payment_action", amount=90_000, actions=["recharge"], charge=90_000),
        ],
        ["premium_driver_penalty_request"],
    ),
    (
        "dispute.driver_attitude",
        "customer",
        {"evidenced": True},
        "driver",
        [CARE1, T(2, "range", "coupon", 5_000, 10_000)],
        ["driver_penalty"],
    ),
    (
        "dispute.other_driver_drove",
        "customer",
        {"evidenced": True},
        "driver",
        [T(1, "payment_action", actions=["cancel_payment"])],
        ["driver_penalty"],
    ),
    (
        "outage.met_driver_could_not_ride",
        "customer",
        {},
        "platform",
        [T(1, "needs_discussion", "coupon")],
        [],
    ),
    (
        "outage.voucher_expired",
        "driver",
        {},
        "platform",
        [T(1, "needs_discussion")],
        [],
    ),
    ("outage.customer_expense", "customer", {}, "platform", [T(1, "needs_discussion")], []),
    ("outage.driver_income", "driver", {}, "platform", [T(1, "needs_discussion")], []),
    (
        "cs_complaint.wrongful_suspension",
        "driver",
        {},
        "cs_center",
        [CARE1, T(2, "vouchers", "pro_voucher", vouchers=3)],
        [],
    ),
    (
        "cs_complaint.callback_delay",
        "driver",
        {"business_days_since_promise": 3},
        "cs_center",
        [CARE1, T(2, "vouchers", "pro_voucher", vouchers=3)],
        [],
    ),
    (
        "cs_complaint.callback_delay",
        "customer",
        {"business_days_since_promise": 4},
        "cs_center",
        [CARE1, T(2, "range", "coupon", 2_000, 5_000)],
        [],
    ),
    # A proven loss is made good exactly: no coupon rounding, no commission.
    (
        "cs_complaint.wrong_guidance",
        "customer",
        {"loss_amount": 12_340},
        "cs_center",
        [T(1, "actual_loss", "coupon", 12_340)],
        [],
    ),
    (
        "cs_complaint.wrong_guidance",
        "driver",
        {"loss_amount": 7_000},
        "cs_center",
        [T(1, "actual_loss", "points", 7_000)],
        [],
    ),
    (
        "cs_complaint.wrong_guidance",
        "customer",
        {"loss_amount": 0},
        "cs_center",
        [CARE1, T(2, "range", "coupon", 2_000, 5_000)],
        [],
    ),
    (
        "cs_complaint.wrong_guidance",
        "driver",
        {"loss_amount": 0},
        "cs_center",
        [CARE1, T(2, "range", "coupon", 2_000, 5_000)],
        [],
    ),
]

KEYS = ("tier", "kind", "instrument", "amount", "amount_max", "vouchers", "actions", "charge")


@pytest.mark.parametrize(
    ("rule", "target", "facts", "fault", "tiers", "penalties"),
    CASES,
    ids=[f"{c[0]}-{c[1]}-{i}" for i, c in enumerate(CASES)],
)
def test_matrix_row(rule, target, facts, fault, tiers, penalties):
    q = quote(rule_code=rule, target=target, facts=facts)
    assert q.policy_version == 1
    assert q.fault == fault
    assert [{k: getattr(t, k) for k in KEYS} for t in q.tiers] == tiers
    assert q.penalties == penalties


def test_every_row_of_the_book_is_covered_by_a_case():
    from policies.models import RuleRow

    covered = set()
    for rule, target, facts, *_ in CASES:
        q = quote(rule_code=rule, target=target, facts=facts)
        covered.add((rule, target, q.detail, q.notes))
    rows = {
        (r.rule.code, r.target, r.detail, r.notes)
        for r in RuleRow.objects.filter(rule__version__number=1).select_related("rule")
    }
    assert len(rows) == 40
    assert rows == covered


def test_all_seven_categories_are_in_the_book():
    from policies.models import Category, Rule

    assert set(Rule.objects.filter(version__number=1).values_list("category", flat=True)) == set(
        Category.values
    )
