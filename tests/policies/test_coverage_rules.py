"""The personal-information liability check (DOMAIN §6, seed 004) against the rule versions the
migration loads: every cell of the table in both versions with its band edges, the thresholds,
the ÷ 92 average, the version picked by date, and cover meeting or missing the minimum."""

import datetime as dt
from pathlib import Path

import pytest

from policies import seed_insurance
from policies.coverage import check_coverage, daily_average, rules_problems
from policies.insurance_selectors import (
    NoCoverageRules,
    UnknownLines,
    coverage_check_on,
    coverage_rules_in_force,
)
from policies.insurance_services import insurance_line_register

pytestmark = pytest.mark.django_db

V1_DAY = dt.date(2024, 3, 14)  # the last day of v1
V2_DAY = dt.date(2024, 3, 15)  # the first day of v2

# DOMAIN §6, written out again here (not read from the seed module) so the data is checked
# against the spec: users band × revenue band → minimum cover in 원.
TABLE = {
    ("users_top", "revenue_top"): 1_000_000_000,
    ("users_top", "revenue_mid"): 500_000_000,
    ("users_top", "revenue_low"): 200_000_000,
    ("users_mid", "revenue_top"): 500_000_000,
    ("users_mid", "revenue_mid"): 200_000_000,
    ("users_mid", "revenue_low"): 100_000_000,
    ("users_low", "revenue_top"): 200_000_000,
    ("users_low", "revenue_mid"): 100_000_000,
    ("users_low", "revenue_low"): 50_000_000,
}

# (revenue in 원, band) at and around every edge; the lowest differs by version.
REVENUE_EDGES = [
    (5_000_000_000, "revenue_low"),
    (5_000_000_001, "revenue_mid"),
    (80_000_000_000, "revenue_mid"),
    (80_000_000_001, "revenue_top"),
]
# (daily average users, band); the lowest differs by version.
USERS_EDGES = [
    (99_999, "users_low"),
    (100_000, "users_mid"),
    (999_999, "users_mid"),
    (1_000_000, "users_top"),
]
VERSIONS = {
    1: (V1_DAY, [(50_000_000, "revenue_low")], [(1_000, "users_low")]),
    2: (V2_DAY, [(1_000_000_000, "revenue_low")], [(10_000, "users_low")]),
}
CASES = [
    pytest.param(day, revenue, rband, users, uband, id=f"v{n}-r{revenue}-u{users}")
    for n, (day, low_revenue, low_users) in VERSIONS.items()
    for revenue, rband in low_revenue + REVENUE_EDGES
    for users, uband in low_users + USERS_EDGES
]


def quarter(average: int) -> tuple[int, int, int]:
    """Oct/Nov/Dec counts whose daily average (÷ 92) is exactly `average`."""
    return (average * 31, average * 30, average * 31)


@pytest.mark.parametrize("day, revenue, rband, users, uband", CASES)
def test_every_cell_of_the_table_at_its_band_edges(day, revenue, rband, users, uband):
    answer = coverage_check_on(on=day, revenue=revenue, user_counts=quarter(users))
    assert answer.daily_average_users == users
    assert answer.duty_applies
    assert (answer.users_band.code, answer.revenue_band.code) == (uband, rband)
    assert answer.minimum_amount == TABLE[(uband, rband)]
    # No line registered: the whole minimum is missing and the fine is due.
    assert answer.shortfall == answer.minimum_amount
    assert answer.fine == 20_000_000


def test_all_nine_cells_are_reached_in_both_versions():
    reached = {(c.values[0], c.values[4], c.values[2]) for c in CASES}
    for day in (V1_DAY, V2_DAY):
        assert {(u, r) for d, u, r in reached if d == day} == set(TABLE)


@pytest.mark.parametrize(
    "day, revenue, users, reasons",
    [
        (V1_DAY, 49_999_999, 1_000, ["매출액 49,999,999원이 기준 50,000,000원 미만"]),
        (V1_DAY, 50_000_000, 999, ["이용자 수 999명이 기준 1,000명 미만"]),
        (V1_DAY, 0, 0, ["매출액", "이용자 수"]),
        (V2_DAY, 999_999_999, 10_000, ["매출액 999,999,999원이 기준 1,000,000,000원 미만"]),
        (V2_DAY, 1_000_000_000, 9_999, ["이용자 수 9,999명이 기준 10,000명 미만"]),
        # Inside v1's lowest cell, outside v2's thresholds on both counts.
        (V2_DAY, 50_000_000, 1_000, ["매출액", "이용자 수"]),
    ],
)
def test_no_duty_below_the_thresholds_and_each_unmet_one_is_named(day, revenue, users, reasons):
    answer = coverage_check_on(on=day, revenue=revenue, user_counts=quarter(users))
    assert not answer.duty_applies
    assert answer.compliant
    assert answer.minimum_amount is None and answer.meets_minimum is None
    assert answer.fine == 0 and answer.shortfall == 0
    assert len(answer.not_applicable_reasons) == len(reasons)
    for given, expected in zip(answer.not_applicable_reasons, reasons, strict=True):
        assert expected in given


def test_the_version_is_picked_by_date():
    facts = dict(revenue=50_000_000, user_counts=quarter(1_000))
    before = coverage_check_on(on=V1_DAY, **facts)
    after = coverage_check_on(on=V2_DAY, **facts)
    assert before.rules.number == 1 and before.duty_applies and before.minimum_amount == 50_000_000
    assert after.rules.number == 2 and not after.duty_applies
    assert coverage_check_on(on=dt.date(2019, 6, 13), **facts).rules.number == 1
    assert coverage_check_on(on=dt.date(2031, 1, 1), **facts).rules.number == 2
    with pytest.raises(NoCoverageRules, match="2019-06-13부터"):
        coverage_check_on(on=dt.date(2019, 6, 12), **facts)


