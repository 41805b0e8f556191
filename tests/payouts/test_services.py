from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from payouts.models import Instrument, LedgerEntry, LedgerIsAppendOnly, PayoutRequest, SourceKind
from payouts.services.issuing import payout_request_issue
from payouts.services.requests import (
    IdempotencyConflict,
    TransitionRefused,
    payout_request_cancel,
    payout_request_create,
    payout_request_retry,
)
from payouts.services.rules import PayoutRuleError

pytestmark = pytest.mark.django_db

Status = PayoutRequest.Status


def _create(**overrides):
    fields = {
        "recipient_kind": "customer",
        "recipient_id": "C1",
        "instrument": Instrument.COUPON,
        "source_kind": SourceKind.CLAIM_DECISION,
        "source_ref": "decision-1",
        "idempotency_key": "decision-1:coupon",
        "amount": 5000,
    }
    fields.update(overrides)
    return payout_request_create(**fields)


def test_same_idempotency_key_twice_gives_one_grant():
    first = _create()
    second = _create()
    assert first.pk == second.pk
    assert PayoutRequest.objects.count() == 1
    payout_request_issue(request_id=first.pk)
    payout_request_issue(request_id=second.pk)
    assert LedgerEntry.objects.filter(request=first).count() == 1
    assert LedgerEntry.objects.count() == 1


def test_same_key_for_another_recipient_is_refused():
    _create()
    with pytest.raises(IdempotencyConflict, match="decision-1:coupon"):
        _create(recipient_id="C2")


def test_create_enqueues_the_issue_only_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        request = _create()
        assert PayoutRequest.objects.get(pk=request.pk).status == Status.PENDING
    assert len(callbacks) == 1
    with django_capture_on_commit_callbacks(execute=True):
        callbacks[0]()  # eager in tests: the task runs here
    assert PayoutRequest.objects.get(pk=request.pk).status == Status.ISSUED


@pytest.mark.parametrize(
    ("computed", "expected"),
    [(12_400, 10_000), (12_500, 15_000), (1_000, 5_000), (3_000, 5_000), (27_600, 30_000)],
)
def test_computed_coupon_rounds_to_the_policy_unit_half_up(computed, expected):
    request = _create(amount=None, computed_coupon=computed)
    assert request.amount == expected


def test_explicit_coupon_amount_stands_as_written():
    assert _create(amount=2000).amount == 2000


def test_coupon_is_valid_sixty_days_from_issue_per_the_published_version(published_policy):
    request = _create()
    assert request.validity_days == 60
    assert request.policy_version == published_policy.number
    issued = payout_request_issue(request_id=request.pk)
    assert issued.valid_until - issued.issued_at == timedelta(days=60)


def test_coupon_unit_and_validity_follow_a_newer_published_version(published_policy):
    from policies.models import PolicyVersion

    # One version is published at a time: the new one replaces it.
    PolicyVersion.objects.filter(pk=published_policy.pk).update(status=PolicyVersion.Status.RETIRED)
    newer = PolicyVersion.objects.create(
        number=published_policy.number + 1,
        title="단위 변경",
        status=PolicyVersion.Status.PUBLISHED,
        published_at=timezone.now(),
        coupon_unit=1000,
        coupon_minimum=1000,
        coupon_validity_days=30,
        driver_commission_percent=20,
        points_memo="기사님 힘내세요",
    )
    request = _create(amount=None, computed_coupon=12_400)
    assert (request.amount, request.validity_days, request.policy_version) == (
        12_000,
        30,
        newer.number,
    )


def test_fare_paid_as_points_loses_the_twenty_percent_commission_and_carries_the_memo():
    request = _create(
        recipient_kind="driver",
        recipient_id="D1",
        instrument=Instrument.POINTS,
        amount=None,
        fare_as_points=30_000,
        idempotency_key="decision-9:points",
    )
    assert request.amount == 24_000
    assert request.memo == "기사님 힘내세요"
    issued = payout_request_issue(request_id=request.pk)
    assert issued.ledger_entry.amount == 24_000


def test_explicit_points_amount_has_no_commission_but_has_the_memo():
    request = _create(
        recipient_kind="driver",
        instrument=Instrument.POINTS,
        amount=5_000,
        idempotency_key="decision-9:points",
    )
    assert (request.amount, request.memo) == (5_000, "기사님 힘내세요")


def test_vouchers_are_counted():
    request = _create(instrument=Instrument.PRO_VOUCHER, amount=None, count=3)
    assert (request.count, request.amount) == (3, None)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"instrument": "gold"}, "알 수 없는 지급수단"),
        ({"amount": None}, "쿠폰은 금액"),
        ({"amount": -5}, "양의 정수"),
        ({"instrument": Instrument.PRO_VOUCHER, "amount": 5000}, "수량"),
        ({"instrument": Instrument.EMOTICON, "amount": None}, "수량"),
        (
            {"instrument": Instrument.PAYMENT_ACTION, "amount": None, "action": "refund"},
            "결제 조치",
        ),
        ({"instrument": Instrument.POINTS, "amount": None}, "포인트는 금액"),
        ({"instrument": Instrument.CHANNEL_CASH, "count": 1, "amount": None}, "금액이 필요"),
        ({"recipient_kind": "alien"}, "대상 계정 종류"),
        ({"source_kind": "gift"}, "출처"),
        ({"idempotency_key": ""}, "멱등 키"),
    ],
)
def test_bad_input_is_refused_with_a_clear_error(overrides, message):
    with pytest.raises(PayoutRuleError, match=message):
        _create(**overrides)
    assert not PayoutRequest.objects.exists()


