"""The relief program presets (1015 outage, 2018 KT precedent), each published as version 1.

Read from the frozen relief_presets_v1.json beside this file, never from the live
`policies.seed_relief` (a test keeps the two equal). Parts are written while the version is
a draft, then it is published (the triggers of 0016 allow exactly that order).
"""

import datetime
import json
from pathlib import Path

from django.db import migrations
from django.utils import timezone

PRESETS = Path(__file__).with_name("relief_presets_v1.json")

VERSION_FIELDS = (
    "name",
    "note",
    "services",
    "budget",
    "audit_sample_percent",
    "audit_seed",
    "committee_award_min",
    "committee_award_max",
    "saturday_weeks",
    "transport_support_per_night",
    "transport_support_cap",
    "transport_nights",
    "transport_hours",
)


def _date(value):
    return datetime.date.fromisoformat(value) if value else None


def forwards(apps, schema_editor):
    Program = apps.get_model("policies", "ReliefProgram")
    Version = apps.get_model("policies", "ReliefProgramVersion")
    Event = apps.get_model("policies", "ReliefVersionEvent")
    parts = {
        "segments": apps.get_model("policies", "ReliefProgramSegment"),
        "loss_tiers": apps.get_model("policies", "ReliefLossTier"),
        "grants": apps.get_model("policies", "ReliefGrant"),
        "driver_bands": apps.get_model("policies", "ReliefDriverBand"),
        "windows": apps.get_model("policies", "ReliefWindow"),
        "evidence": apps.get_model("policies", "ReliefEvidence"),
    }
    now = timezone.now()
    for spec in json.loads(PRESETS.read_text(encoding="utf-8")):
        if Program.objects.filter(code=spec["code"]).exists():
            continue
        program = Program.objects.create(code=spec["code"], name=spec["name"])
        v = spec["version"]
        version = Version.objects.create(
            program=program,
            number=1,
            outage_start=datetime.datetime.fromisoformat(v["outage_start"]),
            outage_end=datetime.datetime.fromisoformat(v["outage_end"]),
            saturday_reference_date=_date(v["saturday_reference_date"]),
            **{f: v[f] for f in VERSION_FIELDS},
        )
        for key, model in parts.items():
            for row in spec[key]:
                if key == "windows":
                    row = {
                        **row,
                        "start_date": _date(row["start_date"]),
                        "end_date": _date(row["end_date"]),
                    }
                model.objects.create(version=version, **row)
        Version.objects.filter(pk=version.pk).update(status="published", published_at=now)
        Event.objects.create(
            version=version, from_status="draft", to_status="published", at=now, note="프리셋"
        )


def backwards(apps, schema_editor):
    # Published versions are immutable on PostgreSQL; only a fresh database goes back.
    pass


class Migration(migrations.Migration):
    dependencies = [("policies", "0016_relief_programs")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
