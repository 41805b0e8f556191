"""Demo data of policies for `make run`: the insurance programme of the seed's platform,
renewed each calendar year (last year, this year, next year), registered through the
service. Lines are found by insurer and policy number, so running it again adds nothing."""

import datetime as dt

from django.core.management.base import OutputWrapper

from policies import seed_insurance
from policies.insurance_services import insurance_line_register, load_coverage_rules
from policies.models import InsuranceLine
from policies.models.insurance import today


def seed(stdout: OutputWrapper) -> None:
    load_coverage_rules()
    year = today().year
    made = 0
    for spec in seed_insurance.DEMO_LINES:
        for y in (year - 1, year, year + 1):
            number = f"{spec['number_prefix']}{y}{1 + seed_insurance.DEMO_LINES.index(spec):04d}"
            if InsuranceLine.objects.filter(insurer=spec["insurer"], policy_number=number).exists():
                continue
            insurance_line_register(
                kind=spec["kind"],
                insurer=spec["insurer"],
                policy_number=number,
                limit=spec["limit"],
                deductible=spec["deductible"],
                period_start=dt.date(y, 1, 1),
                period_end=dt.date(y, 12, 31),
                note=spec["note"],
            )
            made += 1
    stdout.write(f"  보험 계약 {made}건 등록 (보험 종류 {len(seed_insurance.DEMO_LINES)}개)")