def test_payment_action_carries_its_code():
    request = _create(instrument=Instrument.PAYMENT_ACTION, amount=None, action="cancel_payment")
    assert request.action == "cancel_payment"
    recharge = _create(
        instrument=Instrument.PAYMENT_ACTION,
        amount=12_000,
        action="recharge",
        idempotency_key="recharge-1",
    )
    assert recharge.amount == 12_000


class _Failing:
    name = "http"
    bulk = False

    def deliver(self, request):
        from payouts.issuers import DeliveryFailed

        raise DeliveryFailed("HTTP 500", attempts=4, retryable=True)


def test_failed_request_is_retried_and_then_issued_once(
    admin_user, django_capture_on_commit_callbacks
):
    request = _create()
    failed = payout_request_issue(request_id=request.pk, issuer=_Failing())
    assert (failed.status, failed.attempts, failed.last_error) == (Status.FAILED, 4, "HTTP 500")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        retried = payout_request_retry(request_id=request.pk, actor=admin_user, reason="복구")
    assert retried.status == Status.PENDING
    # The repost is queued once the retry commits: run it (eagerly, as a worker would).
    assert len(callbacks) == 1
    with django_capture_on_commit_callbacks(execute=True):
        callbacks[0]()
    request.refresh_from_db()
    assert request.status == Status.ISSUED
    payout_request_issue(request_id=request.pk)  # a second issue does nothing
    request.refresh_from_db()
    assert request.status == Status.ISSUED
    assert LedgerEntry.objects.filter(request=request).count() == 1
    assert [(e.from_status, e.to_status) for e in request.events.all()] == [
        (Status.PENDING, Status.ISSUING),
        (Status.ISSUING, Status.FAILED),
        (Status.FAILED, Status.PENDING),
        (Status.PENDING, Status.ISSUING),
        (Status.ISSUING, Status.ISSUED),
    ]
    assert request.events.get(to_status=Status.PENDING).actor == admin_user


def test_issued_request_cannot_be_cancelled_or_retried():
    request = _create()
    payout_request_issue(request_id=request.pk)
    with pytest.raises(TransitionRefused):
        payout_request_cancel(request_id=request.pk)
    with pytest.raises(TransitionRefused):
        payout_request_retry(request_id=request.pk)


def test_cancelled_request_is_never_issued():
    request = _create()
    payout_request_cancel(request_id=request.pk, reason="고객 요청")
    payout_request_cancel(request_id=request.pk)  # twice is harmless
    assert payout_request_issue(request_id=request.pk).status == Status.CANCELLED
    assert not LedgerEntry.objects.exists()


def test_ledger_refuses_updates_and_deletes():
    request = payout_request_issue(request_id=_create().pk)
    entry = request.ledger_entry
    entry.amount = 1
    with pytest.raises(LedgerIsAppendOnly):
        entry.save()
    with pytest.raises(LedgerIsAppendOnly):
        entry.delete()
    with pytest.raises(LedgerIsAppendOnly):
        LedgerEntry.objects.filter(pk=entry.pk).update(amount=1)
    with pytest.raises(LedgerIsAppendOnly):
        LedgerEntry.objects.all().delete()


