import io
import tracemalloc

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile

from payouts.models import BlanketGrant, LedgerEntry, PayoutBatch, PayoutRequest
from payouts.services.grant_loading import (
    BlanketGrantError,
    blanket_grant_load,
    blanket_grant_load_queryset,
    recipients_from_csv,
    synthetic_recipients,
)
from payouts.services.grants import blanket_grant_create, blanket_grant_run
from tests.payouts.factories import BlanketGrantFactory

pytestmark = pytest.mark.django_db


def test_csv_stream_loads_each_recipient_once_and_a_second_load_adds_nothing():
    grant = BlanketGrantFactory(code="outage-1015-emoticon")
    csv_text = "recipient_id\nU1\nU2\n\nU3\nU2\n"
    added = blanket_grant_load(grant=grant, recipients=recipients_from_csv(io.StringIO(csv_text)))
    assert added == 3
    again = blanket_grant_load(
        grant=grant, recipients=recipients_from_csv(io.StringIO(csv_text + "U4\n"))
    )
    assert again == 1
    keys = set(PayoutRequest.objects.values_list("idempotency_key", flat=True))
    assert keys == {f"grant:outage-1015-emoticon:customer:U{i}" for i in range(1, 5)}
    request = PayoutRequest.objects.get(recipient_id="U1")
    assert (request.instrument, request.count, request.source_kind, request.program) == (
        "emoticon",
        3,
        "program_grant",
        "outage-1015",
    )
    grant.refresh_from_db()
    assert (grant.status, grant.recipients_count) == ("loaded", 4)


@pytest.mark.parametrize(
    ("csv_text", "message"),
    [
        ("U1\n" + "X" * 65 + "\n", "2행: 계정 ID가 64자"),
        ("U1\nU 2\n", "2행: 계정 ID는 공백 없는 ASCII"),
        ("U1\nU\x002\n", "2행: 계정 ID는 공백 없는 ASCII"),
    ],
)
def test_bad_csv_line_stops_the_load_with_its_line_number(csv_text, message):
    grant = BlanketGrantFactory()
    with pytest.raises(BlanketGrantError, match=message):
        blanket_grant_load(grant=grant, recipients=recipients_from_csv(io.StringIO(csv_text)))


def test_grant_definition_follows_the_instrument_rules(published_policy):
    coupon = blanket_grant_create(
        code="makers-coupon",
        name="메이커스 쿠폰",
        instrument="coupon",
        amount=3000,
        recipient_kind="customer",
    )
    assert (coupon.validity_days, coupon.policy_version) == (60, published_policy.number)
    blanket_grant_load(grant=coupon, recipients=["U1"])
    request = PayoutRequest.objects.get()
    assert (request.amount, request.validity_days) == (3000, 60)
    with pytest.raises(BlanketGrantError, match="수량"):
        blanket_grant_create(
            code="bad", name="x", instrument="emoticon", amount=3000, recipient_kind="customer"
        )
    with pytest.raises(BlanketGrantError, match="다른 내용"):
        blanket_grant_create(
            code="makers-coupon",
            name="x",
            instrument="coupon",
            amount=2000,
            recipient_kind="customer",
        )


def test_points_grant_carries_the_memo():
    grant = blanket_grant_create(
        code="driver-thanks",
        name="기사 감사 포인트",
        instrument="points",
        amount=50_000,
        recipient_kind="driver",
    )
    blanket_grant_load(grant=grant, recipients=["D1"])
    assert PayoutRequest.objects.get().memo == "기사님 힘내세요"


