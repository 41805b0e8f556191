"""A fresh database holds the policy book of seed 002 as version 1, published.

This step writes the version row and its fare bands; its rules are written by 0007 in the
shape the book has since (effects, triggers, row codes). Both read the frozen book_v1.json
beside them, never the live `policies.seed_book` (a test keeps the two equal).
"""

import json
from pathlib import Path

from django.db import migrations
from django.utils import timezone

BOOK = Path(__file__).with_name("book_v1.json")


def forwards(apps, schema_editor):
    book = json.loads(BOOK.read_text(encoding="utf-8"))
    PolicyVersion = apps.get_model("policies", "PolicyVersion")
    FareBand = apps.get_model("policies", "FareBand")
    if PolicyVersion.objects.filter(number=1).exists():
        return
    fields = {f.name for f in PolicyVersion._meta.get_fields()}
    version = PolicyVersion.objects.create(
        status="draft", **{k: v for k, v in book["version"].items() if k in fields}
    )
    for band in book["fare_bands"]:
        FareBand.objects.create(version=version, **band)
    PolicyVersion.objects.filter(pk=version.pk).update(
        status="published", published_at=timezone.now()
    )


def backwards(apps, schema_editor):
    apps.get_model("policies", "PolicyVersion").objects.filter(number=1).delete()


class Migration(migrations.Migration):
    dependencies = [("policies", "0002_book")]

    operations = [migrations.RunPython(forwards, backwards)]
