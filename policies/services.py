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

from policies import seed_book, seed_penalties, seed_rm
from policies.facts import validate_outcome_effects
from policies.models import (
    Effect,
    FareBand,
    PenaltyRule,
    PolicyVersion,
    PolicyVersionEvent,
    RmCategory,
    RmSubtype,
    RowCondition,
    RowPenalty,
    Rule,
    RuleRow,
    TierOutcome,
    violation_code,
)
from policies.selectors import forget_current_version

Status = PolicyVersion.Status

VERSION_PARAMS = (
    "coupon_unit",
    "coupon_minimum",
    "coupon_validity_days",
    "driver_commission_percent",
    "points_memo",
    "tier1_role",
    "tier2_role",
    "tier3_role",
    "discussion_role",
    "agent_daily_tier1_cap",
    "rm_day_start_hour",
    "rm_day_end_hour",
    "rm_repeat_accident_window_days",
    "rm_repeat_accident_count",
)
EFFECT_FIELDS = (
    "order",
    "type",
    "method",
    "instrument",
    "action",
    "amount",
    "amount_max",
    "step",
    "count",
    "percent",
    "basis",
    "payer",
    "recipient",
    "trigger",
    "trigger_tier",
    "trigger_count",
    "trigger_party",
    "when_fact",
    "when_value",
    "note",
)


def _condition_fields(cond: dict[str, Any]) -> dict[str, Any]:
    value = cond["value"]
    if isinstance(value, bool):
        return {"fact": cond["fact"], "op": cond["op"], "flag": value, "value": None}
    return {"fact": cond["fact"], "op": cond["op"], "value": value, "flag": None}


def write_rules(models: dict[str, Any], version: Any, rules: list[dict[str, Any]]) -> None:
    """Write the rules of a book (seed_book's shape) into `version`, a draft. `models` maps
    names to model classes, so a data migration can pass its historical models."""
    for order, spec in enumerate(rules, start=1):
        rule = models["Rule"].objects.create(
            version=version,
            code=spec["code"],
            category=spec["code"].split(".", 1)[0],
            name=spec["name"],
            description=spec.get("description", ""),
            order=order * 10,
        )
        for row_order, row_spec in enumerate(spec["rows"], start=1):
            row = models["RuleRow"].objects.create(
                rule=rule,
                code=row_spec["code"],
                order=row_order * 10,
                target=row_spec["target"],
                detail=row_spec["detail"],
                fault=row_spec["fault"],
                notes=row_spec["notes"],
            )
            for cond in row_spec["conditions"]:
                models["RowCondition"].objects.create(row=row, **_condition_fields(cond))
            for pen in row_spec["penalties"]:
                models["RowPenalty"].objects.create(row=row, **pen)
            for tier, outcome in row_spec["tiers"].items():
                saved = models["TierOutcome"].objects.create(
                    row=row, tier=tier, kind=outcome["kind"], note=outcome.get("note", "")
                )
                for effect_order, eff in enumerate(outcome.get("effects", []), start=1):
                    models["Effect"].objects.create(
                        outcome=saved, **{"order": effect_order * 10, **eff}
                    )


BOOK_MODELS = (
    "PolicyVersion",
    "PolicyVersionEvent",
    "FareBand",
    "Rule",
    "RuleRow",
    "RowCondition",
    "RowPenalty",
    "TierOutcome",
    "Effect",
    "PenaltyRule",
    "RmCategory",
    "RmSubtype",
)

RM_CATEGORY_FIELDS = (
    "code",
    "label",
    "order",
    "sensitive",
    "share_when_media",
    "sla_critical_hours",
    "sla_high_hours",
    "sla_medium_hours",
    "sla_low_hours",
)
RM_SUBTYPE_FIELDS = (
    "code",
    "label",
    "definition",
    "insurance_exempt",
    "accident",
    "gross_negligence",
    "order",
)
PENALTY_RULE_FIELDS = (
    "code",
    "kind",
    "name",
    "order",
    "threshold_count",
    "threshold_amount",
    "window_days",
    "action",
    "scope",
    "duration_days",
    "lift_condition",
    "notes",
)