def test_queryset_of_ids_is_a_recipient_source():
    users = [get_user_model().objects.create(username=f"u{i}") for i in range(5)]
    grant = BlanketGrantFactory()
    added = blanket_grant_load_queryset(grant=grant, queryset=get_user_model().objects.all())
    assert added == 5
    assert set(PayoutRequest.objects.values_list("recipient_id", flat=True)) == {
        str(u.pk) for u in users
    }
    assert blanket_grant_load_queryset(grant=grant, queryset=get_user_model().objects.all()) == 0
    by_name = BlanketGrantFactory()
    blanket_grant_load_queryset(
        grant=by_name, queryset=get_user_model().objects.filter(username="u1"), field="username"
    )
    assert by_name.requests.get().recipient_id == "u1"


def test_run_loads_the_csv_file_and_issues_every_recipient_once(
    django_capture_on_commit_callbacks,
):
    grant = BlanketGrantFactory()
    grant.recipients_csv.save("r.csv", ContentFile(b"recipient_id\nA\nB\nC\n"))
    with django_capture_on_commit_callbacks(execute=True):
        batch = blanket_grant_run(grant_id=grant.pk)
    batch.refresh_from_db()
    grant.refresh_from_db()
    assert (batch.kind, batch.status, batch.done) == ("blanket", "finished", 3)
    assert grant.status == BlanketGrant.Status.DONE
    assert LedgerEntry.objects.filter(grant=grant).count() == 3
    # A rerun (a redelivered task, a second click) of the finished grant does nothing: no load,
    # no issue, no empty batch.
    with django_capture_on_commit_callbacks(execute=True):
        rerun = blanket_grant_run(grant_id=grant.pk)
    assert rerun.pk == batch.pk
    assert LedgerEntry.objects.filter(grant=grant).count() == 3
    assert PayoutBatch.objects.filter(grant=grant).count() == 1


def test_grant_batch_issues_only_its_own_requests(django_capture_on_commit_callbacks):
    from tests.payouts.factories import PayoutRequestFactory

    other = PayoutRequestFactory()
    grant = BlanketGrantFactory(synthetic_count=10)
    with django_capture_on_commit_callbacks(execute=True):
        blanket_grant_run(grant_id=grant.pk)
    other.refresh_from_db()
    assert other.status == PayoutRequest.Status.PENDING
    assert LedgerEntry.objects.count() == 10


def test_a_second_run_while_the_first_batch_runs_plans_nothing_new():
    from unittest import mock

    grant = BlanketGrantFactory(synthetic_count=6)
    with mock.patch("payouts.tasks.run_chunk.delay"):  # queued, not yet run
        first = blanket_grant_run(grant_id=grant.pk)
        second = blanket_grant_run(grant_id=grant.pk)
    assert first.pk == second.pk
    assert PayoutBatch.objects.filter(grant=grant).count() == 1
    assert PayoutRequest.objects.filter(grant=grant).count() == 6


def test_run_without_recipients_is_refused_clearly():
    grant = BlanketGrantFactory()
    with pytest.raises(BlanketGrantError, match="대상이 없습니다"):
        blanket_grant_run(grant_id=grant.pk)


@pytest.mark.postgres
def test_streaming_load_keeps_memory_flat_on_postgres():
    # 100,000 recipients as 100,000 model instances would take well over 50 MB; the COPY path
    # holds one slice of ids at a time.
    grant = BlanketGrantFactory()
    tracemalloc.start()
    added = blanket_grant_load(
        grant=grant, recipients=synthetic_recipients(100_000), slice_size=20_000
    )
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert added == 100_000
    assert peak < 10 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"
    assert PayoutRequest.objects.filter(grant=grant).count() == 100_000


