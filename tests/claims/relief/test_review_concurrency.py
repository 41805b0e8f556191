"""Two managers deciding the same committee application at once: one decision, one payout
request; raw SQL cannot change a decision on PostgreSQL."""

import threading

import pytest
from django.db import DatabaseError, connection, transaction

from claims.relief.models import ReliefApplication
from claims.relief.review import ReliefStateError, relief_application_decide
from claims.relief.review_models import ReliefDecision
from config.roles import MANAGER
from payouts.models import PayoutRequest
from tests.claims.relief.helpers import make_application
from tests.conftest import make_user

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("celery_eager"),
]


def test_two_managers_deciding_at_once_give_one_decision_and_one_payout():
    managers = [make_user(f"committee-{i}", MANAGER) for i in range(4)]
    app = make_application(status="committee_review", reported_loss=900_000, grants=[])
    barrier = threading.Barrier(len(managers))
    outcomes: list[str] = []

    def decide(manager) -> None:  # type: ignore[no-untyped-def]
        try:
            barrier.wait()
            relief_application_decide(
                application_id=app.pk, actor=manager, decision="approve", amount=600_000,
                reason=f"{manager.username} 승인",
            )  # fmt: skip
            outcomes.append("decided")
        except ReliefStateError:
            outcomes.append("conflict")
        except Exception as exc:  # collected and asserted below
            outcomes.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=decide, args=(m,)) for m in managers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict"] * 3 + ["decided"]
    assert ReliefDecision.objects.filter(application=app).count() == 1
    assert PayoutRequest.objects.filter(source_ref=str(app.pk)).count() == 1
    assert ReliefApplication.objects.get(pk=app.pk).status == "committee_approved"


def test_a_decision_refuses_raw_updates_and_deletes():
    manager = make_user("committee-raw", MANAGER)
    app = make_application(status="committee_review", reported_loss=900_000, grants=[])
    relief_application_decide(application_id=app.pk, actor=manager, decision="reject",
                              reason="증빙 미제출")  # fmt: skip
    for sql in (
        "UPDATE claims_reliefdecision SET reason = 'x'",
        "DELETE FROM claims_reliefdecision",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql)
    assert ReliefDecision.objects.get(application=app).reason == "증빙 미제출"