@pytest.mark.postgres
def test_ledger_trigger_refuses_raw_sql_on_postgres():
    from django.db import DatabaseError, transaction

    request = payout_request_issue(request_id=_create().pk)
    for statement in (
        "UPDATE payouts_ledgerentry SET amount = 1 WHERE id = %s",
        "DELETE FROM payouts_ledgerentry WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(statement, [request.ledger_entry.pk])


def test_same_key_with_another_amount_or_count_is_a_conflict():
    _create()
    with pytest.raises(IdempotencyConflict, match="금액·수량"):
        _create(amount=10_000)
    _create(instrument=Instrument.EMOTICON, amount=None, count=3, idempotency_key="k:emoticon")
    with pytest.raises(IdempotencyConflict):
        _create(instrument=Instrument.EMOTICON, amount=None, count=4, idempotency_key="k:emoticon")
    assert PayoutRequest.objects.count() == 2


@pytest.mark.parametrize("key", ["키-1", "decision 1", "a\tb", "x\n", "é"])
def test_idempotency_keys_must_be_visible_ascii(key):
    # The key is posted as an HTTP header: anything else breaks the delivery or its de-dup.
    with pytest.raises(PayoutRuleError, match="ASCII"):
        _create(idempotency_key=key)
    assert not PayoutRequest.objects.exists()


def _publish_other_units(published_policy):
    """A newer published version with another coupon unit, validity and commission."""
    from policies.models import PolicyVersion
    from policies.selectors import forget_books

    PolicyVersion.objects.filter(pk=published_policy.pk).update(status=PolicyVersion.Status.RETIRED)
    forget_books()
    return PolicyVersion.objects.create(
        number=published_policy.number + 1, title="단위 변경",
        status=PolicyVersion.Status.PUBLISHED, published_at=timezone.now(),
        coupon_unit=1000, coupon_minimum=1000, coupon_validity_days=30,
        driver_commission_percent=10, points_memo="기사님 힘내세요",
    )  # fmt: skip


def test_a_request_takes_its_parameters_from_its_sources_version(published_policy):
    # Decided on v1: 12,400 rounds to 10,000 on v1's 5,000 unit, valid 60 days.
    first = _create(amount=None, computed_coupon=12_400, policy_version=published_policy.number)
    _publish_other_units(published_policy)
    # The claims workflow makes the same request again after v2 is out (a retry): it is the
    # same request, not a conflict, and keeps v1's parameters.
    again = _create(amount=None, computed_coupon=12_400, policy_version=published_policy.number)
    assert again.pk == first.pk
    assert (again.amount, again.validity_days, again.policy_version) == (10_000, 60, 1)
    points = _create(
        instrument=Instrument.POINTS, amount=None, fare_as_points=10_000,
        recipient_kind="driver", idempotency_key="decision-1:points", policy_version=1,
    )  # fmt: skip
    assert points.amount == 8_000  # v1's 20% commission, not v2's 10%


def test_an_unknown_source_version_is_refused():
    with pytest.raises(PayoutRuleError, match="99"):
        _create(amount=None, computed_coupon=12_400, policy_version=99)


class _Steps:
    """An HTTP-like issuer whose delivery runs the given steps, to interleave two workers."""

    name = "http"
    bulk = False

    def __init__(self, deliver):
        self._deliver = deliver

    def deliver(self, request):
        return self._deliver(request)


def _slow_worker_race(second_worker, first_worker_outcome):
    """Worker A claims the request and posts; while it waits on billing its claim times out
    and worker B claims and posts (`second_worker`); then A's answer comes back."""
    from payouts.services.issuing import deliver_and_record, payout_requests_release_stale_issuing

    request = _create()
    claims = {}

    def slow_first_worker(mine):
        claims["a"] = mine.claim
        payout_requests_release_stale_issuing(older_than=timedelta(0))
        fresh = PayoutRequest.objects.get(pk=request.pk)
        second_worker(fresh)
        claims["b"] = fresh.claim
        return first_worker_outcome()

    a = PayoutRequest.objects.get(pk=request.pk)
    recorded = deliver_and_record(a, issuer=_Steps(slow_first_worker), events=True)
    return request, claims, recorded


def test_a_slow_workers_failure_is_not_recorded_over_a_newer_claims_success():
    from payouts.issuers import Delivery, DeliveryFailed
    from payouts.services.issuing import deliver_and_record

    def b_issues(fresh):
        issuer = _Steps(lambda _r: Delivery(external_ref="bill-1", attempts=1))
        assert deliver_and_record(fresh, issuer=issuer, events=True)

    def a_fails():
        raise DeliveryFailed("HTTP 503", attempts=1, retryable=True)

    request, claims, recorded = _slow_worker_race(b_issues, a_fails)
    assert (claims["a"], claims["b"], recorded) == (1, 2, False)
    request.refresh_from_db()
    assert (request.status, request.last_error) == (Status.ISSUED, "")
    assert LedgerEntry.objects.filter(request=request).count() == 1


def test_a_slow_worker_records_nothing_while_a_newer_claim_is_posting():
    from celery.exceptions import SoftTimeLimitExceeded

    from payouts.issuers import Delivery
    from payouts.services.issuing import deliver_and_record

    def b_posts_and_is_still_waiting(fresh):
        def hangs(_r):
            raise SoftTimeLimitExceeded()  # stops mid-delivery, keeping its claim

        with pytest.raises(SoftTimeLimitExceeded):
            deliver_and_record(fresh, issuer=_Steps(hangs), events=True)

    request, claims, recorded = _slow_worker_race(
        b_posts_and_is_still_waiting, lambda: Delivery(external_ref="late", attempts=1)
    )
    assert (claims["a"], claims["b"], recorded) == (1, 2, False)
    request.refresh_from_db()
    # Still B's: issuing under claim 2, nothing in the ledger until B's answer is recorded.
    assert (request.status, request.claim) == (Status.ISSUING, 2)
    assert not LedgerEntry.objects.filter(request=request).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_key_created_at_once_on_postgres_gives_one_request():
    import threading

    from django.db import connection as conn
    from django.db import transaction

    barrier = threading.Barrier(4)
    made: list[int] = []
    errors: list[Exception] = []

    def create() -> None:
        try:
            barrier.wait()
            # Each caller in its own transaction, as a claim decision would be.
            with transaction.atomic():
                made.append(_create(idempotency_key="decision-race:coupon").pk)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=create) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(made) == 4 and len(set(made)) == 1
    assert PayoutRequest.objects.filter(idempotency_key="decision-race:coupon").count() == 1