def load_book(
    models: dict[str, Any],
    *,
    version: dict[str, Any],
    bands: list[dict[str, Any]],
    rules: list[dict[str, Any]],
    status: str,
    penalty_rules: list[dict[str, Any]] | None = None,
    rm_taxonomy: list[dict[str, Any]] | None = None,
) -> Any:
    """Write a whole book as one version, with its event rows."""
    # Written as a draft (its parts may only be written while it is one), then given `status`.
    v = models["PolicyVersion"].objects.create(status=Status.DRAFT, **version)
    now = timezone.now()
    models["PolicyVersionEvent"].objects.create(
        version=v, from_status="", to_status=Status.DRAFT, at=now, note="정책 문서에서 적재"
    )
    for band in bands:
        models["FareBand"].objects.create(version=v, **band)
    write_rules(models, v, rules)
    for spec in penalty_rules or []:
        models["PenaltyRule"].objects.create(version=v, **{f: spec[f] for f in PENALTY_RULE_FIELDS})
    for spec in rm_taxonomy or []:
        cat = models["RmCategory"].objects.create(
            version=v, **{f: spec[f] for f in RM_CATEGORY_FIELDS}
        )
        for sub in spec["subtypes"]:
            models["RmSubtype"].objects.create(
                version=v, category=cat, **{f: sub[f] for f in RM_SUBTYPE_FIELDS}
            )
    if status != Status.DRAFT:
        models["PolicyVersion"].objects.filter(pk=v.pk).update(status=status, published_at=now)
        models["PolicyVersionEvent"].objects.create(
            version=v, from_status=Status.DRAFT, to_status=status, at=now, note="정책 문서에서 적재"
        )
        v.refresh_from_db()
    return v


def book_models() -> dict[str, Any]:
    from policies import models as m

    return {name: getattr(m, name) for name in BOOK_MODELS}


def load_seed_book(models: dict[str, Any] | None = None) -> Any:
    """Version 1, published: the matrix of seed 002 and the account penalty rules."""
    return load_book(
        models or book_models(),
        version=seed_book.VERSION,
        bands=seed_book.FARE_BANDS,
        rules=seed_book.RULES,
        status=Status.PUBLISHED,
        penalty_rules=seed_penalties.PENALTY_RULES,
        rm_taxonomy=seed_rm.CATEGORIES,
    )


def _event(version: PolicyVersion, *, before: str, after: str, actor: User | None, note: str):  # type: ignore[no-untyped-def]
    PolicyVersionEvent.objects.create(
        version=version,
        from_status=before,
        to_status=after,
        actor=actor,
        at=timezone.now(),
        note=note[:300],
    )


def policy_version_create_draft(
    *, source: PolicyVersion, actor: User | None, title: str = "", note: str = ""
) -> PolicyVersion:
    """A new draft that copies `source` whole (parameters, bands, rules, rows, conditions,
    penalties, outcomes and effects, account penalty rules)."""
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
        _event(draft, before="", after=Status.DRAFT, actor=actor, note=draft.note)
        FareBand.objects.bulk_create(
            FareBand(version=draft, upper_bound=b.upper_bound, percent=b.percent)
            for b in source.fare_bands.all()
        )
        PenaltyRule.objects.bulk_create(
            PenaltyRule(version=draft, **{f: getattr(p, f) for f in PENALTY_RULE_FIELDS})
            for p in source.penalty_rules.all()
        )
        for cat in source.rm_categories.prefetch_related("subtypes"):
            new_cat = RmCategory.objects.create(
                version=draft, **{f: getattr(cat, f) for f in RM_CATEGORY_FIELDS}
            )
            RmSubtype.objects.bulk_create(
                RmSubtype(
                    version=draft,
                    category=new_cat,
                    **{f: getattr(sub, f) for f in RM_SUBTYPE_FIELDS},
                )
                for sub in cat.subtypes.all()
            )
        rules = source.rules.prefetch_related(
            "rows__conditions", "rows__penalties", "rows__outcomes__effects"
        )
        for rule in rules:
            new_rule = Rule.objects.create(
                version=draft,
                code=rule.code,
                category=rule.category,
                name=rule.name,
                description=rule.description,
                order=rule.order,
                monthly_budget=rule.monthly_budget,
            )
            for row in rule.rows.all():
                new_row = RuleRow.objects.create(
                    rule=new_rule,
                    code=row.code,
                    order=row.order,
                    target=row.target,
                    detail=row.detail,
                    fault=row.fault,
                    notes=row.notes,
                )
                RowCondition.objects.bulk_create(
                    RowCondition(row=new_row, fact=x.fact, op=x.op, value=x.value, flag=x.flag)
                    for x in row.conditions.all()
                )
                RowPenalty.objects.bulk_create(
                    RowPenalty(
                        row=new_row,
                        code=p.code,
                        subject=p.subject,
                        trigger=p.trigger,
                        tier=p.tier,
                        count=p.count,
                    )
                    for p in row.penalties.all()
                )
                for o in row.outcomes.all():
                    new_outcome = TierOutcome.objects.create(
                        row=new_row, tier=o.tier, kind=o.kind, note=o.note
                    )
                    Effect.objects.bulk_create(
                        Effect(outcome=new_outcome, **{f: getattr(e, f) for f in EFFECT_FIELDS})
                        for e in o.effects.all()
                    )
    return draft


