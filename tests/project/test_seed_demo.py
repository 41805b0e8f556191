import io

import pytest
from django.core.management import call_command

from payouts.models import BlanketGrant, LedgerEntry, PayoutBatch, PayoutRequest
from payouts.selectors import reconciliation_report


@pytest.mark.django_db
def test_demo_data_is_made_once_and_reconciles(celery_eager, django_capture_on_commit_callbacks):
    for _ in range(2):
        # Tasks run eagerly once their transaction commits, as under `make run`.
        with django_capture_on_commit_callbacks(execute=True):
            call_command("seed_demo", stdout=io.StringIO())
    assert PayoutRequest.objects.filter(status="issued").count() == 2_004
    assert PayoutRequest.objects.filter(status="failed").count() == 1
    assert LedgerEntry.objects.count() == 2_004
    assert BlanketGrant.objects.get(code="demo-1015-emoticon").status == "done"
    assert PayoutBatch.objects.count() == 1
    assert reconciliation_report().ok
