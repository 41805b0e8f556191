"""Recording violations applies the published penalty rules: thresholds, cumulative amounts,
suspensions lifted by their condition, timed ones ending by time, reviews, and nothing applied
twice."""

import logging
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from incidents.models import (
    Account,
    AccountEvent,
    AccountState,
    Restriction,
    Review,
    Violation,
)
from incidents.selectors import account_detail, eligibility
from incidents.services.restrictions import condition_record, restriction_lift
from incidents.services.reviews import ReviewAlreadyDecided, review_decide
from incidents.services.violations import violation_record
from policies.models import PolicyVersion
from policies.services import policy_version_create_draft, policy_version_publish
from tests.policies.test_penalty_rules import TRUKA_CODES

pytestmark = pytest.mark.django_db

BANS = [c for c, (_, action) in TRUKA_CODES.items() if action == "permanent_ban"]
REVIEWS = [
    c
    for c, (_, action) in TRUKA_CODES.items()
    if action in ("review_or_ban", "review", "warning_and_review") and c != "accident_loss_2m"
]
UNTIL = {
    "info_mismatch": "info_corrected",
    "unpaid_fees": "fees_paid",
    "accident_open": "accident_closed",
}


def record(code, external_id="T-1", kind="truka_member", **kw):
    return violation_record(kind=kind, external_id=external_id, code=code, **kw)


def state(external_id="T-1", kind="truka_member", now=None):
    account = Account.objects.get(kind=kind, external_id=external_id)
    return account_detail(account, now=now)


@pytest.mark.parametrize("code", BANS)
def test_each_truka_ban_applies_at_its_threshold_and_not_before(code):
    threshold = TRUKA_CODES[code][0]
    for _ in range(threshold - 1):
        record(code)
        assert state().state == AccountState.ACTIVE
    record(code)
    detail = state()
    assert detail.state == AccountState.BANNED
    [ban] = detail.restrictions
    assert (ban.kind, ban.code, ban.scope, ban.until) == ("ban", code, "app", None)


@pytest.mark.parametrize("code", REVIEWS)
def test_each_truka_review_opens_at_its_threshold_and_not_before(code):
    threshold = TRUKA_CODES[code][0]
    for _ in range(threshold - 1):
        record(code)
        assert state().reviews_open == 0
    record(code)
    detail = state()
    assert (detail.state, detail.reviews_open, detail.restrictions) == (
        AccountState.UNDER_REVIEW,
        1,
        [],
    )
    review = Review.objects.get(account=detail.account)
    assert (review.code, review.action, review.status) == (code, TRUKA_CODES[code][1], "open")


def test_a_warning_and_review_writes_a_warning_each_time_but_one_open_review():
    record("amenity_abuse")
    record("amenity_abuse")
    account = Account.objects.get()
    assert account.events.filter(kind="warning").count() == 2
    assert account.reviews.filter(status="open").count() == 1


def test_accident_losses_add_up_to_two_million_won_before_a_review():
    record("accident_loss_2m", amount=1_500_000)
    record("accident_loss_2m", amount=499_999)
    assert state().reviews_open == 0  # 1,999,999원
    record("accident_loss_2m", amount=1)
    detail = state()
    assert (detail.state, detail.reviews_open) == (AccountState.UNDER_REVIEW, 1)
    assert Review.objects.get().action == "review_or_ban"


def test_an_accident_loss_needs_its_amount():
    with pytest.raises(ValidationError) as exc:
        record("accident_loss_2m")
    assert "amount" in exc.value.message_dict
    assert not Violation.objects.exists()


@pytest.mark.parametrize("code", list(UNTIL))
def test_a_suspension_until_a_condition_lifts_when_that_condition_is_recorded(code, rm_user):
    record(code)
    detail = state()
    assert detail.state == AccountState.SUSPENDED
    assert detail.restrictions[0].lift_condition == UNTIL[code]
    for other in set(UNTIL.values()) - {UNTIL[code]}:
        assert condition_record(account=detail.account, condition=other, actor=rm_user) == []
        assert state().state == AccountState.SUSPENDED
    lifted = condition_record(account=detail.account, condition=UNTIL[code], actor=rm_user)
    assert [r.code for r in lifted] == [code]
    assert state().state == AccountState.ACTIVE
    assert condition_record(account=detail.account, condition=UNTIL[code], actor=rm_user) == []


