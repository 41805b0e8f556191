import io

import pytest
from django.core.management import call_command

from claims.models import Claim
from payouts.models import BlanketGrant, LedgerEntry, PayoutBatch, PayoutRequest
from payouts.selectors import reconciliation_report


@pytest.mark.django_db
def test_demo_data_is_made_once_and_reconciles(celery_eager, django_capture_on_commit_callbacks):
    for _ in range(2):
        # Tasks run eagerly once their transaction commits, as under `make run`.
        with django_capture_on_commit_callbacks(execute=True):
            call_command("seed_demo", stdout=io.StringIO())
    # 4 demo grants, 2,000 emoticons, and the demo claim granted at tier 2.
    assert PayoutRequest.objects.filter(status="issued").count() == 2_005
    assert PayoutRequest.objects.filter(status="failed").count() == 1
    assert LedgerEntry.objects.count() == 2_005
    assert sorted(Claim.objects.values_list("status", flat=True)) == sorted(
        ["open", "open", "open", "granted", "rejected", "cancelled", "refused"]
    )
    assert BlanketGrant.objects.get(code="demo-1015-emoticon").status == "done"
    assert PayoutBatch.objects.count() == 1
    assert reconciliation_report().ok
    # The relief demo imports its partner file once, into the 1015 program with its line.
    from claims.relief.models import ReliefApplication
    from policies.models import ReliefProgram

    program = ReliefProgram.objects.get(code="outage-1015")
    assert 2_900 < ReliefApplication.objects.filter(program=program).count() <= 3_000
    assert program.insurance_line is not None
    assert ReliefApplication.objects.filter(audit_sample=True).exists()


@pytest.mark.django_db
def test_demo_logins_print_tokens_that_work(settings):
    import datetime as dt

    from django.utils import timezone
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    call_command("seed_demo", no_payouts=True, stdout=io.StringIO())
    old = timezone.now() - dt.timedelta(hours=settings.API_TOKEN_TTL_HOURS + 1)
    Token.objects.update(created=old)
    out = io.StringIO()
    call_command("seed_demo", no_payouts=True, stdout=out)
    agent_line = next(line for line in out.getvalue().splitlines() if "agent" in line)
    key = agent_line.rsplit(" ", 1)[1]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/policies/rules/").status_code == 200
