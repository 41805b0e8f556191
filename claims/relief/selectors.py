"""Reads of relief applications: the filtered list and the seed's breakdown of a program."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, QuerySet

from claims.relief.models import (
    DamageClass,
    ReliefApplication,
    ReliefApplicationGrant,
    ReliefImport,
    ReporterType,
)
from policies.models import ReliefProgram

Status = ReliefApplication.Status


def applications(
    *,
    program: ReliefProgram | None = None,
    segment: str | None = None,
    status: str | None = None,
    damage: str | None = None,
) -> QuerySet[ReliefApplication]:
    qs = ReliefApplication.objects.select_related("program", "program_version").prefetch_related(
        Prefetch("grants", queryset=ReliefApplicationGrant.objects.order_by("order", "id"))
    )
    if program is not None:
        qs = qs.filter(program=program)
    if segment:
        qs = qs.filter(segment=segment)
    if status:
        qs = qs.filter(status=status)
    if damage:
        qs = qs.filter(damage=damage)
    return qs.order_by("-id")


def _percent(count: int, total: int) -> float:
    # One decimal, as seed 000 reports them (79.8 %, 17.1 %).
    return round(count * 100 / total, 1) if total else 0.0


def breakdown(*, program: ReliefProgram) -> dict[str, Any]:
    """Counts and percentages by reporter type and by damage class, as seed 000 gives them.

    Duplicates are counted apart and left out of the shares (one business, one report).
    """
    base = ReliefApplication.objects.filter(program=program)
    duplicates = base.filter(status=Status.DUPLICATE).count()
    counted = base.exclude(status=Status.DUPLICATE)
    by_reporter = dict(
        counted.values_list("reporter_type")
        .annotate(n=Count("id"))
        .values_list("reporter_type", "n")
    )
    by_damage = dict(
        counted.values_list("damage").annotate(n=Count("id")).values_list("damage", "n")
    )
    total = sum(by_reporter.values())
    return {
        "program": program.code,
        "total": total,
        "duplicates": duplicates,
        "reporter_types": [
            {
                "code": code,
                "label": label,
                "count": by_reporter.get(code, 0),
                "percent": _percent(by_reporter.get(code, 0), total),
            }
            for code, label in ReporterType.choices
        ],
        "damage_classes": [
            {
                "code": code,
                "label": label,
                "count": by_damage.get(code, 0),
                "percent": _percent(by_damage.get(code, 0), total),
            }
            for code, label in DamageClass.choices
        ],
    }


def imports() -> QuerySet[ReliefImport]:
    return ReliefImport.objects.select_related("program", "created_by").order_by("-id")