def test_unpaid_fees_again_after_paying_suspend_again_and_while_waiting_only_once():
    record("unpaid_fees")
    record("unpaid_fees")  # still waiting for the first payment: no second suspension
    account = Account.objects.get()
    assert account.restrictions.count() == 1
    condition_record(account=account, condition="fees_paid")
    record("unpaid_fees")
    assert state().state == AccountState.SUSPENDED
    assert account.restrictions.filter(lifted_at__isnull=True).count() == 1


def test_the_third_no_show_on_the_account_bans_the_driver_once():
    for _ in range(2):
        record("driver_permanent_suspension_on_3rd", "D-1", "driver")
    assert state("D-1", "driver").state == AccountState.ACTIVE
    record("driver_permanent_suspension_on_3rd", "D-1", "driver")
    assert state("D-1", "driver").state == AccountState.BANNED
    record("driver_permanent_suspension_on_3rd", "D-1", "driver")
    assert Restriction.objects.filter(kind="ban").count() == 1


def test_the_seven_day_reservation_ban_ends_by_time_alone():
    record("driver_reservation_ban_7d", "D-1", "driver")
    start = Restriction.objects.get().since
    detail = state("D-1", "driver", now=start + timedelta(seconds=1))
    assert detail.state == AccountState.RESTRICTED  # one service only
    calls = eligibility(
        kind="driver",
        external_id="D-1",
        scope="reservation_calls",
        now=start + timedelta(days=7) - timedelta(seconds=1),
    )
    assert (calls.allowed, calls.until) == (False, start + timedelta(days=7))
    assert eligibility(kind="driver", external_id="D-1", scope="app").allowed
    later = start + timedelta(days=7, seconds=1)
    assert state("D-1", "driver", now=later).state == AccountState.ACTIVE
    assert eligibility(
        kind="driver", external_id="D-1", scope="reservation_calls", now=later
    ).allowed
    assert Restriction.objects.get().lifted_at is None  # nothing had to run


def test_each_no_show_gets_its_own_seven_days():
    record("driver_reservation_ban_7d", "D-1", "driver")
    record("driver_reservation_ban_7d", "D-1", "driver")
    assert Restriction.objects.filter(code="driver_reservation_ban_7d").count() == 2


def test_reaching_a_threshold_again_applies_nothing_twice():
    for _ in range(5):
        record("dirt")
    assert Restriction.objects.count() == 1
    for _ in range(3):
        record("accident_count", "T-2")
    assert Review.objects.filter(account__external_id="T-2").count() == 1


def test_a_claim_replayed_records_its_violation_once():
    first = record("driver_penalty", "D-1", "driver", source_kind="claim", source_ref="42")
    again = record("driver_penalty", "D-1", "driver", source_kind="claim", source_ref="42")
    assert first.pk == again.pk
    assert Violation.objects.count() == 1 and Review.objects.count() == 1


def test_an_unknown_code_or_a_code_of_another_kind_records_nothing():
    with pytest.raises(ValidationError) as exc:
        record("no_such_code")
    assert "code" in exc.value.message_dict
    with pytest.raises(ValidationError, match="트루카 회원"):
        record("smoking_reported", "D-1", "driver")
    assert not Account.objects.exists()


def test_the_account_is_created_on_first_reference_and_updated_by_later_ones():
    record("dirt", name="홍길동", phone="010-1234-5678")
    account = Account.objects.get()
    assert (account.name, account.phone) == ("홍길동", "01012345678")
    record("dirt", phone="010-9999-0000")
    account.refresh_from_db()
    assert account.phone == "01099990000"
    notes = list(account.events.filter(kind="updated").values_list("note", flat=True))
    assert notes == ["전화번호 변경"]


def test_a_bad_phone_is_a_field_error():
    with pytest.raises(ValidationError) as exc:
        record("dirt", phone="12")
    assert "phone" in exc.value.message_dict


def test_the_customer_app_suspension_waits_for_a_manager_or_rm_with_a_reason(
    agent, manager, rm_user
):
    record("customer_app_suspension", "C-1", "customer")
    suspension = Restriction.objects.get()
    assert state("C-1", "customer").state == AccountState.SUSPENDED
    assert suspension.lift_condition == "" and suspension.until is None
    with pytest.raises(PermissionDenied):
        restriction_lift(restriction_id=suspension.pk, actor=agent, reason="요청")
    with pytest.raises(ValidationError):
        restriction_lift(restriction_id=suspension.pk, actor=manager, reason=" ")
    restriction_lift(restriction_id=suspension.pk, actor=manager, reason="고객 재결제 완료")
    assert state("C-1", "customer").state == AccountState.ACTIVE
    event = AccountEvent.objects.filter(kind="lifted").get()
    assert (event.actor, "고객 재결제 완료" in event.note) == (manager, True)


