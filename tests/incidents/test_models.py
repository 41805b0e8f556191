"""What the tables themselves refuse, and the masks of personal data."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from incidents.masking import format_phone, mask_name, mask_phone, normalize_phone
from incidents.models import Account, Restriction, Review
from incidents.services.violations import violation_record
from tests.incidents.factories import AccountFactory


@pytest.mark.parametrize(
    ("name", "masked"),
    [("홍길동", "홍*동"), ("남궁길동", "남**동"), ("홍길", "홍*"), ("홍", "*"), ("", "")],
)
def test_names_are_masked_but_their_ends(name, masked):
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    ("raw", "digits", "full", "masked"),
    [
        ("010-1234-5678", "01012345678", "010-1234-5678", "010-****-5678"),
        ("+82 10 1234 5678", "01012345678", "010-1234-5678", "010-****-5678"),
        ("02-123-4567", "021234567", "02-123-4567", "02-***-4567"),
    ],
)
def test_phones_are_kept_as_digits_and_masked_in_the_middle(raw, digits, full, masked):
    assert normalize_phone(raw) == digits
    assert (format_phone(digits), mask_phone(digits)) == (full, masked)


@pytest.mark.parametrize("raw", ["12", "010-1234-56789", "phone", ""])
def test_what_is_not_a_phone_number_is_refused(raw):
    with pytest.raises(ValueError):
        normalize_phone(raw)


@pytest.mark.django_db
def test_an_account_prints_without_personal_data():
    account = AccountFactory(external_id="T-1", name="홍길동", phone="01012345678")
    assert str(account) == "트루카 회원 T-1"


@pytest.mark.django_db
def test_one_account_per_kind_and_platform_id():
    AccountFactory(kind="driver", external_id="X")
    AccountFactory(kind="customer", external_id="X")  # another kind: another account
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.create(kind="driver", external_id="X")


@pytest.mark.django_db
def test_the_table_holds_at_most_one_ban_in_force_per_account():
    violation_record(kind="truka_member", external_id="T-1", code="smoking_reported")
    ban = Restriction.objects.get()
    fields = {f: getattr(ban, f) for f in ("account", "code", "label", "scope", "since")}
    with pytest.raises(IntegrityError), transaction.atomic():
        Restriction.objects.create(kind="ban", source_kind="manual", **fields)


@pytest.mark.django_db
def test_a_lift_needs_a_reason_and_a_decided_review_its_decision():
    violation_record(kind="truka_member", external_id="T-1", code="unpaid_fees")
    violation_record(kind="truka_member", external_id="T-1", code="penalty_clause")
    with pytest.raises(IntegrityError), transaction.atomic():
        Restriction.objects.update(lifted_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.update(status="decided", decided_at=timezone.now())
