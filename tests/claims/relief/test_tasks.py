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