def test_csv_failing_part_way_marks_the_grant_failed_and_the_nightly_leaves_its_rows():
    from datetime import date

    from payouts.services.batches import payout_batch_start_nightly

    grant = BlanketGrantFactory()
    csv_text = "U1\nU2\nU3\nbad id\nU5\n"
    with pytest.raises(BlanketGrantError, match="4행"):
        blanket_grant_load(
            grant=grant, recipients=recipients_from_csv(io.StringIO(csv_text)), slice_size=2
        )
    grant.refresh_from_db()
    assert grant.status == BlanketGrant.Status.FAILED
    assert "4행" in grant.error
    assert PayoutRequest.objects.filter(grant=grant, status="pending").count() == 2
    batch, _ = payout_batch_start_nightly(run_date=date(2026, 1, 5))
    assert batch.total == 0
    assert not LedgerEntry.objects.exists()

    # The corrected file loads completely: the failure is cleared, still not released.
    fixed = "U1\nU2\nU3\nU4\nU5\n"
    blanket_grant_load(grant=grant, recipients=recipients_from_csv(io.StringIO(fixed)))
    grant.refresh_from_db()
    assert (grant.status, grant.error, grant.recipients_count) == ("loaded", "", 5)


def test_a_run_that_fails_in_the_worker_records_the_error_on_the_grant():
    grant = BlanketGrantFactory(
        recipients_csv=ContentFile(b"U1\n" + "사용자\n".encode("euc-kr"), name="x.csv")
    )
    with pytest.raises(BlanketGrantError):
        blanket_grant_run(grant_id=grant.pk)
    grant.refresh_from_db()
    assert grant.status == BlanketGrant.Status.FAILED
    assert "UTF-8" in grant.error


def test_grant_codes_are_ascii_slugs_and_recipient_ids_ascii():
    for code in ("한글", "a b", "x" * 65, "a:b"):
        with pytest.raises(BlanketGrantError, match="코드는 영문"):
            blanket_grant_create(
                code=code, name="n", instrument="emoticon", recipient_kind="customer", count=1
            )
    grant = BlanketGrantFactory()
    with pytest.raises(BlanketGrantError, match="ASCII"):
        blanket_grant_load(grant=grant, recipients=["U1", "사용자"])
    with pytest.raises(BlanketGrantError, match="1행: 계정 ID는 공백 없는 ASCII"):
        list(recipients_from_csv(io.StringIO("사용자\n")))


def test_a_grant_whose_last_rows_the_nightly_issued_is_closed():
    from datetime import date

    from payouts.services.batches import payout_batch_start_nightly
    from payouts.services.chunks import payout_chunk_run

    grant = BlanketGrantFactory()
    blanket_grant_load(grant=grant, recipients=["U1", "U2"])
    BlanketGrant.objects.filter(pk=grant.pk).update(status=BlanketGrant.Status.ISSUING)
    batch, _ = payout_batch_start_nightly(run_date=date(2026, 1, 5))
    for chunk_id in batch.chunks.values_list("pk", flat=True):
        payout_chunk_run(chunk_id=chunk_id)
    grant.refresh_from_db()
    assert grant.status == BlanketGrant.Status.DONE
    assert LedgerEntry.objects.filter(grant=grant).count() == 2


def test_a_grant_whose_load_failed_cannot_be_released():
    from payouts.services.batches import BatchError, payout_batch_start_for_grant

    grant = BlanketGrantFactory()
    with pytest.raises(BlanketGrantError):
        blanket_grant_load(grant=grant, recipients=["U1", "U 2"], slice_size=1)
    grant.refresh_from_db()
    with pytest.raises(BatchError, match="적재가 끝나지 않은"):
        payout_batch_start_for_grant(grant=grant)
    assert not PayoutBatch.objects.exists()


def _killed_after(recipients, n):
    """The recipients as a worker SIGKILLed after reading `n` of them would have seen them:
    the load stops without any of its own error handling running."""
    for i, recipient in enumerate(recipients):
        if i == n:
            raise SystemExit("killed")
        yield recipient


def test_a_load_killed_part_way_shows_as_loading_with_its_progress(admin_client):
    grant = BlanketGrantFactory(synthetic_count=10)
    with pytest.raises(SystemExit):
        blanket_grant_load(
            grant=grant, recipients=_killed_after(synthetic_recipients(10), 6), slice_size=3
        )
    grant.refresh_from_db()
    assert grant.status == BlanketGrant.Status.LOADING
    assert grant.recipients_count == PayoutRequest.objects.filter(grant=grant).count() == 6
    page = admin_client.get("/admin/payouts/blanketgrant/")
    assert "대상 적재 중" in page.content.decode()


