"""On PostgreSQL a published or retired version refuses every change, raw SQL included: its
own columns (only published → retired may move) and every part of its book.

The models refuse it too (PolicyVersion.save, PolicyBookPart); the triggers cover what bypasses
the ORM. TRUNCATE is left alone (test flushes use it). SQLite keeps only the model guards.
"""

from django.db import migrations

VERSION_GUARD = """
CREATE OR REPLACE FUNCTION policies_version_immutable() RETURNS trigger AS $$
BEGIN
    IF OLD.status = 'draft' THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.status = 'published' AND NEW.status = 'retired'
       AND (to_jsonb(NEW) - 'status') = (to_jsonb(OLD) - 'status') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '게시되었거나 종료된 정책 버전(v%)은 바꿀 수 없습니다: % 거부', OLD.number, TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql
"""

PART_GUARD = """
CREATE OR REPLACE FUNCTION policies_book_part_immutable() RETURNS trigger AS $$
DECLARE
    item jsonb;
    vid bigint;
    vstatus text;
BEGIN
    FOR item IN
        SELECT x FROM unnest(ARRAY[
            CASE WHEN TG_OP IN ('UPDATE', 'DELETE') THEN to_jsonb(OLD) END,
            CASE WHEN TG_OP IN ('UPDATE', 'INSERT') THEN to_jsonb(NEW) END
        ]) AS x WHERE x IS NOT NULL
    LOOP
        IF TG_ARGV[0] = 'version' THEN
            vid := (item->>'version_id')::bigint;
        ELSIF TG_ARGV[0] = 'rule' THEN
            SELECT ru.version_id INTO vid FROM policies_rule ru
             WHERE ru.id = (item->>'rule_id')::bigint;
        ELSIF TG_ARGV[0] = 'row' THEN
            SELECT ru.version_id INTO vid FROM policies_rulerow rr
              JOIN policies_rule ru ON ru.id = rr.rule_id
             WHERE rr.id = (item->>'row_id')::bigint;
        ELSE
            SELECT ru.version_id INTO vid FROM policies_tieroutcome o
              JOIN policies_rulerow rr ON rr.id = o.row_id
              JOIN policies_rule ru ON ru.id = rr.rule_id
             WHERE o.id = (item->>'outcome_id')::bigint;
        END IF;
        SELECT status INTO vstatus FROM policies_policyversion WHERE id = vid;
        IF vstatus IS NOT NULL AND vstatus <> 'draft' THEN
            RAISE EXCEPTION '게시되었거나 종료된 정책 버전의 % 은(는) 바꿀 수 없습니다: % 거부',
                TG_TABLE_NAME, TG_OP USING ERRCODE = 'restrict_violation';
        END IF;
    END LOOP;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END;
$$ LANGUAGE plpgsql
"""

PARTS = {
    "policies_fareband": "version",
    "policies_rule": "version",
    "policies_rulerow": "rule",
    "policies_rowcondition": "row",
    "policies_rowpenalty": "row",
    "policies_tieroutcome": "row",
    "policies_effect": "outcome",
}


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(VERSION_GUARD, params=None)
    schema_editor.execute(
        "CREATE TRIGGER policies_version_immutable BEFORE UPDATE OR DELETE "
        "ON policies_policyversion FOR EACH ROW EXECUTE FUNCTION policies_version_immutable()",
        params=None,
    )
    schema_editor.execute(PART_GUARD, params=None)
    for table, via in PARTS.items():
        schema_editor.execute(
            f"CREATE TRIGGER {table}_immutable BEFORE INSERT OR UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION policies_book_part_immutable('{via}')",
            params=None,
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in PARTS:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_immutable ON {table}", params=None)
    schema_editor.execute(
        "DROP TRIGGER IF EXISTS policies_version_immutable ON policies_policyversion", params=None
    )
    schema_editor.execute("DROP FUNCTION IF EXISTS policies_book_part_immutable()", params=None)
    schema_editor.execute("DROP FUNCTION IF EXISTS policies_version_immutable()", params=None)


class Migration(migrations.Migration):
    dependencies = [("policies", "0009_row_code_required")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
