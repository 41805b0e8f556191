"""A fresh database holds the policy book of seed 002 as version 1, published.

This step writes the version row and its fare bands; its rules are written by 0007 in the
shape the book has since (effects, triggers, row codes), from `policies.seed_book`.
"""

from django.db import migrations
from django.utils import timezone


def forwards(apps, schema_editor):
    from policies import seed_book

    PolicyVersion = apps.get_model("policies", "PolicyVersion")
    FareBand = apps.get_model("policies", "FareBand")
    if PolicyVersion.objects.filter(number=1).exists():
        return
    fields = {f.name for f in PolicyVersion._meta.get_fields()}
    version = PolicyVersion.objects.create(
        status="draft", **{k: v for k, v in seed_book.VERSION.items() if k in fields}
    )
    for band in seed_book.FARE_BANDS:
        FareBand.objects.create(version=version, **band)
    PolicyVersion.objects.filter(pk=version.pk).update(
        status="published", published_at=timezone.now()
    )


def backwards(apps, schema_editor):
    apps.get_model("policies", "PolicyVersion").objects.filter(number=1).delete()


class Migration(migrations.Migration):
    dependencies = [("policies", "0002_book")]

    operations = [migrations.RunPython(forwards, backwards)]
