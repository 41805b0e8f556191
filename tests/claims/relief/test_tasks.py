"""The import task: its pinned name, ids in, and a second run changes nothing."""

import pytest

from claims.relief import importer
from claims.relief.models import ReliefApplication
from claims.tasks import run_import
from tests.claims.relief.conftest import csv_text, row

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def test_the_task_name_is_pinned():
    assert run_import.name == "claims.relief_import_run" == importer.RUN_IMPORT_TASK


def test_running_an_import_twice_lands_its_rows_once(tmp_path, settings):
    settings.RELIEF_IMPORT_ROOT = tmp_path / "relief"
    path = tmp_path / "in.csv"
    path.write_text(csv_text([row(), row(business_number="2222222222")]), encoding="utf-8")
    job = importer.relief_import_create(program="outage-1015", source=path, original_name="x")
    assert run_import(job.pk) == "done"
    assert run_import(job.pk) == "done"
    assert ReliefApplication.objects.filter(source_import_id=job.pk).count() == 2


def _job(tmp_path, settings):
    settings.RELIEF_IMPORT_ROOT = tmp_path / "relief"
    path = tmp_path / "in.csv"
    path.write_text(csv_text([row(), row(business_number="2222222222")]), encoding="utf-8")
    return importer.relief_import_create(program="outage-1015", source=path, original_name="x")


def test_a_run_that_finds_the_import_running_leaves_it_alone(tmp_path, settings):
    import datetime as dt

    from django.utils import timezone

    from claims.relief.models import ReliefImport

    job = _job(tmp_path, settings)
    ReliefImport.objects.filter(pk=job.pk).update(status="running", started_at=timezone.now())
    assert importer.relief_import_run(import_id=job.pk).status == "running"
    assert not ReliefApplication.objects.filter(source_import_id=job.pk).exists()
    # A run older than the task's time limit was left by a dead worker: taken over.
    old = timezone.now() - importer.STALE_RUN - dt.timedelta(minutes=1)
    ReliefImport.objects.filter(pk=job.pk).update(started_at=old)
    assert importer.relief_import_run(import_id=job.pk).status == "done"
    assert ReliefApplication.objects.filter(source_import_id=job.pk).count() == 2


@pytest.mark.parametrize("path_kind", ["database", "python"])
def test_a_second_landing_of_one_import_lands_nothing(tmp_path, settings, path_kind):
    """Two runs past the claim (both read the file): the landing re-checks under its lock."""
    from claims.relief import import_postgres, import_python
    from claims.relief.import_common import ImportAlreadyLanded
    from policies.selectors_relief import program_rules

    job = _job(tmp_path, settings)
    rules = program_rules(version=job.program_version)
    land = import_postgres.run_postgresql if path_kind == "database" else import_python.run_python
    land(job, rules)
    with pytest.raises(ImportAlreadyLanded):
        land(job, rules)
    assert ReliefApplication.objects.filter(source_import_id=job.pk).count() == 2
