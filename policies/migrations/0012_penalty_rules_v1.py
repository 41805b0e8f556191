"""The account penalty rules (트루카 table of seed 003, the 대리 matrix's penalties) join the
book, and published versions keep them immutable on PostgreSQL like every other part.

The rules are read from the frozen penalties_v1.json beside this file, never from the live
`policies.seed_penalties` (a test keeps the two equal). They were policy before they were data,
so every version that exists gets them, v1 and any version a manager made since; that is done
before the trigger exists, since those versions are published or retired.
"""

import json
from pathlib import Path

from django.db import migrations

RULES = Path(__file__).with_name("penalties_v1.json")

FIELDS = (
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


def forwards(apps, schema_editor):
    rules = json.loads(RULES.read_text(encoding="utf-8"))
    PolicyVersion = apps.get_model("policies", "PolicyVersion")
    PenaltyRule = apps.get_model("policies", "PenaltyRule")
    for version in PolicyVersion.objects.order_by("number"):
        if PenaltyRule.objects.filter(version=version).exists():
            continue
        PenaltyRule.objects.bulk_create(
            PenaltyRule(version=version, **{f: spec[f] for f in FIELDS}) for spec in rules
        )
    if schema_editor.connection.vendor == "postgresql":
        # policies_book_part_immutable() is 0010's guard of every book table.
        schema_editor.execute(
            "CREATE TRIGGER policies_penaltyrule_immutable BEFORE INSERT OR UPDATE OR DELETE "
            "ON policies_penaltyrule FOR EACH ROW "
            "EXECUTE FUNCTION policies_book_part_immutable('version')",
            params=None,
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "DROP TRIGGER IF EXISTS policies_penaltyrule_immutable ON policies_penaltyrule",
            params=None,
        )
    apps.get_model("policies", "PenaltyRule").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("policies", "0011_penalty_rules")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
