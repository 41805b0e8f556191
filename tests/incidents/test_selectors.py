"""The derived state and eligibility: the order of states, one rule for a list and a page."""

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.models import Account, Restriction
from incidents.selectors import (
    account_detail,
    accounts_with_state,
    eligibility,
    state_of,
)
from incidents.services.violations import violation_record

pytestmark = pytest.mark.django_db


def restriction(kind="suspension", scope="app"):
    return Restriction(kind=kind, scope=scope)


def test_states_in_order_of_strength():
    ban, app, calls = restriction("ban"), restriction(), restriction(scope="reservation_calls")
    assert state_of([calls, app, ban], 1) == "banned"
    assert state_of([calls, app], 1) == "suspended"
    assert state_of([calls], 1) == "under_review"
    assert state_of([calls], 0) == "restricted"
    assert state_of([], 0) == "active"


def test_the_list_and_the_page_derive_the_same_state():
    violation_record(kind="truka_member", external_id="T-1", code="unpaid_fees")
    violation_record(kind="truka_member", external_id="T-2", code="penalty_clause")
    violation_record(kind="driver", external_id="D-1", code="driver_reservation_ban_7d")
    violation_record(kind="truka_member", external_id="T-3", code="smoking_reported")
    Account.objects.create(kind="customer", external_id="C-1")
    listed = {a.external_id: state_of(a.in_force, a.reviews_open) for a in accounts_with_state()}
    paged = {a.external_id: account_detail(a).state for a in Account.objects.all()}
    assert (
        listed
        == paged
        == {
            "T-1": "suspended",
            "T-2": "under_review",
            "D-1": "restricted",
            "T-3": "banned",
            "C-1": "active",
        }
    )


def test_the_list_needs_the_same_queries_for_many_accounts(django_assert_num_queries):
    for n in range(5):
        violation_record(kind="truka_member", external_id=f"T-{n}", code="unpaid_fees")
    with django_assert_num_queries(2):
        [state_of(a.in_force, a.reviews_open) for a in accounts_with_state()]


def test_an_app_suspension_stops_every_service_and_a_scoped_one_only_its_own():
    violation_record(kind="customer", external_id="C-1", code="customer_app_suspension")
    violation_record(kind="driver", external_id="D-1", code="driver_reservation_ban_7d")
    for scope in ("app", "reservation_calls", "rental"):
        assert not eligibility(kind="customer", external_id="C-1", scope=scope).allowed
    assert eligibility(kind="driver", external_id="D-1", scope="rental").allowed


def test_until_is_the_last_end_or_none_when_one_has_no_end():
    violation_record(kind="driver", external_id="D-1", code="driver_reservation_ban_7d")
    first = Restriction.objects.get().until
    violation_record(kind="driver", external_id="D-1", code="driver_reservation_ban_7d")
    last = Restriction.objects.order_by("-until").first().until
    assert last > first
    assert eligibility(kind="driver", external_id="D-1", scope="reservation_calls").until == last
    violation_record(kind="driver", external_id="D-1", code="driver_temporary_hold")
    held = eligibility(kind="driver", external_id="D-1", scope="reservation_calls")
    assert (held.allowed, held.until, len(held.reasons)) == (False, None, 3)


def test_a_restriction_in_the_future_is_not_yet_in_force():
    violation_record(kind="driver", external_id="D-1", code="driver_reservation_ban_7d")
    since = Restriction.objects.get().since
    before = since - timedelta(seconds=1)
    assert account_detail(Account.objects.get(), now=before).state == "active"
    assert account_detail(Account.objects.get(), now=timezone.now()).state == "restricted"