def test_the_sweep_runs_a_stalled_load_again_and_issues_everyone_once(
    celery_eager, django_capture_on_commit_callbacks, settings
):
    import datetime as dt

    from django.utils import timezone

    from payouts.services.grants import blanket_grants_resume_stalled_loads

    # A worker's run (admin, task) whose worker died mid-load.
    grant = BlanketGrantFactory(synthetic_count=10, run_by_worker=True)
    with pytest.raises(SystemExit):
        blanket_grant_load(
            grant=grant, recipients=_killed_after(synthetic_recipients(10), 4), slice_size=2
        )
    live = BlanketGrantFactory(synthetic_count=5, run_by_worker=True)
    BlanketGrant.objects.filter(pk=live.pk).update(status=BlanketGrant.Status.LOADING)
    # A command-line load (its CSV a local file, maybe --no-issue) is the operator's to rerun.
    cli = BlanketGrantFactory(synthetic_count=5)
    stale = timezone.now() - dt.timedelta(minutes=settings.PAYOUTS_STALLED_AFTER_MINUTES + 1)
    BlanketGrant.objects.filter(pk=cli.pk).update(status=BlanketGrant.Status.LOADING)
    BlanketGrant.objects.filter(pk__in=[grant.pk, cli.pk]).update(updated_at=stale)

    with django_capture_on_commit_callbacks(execute=True):
        resumed = blanket_grants_resume_stalled_loads()
    assert resumed == [grant.pk]  # the load still moving is left alone
    grant.refresh_from_db()
    assert (grant.status, grant.recipients_count) == (BlanketGrant.Status.DONE, 10)
    assert LedgerEntry.objects.filter(grant=grant).count() == 10
    assert PayoutRequest.objects.filter(grant=grant, status="issued").count() == 10
    live.refresh_from_db()
    cli.refresh_from_db()
    assert live.status == cli.status == BlanketGrant.Status.LOADING


def test_a_grant_still_loading_cannot_be_released():
    from payouts.services.batches import BatchError, payout_batch_start_for_grant

    grant = BlanketGrantFactory(synthetic_count=4)
    BlanketGrant.objects.filter(pk=grant.pk).update(status=BlanketGrant.Status.LOADING)
    grant.refresh_from_db()
    with pytest.raises(BatchError, match="적재"):
        payout_batch_start_for_grant(grant=grant)


def test_a_grants_status_changes_are_events_checked_against_the_table(
    django_capture_on_commit_callbacks,
):
    from payouts.models import BlanketGrantEvent
    from payouts.services.grant_status import GrantTransitionRefused, blanket_grant_transition

    grant = BlanketGrantFactory(synthetic_count=3)
    with django_capture_on_commit_callbacks(execute=True):
        blanket_grant_run(grant_id=grant.pk)
    moves = list(
        BlanketGrantEvent.objects.filter(grant=grant).values_list("from_status", "to_status")
    )
    from django.db import connection

    if connection.vendor == "postgresql":
        # Loaded and issued in one pass (the ledger issuer).
        assert moves == [("draft", "loading"), ("loading", "done")]
    else:
        assert moves == [
            ("draft", "loading"),
            ("loading", "loaded"),
            ("loaded", "issuing"),
            ("issuing", "done"),
        ]
    with pytest.raises(GrantTransitionRefused, match="완료 → 실패"):
        blanket_grant_transition(grant_id=grant.pk, to=BlanketGrant.Status.FAILED)
    grant.refresh_from_db()
    assert grant.status == BlanketGrant.Status.DONE
    assert BlanketGrantEvent.objects.filter(grant=grant).count() == len(moves)


