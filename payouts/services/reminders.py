"""Coupon expiry reminders, 7 and 3 days before expiry (DOMAIN.md §2: no extension is granted
on a complaint about an expired coupon, because these reminders went out).

One reminder row per coupon and number of days (a unique key), so running the job twice on a
day, or on two days in a row, creates nothing twice; a reminder is claimed with a
compare-and-set (pending → sending) before it is sent, so it is sent at most once even when two
workers run the job at the same time. A send interrupted after the claim stays `sending`, and a
send the channel refused is recorded `failed` with its error; neither is sent again by the job
(a missed reminder is better than a duplicate one).
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from payouts.models import CouponReminder, Instrument, PayoutRequest
from payouts.notifiers import Notice, Notifier, get_notifier

logger = logging.getLogger(__name__)


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def coupon_reminders_plan(*, today: date | None = None) -> int:
    """Create the due reminders of `today` (Asia/Seoul); returns how many were new.

    A coupon gets the D-n reminder when it expires within n days, but after the next smaller
    reminder's window: D-7 for expiry in 4..7 days, D-3 for 1..3 days. So a reminder may go out
    on a later day than exactly n days before: a day the job did not run is caught up the next
    day while the coupon is still in that window, and a coupon first seen with 5 days left gets
    its D-7 reminder that day (once) and its D-3 later. One seen with 2 days left gets only D-3.
    """
    today = today or timezone.localdate()
    days = sorted(set(settings.PAYOUTS_REMINDER_DAYS_BEFORE), reverse=True)
    created = 0
    for i, days_before in enumerate(days):
        nearer = days[i + 1] if i + 1 < len(days) else 0
        # Expiry dates (local) from today + nearer + 1 to today + days_before, inclusive.
        window_start = _start_of(today + timedelta(days=nearer + 1))
        window_end = _start_of(today + timedelta(days=days_before + 1))
        coupons = (
            PayoutRequest.objects.filter(
                instrument=Instrument.COUPON,
                status=PayoutRequest.Status.ISSUED,
                valid_until__gte=window_start,
                valid_until__lt=window_end,
            )
            .exclude(reminders__days_before=days_before)
            .values_list("pk", flat=True)
            .order_by("pk")
        )
        last = 0
        while True:
            page = list(coupons.filter(pk__gt=last)[:5000])
            if not page:
                break
            made = CouponReminder.objects.bulk_create(
                [
                    CouponReminder(request_id=pk, days_before=days_before, due_date=today)
                    for pk in page
                ],
                ignore_conflicts=True,
            )
            created += len(made)
            last = page[-1]
    return created


def coupon_expiry_notice(reminder: CouponReminder) -> Notice:
    coupon = reminder.request
    expiry = timezone.localtime(coupon.valid_until) if coupon.valid_until else None
    when = f" ({expiry:%Y-%m-%d})" if expiry else ""
    return Notice(
        kind="coupon_expiry",
        key=f"coupon-expiry:{reminder.pk}",
        recipient_kind=coupon.recipient_kind,
        recipient_id=coupon.recipient_id,
        title="쿠폰 만료 안내",
        body=f"{coupon.amount or 0:,}원 쿠폰이 {reminder.days_before}일 뒤{when} 만료됩니다.",
    )


def coupon_reminders_send(*, notifier: Notifier | None = None, limit: int | None = None) -> int:
    """Send the pending reminders; returns how many were sent by this call."""
    notifier = notifier or get_notifier()
    sent = 0
    pending = CouponReminder.objects.filter(status=CouponReminder.Status.PENDING).order_by("pk")
    ids = pending.values_list("pk", flat=True)
    if limit is not None:
        ids = ids[:limit]
    for reminder_id in ids.iterator(chunk_size=2000):
        claimed = CouponReminder.objects.filter(
            pk=reminder_id, status=CouponReminder.Status.PENDING
        ).update(status=CouponReminder.Status.SENDING, channel=notifier.channel)
        if not claimed:
            continue  # another worker has it
        reminder = CouponReminder.objects.select_related("request").get(pk=reminder_id)
        try:
            notifier.send(coupon_expiry_notice(reminder))
        except Exception as exc:  # whatever the channel raises, the row records it
            logger.warning("coupon reminder %s failed: %s", reminder_id, exc)
            CouponReminder.objects.filter(pk=reminder_id).update(
                status=CouponReminder.Status.FAILED, error=str(exc)[:500]
            )
            continue
        with transaction.atomic():
            CouponReminder.objects.filter(
                pk=reminder_id, status=CouponReminder.Status.SENDING
            ).update(status=CouponReminder.Status.SENT, sent_at=timezone.now())
        sent += 1
    return sent


def coupon_reminders_run(*, today: date | None = None, notifier: Notifier | None = None) -> int:
    coupon_reminders_plan(today=today)
    return coupon_reminders_send(notifier=notifier)
