"""A fresh database holds the policy book of seed 002 as version 1, published."""

from django.db import migrations


def forwards(apps, schema_editor):
    from policies.services import load_seed_book

    PolicyVersion = apps.get_model("policies", "PolicyVersion")
    if PolicyVersion.objects.filter(number=1).exists():
        return
    load_seed_book(
        {
            name: apps.get_model("policies", name)
            for name in ("PolicyVersion", "FareBand", "Rule", "RuleRow", "TierOutcome")
        }
    )


def backwards(apps, schema_editor):
    apps.get_model("policies", "PolicyVersion").objects.filter(number=1).delete()


class Migration(migrations.Migration):
    dependencies = [("policies", "0002_book")]

    operations = [migrations.RunPython(forwards, backwards)]
