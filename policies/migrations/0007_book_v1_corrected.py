"""Version 1 corrected in place (nothing refers to it yet: no claim has been decided on it),
and any later version converted to effects, triggers and row codes.

v1 is rewritten from `policies.seed_book` as it now reads seed 002 (fare band by the expected
fare, payers, triggers, conditions, not-covered cases, the coupon-expiry rule). A version a
manager made since keeps its content: its outcome columns become effects, its condition and
penalty lists become rows.
"""

import json
from pathlib import Path

from django.db import migrations

BOOK = Path(__file__).with_name("book_v1.json")

OLD_PENALTIES = {
    # old code -> (new code, trigger, count)
    "driver_permanent_suspension_on_3rd": ("driver_permanent_suspension", "on_repeat", 3),
}


def _effects(outcome, target):
    """The old outcome columns as effect field dicts."""
    kind = outcome.kind
    grant = {"type": "grant", "payer": "platform", "recipient": target}
    out = []
    if kind in ("fixed", "range", "percent_of_fare", "actual_loss"):
        out.append(
            {
                **grant,
                "method": kind,
                "instrument": outcome.instrument,
                "amount": outcome.amount,
                "amount_max": outcome.amount_max,
                "step": 1000 if kind == "range" else None,
                "percent": outcome.percent,
                "basis": outcome.basis,
            }
        )
    elif kind == "vouchers":
        out.append(
            {
                **grant,
                "method": "count",
                "instrument": outcome.instrument,
                "count": outcome.vouchers,
            }
        )
    elif kind == "fare_adjustment":
        out.append(
            {
                "type": "charge",
                "method": "fare_adjustment",
                "payer": "customer",
                "recipient": "driver",
                "action": "recharge",
            }
        )
    elif kind == "payment_action":
        for action in outcome.actions:
            if action == "recharge" and outcome.basis:
                out.append(
                    {
                        "type": "charge",
                        "method": "percent_of_fare",
                        "payer": "customer",
                        "recipient": "driver",
                        "action": action,
                        "basis": outcome.basis,
                        "percent": outcome.percent or 100,
                    }
                )
            else:
                method = "percent_of_fare" if outcome.basis else "none"
                out.append(
                    {
                        "type": "action",
                        "method": method,
                        "payer": "platform",
                        "recipient": target,
                        "action": action,
                        "basis": outcome.basis,
                        "percent": (outcome.percent or 100) if outcome.basis else None,
                    }
                )
    if outcome.charge_basis:
        out.append(
            {
                "type": "charge",
                "method": "percent_of_fare",
                "payer": "customer",
                "recipient": "driver",
                "action": "recharge",
                "basis": outcome.charge_basis,
                "percent": outcome.charge_percent or 100,
            }
        )
    return out


# The refusal sanctions of the old reading were plain codes; each one is the claimant's refusal
# of the tier its note names ("3차 거부 시", "2차 거부 시").
REFUSAL_TIER = {"fare.wrong_origin_destination": 3, "fare.route_change_increase": 2}


def _row_codes(apps, rule_code):
    """v1's row codes for a rule, by target, in order (v1 is rewritten first)."""
    RuleRow = apps.get_model("policies", "RuleRow")
    codes = {}
    for row in RuleRow.objects.filter(rule__version__number=1, rule__code=rule_code).order_by(
        "order", "id"
    ):
        codes.setdefault(row.target, []).append(row.code)
    return codes


