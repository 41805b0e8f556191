"""On PostgreSQL the ledger refuses UPDATE and DELETE for every client, raw SQL included.

The model refuses them too (LedgerEntry.save/delete, LedgerQuerySet); the trigger covers what
bypasses the ORM. TRUNCATE is left alone: test database flushes use it, and it needs the table
owner's rights anyway. SQLite keeps only the model guard.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION payouts_ledgerentry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'payouts_ledgerentry is append-only: % refused', TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql
"""

CREATE_TRIGGER = """
CREATE TRIGGER payouts_ledgerentry_append_only
    BEFORE UPDATE OR DELETE ON payouts_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION payouts_ledgerentry_append_only()
"""

DROP = [
    "DROP TRIGGER IF EXISTS payouts_ledgerentry_append_only ON payouts_ledgerentry",
    "DROP FUNCTION IF EXISTS payouts_ledgerentry_append_only()",
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
    dependencies = [
        ("payouts", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
