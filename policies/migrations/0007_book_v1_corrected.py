"""Version 1 corrected in place (nothing refers to it yet: no claim has been decided on it),
and any later version converted to effects, triggers and row codes.

v1 is rewritten from `policies.seed_book` as it now reads seed 002 (fare band by the expected
fare, payers, triggers, conditions, not-covered cases, the coupon-expiry rule). A version a
manager made since keeps its content: its outcome columns become effects, its condition and
penalty lists become rows.
"""

from django.db import migrations

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


def _convert(apps, version):
    RowCondition = apps.get_model("policies", "RowCondition")
    RowPenalty = apps.get_model("policies", "RowPenalty")
    Effect = apps.get_model("policies", "Effect")
    for rule in version.rules.all():
        for i, row in enumerate(rule.rows.order_by("order", "id"), start=1):
            row.code = f"row_{i}"
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
                RowPenalty.objects.create(
                    row=row, code=new, subject=subject, trigger=trigger, count=count
                )
            for outcome in row.outcomes.all():
                for j, fields in enumerate(_effects(outcome, row.target), start=1):
                    clean = {k: v for k, v in fields.items() if v not in (None, "")}
                    Effect.objects.create(outcome=outcome, order=j * 10, **clean)


def forwards(apps, schema_editor):
    from policies import seed_book
    from policies.services import write_rules

    PolicyVersion = apps.get_model("policies", "PolicyVersion")
    PolicyVersionEvent = apps.get_model("policies", "PolicyVersionEvent")
    models = {
        name: apps.get_model("policies", name)
        for name in ("Rule", "RuleRow", "RowCondition", "RowPenalty", "TierOutcome", "Effect")
    }
    for version in PolicyVersion.objects.order_by("number"):
        if version.number == 1:
            version.rules.all().delete()
            write_rules(models, version, seed_book.RULES)
            PolicyVersion.objects.filter(pk=version.pk).update(title=seed_book.VERSION["title"])
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
