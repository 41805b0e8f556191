"""On PostgreSQL the committee's decisions and the audit results refuse UPDATE and DELETE for
every client, raw SQL included (as claim decisions do). The models refuse them too; the
trigger covers what bypasses the ORM. SQLite keeps only the model guard."""

from django.db import migrations

TABLES = ("claims_reliefdecision", "claims_reliefauditresult")

CREATE = """
CREATE OR REPLACE FUNCTION claims_relief_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(CREATE, params=None)
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION claims_relief_append_only()",
            params=None,
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}", params=None)
    schema_editor.execute("DROP FUNCTION IF EXISTS claims_relief_append_only()", params=None)


class Migration(migrations.Migration):
    dependencies = [("claims", "0009_relief_review")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
