"""Filings of the same business number at once: one original, the rest linked duplicates."""

import threading

import pytest
from django.db import connection
from django.utils.dateparse import parse_datetime

from claims.relief.models import ReliefApplication
from claims.relief.services import Applicant, relief_application_create

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_simultaneous_filings_of_one_business_give_one_original():
    barrier = threading.Barrier(6)
    outcomes: list[str] = []

    def file(n: int) -> None:
        try:
            barrier.wait()
            application = relief_application_create(
                program="outage-1015",
                segment="small_business",
                applicant=Applicant("business", f"B-{n}", "홍길동", "123-45-67890"),
                reported_loss=100_000,
                damage="paid_service",
                channel="web",
                submitted_at=parse_datetime("2022-10-20T10:00:00+09:00"),
            )
            outcomes.append(application.status)
        except Exception as exc:  # collected and asserted below
            outcomes.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=file, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["approved"] + ["duplicate"] * 5
    original = ReliefApplication.objects.get(status="approved")
    assert set(
        ReliefApplication.objects.filter(status="duplicate").values_list("duplicate_of", flat=True)
    ) == {original.pk}
