"""A notice per user, case, kind and breach (a reopened case breaches again): the breach time
joins the notification's key; earlier notices take their case's breach time."""

from django.db import migrations, models
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Coalesce


def backfill(apps, schema_editor):  # type: ignore[no-untyped-def]
    notification = apps.get_model("incidents", "IncidentNotification")
    incident = apps.get_model("incidents", "Incident")
    breached = incident.objects.filter(pk=OuterRef("incident_id")).values("sla_breached_at")
    notification.objects.update(breach_at=Coalesce(Subquery(breached[:1]), F("created_at")))


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0009_rm_queue_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="incidentnotification",
            name="breach_at",
            field=models.DateTimeField(
                null=True,
                help_text="알린 SLA 초과의 확인 시각 (초과마다 한 번 알림).",
                verbose_name="초과 확인 시각",
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="incidentnotification",
            name="breach_at",
            field=models.DateTimeField(
                help_text="알린 SLA 초과의 확인 시각 (초과마다 한 번 알림).",
                verbose_name="초과 확인 시각",
            ),
        ),
        migrations.RemoveConstraint(
            model_name="incidentnotification",
            name="incidentnotification_once",
        ),
        migrations.AddConstraint(
            model_name="incidentnotification",
            constraint=models.UniqueConstraint(
                fields=("user", "incident", "kind", "breach_at"),
                name="incidentnotification_once",
                violation_error_message="이 알림은 이미 있습니다.",
            ),
        ),
    ]