def test_the_daily_average_is_the_quarter_divided_by_92_floored():
    assert daily_average((31_000, 30_000, 31_000), 92) == 1_000
    assert daily_average((31_000, 30_000, 30_999), 92) == 999  # 91,999 / 92 = 999.99
    assert daily_average((0, 0, 91), 92) == 0
    below = coverage_check_on(on=V1_DAY, revenue=50_000_000, user_counts=(91_999, 0, 0))
    at = coverage_check_on(on=V1_DAY, revenue=50_000_000, user_counts=(0, 0, 92_000))
    assert (below.daily_average_users, below.duty_applies) == (999, False)
    assert (at.daily_average_users, at.duty_applies) == (1_000, True)


def _privacy_line(limit: int, *, start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31), **kw):
    fields = dict(
        kind="privacy_liability",
        insurer="한빛화재해상보험",
        policy_number=f"PI-{limit}-{start}",
        limit=limit,
        deductible=0,
        period_start=start,
        period_end=end,
    )
    fields.update(kw)
    return insurance_line_register(**fields)


def test_a_registered_line_at_the_minimum_meets_it():
    line = _privacy_line(50_000_000)
    answer = coverage_check_on(on=V1_DAY, revenue=50_000_000, user_counts=quarter(1_000))
    assert [c.line_id for c in answer.lines] == [line.pk]
    assert (answer.insured_total, answer.cover_total) == (50_000_000, 50_000_000)
    assert answer.meets_minimum is True and answer.compliant
    assert (answer.shortfall, answer.fine) == (0, 0)


def test_a_line_one_won_short_does_not_and_the_fine_is_named():
    _privacy_line(49_999_999)
    answer = coverage_check_on(on=V1_DAY, revenue=50_000_000, user_counts=quarter(1_000))
    assert answer.meets_minimum is False and not answer.compliant
    assert (answer.shortfall, answer.fine) == (1, 20_000_000)
    assert "1원 모자랍니다" in answer.summary and "과태료 20,000,000원" in answer.summary


def test_the_reserve_or_mutual_aid_counts_with_the_lines():
    _privacy_line(30_000_000)
    answer = coverage_check_on(
        on=V1_DAY, revenue=50_000_000, user_counts=quarter(1_000), reserve=20_000_000
    )
    assert (answer.insured_total, answer.reserve, answer.cover_total) == (
        30_000_000,
        20_000_000,
        50_000_000,
    )
    assert answer.meets_minimum is True


def test_only_privacy_lines_in_force_count_by_default_and_chosen_lines_replace_them():
    _privacy_line(1_000_000_000, start=dt.date(2023, 1, 1), end=dt.date(2023, 12, 31))
    ebiz = insurance_line_register(
        kind="ebiz_liability",
        insurer="누리손해보험",
        policy_number="EB-1",
        limit=3_000_000_000,
        period_start=dt.date(2024, 1, 1),
        period_end=dt.date(2024, 12, 31),
    )
    answer = coverage_check_on(on=V1_DAY, revenue=50_000_000, user_counts=quarter(1_000))
    assert answer.lines == () and answer.shortfall == 50_000_000
    # An e-biz line is not personal-information cover: choosing it is refused, not counted.
    with pytest.raises(UnknownLines, match=r"종류가 다른 계약: #\d+ 누리손해보험 EB-1\(e-biz"):
        coverage_check_on(
            on=V1_DAY, revenue=50_000_000, user_counts=quarter(1_000), line_ids=[ebiz.pk]
        )
    privacy = _privacy_line(2_000_000_000, start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31))
    chosen = coverage_check_on(
        on=V1_DAY, revenue=50_000_000, user_counts=quarter(1_000), line_ids=[privacy.pk]
    )
    assert chosen.meets_minimum is True and chosen.insured_total == 2_000_000_000
    with pytest.raises(UnknownLines, match="유효한 보험 계약이 아닙니다"):
        coverage_check_on(
            on=dt.date(2025, 1, 1),
            revenue=50_000_000,
            user_counts=quarter(1_000),
            line_ids=[ebiz.pk],
        )


def test_both_versions_are_complete_tables_from_their_thresholds():
    for day in (V1_DAY, V2_DAY):
        rules = coverage_rules_in_force(day)
        assert rules_problems(rules) == []
        assert rules.fine == 20_000_000 and rules.average_days == 92
    v2 = coverage_rules_in_force(V2_DAY)
    assert (v2.revenue_minimum, v2.users_minimum) == (1_000_000_000, 10_000)
    assert v2.amounts == coverage_rules_in_force(V1_DAY).amounts == TABLE


def test_an_incomplete_table_is_reported_and_refused():
    import dataclasses

    rules = coverage_rules_in_force(V1_DAY)
    broken = dataclasses.replace(
        rules,
        amounts={k: v for k, v in rules.amounts.items() if k != ("users_low", "revenue_low")},
    )
    assert rules_problems(broken) == [
        "1천 명 이상 10만 명 미만 × 5천만 원 이상 50억 원 이하의 최저가입금액이 없습니다."
    ]
    from policies.coverage import CoverageRulesIncomplete

    with pytest.raises(CoverageRulesIncomplete):
        check_coverage(rules=broken, on=V1_DAY, revenue=50_000_000, user_counts=quarter(1_000))


def test_the_migration_loads_the_versions_as_seed_insurance_says():
    frozen = Path(__file__).parents[2] / "policies" / "migrations" / "coverage_rules_v1.json"
    # Regenerate with
    # `python -m policies.seed_insurance > policies/migrations/coverage_rules_v1.json`.
    assert frozen.read_text(encoding="utf-8") == seed_insurance.as_json()
