"""`seed_incidents`: many incidents by COPY, spread over the taxonomy, consistent with the
queue's rules, and the table still takes new incidents through the service afterwards."""

import io

import pytest
from django.core.management import call_command

from incidents.models import Incident, IncidentEvent, IncidentParty
from incidents.services.rm import incident_create

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def test_the_seed_spreads_incidents_and_the_service_files_after_it():
    call_command("seed_incidents", count=600, batch=250, stdout=io.StringIO())
    assert Incident.objects.count() == 600
    assert IncidentEvent.objects.filter(kind="created").count() == 600
    assert IncidentParty.objects.values("incident").distinct().count() == 600
    assert set(Incident.objects.values_list("category", flat=True)) == {
        "sexual", "criminal", "insurance", "other",
    }  # fmt: skip
    assert Incident.objects.filter(sensitive=True).exclude(category="sexual").count() == 0
    assert Incident.objects.exclude(status="closed").exists()
    assert not Incident.objects.filter(status="new", assignee__isnull=False).exists()
    # The rows agree with the queue's rules: a breach only past the due time.
    for i in Incident.objects.exclude(sla_breached_at=None):
        assert i.sla_breached_at >= i.sla_due_at
    # The id sequence moved past the copied ids.
    from django.utils import timezone

    made = incident_create(
        service="taxi", category="other", subtype="general_dispute", severity="low",
        description="시드 뒤 접수", occurred_at=timezone.now(),
    )  # fmt: skip
    assert made.pk > 600


def test_a_bad_count_is_refused():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--count"):
        call_command("seed_incidents", count=0, stdout=io.StringIO())


def test_the_benchmark_runs_over_the_seeded_queue(capsys):
    from incidents import bench_queue

    call_command("seed_incidents", count=300, batch=300, stdout=io.StringIO())
    assert bench_queue.main(["--requests", "12"]) == 0
    out = capsys.readouterr().out
    assert "300 incidents" in out and "page 2 (keyset)" in out and "p95 ms" in out
