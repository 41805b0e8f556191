"""The 1015 preset's main report window takes every segment, drivers included.

Issue 13 names the windows "the main one and the 2-week partner-channel extension"; the
preset had left drivers out of the main one (they could only file in December). v1 is
corrected in place rather than republished: widening a window refuses nothing it accepted
and changes no decision already made under v1, so applications keep naming the version they
were decided under. Published parts refuse changes (0016's trigger): the trigger is set aside
for this one statement, inside the migration's transaction, and the correction is recorded
as an event of the version. The frozen relief_presets_v1.json reads the same (a fresh
database gets it from 0017 and this finds nothing to do).
"""

from django.db import migrations
from django.utils import timezone

TRIGGER = "policies_reliefwindow_immutable"
OLD_SEGMENTS = ["user", "small_business", "company"]


def forwards(apps, schema_editor):
    Window = apps.get_model("policies", "ReliefWindow")
    Event = apps.get_model("policies", "ReliefVersionEvent")
    windows = list(
        Window.objects.filter(
            version__program__code="outage-1015",
            version__number=1,
            kind="reports",
            start_date="2022-10-19",
            end_date="2022-11-06",
        ).select_related("version")
    )
    windows = [w for w in windows if w.segments == OLD_SEGMENTS]
    if not windows:
        return
    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute(f"ALTER TABLE policies_reliefwindow DISABLE TRIGGER {TRIGGER}")
    Window.objects.filter(pk__in=[w.pk for w in windows]).update(segments=[])
    if postgres:
        # The update queues deferred foreign-key checks; ALTER TABLE wants none pending.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute(f"ALTER TABLE policies_reliefwindow ENABLE TRIGGER {TRIGGER}")
        schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")
    for window in windows:
        status = window.version.status
        Event.objects.create(
            version=window.version,
            from_status=status,
            to_status=status,
            at=timezone.now(),
            note="프리셋 정정: 피해 접수 2022-10-19~2022-11-06에 모든 대상(기사 포함) 접수",
        )


class Migration(migrations.Migration):
    dependencies = [("policies", "0020_relief_program_insurance_line")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=False)]
