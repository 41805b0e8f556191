"""Reads of insurance lines and coverage rule versions, and the coverage check on a date.

Other apps (incidents, relief programs) find the line that answers for them with
`insurance_line_in_force(kind, on)`.
"""

import datetime as dt
from typing import Any

from django.db.models import Case, Q, QuerySet, Value, When

from policies.coverage import Band, Cover, CoverageAnswer, CoverageRules, check_coverage
from policies.models import CoverageRuleVersion, InsuranceKind, InsuranceLine


class NoCoverageRules(LookupError):
    """No rule version is in force on the date asked."""


class UnknownLines(LookupError):
    """Lines asked for that do not exist or are not in force on the date."""


# Lines are listed in the order of the kinds (the mandatory ones first), not by code.
KIND_ORDER = Case(
    *(When(kind=kind, then=Value(n)) for n, kind in enumerate(InsuranceKind.values)),
    default=Value(len(InsuranceKind.values)),
)


def lines_in_force(on: dt.date, *, kind: str | None = None) -> QuerySet[InsuranceLine]:
    """The lines whose period holds `on` (both ends inclusive), one per kind at most."""
    lines = InsuranceLine.objects.filter(period_start__lte=on, period_end__gte=on)
    if kind:
        lines = lines.filter(kind=kind)
    return lines.order_by(KIND_ORDER, "pk")


def insurance_line_in_force(kind: str, on: dt.date) -> InsuranceLine | None:
    """The line of `kind` in force on `on`, or None. Lines of one kind never overlap
    (InsuranceLine.clean), so there is at most one."""
    return lines_in_force(on, kind=kind).first()


def coverage_rule_version_on(on: dt.date) -> CoverageRuleVersion:
    """The rule version in force on `on`; NoCoverageRules (with the dates that exist) if none."""
    version = (
        CoverageRuleVersion.objects.filter(effective_from__lte=on)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on))
        .order_by("-effective_from")
        .first()
    )
    if version is None:
        first = CoverageRuleVersion.objects.order_by("effective_from").first()
        since = f" ({first.effective_from}부터 적용)" if first else ""
        raise NoCoverageRules(f"{on}에 적용되는 개인정보 손해배상책임 기준이 없습니다{since}.")
    return version


def coverage_rules_of(version: CoverageRuleVersion) -> CoverageRules:
    """The version's data, bands and amounts as one immutable value for the check."""
    bands = list(version.bands.order_by("axis", "order", "minimum"))

    def band(b):  # type: ignore[no-untyped-def]
        return Band(code=b.code, label=b.label, minimum=b.minimum, maximum=b.maximum)

    amounts = {
        (users, revenue): amount
        for users, revenue, amount in version.minimums.values_list(
            "users_band__code", "revenue_band__code", "amount"
        )
    }
    return CoverageRules(
        number=version.number,
        title=version.title,
        legal_basis=version.legal_basis,
        effective_from=version.effective_from,
        effective_to=version.effective_to,
        revenue_minimum=version.revenue_minimum,
        users_minimum=version.users_minimum,
        average_days=version.average_days,
        fine=version.fine,
        revenue_bands=tuple(band(b) for b in bands if b.axis == "revenue"),
        users_bands=tuple(band(b) for b in bands if b.axis == "users"),
        amounts=amounts,
    )


def coverage_rules_in_force(on: dt.date) -> CoverageRules:
    return coverage_rules_of(coverage_rule_version_on(on))


def _cover(line: InsuranceLine) -> Cover:
    return Cover(
        line_id=line.pk,
        kind=line.kind,
        kind_label=str(line.get_kind_display()),
        insurer=line.insurer,
        policy_number=line.policy_number,
        limit=line.limit,
        period_start=line.period_start,
        period_end=line.period_end,
    )


def coverage_check_on(
    *,
    on: dt.date,
    revenue: int,
    user_counts: tuple[int, int, int],
    reserve: int = 0,
    line_ids: list[int] | None = None,
) -> CoverageAnswer:
    """The check under the version in force on `on`. The lines counted are `line_ids` (each
    must be a personal-information liability line in force on `on`, else UnknownLines), or
    by default the personal-information liability lines in force on `on`; `reserve` is
    mutual-aid cover or a reserve fund, in 원."""
    rules = coverage_rules_in_force(on)
    if line_ids is None:
        lines = list(lines_in_force(on, kind=InsuranceKind.PRIVACY_LIABILITY))
    else:
        wanted = set(line_ids)
        lines = list(lines_in_force(on).filter(pk__in=wanted))
        missing = sorted(wanted - {line.pk for line in lines})
        if missing:
            raise UnknownLines(
                f"{on}에 유효한 보험 계약이 아닙니다: {', '.join(str(i) for i in missing)}."
            )
        # Only personal-information liability cover meets the statutory minimum; another
        # line's limit (e-finance, CGL, …) must not be counted toward it.
        others = sorted(
            (line for line in lines if line.kind != InsuranceKind.PRIVACY_LIABILITY),
            key=lambda line: line.pk,
        )
        if others:
            wanted_label = InsuranceKind(InsuranceKind.PRIVACY_LIABILITY).label
            named = ", ".join(
                f"#{line.pk} {line.insurer} {line.policy_number}({line.get_kind_display()})"
                for line in others
            )
            raise UnknownLines(
                f"{wanted_label} 보험 계약만 셀 수 있습니다. 종류가 다른 계약: {named}."
            )
    return check_coverage(
        rules=rules,
        on=on,
        revenue=revenue,
        user_counts=user_counts,
        lines=[_cover(line) for line in lines],
        reserve=reserve,
    )


def all_lines(*, kind: str | None = None) -> QuerySet[InsuranceLine]:
    lines = InsuranceLine.objects.all()
    if kind:
        lines = lines.filter(kind=kind)
    return lines.order_by(KIND_ORDER, "-period_start", "pk")


def coverage_table(version: CoverageRuleVersion) -> dict[str, Any]:
    """The version's minimum-amount table laid out as the statute prints it: user bands as
    rows (highest first), revenue bands as columns (highest first)."""
    rules = coverage_rules_of(version)
    users = sorted(rules.users_bands, key=lambda b: -b.minimum)
    revenue = sorted(rules.revenue_bands, key=lambda b: -b.minimum)
    return {
        "columns": revenue,
        "rows": [
            {"band": u, "cells": [(r, rules.amounts.get((u.code, r.code))) for r in revenue]}
            for u in users
        ],
    }
