"""A claim linked to an RM incident shows on the incident's page (through
INCIDENTS_LINKED_CLAIMS), with its type and status."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from claims.services import claim_link_incident
from incidents.services.rm import incident_create

pytestmark = pytest.mark.django_db
KST = ZoneInfo("Asia/Seoul")


def test_the_incident_page_lists_the_linked_claim(file_claim, rm_user):
    claim = file_claim()["id"]
    incident = incident_create(
        service="daeri", category="criminal", subtype="theft", severity="high",
        description="차량 내 지갑 분실", occurred_at=datetime(2026, 10, 6, 9, tzinfo=KST),
    )  # fmt: skip
    client = Client()
    client.force_login(rm_user)
    assert "연결된 클레임이 없습니다" in client.get(f"/incidents/{incident.pk}/").content.decode()
    claim_link_incident(claim_id=claim, incident_id=incident.pk, actor=rm_user)
    html = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert f"#{claim}<" in html and "연결된 클레임이 없습니다" not in html
    assert "클레임 연결" in html  # the timeline row
