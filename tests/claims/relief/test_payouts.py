"""Relief grants reach payouts exactly once: per application and instrument, in bulk after an
import, and the segments' blanket grants through the blanket-grant path."""

import time

import pytest
from django.core.files.base import ContentFile

from claims.relief.models import ReliefApplication, ReliefImport
from claims.relief.payout_requests import (
    Recipients,
    relief_application_payouts_create,
    relief_import_payouts_create,
    relief_program_start_blanket_grants,
)
from payouts.models import BlanketGrant, LedgerEntry, PayoutRequest
from tests.claims.relief.helpers import make_application, program, version

pytestmark = pytest.mark.django_db
Status = ReliefApplication.Status


@pytest.fixture(autouse=True)
def _eager_and_tmp(celery_eager, settings, tmp_path):
    settings.PAYOUTS_UPLOAD_ROOT = tmp_path / "uploads"


def test_an_approved_application_gets_one_request_per_own_grant_once():
    app = make_application()  # 30,000 support money + the blanket channel cash
    first = relief_application_payouts_create(application=app)
    again = relief_application_payouts_create(application=app)
    assert [r.pk for r in first] == [r.pk for r in again]
    # The channel cash is the segment's blanket grant, paid by the blanket-grant path.
    rows = PayoutRequest.objects.filter(source_ref=str(app.pk))
    assert list(rows.values_list("idempotency_key", "instrument", "amount")) == [
        (f"relief:{app.pk}:business_support", "business_support", 30_000)
    ]


def test_a_drivers_points_and_transport_support_are_paid_to_the_driver():
    app = make_application(
        segment="driver",
        reported_loss=0,
        grants=[
            ("points", 50_000, None, "driver_band"),
            ("transport_support", 10_000, None, "transport"),
        ],
    )
    made = relief_application_payouts_create(application=app)
    assert sorted((r.instrument, r.amount, r.recipient_kind) for r in made) == [
        ("points", 50_000, "driver"),
        ("transport_support", 10_000, "driver"),
    ]


def test_applications_not_approved_get_nothing():
    for status in (Status.COMMITTEE_REVIEW, Status.NOT_ELIGIBLE, Status.COMMITTEE_REJECTED):
        app = make_application(status=status, grants=[("business_support", 1, None, "loss_tier")])
        assert relief_application_payouts_create(application=app) == []
    assert not PayoutRequest.objects.exists()


def _import_with(n: int) -> ReliefImport:
    imp = ReliefImport.objects.create(
        program=program(), program_version=version(), file_path="x.csv", original_name="x.csv"
    )
    apps = [make_application() for _ in range(n)]
    ReliefApplication.objects.filter(pk__in=[a.pk for a in apps]).update(source_import=imp)
    make_application(status=Status.COMMITTEE_REVIEW, grants=[])
    return imp


def test_an_imports_requests_are_created_once_with_the_same_keys_as_one_by_one():
    imp = _import_with(5)
    one = ReliefApplication.objects.filter(source_import=imp).first()
    relief_application_payouts_create(application=one)  # filed one by one first
    assert relief_import_payouts_create(import_id=imp.pk) == 4
    assert relief_import_payouts_create(import_id=imp.pk) == 0
    keys = set(
        PayoutRequest.objects.filter(source_kind="relief_application").values_list(
            "idempotency_key", flat=True
        )
    )
    assert keys == {
        f"relief:{pk}:business_support"
        for pk in ReliefApplication.objects.filter(source_import=imp).values_list("pk", flat=True)
    }
    assert set(PayoutRequest.objects.values_list("status", "program", "amount")) == {
        ("pending", "outage-1015", 30_000)
    }


