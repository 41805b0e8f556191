"""Insurance lines: one of a kind in force on a day, found by kind and date; the demo
programme; the rule versions' guard once they apply and the copy that hands over to a new one."""

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from policies.insurance_selectors import insurance_line_in_force, lines_in_force
from policies.insurance_services import coverage_rule_version_create, insurance_line_register
from policies.models import (
    CoverageBand,
    CoverageRulesAreFixed,
    CoverageRuleVersion,
    InsuranceKind,
    InsuranceLine,
)
from policies.models.insurance import today

pytestmark = pytest.mark.django_db


def line(kind="privacy_liability", start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31), **kw):
    fields = dict(
        kind=kind,
        insurer="한빛화재해상보험",
        policy_number=f"{kind}-{start}",
        limit=1_000_000_000,
        deductible=10_000_000,
        period_start=start,
        period_end=end,
    )
    fields.update(kw)
    return insurance_line_register(**fields)


def test_the_line_of_a_kind_in_force_on_a_date_includes_both_ends_of_its_period():
    old = line(start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31))
    new = line(start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31))
    cgl = line(kind="cgl", start=dt.date(2025, 6, 1), end=dt.date(2026, 5, 31))
    assert insurance_line_in_force("privacy_liability", dt.date(2024, 12, 31)) == old
    assert insurance_line_in_force("privacy_liability", dt.date(2025, 1, 1)) == new
    assert insurance_line_in_force("privacy_liability", dt.date(2026, 1, 1)) is None
    assert insurance_line_in_force("e_finance_liability", dt.date(2025, 7, 1)) is None
    assert list(lines_in_force(dt.date(2025, 7, 1))) == [new, cgl]
    assert list(lines_in_force(dt.date(2025, 3, 1))) == [new]


def test_lines_of_one_kind_may_not_overlap_but_other_kinds_may():
    line(start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31))
    with pytest.raises(ValidationError) as caught:
        line(start=dt.date(2025, 12, 31), end=dt.date(2026, 12, 30), policy_number="X-2")
    assert "보험기간이 겹칩니다" in str(caught.value)
    line(kind="ebiz_liability", start=dt.date(2025, 3, 1), end=dt.date(2026, 2, 28))


def test_money_and_periods_are_checked_by_the_database_too():
    with pytest.raises(IntegrityError), transaction.atomic():
        InsuranceLine.objects.create(
            kind="cgl",
            insurer="누리손해보험",
            policy_number="GL-1",
            limit=1_000,
            deductible=2_000,
            period_start=dt.date(2025, 1, 1),
            period_end=dt.date(2025, 12, 31),
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        InsuranceLine.objects.create(
            kind="cgl",
            insurer="누리손해보험",
            policy_number="GL-2",
            limit=1_000,
            period_start=dt.date(2025, 1, 1),
            period_end=dt.date(2024, 12, 31),
        )


def test_mandatory_lines_are_the_privacy_and_e_finance_ones():
    assert {k for k in InsuranceKind if line(kind=k, policy_number=k).mandatory} == {
        "privacy_liability",
        "e_finance_liability",
    }


def test_demo_registers_every_kind_for_last_this_and_next_year_once():
    from policies.demo import seed

    for _ in range(2):
        seed(io.StringIO())
    assert InsuranceLine.objects.count() == 15
    for kind in InsuranceKind:
        assert insurance_line_in_force(kind, today()) is not None


def test_a_version_that_has_taken_effect_keeps_its_figures_and_rows():
    v2 = CoverageRuleVersion.objects.get(number=2)
    v2.users_minimum = 5_000
    with pytest.raises(CoverageRulesAreFixed, match="적용 종료일 외에는 바꿀 수 없습니다"):
        v2.save()
    band = CoverageBand.objects.filter(version__number=2).first()
    band.minimum = 1
    with pytest.raises(CoverageRulesAreFixed):
        band.save()
    with pytest.raises(CoverageRulesAreFixed):
        CoverageRuleVersion.objects.get(number=1).delete()
    v1 = CoverageRuleVersion.objects.get(number=1)
    v1.effective_to = today()
    with pytest.raises(CoverageRulesAreFixed, match="이미 끝난 버전"):
        v1.save()
    with pytest.raises(ValidationError, match="겹칩니다"):
        v1.full_clean()


def test_a_new_version_copies_its_source_and_closes_the_one_before(manager):
    start = today() + dt.timedelta(days=30)
    v3 = coverage_rule_version_create(
        source=CoverageRuleVersion.objects.get(number=2), effective_from=start, actor=manager
    )
    v2 = CoverageRuleVersion.objects.get(number=2)
    assert v2.effective_to == start - dt.timedelta(days=1)
    assert (v3.number, v3.effective_from, v3.effective_to) == (3, start, None)
    assert (v3.revenue_minimum, v3.users_minimum, v3.fine) == (1_000_000_000, 10_000, 20_000_000)
    assert v3.bands.count() == 6 and v3.minimums.count() == 9
    # Until it applies, the new version is edited freely.
    v3.users_minimum = 20_000
    v3.full_clean()
    v3.save()
    band = v3.bands.get(code="users_low")
    band.minimum = 20_000
    band.save()
    with pytest.raises(ValidationError, match="내일 이후"):
        coverage_rule_version_create(source=v3, effective_from=today(), actor=manager)
    with pytest.raises(ValidationError, match="v3이\\(가\\)"):
        coverage_rule_version_create(source=v3, effective_from=start, actor=manager)


def test_versions_may_not_overlap():
    v = CoverageRuleVersion(
        number=9,
        title="겹침",
        effective_from=dt.date(2024, 1, 1),
        revenue_minimum=1,
        users_minimum=1,
        fine=1,
    )
    with pytest.raises(ValidationError, match="겹칩니다"):
        v.full_clean()