def check_book(version: PolicyVersion) -> list[str]:
    """What keeps a version from being published, as messages (empty when it is sound)."""
    problems: list[str] = []
    bands = list(version.fare_bands.all())
    if sum(1 for b in bands if b.upper_bound is None) != 1:
        problems.append("요금 하향 구간에는 상한 없는 구간이 정확히 하나 있어야 합니다.")
    rules = list(
        version.rules.prefetch_related(
            "rows__conditions", "rows__penalties", "rows__outcomes__effects"
        )
    )
    if not rules:
        problems.append("보상 유형이 하나도 없습니다.")
    if version.based_on is not None:
        before = set(version.based_on.rules.values_list("code", flat=True))
        removed = sorted(before - {r.code for r in rules})
        if removed:
            # Claims and integrations name rules by code; one vanishing is a decision to take
            # deliberately, so it is refused here rather than slipped in with other edits.
            problems.append(f"원본 버전에 있던 유형이 빠졌습니다: {', '.join(removed)}")
        # Violations already recorded name their code; the same goes for penalty rules.
        had = set(version.based_on.penalty_rules.values_list("kind", "code"))
        gone = sorted(had - set(version.penalty_rules.values_list("kind", "code")))
        if gone:
            problems.append(
                "원본 버전에 있던 계정 제재 기준이 빠졌습니다: "
                + ", ".join(f"{code} ({kind})" for kind, code in gone)
            )
    # A matrix penalty is recorded on an account as a violation: its code must have a penalty
    # rule of this version for its subject, acting at the count the matrix states, or every
    # decision of that row would fail.
    penalty_rules = {(p.kind, p.code): p for p in version.penalty_rules.all()}
    for rule in rules:
        for row in rule.rows.all():
            for penalty in row.penalties.all():
                account_rule = penalty_rules.get((penalty.subject, violation_code(penalty.code)))
                if account_rule is None:
                    problems.append(
                        f"{rule.code} {row.code}: 패널티 {penalty.code}에 맞는 "
                        f"{penalty.get_subject_display()} 계정 제재 기준이 없습니다."
                    )
                elif (
                    penalty.trigger == "on_repeat" and account_rule.threshold_count != penalty.count
                ):
                    problems.append(
                        f"{rule.code} {row.code}: 패널티 {penalty.code}의 누적 횟수 "
                        f"{penalty.count}회가 계정 제재 기준({account_rule.threshold_count}회)과 "
                        "다릅니다."
                    )
    for rule in rules:
        try:
            rule.clean()
        except ValidationError as exc:
            problems.append(f"{rule.code}: {'; '.join(exc.messages)}")
        rows = list(rule.rows.all())
        if not rows:
            problems.append(f"{rule.code}: 유형상세가 없습니다.")
        codes = [r.code for r in rows]
        if any(not code for code in codes) or len(codes) != len(set(codes)):
            problems.append(f"{rule.name}: 유형상세마다 유형 안에서 유일한 코드가 필요합니다.")
        for row in rows:
            outcomes = list(row.outcomes.all())
            if not outcomes:
                problems.append(f"{row}: 차수별 결과가 없습니다.")
            parts: list[Any] = [*row.conditions.all(), *row.penalties.all()]
            for outcome in outcomes:
                effects = list(outcome.effects.all())
                parts += effects
                problems += [
                    f"{row} {outcome}: {p}" for p in validate_outcome_effects(outcome.kind, effects)
                ]
            for item in parts:
                try:
                    item.clean()
                except ValidationError as exc:
                    problems.append(f"{row} {item}: {'; '.join(exc.messages)}")
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
        for old in PolicyVersion.objects.filter(status=Status.PUBLISHED):
            PolicyVersion.objects.filter(pk=old.pk, status=Status.PUBLISHED).update(
                status=Status.RETIRED
            )
            _event(
                old,
                before=Status.PUBLISHED,
                after=Status.RETIRED,
                actor=actor,
                note=f"v{version.number} 게시로 종료",
            )
        # Compare-and-set: only a draft becomes published.
        PolicyVersion.objects.filter(pk=version.pk, status=Status.DRAFT).update(
            status=Status.PUBLISHED, published_at=now, published_by=actor
        )
        _event(version, before=Status.DRAFT, after=Status.PUBLISHED, actor=actor, note=version.note)
        # Quotes read the current number from the cache: drop it now (for this transaction's
        # own reads) and again once the change is visible (a reader may have cached the old
        # number in between).
        forget_current_version()
        transaction.on_commit(forget_current_version)
        version.refresh_from_db()
    return version
