"""The personal-information liability rule's versions as data: v1 (seed 004, DOMAIN §6) and v2
(the March 2024 thresholds, amounts carried over).

Read from the frozen coverage_rules_v1.json beside this file, never from the live
`policies.seed_insurance` (a test keeps the two equal).
"""

import datetime as dt
import json
from pathlib import Path

from django.db import migrations

RULES = Path(__file__).with_name("coverage_rules_v1.json")
VERSION_FIELDS = (
    "number",
    "title",
    "legal_basis",
    "revenue_minimum",
    "users_minimum",
    "average_days",
    "fine",
    "note",
)
BAND_FIELDS = ("axis", "code", "label", "minimum", "maximum", "order")


def _date(raw):
    return dt.date.fromisoformat(raw) if raw else None


def forwards(apps, schema_editor):
    Version = apps.get_model("policies", "CoverageRuleVersion")
    Band = apps.get_model("policies", "CoverageBand")
    Minimum = apps.get_model("policies", "CoverageMinimum")
    for spec in json.loads(RULES.read_text(encoding="utf-8")):
        if Version.objects.filter(number=spec["number"]).exists():
            continue
        version = Version.objects.create(
            effective_from=_date(spec["effective_from"]),
            effective_to=_date(spec["effective_to"]),
            **{f: spec[f] for f in VERSION_FIELDS},
        )
        bands = {
            b["code"]: Band.objects.create(version=version, **{f: b[f] for f in BAND_FIELDS})
            for b in spec["bands"]
        }
        Minimum.objects.bulk_create(
            Minimum(
                version=version,
                users_band=bands[m["users_band"]],
                revenue_band=bands[m["revenue_band"]],
                amount=m["amount"],
            )
            for m in spec["minimums"]
        )


def backwards(apps, schema_editor):
    apps.get_model("policies", "CoverageRuleVersion").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("policies", "0016_insurance_lines")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
