"""Writes of coverage rule versions and insurance lines.

A rule version's bands and amounts are written with bulk_create when the version is made
(the model's guard refuses row saves once a version has taken effect, which a loaded past
version already has).
"""

import datetime as dt
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q

from policies import seed_insurance
from policies.models import (
    CoverageBand,
    CoverageMinimum,
    CoverageRuleVersion,
    InsuranceLine,
)
from policies.models.insurance import today

VERSION_FIELDS = (
    "title",
    "legal_basis",
    "revenue_minimum",
    "users_minimum",
    "average_days",
    "fine",
    "note",
)
BAND_FIELDS = ("axis", "code", "label", "minimum", "maximum", "order")


def _write_parts(
    version: CoverageRuleVersion, bands: list[dict[str, Any]], minimums: list[dict[str, Any]]
) -> None:
    made = CoverageBand.objects.bulk_create(
        CoverageBand(version=version, **{f: b[f] for f in BAND_FIELDS}) for b in bands
    )
    by_code = {b.code: b for b in made}
    CoverageMinimum.objects.bulk_create(
        CoverageMinimum(
            version=version,
            users_band=by_code[m["users_band"]],
            revenue_band=by_code[m["revenue_band"]],
            amount=m["amount"],
        )
        for m in minimums
    )


def load_coverage_rules(versions: list[dict[str, Any]] | None = None) -> int:
    """The seed's rule versions (v1, v2), those not already there by number. Returns how
    many were made."""
    made = 0
    with transaction.atomic():
        for spec in versions or seed_insurance.VERSIONS:
            if CoverageRuleVersion.objects.filter(number=spec["number"]).exists():
                continue
            version = CoverageRuleVersion.objects.create(
                number=spec["number"],
                effective_from=dt.date.fromisoformat(spec["effective_from"]),
                effective_to=(
                    dt.date.fromisoformat(spec["effective_to"]) if spec["effective_to"] else None
                ),
                **{f: spec[f] for f in VERSION_FIELDS},
            )
            _write_parts(version, spec["bands"], spec["minimums"])
            made += 1
    return made


def coverage_rule_version_start_problem(effective_from: dt.date) -> str:
    """Why a new version may not start on `effective_from` (empty if it may): it must start
    after today, so it can be edited before it applies, and after every existing version's
    start, so it follows them."""
    if effective_from <= today():
        return "새 버전의 적용 시작일은 내일 이후여야 합니다(적용 전에 편집할 수 있도록)."
    later = CoverageRuleVersion.objects.filter(effective_from__gte=effective_from).first()
    if later is not None:
        return (
            f"v{later.number}이(가) {later.effective_from}부터 적용됩니다. 그 뒤 날짜를 고르세요."
        )
    return ""


def coverage_rule_version_create(
    *,
    source: CoverageRuleVersion,
    effective_from: dt.date,
    actor: User | None,
    title: str = "",
    note: str = "",
) -> CoverageRuleVersion:
    """A new version copying `source` whole (thresholds, fine, bands, amounts), in force from
    `effective_from` (after today, so it can be edited before it applies) with an open end.
    The version in force the day before, if its end is open or later, is closed that day."""
    problem = coverage_rule_version_start_problem(effective_from)
    if problem:
        raise ValidationError({"effective_from": problem})
    with transaction.atomic():
        # Lock every version so two managers making versions at once get distinct numbers
        # and do not both close the same predecessor (the unique number is the backstop).
        list(CoverageRuleVersion.objects.select_for_update().order_by("pk"))
        problem = coverage_rule_version_start_problem(effective_from)
        if problem:
            raise ValidationError({"effective_from": problem})
        previous = (
            CoverageRuleVersion.objects.filter(effective_from__lt=effective_from)
            .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=effective_from))
            .first()
        )
        if previous is not None:
            previous.effective_to = effective_from - dt.timedelta(days=1)
            previous._change_reason = f"새 버전 적용({effective_from})에 따라 종료"  # type: ignore[attr-defined]
            previous.save(update_fields=["effective_to"])
        number = (CoverageRuleVersion.objects.aggregate(n=Max("number"))["n"] or 0) + 1
        version = CoverageRuleVersion(
            number=number,
            effective_from=effective_from,
            effective_to=None,
            based_on=source,
            **{f: getattr(source, f) for f in VERSION_FIELDS},
        )
        version.title = title or source.title
        version.note = note or f"v{source.number}에서 복제"
        version._change_reason = f"v{source.number}에서 복제"  # type: ignore[attr-defined]
        version.save()
        bands = list(source.bands.values(*BAND_FIELDS))
        minimums = [
            {"users_band": u, "revenue_band": r, "amount": a}
            for u, r, a in source.minimums.values_list(
                "users_band__code", "revenue_band__code", "amount"
            )
        ]
        _write_parts(version, bands, minimums)
    return version


def insurance_line_register(*, actor: User | None = None, **fields: Any) -> InsuranceLine:
    """A new line, validated (no overlap with a line of its kind) before it is saved."""
    line = InsuranceLine(**fields)
    line.full_clean()
    if actor is not None:
        line._history_user = actor  # type: ignore[attr-defined]
    line.save()
    return line
