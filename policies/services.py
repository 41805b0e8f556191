"""Every write to the policy book: loading it, drafting a new version, publishing it.

A published version never changes; a change is a new draft (a copy of a version), edited in
the admin and then published, which retires the version it replaces. Decisions name the
version number they used.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from policies import seed_book
from policies.models import (
    FareBand,
    PolicyVersion,
    Rule,
    RuleRow,
    TierOutcome,
)

Status = PolicyVersion.Status

VERSION_PARAMS = (
    "coupon_unit",
    "coupon_minimum",
    "coupon_validity_days",
    "driver_commission_percent",
    "points_memo",
)
OUTCOME_FIELDS = (
    "kind",
    "instrument",
    "amount",
    "amount_max",
    "percent",
    "basis",
    "vouchers",
    "actions",
    "charge_basis",
    "charge_percent",
    "note",
)


def load_book(
    models: dict[str, Any],
    *,
    version: dict[str, Any],
    bands: list[dict[str, Any]],
    rules: list[dict[str, Any]],
    status: str,
) -> Any:
    """Write a whole book as one version. `models` maps names to model classes, so the data
    migration can pass its historical models."""
    # Written as a draft (its parts may only be written while it is one), then given `status`.
    v = models["PolicyVersion"].objects.create(status=Status.DRAFT, **version)
    for band in bands:
        models["FareBand"].objects.create(version=v, **band)
    for order, spec in enumerate(rules, start=1):
        rule = models["Rule"].objects.create(
            version=v,
            code=spec["code"],
            category=spec["code"].split(".", 1)[0],
            name=spec["name"],
            description=spec.get("description", ""),
            order=order * 10,
        )
        for row_order, row_spec in enumerate(spec["rows"], start=1):
            row = models["RuleRow"].objects.create(
                rule=rule,
                order=row_order * 10,
                target=row_spec["target"],
                detail=row_spec["detail"],
                conditions=row_spec["conditions"],
                fault=row_spec["fault"],
                penalties=row_spec["penalties"],
                notes=row_spec["notes"],
            )
            for tier, outcome in row_spec["tiers"].items():
                models["TierOutcome"].objects.create(
                    row=row,
                    tier=tier,
                    kind=outcome["kind"],
                    instrument=outcome.get("instrument", ""),
                    amount=outcome.get("amount"),
                    amount_max=outcome.get("amount_max"),
                    percent=outcome.get("percent"),
                    basis=outcome.get("basis", ""),
                    vouchers=outcome.get("vouchers"),
                    actions=outcome.get("actions", []),
                    charge_basis=outcome.get("charge_basis", ""),
                    charge_percent=outcome.get("charge_percent"),
                    note=outcome.get("note", ""),
                )
    if status != Status.DRAFT:
        models["PolicyVersion"].objects.filter(pk=v.pk).update(
            status=status, published_at=timezone.now()
        )
        v.refresh_from_db()
    return v


def load_seed_book(models: dict[str, Any] | None = None) -> Any:
    """Version 1, published: the matrix of seed 002."""
    models = models or {
        "PolicyVersion": PolicyVersion,
        "FareBand": FareBand,
        "Rule": Rule,
        "RuleRow": RuleRow,
        "TierOutcome": TierOutcome,
    }
    return load_book(
        models,
        version=seed_book.VERSION,
        bands=seed_book.FARE_BANDS,
        rules=seed_book.RULES,
        status=Status.PUBLISHED,
    )


def policy_version_create_draft(
    *, source: PolicyVersion, actor: User | None, title: str = "", note: str = ""
) -> PolicyVersion:
    """A new draft that copies `source` whole (parameters, bands, rules, rows, outcomes)."""
    with transaction.atomic():
        # Lock the newest version row so two managers drafting at once get distinct numbers
        # (the unique constraint on number is the backstop).
        PolicyVersion.objects.select_for_update().order_by("-number").first()
        number = (PolicyVersion.objects.aggregate(n=Max("number"))["n"] or 0) + 1
        draft = PolicyVersion.objects.create(
            number=number,
            title=title or source.title,
            note=note or f"v{source.number}에서 복제",
            status=Status.DRAFT,
            based_on=source,
            created_by=actor,
            **{p: getattr(source, p) for p in VERSION_PARAMS},
        )
        FareBand.objects.bulk_create(
            FareBand(version=draft, upper_bound=b.upper_bound, percent=b.percent)
            for b in source.fare_bands.all()
        )
        for rule in source.rules.prefetch_related("rows__outcomes"):
            new_rule = Rule.objects.create(
                version=draft,
                code=rule.code,
                category=rule.category,
                name=rule.name,
                description=rule.description,
                order=rule.order,
            )
            for row in rule.rows.all():
                new_row = RuleRow.objects.create(
                    rule=new_rule,
                    order=row.order,
                    target=row.target,
                    detail=row.detail,
                    conditions=row.conditions,
                    fault=row.fault,
                    penalties=row.penalties,
                    notes=row.notes,
                )
                TierOutcome.objects.bulk_create(
                    TierOutcome(
                        row=new_row, tier=o.tier, **{f: getattr(o, f) for f in OUTCOME_FIELDS}
                    )
                    for o in row.outcomes.all()
                )
    return draft


def check_book(version: PolicyVersion) -> list[str]:
    """What keeps a version from being published, as messages (empty when it is sound)."""
    problems: list[str] = []
    bands = list(version.fare_bands.all())
    if sum(1 for b in bands if b.upper_bound is None) != 1:
        problems.append("요금 하향 구간에는 상한 없는 구간이 정확히 하나 있어야 합니다.")
    rules = list(version.rules.prefetch_related("rows__outcomes"))
    if not rules:
        problems.append("보상 유형이 하나도 없습니다.")
    if version.based_on is not None:
        before = set(version.based_on.rules.values_list("code", flat=True))
        removed = sorted(before - {r.code for r in rules})
        if removed:
            # Claims and integrations name rules by code; one vanishing is a decision to take
            # deliberately, so it is refused here rather than slipped in with other edits.
            problems.append(f"원본 버전에 있던 유형이 빠졌습니다: {', '.join(removed)}")
    for rule in rules:
        try:
            rule.clean()
        except ValidationError as exc:
            problems.append(f"{rule.code}: {'; '.join(exc.messages)}")
        rows = list(rule.rows.all())
        if not rows:
            problems.append(f"{rule.code}: 유형상세가 없습니다.")
        for row in rows:
            outcomes = list(row.outcomes.all())
            if not outcomes:
                problems.append(f"{row}: 차수별 결과가 없습니다.")
            for item in [row, *outcomes]:
                try:
                    item.clean()
                except ValidationError as exc:
                    problems.append(f"{item}: {'; '.join(exc.messages)}")
    return problems


def policy_version_publish(*, version_id: int, actor: User | None) -> PolicyVersion:
    """Publish a draft; the version it replaces is retired. Publishing twice is harmless."""
    with transaction.atomic():
        # Publishing is serialised on every version row, in pk order: a second publish waits
        # here, and its statements below then see the first one's result (read committed), so
        # it retires that version instead of leaving two published.
        list(PolicyVersion.objects.select_for_update().order_by("pk").values_list("pk"))
        version = PolicyVersion.objects.get(pk=version_id)
        if version.status == Status.PUBLISHED:
            return version
        if version.status != Status.DRAFT:
            raise ValidationError(f"v{version.number}은(는) 초안이 아니라 게시할 수 없습니다.")
        problems = check_book(version)
        if problems:
            raise ValidationError(problems)
        now = timezone.now()
        PolicyVersion.objects.filter(status=Status.PUBLISHED).update(status=Status.RETIRED)
        # Compare-and-set: only a draft becomes published.
        PolicyVersion.objects.filter(pk=version.pk, status=Status.DRAFT).update(
            status=Status.PUBLISHED, published_at=now, published_by=actor
        )
        version.refresh_from_db()
    return version
