import pytest

from payouts.selectors import ledger_totals_by_program, ledger_totals_by_source
from payouts.services.batches import payout_batch_start_nightly
from payouts.services.chunks import payout_chunk_run
from tests.payouts.factories import CouponRequestFactory, PayoutRequestFactory, PointsRequestFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def book():
    CouponRequestFactory(source_ref="claim-1", amount=5000)
    CouponRequestFactory(source_ref="claim-1", amount=10000)
    PointsRequestFactory(source_ref="claim-2", amount=24000)
    PayoutRequestFactory.create_batch(
        3, source_kind="program_grant", source_ref="outage-emoticon", program="outage-1015"
    )
    PointsRequestFactory(
        source_kind="relief_application", source_ref="app-7", program="outage-1015", amount=50000
    )
    CouponRequestFactory(source_ref="claim-3", status="cancelled")  # not in the totals
    batch, _ = payout_batch_start_nightly(chunk_size=6)
    for chunk in batch.chunks.all():
        payout_chunk_run(chunk_id=chunk.pk)


def test_totals_per_source(book):
    rows = {
        (r["source_kind"], r["source_ref"], r["instrument"]): (r["grants"], r["amount"], r["count"])
        for r in ledger_totals_by_source()
    }
    assert rows[("claim_decision", "claim-1", "coupon")] == (2, 15000, None)
    assert rows[("program_grant", "outage-emoticon", "emoticon")] == (3, None, 9)
    assert ("claim_decision", "claim-3", "coupon") not in rows
    only = list(ledger_totals_by_source(source_kind="relief_application"))
    assert [(r["source_ref"], r["amount"]) for r in only] == [("app-7", 50000)]


def test_totals_per_program(book):
    rows = {(r["program"], r["instrument"]): r for r in ledger_totals_by_program()}
    assert rows[("outage-1015", "emoticon")]["count"] == 9
    assert rows[("outage-1015", "points")]["amount"] == 50000
    assert rows[("", "points")]["amount"] == 24000
    assert [r["grants"] for r in ledger_totals_by_program(program="outage-1015")] == [3, 1]
