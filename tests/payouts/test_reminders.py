import datetime as dt

import pytest
from django.utils import timezone

from payouts.models import CouponReminder
from payouts.services.reminders import coupon_reminders_plan, coupon_reminders_run
from payouts.tasks import send_coupon_reminders
from tests.payouts.factories import CouponRequestFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 23)


class Recorder:
    channel = "test"

    def __init__(self, fail_for=()):
        self.sent = []
        self.fail_for = set(fail_for)

    def send(self, notice):
        # The notice names its reminder; the tests speak of (coupon, days before).
        reminder = CouponReminder.objects.get(pk=int(notice.key.rsplit(":", 1)[1]))
        if reminder.request_id in self.fail_for:
            raise RuntimeError("channel down")
        self.sent.append((reminder.request_id, reminder.days_before))


def _coupon_expiring_in(days, hour=15):
    expiry = timezone.make_aware(
        dt.datetime.combine(TODAY + dt.timedelta(days=days), dt.time(hour))
    )
    return CouponRequestFactory(
        status="issued", issued_at=expiry - dt.timedelta(days=60), valid_until=expiry
    )


def test_reminders_go_out_seven_and_three_days_before_expiry_once_each():
    in7, in3, in10, in1 = (_coupon_expiring_in(d) for d in (7, 3, 10, 1))
    notifier = Recorder()
    assert coupon_reminders_run(today=TODAY, notifier=notifier) == 3
    assert coupon_reminders_run(today=TODAY, notifier=notifier) == 0  # the job runs twice
    assert sorted(notifier.sent) == sorted([(in7.pk, 7), (in3.pk, 3), (in1.pk, 3)])
    # Four days later the coupon that had D-7 is at D-3: its second reminder.
    coupon_reminders_run(today=TODAY + dt.timedelta(days=4), notifier=notifier)
    assert (in7.pk, 3) in notifier.sent
    assert (in10.pk, 7) in notifier.sent
    assert CouponReminder.objects.filter(request=in7).count() == 2
    assert notifier.sent.count((in7.pk, 7)) == 1


def test_a_coupon_found_at_five_days_left_gets_the_seven_day_reminder_only_once():
    coupon = _coupon_expiring_in(5)
    coupon_reminders_plan(today=TODAY)
    coupon_reminders_plan(today=TODAY + dt.timedelta(days=1))
    assert list(CouponReminder.objects.values_list("request_id", "days_before")) == [(coupon.pk, 7)]


def test_expired_and_unissued_coupons_get_no_reminder():
    _coupon_expiring_in(-1)
    CouponRequestFactory(status="pending")
    assert coupon_reminders_plan(today=TODAY) == 0


def test_a_failed_send_is_recorded_and_not_sent_again():
    coupon = _coupon_expiring_in(3)
    notifier = Recorder(fail_for={coupon.pk})
    assert coupon_reminders_run(today=TODAY, notifier=notifier) == 0
    reminder = CouponReminder.objects.get()
    assert (reminder.status, reminder.error) == ("failed", "channel down")
    coupon_reminders_run(today=TODAY, notifier=Recorder())
    assert CouponReminder.objects.get().status == "failed"


def test_reminder_task_run_twice_sends_once(settings):
    settings.PAYOUTS_NOTIFIER = "payouts.notifiers.LogNotifier"
    _coupon_expiring_in(7)
    assert send_coupon_reminders.apply(kwargs={"today": TODAY.isoformat()}).get() == 1
    assert send_coupon_reminders.apply(kwargs={"today": TODAY.isoformat()}).get() == 0
    reminder = CouponReminder.objects.get()
    assert (reminder.status, reminder.days_before, reminder.due_date) == ("sent", 7, TODAY)


def test_reminders_go_to_the_outbox_that_operators_read(admin_client):
    from payouts.models import Notification

    coupon = _coupon_expiring_in(7)
    assert send_coupon_reminders.apply(kwargs={"today": TODAY.isoformat()}).get() == 1
    notice = Notification.objects.get()
    assert (notice.kind, notice.recipient_id) == ("coupon_expiry", coupon.recipient_id)
    assert "7일 뒤" in notice.body and f"{coupon.amount:,}원" in notice.body
    page = admin_client.get("/admin/payouts/notification/").content.decode()
    assert "쿠폰 만료 안내" in page


def test_a_finished_blanket_grant_sends_one_notice_to_its_segment(
    django_capture_on_commit_callbacks,
):
    from payouts.models import Notification
    from payouts.services.grants import blanket_grant_run
    from tests.payouts.factories import BlanketGrantFactory

    grant = BlanketGrantFactory(synthetic_count=4, segment="1015 장애 당시 이용자")
    for _ in range(2):  # a second run sends nothing again
        with django_capture_on_commit_callbacks(execute=True):
            blanket_grant_run(grant_id=grant.pk)
    notice = Notification.objects.get()
    assert (notice.kind, notice.recipient_id) == ("grant_issued", "")
    assert "1015 장애 당시 이용자 대상 4명" in notice.body


def test_a_grant_all_cancelled_sends_no_notice_and_a_second_finish_sends_another(
    django_capture_on_commit_callbacks,
):
    from payouts.models import Notification
    from payouts.services.grant_loading import blanket_grant_load, synthetic_recipients
    from payouts.services.grants import blanket_grant_run
    from payouts.services.requests import payout_request_cancel
    from tests.payouts.factories import BlanketGrantFactory

    cancelled = BlanketGrantFactory(synthetic_count=2)
    blanket_grant_load(grant=cancelled, recipients=synthetic_recipients(2))
    for pk in cancelled.requests.values_list("pk", flat=True):
        payout_request_cancel(request_id=pk, reason="중단")
    assert not Notification.objects.exists()

    grant = BlanketGrantFactory(synthetic_count=2)
    with django_capture_on_commit_callbacks(execute=True):
        blanket_grant_run(grant_id=grant.pk)
    # New recipients for the same grant, issued: it finishes again and says so again.
    with django_capture_on_commit_callbacks(execute=True):
        blanket_grant_run(grant_id=grant.pk, recipients=["EXTRA-1"])
    bodies = list(Notification.objects.order_by("id").values_list("body", flat=True))
    assert len(bodies) == 2
    assert "2명" in bodies[0] and "3명" in bodies[1]
