"""On PostgreSQL claim decisions refuse UPDATE and DELETE for every client, raw SQL included.

The model refuses them too (ClaimDecision.save/delete); the trigger covers what bypasses the
ORM. SQLite keeps only the model guard.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION claims_claimdecision_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'claims_claimdecision is append-only: % refused', TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql
"""

CREATE_TRIGGER = """
CREATE TRIGGER claims_claimdecision_append_only
    BEFORE UPDATE OR DELETE ON claims_claimdecision
    FOR EACH ROW EXECUTE FUNCTION claims_claimdecision_append_only()
"""

DROP = [
    "DROP TRIGGER IF EXISTS claims_claimdecision_append_only ON claims_claimdecision",
    "DROP FUNCTION IF EXISTS claims_claimdecision_append_only()",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)
        schema_editor.execute(CREATE_TRIGGER, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in DROP:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("claims", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
