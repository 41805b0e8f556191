"""Thresholds reached by violations recorded at the same moment, on PostgreSQL with real
concurrent connections (each thread its own connection and transaction)."""

import threading
import time

import pytest
from django.db import connection, transaction

from incidents.models import Account, Restriction, Review, Violation
from incidents.services.violations import violation_record
from tests.incidents.factories import AccountFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def at_once(calls):
    barrier = threading.Barrier(len(calls))
    errors: list[Exception] = []

    def run(call):
        try:
            barrier.wait()
            with transaction.atomic():
                call()
        except Exception as exc:  # collected and asserted by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


@pytest.fixture
def slow_count(monkeypatch):
    """Each call waits between writing its violation and counting, so both calls have written
    theirs before either counts unless something orders them."""
    from incidents.services import violations

    counting = violations._threshold_reached

    def slow(*args, **kwargs):
        time.sleep(0.5)
        return counting(*args, **kwargs)

    monkeypatch.setattr(violations, "_threshold_reached", slow)


def test_two_violations_at_once_reach_a_threshold_of_two_and_ban_once(slow_count):
    AccountFactory(external_id="T-RACE")

    def smoking():
        violation_record(kind="truka_member", external_id="T-RACE", code="smoking_traces")

    assert at_once([smoking, smoking]) == []
    account = Account.objects.get(external_id="T-RACE")
    assert Violation.objects.filter(account=account).count() == 2
    assert Restriction.objects.filter(account=account, kind="ban").count() == 1


def test_first_references_at_once_create_one_account():
    def dirt():
        violation_record(kind="truka_member", external_id="T-NEW", code="dirt")

    assert at_once([dirt, dirt, dirt]) == []
    account = Account.objects.get(external_id="T-NEW")
    assert Violation.objects.filter(account=account).count() == 3
    assert Restriction.objects.filter(account=account, kind="ban").count() == 1
    assert account.events.filter(kind="created").count() == 1


def test_violations_at_once_past_a_threshold_open_one_review(slow_count):
    violation_record(kind="truka_member", external_id="T-R2", code="accident_count")

    def accident():
        violation_record(kind="truka_member", external_id="T-R2", code="accident_count")

    assert at_once([accident, accident, accident]) == []
    assert Violation.objects.filter(account__external_id="T-R2").count() == 4
    assert Review.objects.filter(account__external_id="T-R2", status="open").count() == 1