def test_only_rm_reverses_a_ban_with_a_reason(manager, rm_user):
    record("smoking_reported")
    ban = Restriction.objects.get()
    with pytest.raises(PermissionDenied):
        restriction_lift(restriction_id=ban.pk, actor=manager, reason="착오")
    restriction_lift(restriction_id=ban.pk, actor=rm_user, reason="제보 착오 확인")
    assert state().state == AccountState.ACTIVE


def test_rm_decides_a_review_with_a_mandatory_reason(rm_user, manager):
    record("criminal_investigation")
    review = Review.objects.get()
    with pytest.raises(ValidationError) as exc:
        review_decide(review_id=review.pk, actor=rm_user, decision="ban", reason="")
    assert "reason" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        review_decide(review_id=review.pk, actor=manager, decision="ban", reason="수사 확인")
    review_decide(review_id=review.pk, actor=rm_user, decision="ban", reason="수사 확인")
    detail = state()
    assert (detail.state, detail.reviews_open) == (AccountState.BANNED, 0)
    assert detail.restrictions[0].review_id == review.pk
    assert review_decide(review_id=review.pk, actor=rm_user, decision="ban", reason="다시").pk
    with pytest.raises(ReviewAlreadyDecided):
        review_decide(review_id=review.pk, actor=rm_user, decision="clear", reason="번복")


def test_a_review_cleared_leaves_the_account_active_and_a_suspension_ends_in_its_days(rm_user):
    record("penalty_clause")
    record("illegal_use", "T-2")
    cleared = Review.objects.get(code="penalty_clause")
    review_decide(review_id=cleared.pk, actor=rm_user, decision="clear", reason="경미")
    assert state().state == AccountState.ACTIVE
    suspended = Review.objects.get(code="illegal_use")
    with pytest.raises(ValidationError):
        review_decide(review_id=suspended.pk, actor=rm_user, decision="suspend", reason="x")
    review_decide(
        review_id=suspended.pk,
        actor=rm_user,
        decision="suspend",
        reason="1차 위반",
        suspend_days=30,
    )
    detail = state("T-2")
    assert detail.state == AccountState.SUSPENDED
    end = detail.restrictions[0].until
    assert end is not None and abs(end - timezone.now() - timedelta(days=30)) < timedelta(minutes=1)
    assert state("T-2", now=end + timedelta(seconds=1)).state == AccountState.ACTIVE


def test_every_change_is_in_the_history_with_who_when_and_source(rm_user):
    record("smoking_traces", actor=rm_user, source_kind="incident", source_ref="7")
    record("smoking_traces", actor=rm_user, source_kind="claim", source_ref="12", note="재적발")
    events = list(AccountEvent.objects.order_by("id"))
    assert [(e.kind, e.source_kind, e.source_ref) for e in events] == [
        ("created", "incident", "7"),
        ("violation", "incident", "7"),
        ("violation", "claim", "12"),
        ("restricted", "claim", "12"),
    ]
    assert all(e.actor == rm_user and e.at for e in events)
    assert "재적발" in events[2].note


def test_a_counting_window_leaves_older_violations_out(manager):
    draft = policy_version_create_draft(source=PolicyVersion.objects.get(number=1), actor=manager)
    draft.penalty_rules.filter(code="dirt").update(window_days=30)
    policy_version_publish(version_id=draft.pk, actor=manager)
    old = timezone.now() - timedelta(days=31)
    record("dirt", occurred_at=old)
    record("dirt", occurred_at=old)
    record("dirt")
    assert state().state == AccountState.ACTIVE
    record("dirt")
    record("dirt")
    assert state().state == AccountState.BANNED
    assert Violation.objects.last().policy_version == draft.number


def test_logs_show_no_name_or_phone(caplog):
    with caplog.at_level(logging.INFO, logger="incidents"):
        record("smoking_reported", name="홍길동", phone="010-1234-5678")
    text = caplog.text
    assert "smoking_reported" in text  # the log is there
    assert "홍길동" not in text and "1234" not in text and "5678" not in text


def test_violations_entered_late_count_within_the_window_of_their_own_date(manager):
    draft = policy_version_create_draft(source=PolicyVersion.objects.get(number=1), actor=manager)
    draft.penalty_rules.filter(code="dirt").update(window_days=30)
    policy_version_publish(version_id=draft.pk, actor=manager)
    # Three within 30 days of each other, all 60 days ago, entered today.
    for days in (62, 61, 60):
        record("dirt", occurred_at=timezone.now() - timedelta(days=days))
    assert state().state == AccountState.BANNED