@pytest.mark.postgres
def test_bulk_requests_at_the_seeds_scale_are_set_based():
    """105,116 approved rows: the requests' creation is timed (the README quotes it); the rows
    go through in chunks of 20,000, so memory stays flat."""
    from django.db import connection

    imp = ReliefImport.objects.create(
        program=program(), program_version=version(), file_path="x.csv", original_name="x.csv"
    )
    v = version()
    n = 105_116
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO claims_reliefapplication (program_id, program_version_id, segment,
                reporter_type, applicant_kind, applicant_external_id, applicant_name,
                business_number, reported_loss, damage, channel, submitted_at, status,
                source_import_id, created_at, updated_at, audit_sample)
            SELECT %s, %s, 'small_business', 'small_business', 'business', 'B' || g, '사장',
                lpad(g::text, 10, '0'), 100000, 'paid_service', 'partner', now(), 'approved',
                %s, now(), now(), false
            FROM generate_series(1, %s) g
            """,
            [v.program_id, v.pk, imp.pk, n],
        )
        cursor.execute(
            """
            INSERT INTO claims_reliefapplicationgrant (application_id, instrument, amount,
                source, "order")
            SELECT id, 'business_support', 30000, 'loss_tier', 0
            FROM claims_reliefapplication WHERE source_import_id = %s
            """,
            [imp.pk],
        )
    started = time.perf_counter()
    added = relief_import_payouts_create(import_id=imp.pk)
    elapsed = time.perf_counter() - started
    print(f"\nrelief bulk payout requests: {added:,} in {elapsed:.1f} s")
    assert added == n
    assert elapsed < 20


# --- blanket grants ----------------------------------------------------------------------------


def test_the_segments_blanket_grants_run_once(django_capture_on_commit_callbacks):
    apps = [make_application() for _ in range(3)]
    # Before the committee, a small business still has its channel cash; a duplicate has none.
    apps.append(
        make_application(
            status=Status.COMMITTEE_REVIEW, grants=[("channel_cash", 50_000, None, "blanket")]
        )
    )
    make_application(status=Status.NOT_ELIGIBLE, grants=[])
    with django_capture_on_commit_callbacks(execute=True):
        grants = relief_program_start_blanket_grants(program=program(), segment="small_business")
    assert [(g.instrument, g.amount, g.program, g.segment) for g in grants] == [
        ("channel_cash", 50_000, "outage-1015", "small_business")
    ]
    grant = BlanketGrant.objects.get(pk=grants[0].pk)
    assert grant.status == BlanketGrant.Status.DONE
    issued = set(LedgerEntry.objects.filter(grant=grant).values_list("recipient_id", flat=True))
    assert issued == {a.applicant_external_id for a in apps}

    with django_capture_on_commit_callbacks(execute=True):
        again = relief_program_start_blanket_grants(program=program(), segment="small_business")
    assert [g.pk for g in again] == [grant.pk]
    assert BlanketGrant.objects.count() == 1
    assert LedgerEntry.objects.filter(grant=grant).count() == 4
    assert PayoutRequest.objects.filter(grant=grant).count() == 4


def test_every_users_grants_from_a_recipients_file(django_capture_on_commit_callbacks):
    csv_file = ContentFile(b"recipient_id\nU1\nU2\n", name="users.csv")
    with django_capture_on_commit_callbacks(execute=True):
        grants = relief_program_start_blanket_grants(
            program=program(), segment="user", recipients=Recipients(csv_file=csv_file)
        )
    # 1 permanent emoticon, 2 for 90 days, Makers coupons 2,000 and 3,000, 톡서랍 플러스 1 month.
    assert [(g.instrument, g.amount, g.count, g.validity_days) for g in grants] == [
        ("emoticon", None, 1, None),
        ("emoticon", None, 2, 90),
        ("makers_coupon", 2_000, None, None),
        ("makers_coupon", 3_000, None, None),
        ("talk_drawer_plus", None, 1, None),
    ]
    assert LedgerEntry.objects.filter(program="outage-1015").count() == 10
    with django_capture_on_commit_callbacks(execute=True):
        relief_program_start_blanket_grants(
            program=program(), segment="user", recipients=Recipients(csv_file=csv_file)
        )
    assert LedgerEntry.objects.filter(program="outage-1015").count() == 10


def test_a_segment_without_blanket_grants_is_refused():
    from claims.relief.payout_requests import ReliefPayoutError

    with pytest.raises(ReliefPayoutError, match="일괄 지원이 없습니다"):
        relief_program_start_blanket_grants(program=program(), segment="driver")


@pytest.mark.parametrize("vendor_path", ["database", "python"])
def test_an_import_lands_its_payout_requests_with_its_rows(tmp_path, settings, vendor_path):
    """Through the import itself (PostgreSQL's SQL path where the suite runs on it, and the
    row-by-row path): the approved rows' own grants are pending requests keyed per application,
    a row over the threshold has none until the committee decides."""
    from claims.relief import import_python, importer
    from tests.claims.relief.conftest import csv_text, row

    settings.RELIEF_IMPORT_ROOT = tmp_path / "relief"
    path = tmp_path / "in.csv"
    path.write_text(
        csv_text(
            [
                row(business_number="1111111111", reported_loss="300001"),
                row(business_number="2222222222", reported_loss="500001"),
                row(segment="user", kind="customer", external_id="C-9", business_number="",
                    reported_loss="", damage="no_loss"),
            ]
        ),
        encoding="utf-8",
    )  # fmt: skip
    job = importer.relief_import_create(program="outage-1015", source=path, original_name="in.csv")
    if vendor_path == "python":
        import_python.run_python(job, _rules(job))
    else:
        importer.relief_import_run(import_id=job.pk)
    apps = {a.business_number: a for a in ReliefApplication.objects.filter(source_import=job)}
    assert apps["2222222222"].status == Status.COMMITTEE_REVIEW
    assert list(PayoutRequest.objects.values_list("idempotency_key", "amount", "status")) == [
        (f"relief:{apps['1111111111'].pk}:business_support", 50_000, "pending")
    ]


def _rules(job):
    from policies.selectors_relief import program_rules

    return program_rules(version=job.program_version)


def test_a_republished_program_pays_no_blanket_grant_twice(django_capture_on_commit_callbacks):
    from policies.services_relief import relief_version_create_draft, relief_version_publish

    apps = [make_application() for _ in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        first = relief_program_start_blanket_grants(program=program(), segment="small_business")
    assert LedgerEntry.objects.filter(grant__in=first).count() == 3

    draft = relief_version_create_draft(program_id=program().pk, actor=None, note="v2")
    relief_version_publish(version_id=draft.pk, actor=None)
    assert version().number == 2
    with django_capture_on_commit_callbacks(execute=True):
        again = relief_program_start_blanket_grants(program=program(), segment="small_business")
    assert [g.pk for g in again] == [g.pk for g in first]
    assert BlanketGrant.objects.count() == 1
    paid = list(
        LedgerEntry.objects.filter(program="outage-1015").values_list("recipient_id", flat=True)
    )
    assert sorted(paid) == sorted(a.applicant_external_id for a in apps)


def test_applicants_after_a_started_grant_get_a_follow_up_once(
    django_capture_on_commit_callbacks,
):
    early = [make_application() for _ in range(2)]
    with django_capture_on_commit_callbacks(execute=True):
        (first,) = relief_program_start_blanket_grants(program=program(), segment="small_business")
    late = [make_application() for _ in range(2)]
    with django_capture_on_commit_callbacks(execute=True):
        (follow_up,) = relief_program_start_blanket_grants(
            program=program(), segment="small_business"
        )
    assert follow_up.pk != first.pk and follow_up.code == f"{first.code}-2"
    follow_up.refresh_from_db()
    assert follow_up.status == BlanketGrant.Status.DONE
    issued = set(LedgerEntry.objects.filter(grant=follow_up).values_list("recipient_id", flat=True))
    assert issued == {a.applicant_external_id for a in late}
    # Nobody new: a third run starts nothing.
    with django_capture_on_commit_callbacks(execute=True):
        (last,) = relief_program_start_blanket_grants(program=program(), segment="small_business")
    assert last.pk == follow_up.pk and BlanketGrant.objects.count() == 2
    paid = list(
        LedgerEntry.objects.filter(program="outage-1015").values_list("recipient_id", flat=True)
    )
    assert sorted(paid) == sorted(a.applicant_external_id for a in early + late)