def test_the_console_shows_a_grants_history_and_hides_demo_fields_from_managers(client):
    from django.contrib.auth.models import Group

    grant = BlanketGrantFactory(synthetic_count=3)
    blanket_grant_load(grant=grant, recipients=synthetic_recipients(3))
    manager = get_user_model().objects.create_user("mgr", password="pw", is_staff=True)
    manager.groups.add(Group.objects.get(name="manager"))
    client.force_login(manager)
    page = client.get(f"/admin/payouts/blanketgrant/{grant.pk}/change/").content.decode()
    assert "상태 이력" in page
    assert "대상 적재 중" in page and "대상 적재됨" in page
    assert "합성 대상 수" not in page


def test_an_error_in_a_repeated_run_never_fails_a_released_grant(
    django_capture_on_commit_callbacks, settings
):
    from unittest import mock

    # The two-step path (an issuer that delivers), its chunks queued but not yet run.
    settings.PAYOUTS_ISSUER = "http"
    settings.PAYOUTS_BILLING_URL = "http://127.0.0.1:9/"
    grant = BlanketGrantFactory(synthetic_count=4)
    with mock.patch("payouts.tasks.run_chunk.delay"):  # released, its chunks still queued
        blanket_grant_run(grant_id=grant.pk)
    grant.refresh_from_db()
    assert grant.status == BlanketGrant.Status.ISSUING
    with (
        mock.patch(
            "payouts.services.grants.payout_batch_start_for_grant",
            side_effect=RuntimeError("database hiccup"),
        ),
        pytest.raises(RuntimeError),
    ):
        blanket_grant_run(grant_id=grant.pk)
    grant.refresh_from_db()
    assert grant.status == BlanketGrant.Status.ISSUING  # its batch goes on
    assert "database hiccup" in grant.error


def test_reloading_a_finished_grant_with_nothing_new_leaves_it_finished(
    django_capture_on_commit_callbacks,
):
    grant = BlanketGrantFactory(synthetic_count=3)
    with django_capture_on_commit_callbacks(execute=True):
        blanket_grant_run(grant_id=grant.pk)
    blanket_grant_load(grant=grant, recipients=synthetic_recipients(3))
    grant.refresh_from_db()
    assert grant.status == BlanketGrant.Status.DONE


def test_a_grant_with_a_failed_request_left_stays_issuing(django_capture_on_commit_callbacks):
    from payouts.services.batches import payout_batch_start_for_grant

    grant = BlanketGrantFactory(synthetic_count=2)
    blanket_grant_load(grant=grant, recipients=synthetic_recipients(2))
    PayoutRequest.objects.filter(grant=grant).update(status="failed")
    grant.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        batch = payout_batch_start_for_grant(grant=grant)
    assert batch.total == 0
    grant.refresh_from_db()
    assert grant.status == BlanketGrant.Status.ISSUING  # the failed ones are still to retry


