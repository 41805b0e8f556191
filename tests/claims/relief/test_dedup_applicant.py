"""Applications without a business number (users, drivers) dedupe on the applicant's account
in its segment: through the API, within a CSV, a CSV against the database (both import
paths) and concurrent filings."""

import threading
from pathlib import Path

import pytest
from django.db import connection
from django.utils.dateparse import parse_datetime

from claims.relief import import_python, importer
from claims.relief.models import ReliefApplication, ReliefApplicationEvent
from claims.relief.services import Applicant, relief_application_create
from payouts.models import PayoutRequest
from tests.claims.relief.conftest import DRIVER, USER, csv_text, row


@pytest.fixture(autouse=True)
def _import_root(tmp_path, settings):
    settings.RELIEF_IMPORT_ROOT = tmp_path / "relief"


def _run(tmp_path: Path, text: str, path_kind: str = "database") -> object:
    path = tmp_path / "in.csv"
    path.write_text(text, encoding="utf-8")
    job = importer.relief_import_create(program="outage-1015", source=path, original_name="in.csv")
    if path_kind == "python":
        from policies.selectors_relief import program_rules

        job.refresh_from_db()
        import_python.run_python(job, program_rules(version=job.program_version))
        job.refresh_from_db()
        return job
    return importer.relief_import_run(import_id=job.pk)


def _driver_row(**values: str) -> dict[str, str]:
    base = {
        "segment": "driver",
        "kind": "driver",
        "external_id": "D-1",
        "name": "박기사",
        "business_number": "",
        "reported_loss": "",
        "damage": "free_service_loss",
        "channel": "partner",
        "submitted_at": "2022-12-12T10:00:00+09:00",
        "saturdays_worked": "13",
        "nights_worked": "2",
    }
    return row(**{**base, **values})


@pytest.mark.django_db
def test_a_driver_filing_twice_through_the_api_is_paid_once(file_relief):
    first = file_relief(DRIVER).json()
    again = file_relief(DRIVER)
    assert again.status_code == 201, again.content
    body = again.json()
    assert body["status"] == "duplicate" and body["duplicate_of"] == first["id"]
    assert body["grants"] == []
    assert PayoutRequest.objects.filter(recipient_id="D-1").count() == 2  # points + transport
    note = ReliefApplicationEvent.objects.get(application_id=body["id"]).note
    assert note == f"신청인 중복: 원 신청 #{first['id']}"
    # Another account, or the same account as another segment, is not a duplicate.
    other = file_relief(DRIVER, applicant={**DRIVER["applicant"], "external_id": "D-2"})
    assert other.json()["duplicate_of"] is None
    user = file_relief(USER, applicant={**USER["applicant"], "external_id": "D-1"})
    assert user.json()["duplicate_of"] is None


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize("path_kind", ["database", "python"])
def test_a_driver_twice_in_one_csv_and_again_against_the_database(tmp_path, path_kind):
    job = _run(tmp_path, csv_text([_driver_row(), _driver_row(), _driver_row(external_id="D-2")]),
               path_kind)  # fmt: skip
    assert (job.imported, job.duplicates, job.rejected) == (3, 1, 0)
    by_line = {a.source_line: a for a in ReliefApplication.objects.filter(source_import=job)}
    assert by_line[2].status == "approved"
    assert by_line[3].status == "duplicate" and by_line[3].duplicate_of_id == by_line[2].pk
    assert by_line[4].status == "approved"
    assert not by_line[3].grants.exists()
    assert by_line[3].events.get().note == f"신청인 중복: 원 신청 #{by_line[2].pk}"

    later = _run(tmp_path, csv_text([_driver_row(), _driver_row(external_id="D-3")]), path_kind)
    assert (later.imported, later.duplicates) == (2, 1)
    again = ReliefApplication.objects.get(source_import=later, applicant_external_id="D-1")
    assert again.status == "duplicate" and again.duplicate_of_id == by_line[2].pk
    # D-1's points and transport support: requested once in all.
    assert PayoutRequest.objects.filter(recipient_id="D-1").count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_filings_of_one_driver_give_one_original():
    barrier = threading.Barrier(6)
    outcomes: list[str] = []

    def file() -> None:
        try:
            barrier.wait()
            application = relief_application_create(
                program="outage-1015",
                segment="driver",
                applicant=Applicant("driver", "D-7", "박기사"),
                damage="free_service_loss",
                channel="partner",
                submitted_at=parse_datetime("2022-12-12T10:00:00+09:00"),
                saturdays_worked=13,
                nights_worked=2,
            )
            outcomes.append(application.status)
        except Exception as exc:  # collected and asserted below
            outcomes.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=file) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["approved"] + ["duplicate"] * 5
    original = ReliefApplication.objects.get(status="approved")
    assert set(
        ReliefApplication.objects.filter(status="duplicate").values_list("duplicate_of", flat=True)
    ) == {original.pk}
    assert PayoutRequest.objects.filter(recipient_id="D-7").count() == 2
