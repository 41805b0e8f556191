from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from payouts.models import LedgerEntry, PayoutBatch, PayoutRequest
from payouts.selectors import reconciliation_report
from payouts.services.batches import payout_batch_start_nightly
from payouts.services.chunks import payout_chunk_run
from tests.payouts.factories import (
    BlanketGrantFactory,
    CouponRequestFactory,
    PayoutRequestFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued_book():
    PayoutRequestFactory.create_batch(3)
    CouponRequestFactory.create_batch(2, amount=10_000)
    PayoutRequestFactory()  # stays pending
    batch, _ = payout_batch_start_nightly(chunk_size=100)
    payout_chunk_run(chunk_id=batch.chunks.get().pk)
    PayoutRequestFactory()  # created after the batch: pending, not in the ledger


def _run_command():
    from io import StringIO

    out = StringIO()
    call_command("payouts_reconcile", "--totals", stdout=out)
    return out.getvalue()


def test_a_clean_book_reconciles(issued_book):
    report = reconciliation_report()
    assert report.ok
    assert (report.issued_requests, report.ledger_entries) == (6, 6)
    assert (report.issued_amount, report.ledger_amount) == (20_000, 20_000)
    assert (report.issued_count, report.ledger_count) == (12, 12)
    output = _run_command()
    assert "정합성: 이상 없음" in output
    assert "claim_decision" in output


def test_an_amount_changed_behind_the_ledgers_back_is_found(issued_book):
    coupon = PayoutRequest.objects.filter(instrument="coupon").first()
    PayoutRequest.objects.filter(pk=coupon.pk).update(amount=F("amount") + 5000)
    report = reconciliation_report()
    assert not report.ok
    assert report.mismatched == [coupon.pk]
    assert (report.issued_amount, report.ledger_amount) == (25_000, 20_000)
    with pytest.raises(CommandError, match="불일치"):
        _run_command()


def test_a_request_marked_issued_without_a_ledger_entry_is_found(issued_book):
    pending = PayoutRequest.objects.filter(status="pending").first()
    PayoutRequest.objects.filter(pk=pending.pk).update(status="issued", issued_at=timezone.now())
    report = reconciliation_report()
    assert report.issued_without_entry == [pending.pk]
    assert not report.ok


def test_a_ledger_entry_for_a_request_not_issued_is_found(issued_book):
    entry = LedgerEntry.objects.first()
    PayoutRequest.objects.filter(pk=entry.request_id).update(status="cancelled")
    report = reconciliation_report()
    assert report.entry_without_issue == [entry.request_id]
    assert not report.ok
    assert any("지급되지 않은 요청의 원장" in line for line in report.lines())


def test_an_entry_for_another_recipient_is_found(issued_book):
    request = PayoutRequest.objects.filter(status="issued").first()
    PayoutRequest.objects.filter(pk=request.pk).update(recipient_id="someone-else")
    assert reconciliation_report().mismatched == [request.pk]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("source_kind", "relief_application"),
        ("source_ref", "decision-other"),
        ("program", "other-program"),
    ],
)
def test_a_source_or_program_changed_on_the_request_is_found(issued_book, field, value):
    request = PayoutRequest.objects.filter(status="issued").first()
    PayoutRequest.objects.filter(pk=request.pk).update(**{field: value})
    report = reconciliation_report()
    assert report.mismatched == [request.pk]
    assert not report.ok


def test_a_grant_changed_on_the_request_is_found(issued_book):
    grant = BlanketGrantFactory()
    request = PayoutRequest.objects.filter(status="issued").first()
    PayoutRequest.objects.filter(pk=request.pk).update(grant=grant)
    assert reconciliation_report().mismatched == [request.pk]


def _ledger_raw(sql, params):
    """Write the ledger behind the model's back; on PostgreSQL with the append-only trigger
    disabled inside this transaction only."""
    table = LedgerEntry._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Fire the deferred foreign-key checks of the rows this test wrote: ALTER TABLE
            # refuses a table with pending trigger events.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        cursor.execute(sql.format(table=table), params)
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")


def test_a_ledger_row_rewritten_by_raw_sql_is_found(issued_book):
    entry = LedgerEntry.objects.filter(source_kind="claim_decision").first()
    _ledger_raw("UPDATE {table} SET program = %s WHERE id = %s", ["rewritten", entry.pk])
    report = reconciliation_report()
    assert report.mismatched == [entry.request_id]
    assert not report.ok


def test_a_batch_whose_done_differs_from_its_ledger_rows_is_found(issued_book):
    batch = PayoutBatch.objects.get()
    assert reconciliation_report().batch_mismatched == []
    entry = LedgerEntry.objects.filter(batch=batch).first()
    _ledger_raw("UPDATE {table} SET batch_id = NULL WHERE id = %s", [entry.pk])
    report = reconciliation_report()
    assert report.batch_mismatched == [batch.pk]
    assert not report.ok
    assert any("배치" in line for line in report.lines())


def test_batch_counters_that_do_not_add_up_are_found(issued_book):
    batch = PayoutBatch.objects.get()
    PayoutBatch.objects.filter(pk=batch.pk).update(total=F("total") + 1)
    assert reconciliation_report().batch_mismatched == [batch.pk]


def test_requests_stuck_open_are_warnings_not_errors(issued_book):
    old = timezone.now() - timedelta(days=4)
    pending = PayoutRequest.objects.filter(status="pending").first()
    PayoutRequest.objects.filter(pk=pending.pk).update(updated_at=old)
    issuing = PayoutRequestFactory()
    PayoutRequest.objects.filter(pk=issuing.pk).update(status="issuing", updated_at=old)
    report = reconciliation_report(stuck_days=3)
    assert report.ok
    assert report.stuck["pending"] == [pending.pk]
    assert report.stuck["issuing"] == [issuing.pk]
    assert report.stuck["failed"] == []
    from io import StringIO

    out = StringIO()
    call_command("payouts_reconcile", "--stuck-days=3", stdout=out)
    text = out.getvalue()
    assert "정합성: 이상 없음" in text
    assert "3일 넘게 '지급 중' 상태인 요청 1건" in text
