import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F
from django.utils import timezone

from payouts.models import LedgerEntry, PayoutRequest
from payouts.selectors import reconciliation_report
from payouts.services.batches import payout_batch_start_nightly, payout_chunk_run
from tests.payouts.factories import CouponRequestFactory, PayoutRequestFactory

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
