"""A bounded schemathesis run over the whole API, against a real HTTP server: no server
errors, every status code documented, every answer shaped as the schema says."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.authtoken.models import Token

from incidents.services.rm import PartyInput, incident_create
from tests.payouts.factories import PayoutRequestFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_the_api_keeps_its_schema_under_generated_input(live_server, django_user_model, tmp_path):
    from django.contrib.auth.models import Group

    schema = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(schema))
    # A manager, not a superuser: the token's permissions are read as in real use.
    manager = django_user_model.objects.create_user("contract", password="x", is_staff=True)
    manager.groups.add(Group.objects.get(name="manager"))
    token = Token.objects.create(user=manager)
    # Something for the id-taking operations to find, besides the 404s.
    PayoutRequestFactory.create_batch(3)
    for category, subtype in [
        ("criminal", "theft"),
        ("other", "general_dispute"),
        ("sexual", "assault"),
    ]:
        incident_create(
            service="daeri",
            category=category,
            subtype=subtype,
            severity="high",
            description="계약 시험",
            occurred_at=timezone.now(),
            parties=[PartyInput(role="driver", external_id="D-1")],
        )
    schemathesis = Path(sys.executable).with_name("schemathesis")
    result = subprocess.run(
        [
            str(schemathesis), "run", str(schema), "--url", live_server.url,
            "--header", f"Authorization: Token {token.key}",
            "--checks", "not_a_server_error,status_code_conformance,response_schema_conformance",
            "--max-examples", "15", "--seed", "20261202", "--request-timeout", "20",
            "--workers", "1", "--warnings", "off", "--report-dir", str(tmp_path / "report"),
        ],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "passed" in result.stdout
