"""The RM incident taxonomy (seed 003) joins the book, and published versions keep it immutable
on PostgreSQL like every other part.

The taxonomy is read from the frozen rm_taxonomy_v1.json beside this file, never from the live
`policies.seed_rm` (a test keeps the two equal). Every version that exists gets it, as 0012 did
for the penalty rules, before the triggers exist (those versions are published or retired).
"""

import json
from pathlib import Path

from django.db import migrations

TAXONOMY = Path(__file__).with_name("rm_taxonomy_v1.json")

CATEGORY_FIELDS = (
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
SUBTYPE_FIELDS = ("code", "label", "definition", "insurance_exempt", "order")
TABLES = ("policies_rmcategory", "policies_rmsubtype")


def forwards(apps, schema_editor):
    categories = json.loads(TAXONOMY.read_text(encoding="utf-8"))
    PolicyVersion = apps.get_model("policies", "PolicyVersion")
    RmCategory = apps.get_model("policies", "RmCategory")
    RmSubtype = apps.get_model("policies", "RmSubtype")
    for version in PolicyVersion.objects.order_by("number"):
        if RmCategory.objects.filter(version=version).exists():
            continue
        for spec in categories:
            cat = RmCategory.objects.create(
                version=version, **{f: spec[f] for f in CATEGORY_FIELDS}
            )
            RmSubtype.objects.bulk_create(
                RmSubtype(version=version, category=cat, **{f: s[f] for f in SUBTYPE_FIELDS})
                for s in spec["subtypes"]
            )
    if schema_editor.connection.vendor == "postgresql":
        # policies_book_part_immutable() is 0010's guard of every book table.
        for table in TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_immutable BEFORE INSERT OR UPDATE OR DELETE "
                f"ON {table} FOR EACH ROW "
                "EXECUTE FUNCTION policies_book_part_immutable('version')",
                params=None,
            )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(
                f"DROP TRIGGER IF EXISTS {table}_immutable ON {table}", params=None
            )
    apps.get_model("policies", "RmSubtype").objects.all().delete()
    apps.get_model("policies", "RmCategory").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("policies", "0014_rm_taxonomy")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