def _convert(apps, version):
    """A manager's version in the old shape, kept as it stands in the new one. Rows take v1's
    codes where the rule still has as many rows for the target, so decisions name them alike;
    the note says to compare it with v1 before publishing."""
    RowCondition = apps.get_model("policies", "RowCondition")
    RowPenalty = apps.get_model("policies", "RowPenalty")
    Effect = apps.get_model("policies", "Effect")
    PolicyVersion = apps.get_model("policies", "PolicyVersion")
    for rule in version.rules.all():
        v1_codes = _row_codes(apps, rule.code)
        rows = list(rule.rows.order_by("order", "id"))
        for i, row in enumerate(rows, start=1):
            same_target = [r for r in rows if r.target == row.target]
            known = v1_codes.get(row.target, [])
            row.code = (
                known[same_target.index(row)] if len(known) == len(same_target) else f"row_{i}"
            )
            row.save(update_fields=["code"])
            for cond in row.conditions_old or []:
                value = cond["value"]
                flag = value if isinstance(value, bool) else None
                RowCondition.objects.create(
                    row=row,
                    fact=cond["fact"],
                    op=cond["op"],
                    value=None if flag is not None else value,
                    flag=flag,
                )
            for code in row.penalties_old or []:
                new, trigger, count = OLD_PENALTIES.get(code, (code, "on_grant", None))
                subject = "customer" if code.startswith("customer") else "driver"
                tier = None
                if code == "customer_app_suspension" and rule.code in REFUSAL_TIER:
                    trigger, tier = "on_refusal", REFUSAL_TIER[rule.code]
                RowPenalty.objects.create(
                    row=row, code=new, subject=subject, trigger=trigger, tier=tier, count=count
                )
            for outcome in row.outcomes.all():
                for j, fields in enumerate(_effects(outcome, row.target), start=1):
                    clean = {k: v for k, v in fields.items() if v not in (None, "")}
                    Effect.objects.create(outcome=outcome, order=j * 10, **clean)
    note = "이전 형식에서 변환됨: 게시 전에 고쳐진 v1과 비교해 검토하세요. " + version.note
    PolicyVersion.objects.filter(pk=version.pk).update(note=note)


def _write_rules(models, version, rules):
    """The rules of a book (seed_book's shape) into `version`; frozen here, as the migration
    ran, whatever policies.services becomes."""
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
                value = cond["value"]
                flag = value if isinstance(value, bool) else None
                models["RowCondition"].objects.create(
                    row=row,
                    fact=cond["fact"],
                    op=cond["op"],
                    value=None if flag is not None else value,
                    flag=flag,
                )
            for pen in row_spec["penalties"]:
                models["RowPenalty"].objects.create(row=row, **pen)
            for tier, outcome in row_spec["tiers"].items():
                saved = models["TierOutcome"].objects.create(
                    row=row, tier=int(tier), kind=outcome["kind"], note=outcome.get("note", "")
                )
                for i, effect in enumerate(outcome.get("effects", []), start=1):
                    models["Effect"].objects.create(outcome=saved, **{"order": i * 10, **effect})


def forwards(apps, schema_editor):
    book = json.loads(BOOK.read_text(encoding="utf-8"))
    PolicyVersion = apps.get_model("policies", "PolicyVersion")
    PolicyVersionEvent = apps.get_model("policies", "PolicyVersionEvent")
    models = {
        name: apps.get_model("policies", name)
        for name in ("Rule", "RuleRow", "RowCondition", "RowPenalty", "TierOutcome", "Effect")
    }
    for version in PolicyVersion.objects.order_by("number"):
        if version.number == 1:
            version.rules.all().delete()
            _write_rules(models, version, book["rules"])
            PolicyVersion.objects.filter(pk=version.pk).update(title=book["version"]["title"])
        else:
            _convert(apps, version)
        if not PolicyVersionEvent.objects.filter(version=version).exists():
            # Versions from before event rows: their known history, from their own columns.
            PolicyVersionEvent.objects.create(
                version=version,
                to_status="draft",
                actor_id=version.created_by_id,
                at=version.created_at,
                note=version.note[:300],
            )
            if version.published_at is not None:
                PolicyVersionEvent.objects.create(
                    version=version,
                    from_status="draft",
                    to_status="published",
                    actor_id=version.published_by_id,
                    at=version.published_at,
                )
            if version.status == "retired":
                PolicyVersionEvent.objects.create(
                    version=version,
                    from_status="published",
                    to_status="retired",
                    at=version.published_at or version.created_at,
                )


class Migration(migrations.Migration):
    dependencies = [("policies", "0006_effects_triggers")]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