def test_an_admin_run_whose_task_is_lost_is_picked_up_by_the_sweep(
    django_capture_on_commit_callbacks, settings
):
    import datetime as dt

    from django.utils import timezone
    from kombu.exceptions import OperationalError

    from payouts.services.grants import blanket_grant_start, blanket_grants_resume_stalled_loads

    grant = BlanketGrantFactory(synthetic_count=3)
    with (
        mock_delay(side_effect=OperationalError("broker down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        blanket_grant_start(grant_id=grant.pk)
    grant.refresh_from_db()
    assert (grant.status, grant.run_by_worker) == (BlanketGrant.Status.LOADING, True)
    stale = timezone.now() - dt.timedelta(minutes=settings.PAYOUTS_STALLED_AFTER_MINUTES + 1)
    BlanketGrant.objects.filter(pk=grant.pk).update(updated_at=stale)
    with django_capture_on_commit_callbacks(execute=True):
        assert blanket_grants_resume_stalled_loads() == [grant.pk]
    grant.refresh_from_db()
    assert grant.status == BlanketGrant.Status.DONE
    assert LedgerEntry.objects.filter(grant=grant).count() == 3


def mock_delay(**kwargs):
    from unittest import mock

    return mock.patch("payouts.tasks.run_blanket_grant.delay", **kwargs)


@pytest.mark.postgres
def test_one_pass_grant_killed_mid_issue_keeps_its_slices_and_a_rerun_issues_the_rest(
    monkeypatch,
):
    from payouts.selectors import reconciliation_report
    from payouts.services import grant_direct

    grant = BlanketGrantFactory(synthetic_count=7)
    real = grant_direct._issue_slice
    calls = []

    def dies_on_the_third_slice(**kwargs):  # type: ignore[no-untyped-def]
        calls.append(kwargs["index"])
        if len(calls) == 3:
            raise SystemExit("killed")
        return real(**kwargs)

    monkeypatch.setattr(grant_direct, "_issue_slice", dies_on_the_third_slice)
    with pytest.raises(SystemExit):
        grant_direct.blanket_grant_load_and_issue(
            grant=grant, recipients=synthetic_recipients(7), slice_size=2
        )
    monkeypatch.setattr(grant_direct, "_issue_slice", real)
    # Two slices committed: issued, in the ledger and counted in a closed batch; nothing else.
    first = PayoutBatch.objects.get(grant=grant)
    assert (first.status, first.total, first.done, first.chunks_finished) == ("finished", 4, 4, 2)
    assert LedgerEntry.objects.filter(grant=grant, batch=first).count() == 4
    assert PayoutRequest.objects.filter(grant=grant).count() == 4
    grant.refresh_from_db()
    assert grant.status == BlanketGrant.Status.LOADING  # the stalled-load sweep reruns it
    again = blanket_grant_run(grant_id=grant.pk)
    assert again is not None and again.pk != first.pk
    again.refresh_from_db()
    grant.refresh_from_db()
    assert grant.status == BlanketGrant.Status.DONE
    assert (again.status, again.total, again.done) == ("finished", 3, 3)
    assert PayoutRequest.objects.filter(grant=grant, status="issued").count() == 7
    assert LedgerEntry.objects.filter(grant=grant).count() == 7
    # Once more: nothing new and no new batch.
    assert blanket_grant_run(grant_id=grant.pk).pk == again.pk
    assert LedgerEntry.objects.filter(grant=grant).count() == 7
    assert reconciliation_report().ok


@pytest.mark.postgres
def test_one_pass_grant_with_a_bad_line_late_in_its_csv_pays_nobody():
    from django.core.files.base import ContentFile

    lines = "".join(f"U{i}\n" for i in range(50)) + "bad id\n"
    grant = BlanketGrantFactory(recipients_csv=ContentFile(lines.encode(), name="users.csv"))
    with pytest.raises(BlanketGrantError):
        blanket_grant_run(grant_id=grant.pk)
    grant.refresh_from_db()
    assert grant.status == BlanketGrant.Status.FAILED
    assert "51행" in grant.error
    assert not PayoutRequest.objects.filter(grant=grant).exists()
    assert not LedgerEntry.objects.filter(grant=grant).exists()


@pytest.mark.postgres
def test_a_second_run_of_a_grant_under_way_does_nothing():
    import psycopg
    from django.db import connection

    from payouts.services.grant_direct import _RUN_LOCK

    grant = BlanketGrantFactory(synthetic_count=3)
    params = connection.get_connection_params()
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s, %s)", [_RUN_LOCK, grant.pk])
        assert blanket_grant_run(grant_id=grant.pk) is None
    grant.refresh_from_db()
    assert grant.status == BlanketGrant.Status.DRAFT  # not marked failed, not started
    assert not PayoutRequest.objects.filter(grant=grant).exists()
    assert blanket_grant_run(grant_id=grant.pk) is not None  # once the other run let go
    assert PayoutRequest.objects.filter(grant=grant, status="issued").count() == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_pass_grant_on_parallel_connections_issues_everyone_exactly_once(settings):
    from payouts.selectors import reconciliation_report
    from payouts.services.grant_direct import blanket_grant_load_and_issue

    settings.PAYOUTS_GRANT_ISSUE_CONNECTIONS = 3
    grant = BlanketGrantFactory(synthetic_count=1000)
    batch = blanket_grant_load_and_issue(
        grant=grant, recipients=synthetic_recipients(1000), slice_size=90
    )
    assert batch is not None
    assert (batch.status, batch.total, batch.done, batch.chunks_total) == (
        "finished", 1000, 1000, 12,
    )  # fmt: skip
    assert LedgerEntry.objects.filter(grant=grant).count() == 1000
    assert LedgerEntry.objects.filter(grant=grant).values("request_id").distinct().count() == 1000
    assert sorted(batch.chunks.values_list("index", flat=True)) == list(range(12))
    grant.refresh_from_db()
    assert (grant.status, grant.recipients_count) == (BlanketGrant.Status.DONE, 1000)
    assert reconciliation_report().ok


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_pass_slices_sharing_recipients_never_deadlock(settings):
    from payouts.services.grant_direct import blanket_grant_load_and_issue

    # The same ids forwards then backwards: two slices on two connections hold the same
    # recipients in opposite orders (a deadlock unless both take their keys in one order).
    settings.PAYOUTS_GRANT_ISSUE_CONNECTIONS = 2
    ids = [f"U{i:05d}" for i in range(3000)]
    grant = BlanketGrantFactory(synthetic_count=1)
    batch = blanket_grant_load_and_issue(grant=grant, recipients=ids + ids[::-1], slice_size=3000)
    assert batch is not None
    assert (batch.total, batch.done) == (3000, 3000)
    assert LedgerEntry.objects.filter(grant=grant).count() == 3000


@pytest.mark.postgres
def test_a_one_pass_batch_a_killed_run_left_open_is_closed_by_the_next_run():
    from payouts.services.grant_direct import ONE_PASS_NOTE

    grant = BlanketGrantFactory(synthetic_count=3)
    # Pending rows of an earlier two-step load, and the open batch of a run killed after
    # its last slice committed.
    blanket_grant_load(grant=grant, recipients=["P1", "P2"])
    orphan = PayoutBatch.objects.create(
        kind="blanket", grant=grant, chunk_size=2, note=ONE_PASS_NOTE, chunks_total=1,
        chunks_finished=1,
    )  # fmt: skip
    batch = blanket_grant_run(grant_id=grant.pk, enqueue=False)
    orphan.refresh_from_db()
    assert orphan.status == "finished"
    # The pending rows go to the two-step batch, which is planned, not the orphan.
    assert batch is not None and batch.pk != orphan.pk
    assert batch.chunks.exists()


@pytest.mark.postgres
def test_a_grant_released_while_a_run_waits_for_its_lock_is_left_to_its_batch(monkeypatch):
    from contextlib import contextmanager

    from payouts.services import grant_direct

    grant = BlanketGrantFactory(synthetic_count=3)
    real_lock = grant_direct._run_lock

    @contextmanager
    def released_meanwhile(grant_id):  # type: ignore[no-untyped-def]
        BlanketGrant.objects.filter(pk=grant_id).update(status=BlanketGrant.Status.ISSUING)
        with real_lock(grant_id):
            yield

    monkeypatch.setattr(grant_direct, "_run_lock", released_meanwhile)
    result = grant_direct.blanket_grant_load_and_issue(
        grant=grant, recipients=synthetic_recipients(3)
    )
    assert result is None
    assert not PayoutRequest.objects.filter(grant=grant).exists()
    grant.refresh_from_db()
    assert (grant.status, grant.error) == (BlanketGrant.Status.ISSUING, "")
